//! The fast-field columns of each segment, opened once and shared by every query, with the
//! segment's id-filter bitsets (`filter.rs`) and points (`points.rs`). Opening a column
//! reads its layout (thousands of blocks for a million documents), which cost more than a
//! whole selective query when each query opened its own; the columns read for every
//! candidate (times, tie-breakers) are decoded into memory, 24 bytes a document. A
//! segment's columns and postings never change, so they are kept by segment id until the
//! segment is merged away.

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
    /// Stable hash of each document's key (every order's tie-breaker), in memory.
    pub ties: Box<[u64]>,
    /// Store seq of the indexed version.
    pub seq: Column<u64>,
    /// Requested time, unix seconds, in memory.
    pub requested: Times,
    /// Updated time, unix seconds, in memory.
    pub updated: Times,
    /// Latitude.
    pub lat: Column<f64>,
    /// Longitude.
    pub long: Column<f64>,
    /// The points sorted by cell, once a query asks where.
    points: OnceLock<SegmentPoints>,
}

impl SegmentColumns {
    fn open(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let fast = reader.fast_fields();
        let key_hash = fast.u64("key_hash")?;
        let docs = 0..reader.max_doc();
        Ok(SegmentColumns {
            segment_id: reader.segment_id(),
            filters: FilterCache::default(),
            ties: docs.clone().map(|doc| key_hash.first(doc).unwrap_or(0)).collect(),
            seq: fast.u64("seq")?,
            requested: Times::read(&fast.i64("requested")?, reader.max_doc()),
            updated: Times::read(&fast.i64("updated")?, reader.max_doc()),
            lat: fast.f64("lat")?,
            long: fast.f64("long")?,
            points: OnceLock::new(),
        })
    }

    /// The segment's points (built on first use; `max_doc` is the segment's).
    pub fn points(&self, max_doc: DocId) -> &SegmentPoints {
        self.points.get_or_init(|| SegmentPoints::build(self, max_doc))
    }

    /// A time column.
    pub fn time(&self, field: TimeField) -> &Times {
        match field {
            TimeField::Requested => &self.requested,
            TimeField::Updated => &self.updated,
        }
    }
}

/// The time columns rankings and checks read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeField {
    /// `requested`.
    Requested,
    /// `updated`.
    Updated,
}

/// A time column decoded into memory, one slot per document: rankings and checks read it
/// for every candidate, and a slot costs a load where a compressed column costs a decode.
pub struct Times {
    values: Box<[i64]>,
    /// Smallest time held (`i64::MAX` when none).
    pub min: i64,
    /// Largest time held (`i64::MIN` when none).
    pub max: i64,
}

/// The slot of a document without the time.
const MISSING: i64 = i64::MIN;

impl Times {
    fn read(column: &Column<i64>, max_doc: DocId) -> Times {
        let values: Box<[i64]> = (0..max_doc).map(|doc| column.first(doc).unwrap_or(MISSING)).collect();
        let held = values.iter().copied().filter(|t| *t != MISSING);
        let (min, max) = held.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        Times { values, min, max }
    }

    /// The document's time.
    #[inline]
    pub fn get(&self, doc: DocId) -> Option<i64> {
        self.values.get(doc as usize).copied().filter(|t| *t != MISSING)
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
