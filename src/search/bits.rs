//! Clauses whose documents are, per segment, a bitset (64 documents a word): id filters
//! (`filter.rs`) and boxes (`points.rs`) compute the words, [`BitsQuery`] hands them to
//! tantivy as a clause that adds nothing to a document's score (relevance is the text's
//! score alone, whichever filters the plan joins), and [`Bits`] walks them.

use std::fmt::Debug;
use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::columns::SegmentColumns;

/// How many times cheaper a seek in a bitset is than in a posting list (measured on the
/// query benchmark: the intersection of a common word with a jurisdiction and a status).
const SEEK_COST: u32 = 8;

/// Words for a segment of `max_doc` documents.
pub fn words_for(max_doc: u32) -> usize {
    (max_doc as usize).div_ceil(64)
}

/// What a bitset clause selects in one segment.
pub trait SegmentBits: Debug + Clone + Send + Sync + 'static {
    /// The segment's documents that match, one bit each.
    fn words(&self, segment: &SegmentColumns, reader: &SegmentReader) -> tantivy::Result<Vec<u64>>;
}

/// A bitset clause over the searcher's segments.
#[derive(Clone)]
pub struct BitsQuery<S> {
    /// What it selects.
    pub source: S,
    /// The searcher's segments (their caches), by segment ordinal.
    pub segments: Arc<[Arc<SegmentColumns>]>,
}

impl<S: Debug> Debug for BitsQuery<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}

impl<S: SegmentBits> Query for BitsQuery<S> {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl<S: SegmentBits> Weight for BitsQuery<S> {
    fn scorer(&self, reader: &SegmentReader, _: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let segment = self.segments.iter().find(|s| s.segment_id == reader.segment_id()).ok_or_else(|| {
            tantivy::TantivyError::InternalError(format!("no columns for segment {}", reader.segment_id()))
        })?;
        Ok(Box::new(Bits::new(self.source.words(segment, reader)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 0.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match")));
        }
        Ok(Explanation::new("bitset clause", scorer.score()))
    }
}

/// A bitset walked as a doc set, every document scoring 0.
pub struct Bits {
    words: Vec<u64>,
    /// Index of the current word, and its bits not yet visited (the current one included).
    at: usize,
    left: u64,
    doc: DocId,
    len: u32,
}

impl Bits {
    /// The documents whose bits are set in `words`.
    pub fn new(words: Vec<u64>) -> Bits {
        let len = words.iter().map(|w| w.count_ones()).sum();
        let left = words.first().copied().unwrap_or(0);
        let mut bits = Bits { words, at: 0, left, doc: 0, len };
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
        0.0
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
        let mut bits = Bits::new(words.clone());
        let mut seen = vec![];
        while bits.doc() != TERMINATED {
            seen.push(bits.doc());
            bits.advance();
        }
        assert_eq!(seen, docs);
        let mut bits = Bits::new(words);
        assert_eq!((bits.seek(2), bits.seek(64), bits.seek(66), bits.seek(512)), (63, 64, 200, TERMINATED));
        assert_eq!(bits.advance(), TERMINATED);
        assert_eq!(Bits::new(vec![0, 0]).doc(), TERMINATED);
        assert_eq!(Bits::new(vec![]).doc(), TERMINATED);
    }
}
