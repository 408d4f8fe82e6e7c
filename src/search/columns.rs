//! The fast-field columns of each segment, opened once and shared by every query, with the
//! segment's id-filter bitsets (`filter.rs`) and points (`points.rs`). Opening a column
//! reads its layout (thousands of blocks for a million documents), which cost more than a
//! whole selective query when each query opened its own; the columns read for every
//! candidate (times, tie-breakers) are decoded into memory, 24 bytes a document. Beside them
//! go what lists and relevance read instead of visiting every match: the segment's time
//! orders (`ranking.rs`) and its common words with their frequencies (`words.rs`). A segment's columns and postings never change (only its deletes
//! grow), so they are kept by segment id until the segment is merged away.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

use super::filter::FilterCache;
use super::points::SegmentPoints;
use super::ranking::{Deleted, Ranking, TimeOrder};
use super::words::WordCache;

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
    /// The common words' documents and frequencies.
    pub words: WordCache,
    /// The time orders, once a list asks for them (by [`ORDERS`] index).
    rankings: [OnceLock<Ranking>; 3],
    /// The deleted documents, one bit each, with the delete count they were made for.
    deleted: Mutex<Option<Deleted>>,
}

/// The time orders kept: newest requested, oldest requested, latest updated first.
const ORDERS: [TimeOrder; 3] = [
    TimeOrder { field: TimeField::Requested, latest_first: true },
    TimeOrder { field: TimeField::Requested, latest_first: false },
    TimeOrder { field: TimeField::Updated, latest_first: true },
];

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
            words: WordCache::default(),
            rankings: Default::default(),
            deleted: Mutex::new(None),
        })
    }

    /// The segment's deleted documents, one bit each (`None` when it has none). Deletes only
    /// grow while a segment lives, so the count tells whether the bits kept are current.
    pub fn deleted_bits(&self, reader: &SegmentReader) -> Option<Arc<Vec<u64>>> {
        let alive = reader.alive_bitset()?;
        let count = reader.num_deleted_docs();
        let mut kept = self.deleted.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, words)) = kept.as_ref().filter(|(made_for, _)| *made_for == count) {
            return Some(words.clone());
        }
        let mut words = vec![0u64; super::bits::words_for(reader.max_doc())];
        (0..reader.max_doc()).filter(|doc| alive.is_deleted(*doc)).for_each(|doc| {
            words[(doc / 64) as usize] |= 1 << (doc % 64);
        });
        let words = Arc::new(words);
        *kept = Some((count, words.clone()));
        Some(words)
    }

    /// The key hash of a document (every order's tie-breaker).
    #[inline]
    pub fn tie(&self, doc: DocId) -> u64 {
        self.ties.get(doc as usize).copied().unwrap_or(0)
    }

    /// The segment's documents in a time order (built on first use); `None` for an order
    /// not kept (earliest updated first), which the collector ranks instead.
    pub fn ranking(&self, order: TimeOrder) -> Option<&Ranking> {
        let i = ORDERS.iter().position(|kept| *kept == order)?;
        Some(self.rankings[i].get_or_init(|| Ranking::build(self, order)))
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeField {
    /// `requested`.
    Requested,
    /// `updated`.
    Updated,
}

impl TimeField {
    /// The other time.
    pub fn other(self) -> TimeField {
        match self {
            TimeField::Requested => TimeField::Updated,
            TimeField::Updated => TimeField::Requested,
        }
    }
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

    /// Documents in the segment (with or without the time).
    pub fn docs(&self) -> DocId {
        self.values.len() as DocId
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
