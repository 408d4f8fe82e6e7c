//! Each segment's documents in the order of a time sort (newest requested, oldest requested,
//! latest updated first), built once per segment the first time a list asks for it and kept
//! with its columns. A list of a city is then the first set bits of a bitset laid out in that
//! order: no match is visited to find the page, and its total is a count of set bits. The
//! id-filter bitsets (`filter.rs`) are laid out in each order once per value; a time range on
//! the sorted time is a run of positions, found by binary search. For a range on the other
//! time, each run of 64 positions keeps the earliest and latest of its other times: a run
//! wholly inside or outside the range is decided at once, and only the others are checked
//! document by document (requested and updated times usually go together, so few are).
//!
//! The order is exactly the collector's (`collect.rs`): the sort value (the time, negated
//! when latest first; `+inf` without one) ascending, then the key hash, then the document.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::DocId;
use tantivy::schema::Field;

use super::bits::words_for;
use super::collect::SortKey;
use super::columns::{SegmentColumns, TimeField, Times};

/// Most value bitsets kept per ranking; past it, they are laid out per query.
const MAX_CACHED: usize = 512;

/// A time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeOrder {
    /// The time sorted by.
    pub field: TimeField,
    /// Latest first (`false`: earliest first).
    pub latest_first: bool,
}

impl TimeOrder {
    /// The sort value of a time: ascending values are the order's.
    #[inline]
    pub fn value(self, time: Option<i64>) -> f64 {
        match time {
            Some(t) if self.latest_first => -(t as f64),
            Some(t) => t as f64,
            None => f64::INFINITY,
        }
    }

    /// The sort values holding the times `lo..=hi`, as an inclusive range.
    fn values_of(self, (lo, hi): (i64, i64)) -> (f64, f64) {
        if self.latest_first { (-(hi as f64), -(lo as f64)) } else { (lo as f64, hi as f64) }
    }
}

/// One segment's documents in one time order.
pub struct Ranking {
    order: TimeOrder,
    /// The documents, in order.
    docs: Box<[DocId]>,
    /// Each document's position in `docs`.
    positions: Box<[u32]>,
    /// Value bitsets laid out by position, by field and value.
    by_value: Mutex<ValueBits>,
    /// Deleted documents by position, with the delete count they were made for.
    deleted: Mutex<Option<Deleted>>,
    /// The other time of each run of 64 positions.
    zones: Zones,
}

/// Bitsets by field and value.
type ValueBits = HashMap<(Field, String), Arc<Vec<u64>>>;

/// Deleted documents, one bit each, and the delete count they were made for.
pub type Deleted = (u32, Arc<Vec<u64>>);

/// For each run of 64 positions: the earliest and latest other time, and which positions
/// have none.
struct Zones {
    earliest: Box<[i64]>,
    latest: Box<[i64]>,
    missing: Box<[u64]>,
}

impl Ranking {
    /// Sorts the segment's documents (`columns`) by `order`.
    pub fn build(columns: &SegmentColumns, order: TimeOrder) -> Ranking {
        let times = columns.time(order.field);
        // The keys laid out beside the documents, so sorting compares in place.
        let mut keyed: Vec<(u64, u64, DocId)> =
            (0..times.docs()).map(|doc| (ordered(order.value(times.get(doc))), columns.tie(doc), doc)).collect();
        keyed.sort_unstable();
        let docs: Vec<DocId> = keyed.into_iter().map(|(.., doc)| doc).collect();
        let mut positions = vec![0u32; docs.len()].into_boxed_slice();
        for (position, doc) in docs.iter().enumerate() {
            positions[*doc as usize] = position as u32;
        }
        let zones = Zones::build(&docs, columns.time(order.field.other()));
        Ranking {
            order,
            docs: docs.into_boxed_slice(),
            positions,
            by_value: Mutex::new(HashMap::new()),
            deleted: Mutex::new(None),
            zones,
        }
    }

    /// Of the `candidates` among positions `64 * run ..`, those whose other time (`times`)
    /// lies in `range` (inclusive).
    pub fn other_in(&self, run: usize, candidates: u64, times: &Times, (low, high): (i64, i64)) -> u64 {
        let zones = &self.zones;
        let (earliest, latest) = (zones.earliest[run], zones.latest[run]);
        if candidates == 0 || earliest > high || latest < low {
            return 0;
        }
        if low <= earliest && latest <= high {
            return candidates & !zones.missing[run];
        }
        let mut kept = 0u64;
        for_each_set(&[candidates], |bit| {
            let doc = self.docs[run * 64 + bit as usize];
            if times.get(doc).is_some_and(|t| (low..=high).contains(&t)) {
                kept |= 1 << bit;
            }
        });
        kept
    }

    /// The document at a position.
    #[inline]
    pub fn doc(&self, position: usize) -> DocId {
        self.docs[position]
    }

    /// The position of a document.
    #[inline]
    pub fn position(&self, doc: DocId) -> usize {
        self.positions[doc as usize] as usize
    }

    /// Positions in all (the segment's documents).
    pub fn positions(&self) -> usize {
        self.docs.len()
    }

    /// The first position whose key sorts strictly after `after`.
    pub fn after(&self, columns: &SegmentColumns, after: SortKey) -> usize {
        let times = columns.time(self.order.field);
        self.docs.partition_point(|doc| {
            let key = SortKey { value: self.order.value(times.get(*doc)), tie: columns.tie(*doc) };
            key.order(&after) != std::cmp::Ordering::Greater
        })
    }

    /// The positions whose time lies in `range` (inclusive): a run, as `start..end`.
    pub fn run_of(&self, times: &Times, range: (i64, i64)) -> (usize, usize) {
        let (low, high) = self.order.values_of(range);
        let value = |doc: &DocId| self.order.value(times.get(*doc));
        let start = self.docs.partition_point(|doc| value(doc) < low);
        let end = self.docs.partition_point(|doc| value(doc) <= high);
        (start, end.max(start))
    }

    /// The documents holding `value` in `field`, one bit per position, from their bitset in
    /// document order.
    pub fn value_bits(&self, field: Field, value: &str, by_doc: &[u64]) -> Arc<Vec<u64>> {
        let key = (field, value.to_string());
        if let Some(found) = lock(&self.by_value).get(&key) {
            return found.clone();
        }
        let mut words = vec![0u64; words_for(self.docs.len() as u32)];
        for_each_set(by_doc, |doc| set(&mut words, self.position(doc)));
        let words = Arc::new(words);
        let mut cache = lock(&self.by_value);
        if cache.len() < MAX_CACHED {
            cache.insert(key, words.clone());
        }
        words
    }

    /// The deleted documents (`by_doc`, their bitset in document order, made for `count`
    /// deletes), one bit per position.
    pub fn deleted_bits(&self, count: u32, by_doc: &[u64]) -> Arc<Vec<u64>> {
        let mut cached = lock(&self.deleted);
        if let Some((_, words)) = cached.as_ref().filter(|(made_for, _)| *made_for == count) {
            return words.clone();
        }
        let mut words = vec![0u64; words_for(self.docs.len() as u32)];
        for_each_set(by_doc, |doc| set(&mut words, self.position(doc)));
        let words = Arc::new(words);
        *cached = Some((count, words.clone()));
        words
    }
}

impl Zones {
    /// The zones of `docs` (in position order) for `times`.
    fn build(docs: &[DocId], times: &Times) -> Zones {
        let runs = docs.chunks(64).map(|run| {
            let (mut earliest, mut latest, mut missing) = (i64::MAX, i64::MIN, 0u64);
            for (bit, doc) in run.iter().enumerate() {
                match times.get(*doc) {
                    Some(t) => (earliest, latest) = (earliest.min(t), latest.max(t)),
                    None => missing |= 1 << bit,
                }
            }
            (earliest, latest, missing)
        });
        let (mut earliest, mut latest, mut missing) = (Vec::new(), Vec::new(), Vec::new());
        for (e, l, m) in runs {
            earliest.push(e);
            latest.push(l);
            missing.push(m);
        }
        Zones { earliest: earliest.into(), latest: latest.into(), missing: missing.into() }
    }
}

/// An f64 as a u64 that sorts as [`f64::total_cmp`] does (sign bit flipped for positives,
/// every bit for negatives).
fn ordered(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[inline]
fn set(words: &mut [u64], bit: usize) {
    words[bit / 64] |= 1 << (bit % 64);
}

/// Calls `visit` with every set bit of `words`, ascending.
#[inline]
pub fn for_each_set(words: &[u64], mut visit: impl FnMut(u32)) {
    for (i, word) in words.iter().enumerate() {
        let mut left = *word;
        while left != 0 {
            visit(i as u32 * 64 + left.trailing_zeros());
            left &= left - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_bits_are_visited_in_order() {
        let mut words = vec![0u64; 3];
        for bit in [0, 5, 63, 64, 130, 191] {
            set(&mut words, bit);
        }
        let mut seen = Vec::new();
        for_each_set(&words, |bit| seen.push(bit));
        assert_eq!(seen, [0, 5, 63, 64, 130, 191]);
    }

    #[test]
    fn values_sort_as_floats_do() {
        let values = [f64::NEG_INFINITY, -1.7e9, -1.0, -0.0, 0.0, 1.0, 1.7e9, f64::INFINITY];
        for pair in values.windows(2) {
            assert!(ordered(pair[0]) < ordered(pair[1]), "{pair:?}");
            assert_eq!(ordered(pair[0]).cmp(&ordered(pair[1])), pair[0].total_cmp(&pair[1]));
        }
    }

    #[test]
    fn a_range_of_times_is_a_run_of_values_either_way() {
        let latest = TimeOrder { field: TimeField::Requested, latest_first: true };
        assert_eq!(latest.values_of((10, 20)), (-20.0, -10.0));
        assert!(latest.value(Some(20)) < latest.value(Some(10)) && latest.value(None) == f64::INFINITY);
        let earliest = TimeOrder { latest_first: false, ..latest };
        assert_eq!(earliest.values_of((10, 20)), (10.0, 20.0));
        assert_eq!(earliest.values_of((i64::MIN, i64::MAX)).1, i64::MAX as f64);
        assert!(earliest.value(None) > earliest.values_of((i64::MIN, i64::MAX)).1, "no time is in no range");
    }
}
