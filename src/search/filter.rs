//! Id filters (`jurisdiction_id`, `status`, `category`, `service_code`, and common words) as
//! bitsets: each value's documents in a segment are read once from its posting list into a
//! bitset kept with the segment's columns; a query ANDs its filters (ORing the values of
//! each) a word at a time into one [`IdFilter`] clause (`bits.rs`). Intersected with words
//! or periods, a seek in a bitset costs a word read, where a long posting list costs a skip
//! search and a term-ordinal column a cache miss per candidate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, SegmentReader, TERMINATED, Term};

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

/// Documents holding, for every filter, one of its values.
#[derive(Debug, Clone)]
pub struct IdFilter {
    /// `(field, values)`: every filter must hold, any of its values.
    pub filters: Vec<(Field, Vec<String>)>,
}

impl SegmentBits for IdFilter {
    fn words(&self, segment: &SegmentColumns, reader: &SegmentReader) -> tantivy::Result<Vec<u64>> {
        let cache = &segment.filters;
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
        Ok(all.unwrap_or_default())
    }
}
