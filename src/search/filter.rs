//! Id filters (`jurisdiction_id`, `status`, `category`, `service_code`, and common words) as
//! bitsets: each value's documents in a segment are read once from its posting list into a
//! bitset kept with the segment's columns (a common word's with its frequencies,
//! `words.rs`); a query ANDs its filters (ORing the values of each) a word at a time into
//! one [`IdFilter`] clause (`bits.rs`), or into the candidates of a list (`list.rs`) or of
//! relevance over bitsets (`scored.rs`). Intersected with words
//! or periods, a seek in a bitset costs a word read, where a long posting list costs a skip
//! search and a term-ordinal column a cache miss per candidate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, SegmentReader, TERMINATED, Term};

use super::bits::{SegmentBits, words_for};
use super::columns::SegmentColumns;

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
    pub fn value(&self, reader: &SegmentReader, field: Field, value: &str) -> tantivy::Result<Arc<Vec<u64>>> {
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

/// Documents holding, for every filter, one of its values, and every word.
#[derive(Debug, Clone)]
pub struct IdFilter {
    /// `(field, values)`: every filter must hold, any of its values.
    pub filters: Vec<(Field, Vec<String>)>,
    /// Words every document must hold (common ones: their documents are kept per segment).
    pub words: Vec<String>,
    /// The field the words are in.
    pub text: Field,
}

impl SegmentBits for IdFilter {
    fn words(&self, segment: &SegmentColumns, reader: &SegmentReader) -> tantivy::Result<Vec<u64>> {
        let filter = SegmentFilter::new(self, segment, reader, None)?;
        Ok((0..filter.len).map(|i| filter.word(i)).collect())
    }
}

/// An id filter's bitsets in one segment, ANDed a word at a time as they are read: counting
/// or testing its documents copies no bitset (only a filter of several values is ORed into
/// one first).
pub struct SegmentFilter {
    /// Every bitset must hold the document.
    all: Vec<Arc<Vec<u64>>>,
    /// Documents left out whatever the filters say.
    deleted: Option<Arc<Vec<u64>>>,
    /// Words in the segment's bitsets.
    len: usize,
    /// The bits of the segment's last word that are documents.
    last: u64,
}

impl SegmentFilter {
    /// The filter's bitsets in the segment, less the `deleted` documents.
    pub fn new(
        filter: &IdFilter,
        segment: &SegmentColumns,
        reader: &SegmentReader,
        deleted: Option<Arc<Vec<u64>>>,
    ) -> tantivy::Result<SegmentFilter> {
        let max_doc = reader.max_doc();
        let mut all = Vec::with_capacity(filter.filters.len() + filter.words.len());
        for (field, values) in &filter.filters {
            let bits = values.iter().map(|value| segment.filters.value(reader, *field, value));
            let bits = bits.collect::<tantivy::Result<Vec<_>>>()?;
            match <[_; 1]>::try_from(bits) {
                Ok([one]) => all.push(one),
                Err(many) => all.push(Arc::new(any_of(&many, max_doc))),
            }
        }
        for word in &filter.words {
            all.push(segment.words.get(reader, filter.text, word)?.bits.clone());
        }
        Ok(SegmentFilter { all, deleted, len: words_for(max_doc), last: last_word(max_doc) })
    }

    /// The documents `64 * i .. 64 * i + 63` that pass, one bit each.
    #[inline]
    pub fn word(&self, i: usize) -> u64 {
        let first = if i + 1 == self.len { self.last } else { u64::MAX };
        let word = self.all.iter().fold(first, |word, bits| word & bits[i]);
        match &self.deleted {
            Some(deleted) => word & !deleted[i],
            None => word,
        }
    }

    /// Whether a document passes.
    #[inline]
    pub fn holds(&self, doc: DocId) -> bool {
        let (i, bit) = ((doc / 64) as usize, doc % 64);
        self.all.iter().all(|bits| bits[i] >> bit & 1 == 1)
            && self.deleted.as_ref().is_none_or(|deleted| deleted[i] >> bit & 1 == 0)
    }

    /// Words in the segment's bitsets.
    pub fn words(&self) -> usize {
        self.len
    }

    /// How many documents pass.
    pub fn count(&self) -> u64 {
        let ones = |word: u64| u64::from(word.count_ones());
        match (self.all.as_slice(), &self.deleted) {
            ([a], None) => a.iter().map(|x| ones(*x)).sum(),
            ([a, b], None) => a.iter().zip(b.iter()).map(|(x, y)| ones(x & y)).sum(),
            ([a, b, c], None) => a.iter().zip(b.iter()).zip(c.iter()).map(|((x, y), z)| ones(x & y & z)).sum(),
            _ => (0..self.len).map(|i| ones(self.word(i))).sum(),
        }
    }
}

/// The documents in any of the bitsets.
fn any_of(bits: &[Arc<Vec<u64>>], max_doc: u32) -> Vec<u64> {
    let mut any = vec![0u64; words_for(max_doc)];
    for one in bits {
        any.iter_mut().zip(one.iter()).for_each(|(a, b)| *a |= b);
    }
    any
}

/// The bits of the last word of a segment of `max_doc` that are documents.
fn last_word(max_doc: u32) -> u64 {
    match max_doc % 64 {
        0 => u64::MAX,
        rest => (1u64 << rest) - 1,
    }
}
