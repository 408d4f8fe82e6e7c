//! Lists: a search without text or place, in a time order (newest, oldest, latest updated).
//! Each segment's candidates are a bitset laid out in that order (`ranking.rs`): the id
//! filters' bitsets ANDed over the run of positions a range on the sorted time leaves, less
//! the deleted documents. The page is then the first set bits after the cursor, and the
//! total their count: however many documents a city holds, no match is visited. A range on
//! the other time is decided 64 positions at a time where it can be (`ranking.rs`), and
//! otherwise checked on each candidate. The answer is the collector's (`collect.rs`),
//! document for document.

use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::{DocAddress, Searcher, SegmentOrdinal, SegmentReader};

use super::collect::{Ranked, SortKey, merge};
use super::columns::{SegmentColumns, TimeField};
use super::ranking::{Ranking, TimeOrder};

/// What a list asks.
pub struct List {
    /// The order.
    pub order: TimeOrder,
    /// `(field, values)`: every filter must hold, any of its values.
    pub filters: Vec<(Field, Vec<String>)>,
    /// A range on the time sorted by (unix seconds, inclusive).
    pub sorted_range: Option<(i64, i64)>,
    /// A range on the other time.
    pub other_range: Option<(TimeField, (i64, i64))>,
    /// Only what sorts strictly after this.
    pub after: Option<SortKey>,
    /// How many to keep.
    pub keep: usize,
}

/// The candidates of one segment: bits for positions `base..base + 64 * words.len()`.
struct Window {
    base: usize,
    words: Vec<u64>,
}

impl List {
    /// The best `keep` and the total over every segment; `None` when a segment does not keep
    /// the order (the collector ranks it then).
    pub fn rank(
        &self,
        searcher: &Searcher,
        columns: &[Arc<SegmentColumns>],
    ) -> tantivy::Result<Option<(Vec<Ranked>, u64)>> {
        let mut fruits = Vec::with_capacity(columns.len());
        for (ordinal, (reader, segment)) in searcher.segment_readers().iter().zip(columns).enumerate() {
            let Some(ranking) = segment.ranking(self.order) else { return Ok(None) };
            fruits.push(self.rank_segment(ordinal as SegmentOrdinal, reader, segment, ranking)?);
        }
        Ok(Some(merge(fruits, self.keep)?))
    }

    fn rank_segment(
        &self,
        ordinal: SegmentOrdinal,
        reader: &SegmentReader,
        segment: &SegmentColumns,
        ranking: &Ranking,
    ) -> tantivy::Result<(Vec<Ranked>, u64)> {
        let times = segment.time(self.order.field);
        let (start, end) = self.sorted_range.map_or((0, ranking.positions()), |range| ranking.run_of(times, range));
        if start >= end {
            return Ok((Vec::new(), 0));
        }
        let mut window = Window::of(start, end);
        for (field, values) in &self.filters {
            let ranked: Vec<Arc<Vec<u64>>> = values
                .iter()
                .map(|value| Ok(ranking.value_bits(*field, value, &segment.filters.value(reader, *field, value)?)))
                .collect::<tantivy::Result<_>>()?;
            window.and_any(&ranked);
        }
        if let Some(deleted) = segment.deleted_bits(reader) {
            window.and_not(&ranking.deleted_bits(reader.num_deleted_docs(), &deleted));
        }
        let from = self.after.map_or(start, |after| ranking.after(segment, after).max(start));
        if let Some((field, range)) = self.other_range {
            let times = segment.time(field);
            let first_run = window.base / 64;
            for (i, word) in window.words.iter_mut().enumerate() {
                *word = ranking.other_in(first_run + i, *word, times, range);
            }
        }
        let (positions, total) = window.first(from, self.keep);
        let ranked = positions.into_iter().map(|position| {
            let doc = ranking.doc(position);
            let key = SortKey { value: self.order.value(times.get(doc)), tie: segment.tie(doc) };
            Ranked { key, doc: DocAddress::new(ordinal, doc) }
        });
        Ok((ranked.collect(), total))
    }
}

impl Window {
    /// Every position of `start..end`.
    fn of(start: usize, end: usize) -> Window {
        let base = start / 64 * 64;
        let mut words = vec![u64::MAX; (end - base).div_ceil(64)];
        words[0] &= u64::MAX << (start - base);
        if (end - base) % 64 != 0 {
            let last = words.len() - 1;
            words[last] &= (1u64 << ((end - base) % 64)) - 1;
        }
        Window { base, words }
    }

    fn word_range(&self) -> std::ops::Range<usize> {
        self.base / 64..self.base / 64 + self.words.len()
    }

    /// Keeps the positions set in any of `bits` (laid out from position 0).
    fn and_any(&mut self, bits: &[Arc<Vec<u64>>]) {
        let range = self.word_range();
        match bits {
            [one] => self.and(&one[range]),
            many => {
                let mut any = vec![0u64; self.words.len()];
                for bits in many {
                    any.iter_mut().zip(&bits[range.clone()]).for_each(|(a, b)| *a |= b);
                }
                self.and(&any);
            }
        }
    }

    /// Keeps the positions set in `words` (laid out from `base`).
    fn and(&mut self, words: &[u64]) {
        self.words.iter_mut().zip(words).for_each(|(a, b)| *a &= b);
    }

    /// Drops the positions set in `bits` (laid out from position 0).
    fn and_not(&mut self, bits: &[u64]) {
        let range = self.word_range();
        self.words.iter_mut().zip(&bits[range]).for_each(|(a, b)| *a &= !b);
    }

    fn count(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// The first `keep` set positions from `from`, and the count of all set positions.
    fn first(&self, from: usize, keep: usize) -> (Vec<usize>, u64) {
        let mut positions = Vec::new();
        let skip = from.saturating_sub(self.base);
        for (i, word) in self.words.iter().enumerate().skip(skip / 64) {
            let mut left = if i == skip / 64 { word & (u64::MAX << (skip % 64)) } else { *word };
            while left != 0 && positions.len() < keep {
                positions.push(self.base + i * 64 + left.trailing_zeros() as usize);
                left &= left - 1;
            }
            if positions.len() >= keep {
                break;
            }
        }
        (positions, self.count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_holds_its_positions_and_pages_from_any_of_them() {
        let window = Window::of(70, 200);
        assert_eq!(window.base, 64);
        assert_eq!(window.count(), 130);
        assert_eq!(window.first(0, 1000).0, (70..200).collect::<Vec<_>>());
        assert_eq!(window.first(0, 3), (vec![70, 71, 72], 130));
        assert_eq!(window.first(130, 2), (vec![130, 131], 130));
        assert_eq!(window.first(199, 5), (vec![199], 130));
        assert_eq!(window.first(200, 5), (vec![], 130));
        let exact = Window::of(0, 128);
        assert_eq!((exact.words.len(), exact.count()), (2, 128));
        let sparse = Window { base: 64, words: vec![0b11, 0, 1 << 63] };
        assert_eq!(sparse.first(0, 10), (vec![64, 65, 255], 3));
        assert_eq!(sparse.first(66, 10), (vec![255], 3));
    }
}
