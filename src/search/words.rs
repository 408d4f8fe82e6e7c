//! The documents of a common word in one segment, read once from its posting list: a bitset
//! (64 documents a word), how often each document holds the word, and the documents by
//! class: BM25 scores a word by its frequency in a document and the length of the
//! document's text (tantivy's fieldnorm id), so the documents of one (length, frequency)
//! class all score alike (grouped on first use: a filter needs only the bitset). An id
//! filter ANDs the bitset (`filter.rs`); relevance over bitsets (`scored.rs`) visits the
//! classes best first and takes the other words' frequencies from here, without seeking a
//! posting list. Kept per segment and word, like the id-filter bitsets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, SegmentReader, TERMINATED, Term};

use super::bits::words_for;
use super::columns::SegmentColumns;

/// Most words kept per segment; past it, a word is read per query.
const MAX_CACHED: usize = 256;
/// A frequency of this or more is looked up in `high`.
const HIGH: u8 = u8::MAX;

/// The documents of one word whose texts have one length and hold the word equally often.
#[derive(Debug, Clone, Copy)]
pub struct Class {
    /// The fieldnorm id of their texts.
    pub norm: u8,
    /// How often each holds the word.
    pub freq: u32,
    /// Where they are in the documents by class: `start..end`.
    pub start: u32,
    /// See `start`.
    pub end: u32,
}

/// A word's documents by class.
pub struct Classes {
    /// The classes, by length then frequency.
    pub list: Box<[Class]>,
    /// The documents, class after class, each class by key hash (the tie-breaker).
    by_class: Box<[DocId]>,
}

impl Classes {
    /// The documents of a class, by key hash.
    pub fn docs_of(&self, class: &Class) -> &[DocId] {
        &self.by_class[class.start as usize..class.end as usize]
    }
}

/// One segment's documents of one word.
pub struct WordDocs {
    /// The documents, one bit each.
    pub bits: Arc<Vec<u64>>,
    /// How many documents the bits before each word of `bits` hold.
    before: Box<[u32]>,
    /// Each document's frequency, in document order ([`HIGH`]: see `high`).
    freqs: Box<[u8]>,
    /// Frequencies of [`HIGH`] or more, by document.
    high: Box<[(DocId, u32)]>,
    /// The classes, once relevance walks them.
    classes: OnceLock<Classes>,
    /// The highest frequency in texts of each length (fieldnorm id).
    max_freqs: Box<[u32]>,
    /// The length of the posting list (deleted documents included): the cost tantivy
    /// orders a conjunction's words by.
    pub postings: u32,
}

impl WordDocs {
    /// Reads the word's posting list in the text `field` of the segment.
    pub fn read(reader: &SegmentReader, field: Field, word: &str) -> tantivy::Result<WordDocs> {
        let mut bits = vec![0u64; words_for(reader.max_doc())];
        let (mut freqs, mut high, mut max_freqs) = (Vec::new(), Vec::new(), vec![0u32; 256]);
        let norms = reader.get_fieldnorms_reader(field)?;
        let term = Term::from_field_text(field, word);
        if let Some(mut postings) = reader.inverted_index(field)?.read_postings(&term, IndexRecordOption::WithFreqs)? {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                bits[(doc / 64) as usize] |= 1 << (doc % 64);
                let freq = postings.term_freq();
                let most = &mut max_freqs[usize::from(norms.fieldnorm_id(doc))];
                *most = (*most).max(freq);
                freqs.push(u8::try_from(freq).unwrap_or(HIGH));
                if freq >= u32::from(HIGH) {
                    high.push((doc, freq));
                }
                doc = postings.advance();
            }
        }
        let mut before = Vec::with_capacity(bits.len());
        let mut held = 0u32;
        for word in &bits {
            before.push(held);
            held += word.count_ones();
        }
        Ok(WordDocs {
            bits: Arc::new(bits),
            before: before.into_boxed_slice(),
            postings: freqs.len() as u32,
            freqs: freqs.into_boxed_slice(),
            high: high.into_boxed_slice(),
            classes: OnceLock::new(),
            max_freqs: max_freqs.into_boxed_slice(),
        })
    }

    /// The documents by class (grouped on first use) of the word in the text `field` of the
    /// segment whose reader and columns are given.
    pub fn classes(&self, reader: &SegmentReader, columns: &SegmentColumns, field: Field) -> tantivy::Result<&Classes> {
        if let Some(classes) = self.classes.get() {
            return Ok(classes);
        }
        let norms = reader.get_fieldnorms_reader(field)?;
        let mut docs = Vec::with_capacity(self.postings as usize);
        for (i, word) in self.bits.iter().enumerate() {
            let mut left = *word;
            while left != 0 {
                let doc = i as DocId * 64 + left.trailing_zeros();
                left &= left - 1;
                docs.push((doc, self.freq(doc)));
            }
        }
        let classes = group(&docs, |doc| norms.fieldnorm_id(doc), |doc| columns.tie(doc));
        Ok(self.classes.get_or_init(|| classes))
    }

    /// How often a document holding the word holds it.
    #[inline]
    pub fn freq(&self, doc: DocId) -> u32 {
        let (word, bit) = ((doc / 64) as usize, doc % 64);
        let below = self.bits[word] & ((1u64 << bit) - 1);
        let nth = self.before[word] as usize + below.count_ones() as usize;
        match self.freqs[nth] {
            HIGH => self.high.binary_search_by_key(&doc, |(d, _)| *d).map_or(u32::from(HIGH), |i| self.high[i].1),
            freq => u32::from(freq),
        }
    }

    /// The highest frequency among the documents whose text has fieldnorm id `norm`.
    #[inline]
    pub fn max_freq(&self, norm: u8) -> u32 {
        self.max_freqs[usize::from(norm)]
    }
}

/// A class's (norm, freq) and its documents with their key hashes.
type Bucket = ((u8, u32), Vec<(u64, DocId)>);

/// Groups `(doc, freq)` by (norm, freq), each group by tie: documents go to their class in
/// one pass, then each class is sorted (cheaper than sorting them all by class and tie).
fn group(docs: &[(DocId, u32)], norm: impl Fn(DocId) -> u8, tie: impl Fn(DocId) -> u64) -> Classes {
    let mut buckets: HashMap<(u8, u32), Vec<(u64, DocId)>> = HashMap::new();
    for &(doc, freq) in docs {
        buckets.entry((norm(doc), freq)).or_default().push((tie(doc), doc));
    }
    let mut buckets: Vec<Bucket> = buckets.into_iter().collect();
    buckets.sort_unstable_by_key(|(key, _)| *key);
    let (mut list, mut by_class) = (Vec::with_capacity(buckets.len()), Vec::with_capacity(docs.len()));
    for ((norm, freq), mut members) in buckets {
        members.sort_unstable();
        let start = by_class.len() as u32;
        by_class.extend(members.into_iter().map(|(_, doc)| doc));
        list.push(Class { norm, freq, start, end: by_class.len() as u32 });
    }
    Classes { list: list.into_boxed_slice(), by_class: by_class.into_boxed_slice() }
}

/// A segment's words, by word.
#[derive(Default)]
pub struct WordCache {
    by_word: Mutex<HashMap<String, Arc<WordDocs>>>,
}

impl WordCache {
    /// The documents of `word` in the text `field` of the segment.
    pub fn get(&self, reader: &SegmentReader, field: Field, word: &str) -> tantivy::Result<Arc<WordDocs>> {
        if let Some(found) = self.lock().get(word) {
            return Ok(found.clone());
        }
        let docs = Arc::new(WordDocs::read(reader, field, word)?);
        let mut cache = self.lock();
        if cache.len() < MAX_CACHED {
            cache.insert(word.to_string(), docs.clone());
        }
        Ok(docs)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<WordDocs>>> {
        self.by_word.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_group_by_length_and_frequency_each_by_tie() {
        let docs = [(0, 1), (1, 2), (2, 1), (3, 1), (4, 2)];
        let norm = |doc: DocId| if doc < 3 { 5 } else { 9 };
        let tie = |doc: DocId| 10 - u64::from(doc);
        let classes = group(&docs, norm, tie);
        let found: Vec<(u8, u32, Vec<DocId>)> =
            classes.list.iter().map(|c| (c.norm, c.freq, classes.docs_of(c).to_vec())).collect();
        assert_eq!(found, [(5, 1, vec![2, 0]), (5, 2, vec![1]), (9, 1, vec![3]), (9, 2, vec![4])]);
    }
}
