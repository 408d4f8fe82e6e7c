//! Id filters (`jurisdiction_id`, `status`, `category`, `service_code`) as bitsets: each
//! value's documents in a segment are read once from its posting list into a bitset kept
//! with the segment's columns; a query ANDs its filters (ORing the values of each) a word at
//! a time and hands tantivy one [`IdFilter`] clause. Intersected with words, cells or
//! periods, a seek in a bitset costs a word read, where a long posting list costs a skip
//! search and a term-ordinal column a cache miss per candidate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

use super::columns::SegmentColumns;

/// How many times cheaper a seek in a bitset is than in a posting list (measured on the
/// query benchmark: the intersection of a common word with a jurisdiction and a status).
const SEEK_COST: u32 = 8;

/// Most value bitsets kept per segment; past it, bitsets are built per query.
const MAX_CACHED: usize = 512;

/// Bitsets (64 documents a word) by field and value.
type ValueBits = HashMap<(Field, String), Arc<Vec<u64>>>;

/// A segment's cached value bitsets, by field and value.
#[derive(Default)]
pub struct FilterCache {
    bits: Mutex<ValueBits>,
}

impl FilterCache {
    /// The documents of `value` in `field`, one bit each.
    fn value(&self, reader: &SegmentReader, field: Field, value: &str) -> tantivy::Result<Arc<Vec<u64>>> {
        let key = (field, value.to_string());
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let mut words = vec![0u64; words_for(reader.max_doc())];
        let term = Term::from_field_text(field, value);
        if let Some(mut postings) = reader.inverted_index(field)?.read_postings(&term, IndexRecordOption::Basic)? {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                words[(doc / 64) as usize] |= 1 << (doc % 64);
                doc = postings.advance();
            }
        }
        let words = Arc::new(words);
        let mut cache = self.lock();
        if cache.len() < MAX_CACHED {
            cache.insert(key, words.clone());
        }
        Ok(words)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ValueBits> {
        self.bits.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn words_for(max_doc: u32) -> usize {
    (max_doc as usize).div_ceil(64)
}

/// Documents holding, for every filter, one of its values; all scored alike.
#[derive(Clone)]
pub struct IdFilter {
    /// `(field, values)`: every filter must hold, any of its values.
    pub filters: Vec<(Field, Vec<String>)>,
    /// The searcher's segments (their bitset caches), by segment ordinal.
    pub segments: Arc<[Arc<SegmentColumns>]>,
}

impl std::fmt::Debug for IdFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdFilter").field("filters", &self.filters).finish()
    }
}

impl Query for IdFilter {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for IdFilter {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let segment = self.segments.iter().find(|s| s.segment_id == reader.segment_id());
        let cache = segment.map(|s| &s.filters).ok_or_else(|| {
            tantivy::TantivyError::InternalError(format!("no filter cache for segment {}", reader.segment_id()))
        })?;
        let mut all: Option<Vec<u64>> = None;
        for (field, values) in &self.filters {
            let bits: Vec<Arc<Vec<u64>>> =
                values.iter().map(|value| cache.value(reader, *field, value)).collect::<tantivy::Result<_>>()?;
            match (&mut all, bits.as_slice()) {
                (Some(all), [one]) => all.iter_mut().zip(one.iter()).for_each(|(a, b)| *a &= b),
                (None, [one]) => all = Some(one.to_vec()),
                (_, many) => {
                    let mut any = vec![0u64; words_for(reader.max_doc())];
                    for bits in many {
                        any.iter_mut().zip(bits.iter()).for_each(|(a, b)| *a |= b);
                    }
                    match &mut all {
                        Some(all) => all.iter_mut().zip(&any).for_each(|(a, b)| *a &= b),
                        None => all = Some(any),
                    }
                }
            }
        }
        Ok(Box::new(Bits::new(all.unwrap_or_default(), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match")));
        }
        Ok(Explanation::new("id filter", scorer.score()))
    }
}

/// A bitset walked as a doc set, every document scoring `score`.
pub struct Bits {
    words: Vec<u64>,
    /// Index of the current word, and its bits not yet visited (the current one included).
    at: usize,
    left: u64,
    doc: DocId,
    len: u32,
    score: Score,
}

impl Bits {
    /// The documents whose bits are set in `words`.
    pub fn new(words: Vec<u64>, score: Score) -> Bits {
        let len = words.iter().map(|w| w.count_ones()).sum();
        let left = words.first().copied().unwrap_or(0);
        let mut bits = Bits { words, at: 0, left, doc: 0, len, score };
        bits.settle();
        bits
    }

    /// Moves to the lowest unvisited bit at or after the current word.
    fn settle(&mut self) -> DocId {
        while self.left == 0 {
            self.at += 1;
            match self.words.get(self.at) {
                Some(word) => self.left = *word,
                None => {
                    self.doc = TERMINATED;
                    return TERMINATED;
                }
            }
        }
        self.doc = (self.at * 64) as DocId + self.left.trailing_zeros();
        self.doc
    }
}

impl DocSet for Bits {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.left &= self.left - 1;
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.doc || self.doc == TERMINATED {
            return self.doc;
        }
        let at = (target / 64) as usize;
        let Some(word) = self.words.get(at) else {
            self.doc = TERMINATED;
            return TERMINATED;
        };
        self.at = at;
        self.left = word & (u64::MAX << (target % 64));
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    /// Tantivy's intersection lets the smallest hint lead and seeks the others. A seek here
    /// costs a word read, where a posting list's costs a block search several times over,
    /// so the bitset claims more than it holds: it follows unless it is far rarer.
    fn size_hint(&self) -> u32 {
        self.len.saturating_mul(SEEK_COST)
    }
}

impl Scorer for Bits {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_walk_and_seek_every_set_bit() {
        let docs = [0u32, 1, 63, 64, 65, 200, 511];
        let mut words = vec![0u64; 8];
        docs.iter().for_each(|d| words[(d / 64) as usize] |= 1 << (d % 64));
        let mut bits = Bits::new(words.clone(), 1.0);
        let mut seen = vec![];
        while bits.doc() != TERMINATED {
            seen.push(bits.doc());
            bits.advance();
        }
        assert_eq!(seen, docs);
        let mut bits = Bits::new(words, 1.0);
        assert_eq!((bits.seek(2), bits.seek(64), bits.seek(66), bits.seek(512)), (63, 64, 200, TERMINATED));
        assert_eq!(bits.advance(), TERMINATED);
        assert_eq!(Bits::new(vec![0, 0], 1.0).doc(), TERMINATED);
        assert_eq!(Bits::new(vec![], 1.0).doc(), TERMINATED);
    }
}
