//! The ranking collector: one pass over the matching documents that applies the exact
//! checks (`checks.rs`), counts the total,
//! skips what sorts at or before the cursor and keeps the best `keep` by sort value, ties
//! broken by the stable key hash. Everything it reads is a fast field.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::area::distance_metres;
use super::checks::{Checks, SegmentChecks};

/// Where an item sorts: ascending `value` (descending orders negate), then `tie`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SortKey {
    /// The sort value; `+inf` for items missing it (they sort last).
    pub value: f64,
    /// Stable hash of the item's key.
    pub tie: u64,
}

impl SortKey {
    fn order(&self, other: &SortKey) -> Ordering {
        self.value.total_cmp(&other.value).then(self.tie.cmp(&other.tie))
    }
}

/// A kept document with its sort key.
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    /// Where it sorts.
    pub key: SortKey,
    /// The document.
    pub doc: DocAddress,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.order(&other.key).then(self.doc.cmp(&other.doc))
    }
}

/// The sort value of a document.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    /// Text score, best first.
    Score,
    /// An i64 fast field, largest first.
    Descending(&'static str),
    /// Distance from a point, nearest first.
    Distance(f64, f64),
}

/// Ranks matches: see the module documentation.
pub struct Ranker {
    /// Sort value.
    pub order: Order,
    /// Exact checks.
    pub checks: Checks,
    /// Only what sorts strictly after this.
    pub after: Option<SortKey>,
    /// How many to keep.
    pub keep: usize,
}

/// One segment's share of the work.
pub struct SegmentRanker {
    segment: SegmentOrdinal,
    order: Order,
    checks: SegmentChecks,
    after: Option<SortKey>,
    keep: usize,
    value: Option<Column<i64>>,
    tie: Column<u64>,
    heap: BinaryHeap<Ranked>,
    total: u64,
}

impl Collector for Ranker {
    type Fruit = (Vec<Ranked>, u64);
    type Child = SegmentRanker;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentRanker> {
        let fast = reader.fast_fields();
        let value = match self.order {
            Order::Descending(field) => Some(fast.i64(field)?),
            _ => None,
        };
        Ok(SegmentRanker {
            segment,
            order: self.order,
            checks: self.checks.for_segment(fast, matches!(self.order, Order::Distance(..)))?,
            after: self.after,
            keep: self.keep,
            value,
            tie: fast.u64("key_hash")?,
            heap: BinaryHeap::with_capacity(self.keep.min(4096) + 1),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        matches!(self.order, Order::Score)
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<Ranked>, u64)>) -> tantivy::Result<(Vec<Ranked>, u64)> {
        let total = fruits.iter().map(|(_, n)| n).sum();
        let mut all: Vec<Ranked> = fruits.into_iter().flat_map(|(ranked, _)| ranked).collect();
        all.sort_unstable();
        all.truncate(self.keep);
        Ok((all, total))
    }
}

impl SegmentCollector for SegmentRanker {
    type Fruit = (Vec<Ranked>, u64);

    fn collect(&mut self, doc: DocId, score: Score) {
        let point = self.checks.point(doc);
        if !self.checks.accepts(doc, point) {
            return;
        }
        self.total += 1;
        let value = match self.order {
            Order::Score => -f64::from(score),
            Order::Descending(_) => {
                self.value.as_ref().and_then(|c| c.first(doc)).map_or(f64::INFINITY, |v| -(v as f64))
            }
            Order::Distance(lat, long) => point.map_or(f64::INFINITY, |(la, lo)| distance_metres(lat, long, la, lo)),
        };
        if self.after.is_some_and(|a| value < a.value) {
            return;
        }
        let full = self.heap.len() >= self.keep;
        if full && self.heap.peek().is_some_and(|worst| value > worst.key.value) {
            return;
        }
        let key = SortKey { value, tie: self.tie.first(doc).unwrap_or(0) };
        if self.after.is_some_and(|a| key.order(&a) != Ordering::Greater) {
            return;
        }
        self.heap.push(Ranked { key, doc: DocAddress::new(self.segment, doc) });
        if self.heap.len() > self.keep {
            self.heap.pop();
        }
    }

    fn harvest(self) -> (Vec<Ranked>, u64) {
        (self.heap.into_vec(), self.total)
    }
}
