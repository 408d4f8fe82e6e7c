//! The ranking collectors. [`Ranker`]: one pass over the matching documents that applies the
//! exact checks (`checks.rs`), counts the total, skips what sorts at or before the cursor and
//! keeps the best `keep` by sort value, ties broken by the stable key hash; everything it
//! reads comes from the segment's columns (`columns.rs`). [`ByScore`]: the same answer for a
//! plain text query ranked by relevance, without visiting every match.

use std::cmp::Ordering;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::area::distance_metres;
use super::checks::{Checks, SegmentChecks};
use super::columns::SegmentColumns;
use super::ranking::TimeOrder;

/// Where an item sorts: ascending `value` (descending orders negate), then `tie`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SortKey {
    /// The sort value; `+inf` for items missing it (they sort last).
    pub value: f64,
    /// Stable hash of the item's key.
    pub tie: u64,
}

impl SortKey {
    /// How two keys sort.
    pub fn order(&self, other: &SortKey) -> Ordering {
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
    /// A time, latest or earliest first.
    Time(TimeOrder),
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
    /// Each segment's columns, by segment ordinal.
    pub columns: Vec<Arc<SegmentColumns>>,
}

/// One segment's share of the work.
pub struct SegmentRanker {
    order: Order,
    checks: SegmentChecks,
    /// The best documents so far.
    pub(super) best: Best,
    total: u64,
    /// Accepted documents not offered yet (time orders only).
    latest_last: Vec<DocId>,
}

/// A segment's best `keep` documents that sort after the cursor: a buffer cut back to the
/// best `keep` whenever it fills, whose worst kept key then bars what cannot make the page.
/// Each document costs amortized O(1), whatever order the documents come in (a heap costs
/// O(log keep) for each improvement, and documents often arrive in time order).
pub(super) struct Best {
    segment: SegmentOrdinal,
    after: Option<SortKey>,
    keep: usize,
    /// Size at which the buffer is cut next, and the most it grows to.
    cut_at: usize,
    widest: usize,
    columns: Arc<SegmentColumns>,
    kept: Vec<Ranked>,
    /// The worst key kept at the last cut: only better ones can make the page.
    bar: Option<SortKey>,
}

impl Collector for Ranker {
    type Fruit = (Vec<Ranked>, u64);
    type Child = SegmentRanker;

    fn for_segment(&self, segment: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<SegmentRanker> {
        let columns = self
            .columns
            .get(segment as usize)
            .ok_or_else(|| tantivy::TantivyError::InternalError(format!("no columns for segment {segment}")))?;
        // The first cut comes early, to set a bar; the buffer then doubles, so that documents
        // arriving in ascending order (each one a new best) cost few cuts. A score ranker
        // keeps cutting early, for its bar prunes blocks.
        let first = (self.keep * 2).max(2);
        let widest = if matches!(self.order, Order::Score) { first } else { first.max(1024) };
        let best = Best {
            segment,
            after: self.after,
            keep: self.keep,
            cut_at: first,
            widest,
            columns: columns.clone(),
            kept: Vec::with_capacity(self.keep.min(64) * 2),
            bar: None,
        };
        Ok(SegmentRanker {
            order: self.order,
            checks: self.checks.for_segment(columns, matches!(self.order, Order::Distance(..))),
            best,
            total: 0,
            latest_last: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        matches!(self.order, Order::Score)
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<Ranked>, u64)>) -> tantivy::Result<(Vec<Ranked>, u64)> {
        merge(fruits, self.keep)
    }
}

/// The best `keep` of the segments' best, and the sum of their totals.
pub fn merge(fruits: Vec<(Vec<Ranked>, u64)>, keep: usize) -> tantivy::Result<(Vec<Ranked>, u64)> {
    let total = fruits.iter().map(|(_, n)| n).sum();
    let mut all: Vec<Ranked> = fruits.into_iter().flat_map(|(ranked, _)| ranked).collect();
    all.sort_unstable();
    all.truncate(keep);
    Ok((all, total))
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
            Order::Time(order) if order.latest_first => {
                self.latest_last.push(doc);
                if self.latest_last.len() == LATEST_CHUNK {
                    self.offer_latest_first();
                }
                return;
            }
            Order::Time(order) => order.value(self.best.columns.time(order.field).get(doc)),
            Order::Distance(lat, long) => point.map_or(f64::INFINITY, |(la, lo)| distance_metres(lat, long, la, lo)),
        };
        self.best.offer(doc, value);
    }

    fn harvest(mut self) -> (Vec<Ranked>, u64) {
        self.offer_latest_first();
        (self.best.into_kept(), self.total)
    }
}

/// Documents held back to be offered in reverse, when ranking by time.
const LATEST_CHUNK: usize = 4096;

impl SegmentRanker {
    /// Offers the held-back documents, last first. Documents are indexed in the order the
    /// store wrote them, mostly oldest first, so the latest come first this way: the first
    /// cut sets a bar that most of the rest fail at one comparison, where in index order
    /// nearly every document would be a new best. (Earliest first, index order does that.)
    fn offer_latest_first(&mut self) {
        let Order::Time(order) = self.order else { return };
        let columns = Arc::clone(&self.best.columns);
        let times = columns.time(order.field);
        for doc in self.latest_last.drain(..).rev() {
            self.best.offer(doc, order.value(times.get(doc)));
        }
    }
}

impl Best {
    /// Whether a document sorting at `value` cannot make the page (the bar is set and the
    /// value sorts after it; an equal value may still win on its key hash).
    #[inline]
    pub fn bars(&self, value: f64) -> bool {
        self.bar.is_some_and(|b| value > b.value)
    }

    /// Whether the document, sorting at `value`, cannot make the page (the bar is set and
    /// its key sorts at or after it).
    #[inline]
    pub fn bars_doc(&self, doc: DocId, value: f64) -> bool {
        let key = SortKey { value, tie: self.columns.tie(doc) };
        self.bar.is_some_and(|b| key.order(&b) != Ordering::Less)
    }

    /// Keeps the document if it sorts after the cursor and among the best so far.
    pub fn offer(&mut self, doc: DocId, value: f64) {
        if self.after.is_some_and(|a| value < a.value) || self.bar.is_some_and(|b| value > b.value) {
            return;
        }
        let key = SortKey { value, tie: self.columns.tie(doc) };
        if self.after.is_some_and(|a| key.order(&a) != Ordering::Greater)
            || self.bar.is_some_and(|b| key.order(&b) != Ordering::Less)
        {
            return;
        }
        self.kept.push(Ranked { key, doc: DocAddress::new(self.segment, doc) });
        if self.kept.len() >= self.cut_at {
            self.cut();
            self.cut_at = (self.cut_at * 2).min(self.widest);
        }
    }

    /// Cuts the buffer back to the best `keep` and raises the bar to the worst of them.
    fn cut(&mut self) {
        if self.kept.len() > self.keep && self.keep > 0 {
            self.kept.select_nth_unstable(self.keep - 1);
            self.kept.truncate(self.keep);
        }
        self.bar = self.kept.iter().max().map(|worst| worst.key).filter(|_| self.kept.len() >= self.keep);
    }

    /// The score a document must beat to be kept, once a cut has set the bar: just under
    /// it, so ties (broken by the key hash) still come through.
    fn score_floor(&self) -> Score {
        self.bar.map_or(Score::MIN, |bar| (-bar.value as Score).next_down())
    }

    /// The best `keep`, in no particular order.
    pub fn into_kept(mut self) -> Vec<Ranked> {
        self.cut();
        self.kept
    }
}

/// Relevance ranking with no per-document checks, for a query tantivy can prune (one term,
/// or a union of terms): block-max WAND skips the blocks that cannot beat the kept scores,
/// and the total is counted apart (from the term's document frequency when the segment has
/// no deletes). The answer equals [`Ranker`]'s.
pub struct ByScore(pub Ranker);

impl Collector for ByScore {
    type Fruit = (Vec<Ranked>, u64);
    type Child = SegmentRanker;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentRanker> {
        self.0.for_segment(segment, reader)
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<Ranked>, u64)>) -> tantivy::Result<(Vec<Ranked>, u64)> {
        merge(fruits, self.0.keep)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<(Vec<Ranked>, u64)> {
        let mut best = self.for_segment(segment, reader)?.best;
        let alive = reader.alive_bitset();
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                best.offer(doc, -f64::from(score));
            }
            best.score_floor()
        })?;
        let total = weight.count(reader)?;
        Ok((best.into_kept(), u64::from(total)))
    }
}
