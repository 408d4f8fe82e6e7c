//! The fast-field columns of each segment, opened once and shared by every query, with the
//! segment's id-filter bitsets (`filter.rs`) and points (`points.rs`). Opening a column
//! reads its layout (thousands of blocks for a million documents), which cost more than a
//! whole selective query when each query opened its own; a segment's columns and postings
//! never change, so they are kept by segment id until the segment is merged away.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

use super::filter::FilterCache;
use super::points::SegmentPoints;

/// One segment's columns.
pub struct SegmentColumns {
    /// The segment.
    pub segment_id: SegmentId,
    /// Its id-filter bitsets.
    pub filters: FilterCache,
    /// Stable hash of the key (every order's tie-breaker).
    pub key_hash: Column<u64>,
    /// Store seq of the indexed version.
    pub seq: Column<u64>,
    /// Requested time, unix seconds.
    pub requested: Column<i64>,
    /// Updated time, unix seconds.
    pub updated: Column<i64>,
    /// Latitude.
    pub lat: Column<f64>,
    /// Longitude.
    pub long: Column<f64>,
    /// The points in an R-tree, once a query asks where.
    points: OnceLock<SegmentPoints>,
}

impl SegmentColumns {
    fn open(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let fast = reader.fast_fields();
        Ok(SegmentColumns {
            segment_id: reader.segment_id(),
            filters: FilterCache::default(),
            key_hash: fast.u64("key_hash")?,
            seq: fast.u64("seq")?,
            requested: fast.i64("requested")?,
            updated: fast.i64("updated")?,
            lat: fast.f64("lat")?,
            long: fast.f64("long")?,
            points: OnceLock::new(),
        })
    }

    /// The segment's points (built on first use; `max_doc` is the segment's).
    pub fn points(&self, max_doc: DocId) -> &SegmentPoints {
        self.points.get_or_init(|| SegmentPoints::build(self, max_doc))
    }

    /// A time column by field name (`requested` or `updated`).
    pub fn time(&self, field: &str) -> Option<&Column<i64>> {
        match field {
            "requested" => Some(&self.requested),
            "updated" => Some(&self.updated),
            _ => None,
        }
    }
}

/// Columns by segment id.
#[derive(Default)]
pub struct ColumnCache {
    by_segment: Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl ColumnCache {
    /// The columns of each of the searcher's segments, by segment ordinal.
    pub fn for_searcher(&self, searcher: &Searcher) -> tantivy::Result<Vec<Arc<SegmentColumns>>> {
        let mut cache = self.by_segment.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let readers = searcher.segment_readers();
        let mut columns = Vec::with_capacity(readers.len());
        for reader in readers {
            let id = reader.segment_id();
            let segment = match cache.get(&id) {
                Some(found) => found.clone(),
                None => {
                    let opened = Arc::new(SegmentColumns::open(reader)?);
                    cache.insert(id, opened.clone());
                    opened
                }
            };
            columns.push(segment);
        }
        if cache.len() > readers.len() {
            cache.retain(|id, _| readers.iter().any(|r| r.segment_id() == *id));
        }
        Ok(columns)
    }
}
