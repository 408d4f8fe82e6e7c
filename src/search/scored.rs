//! Relevance over bitsets, for a text of common words (each required; see `plan.rs`) with
//! any id filters: each segment's matches are the AND of the words' and the filters' bitsets
//! (`filter.rs`, `words.rs`), so the total is their count, exact, without visiting them.
//!
//! To rank, one word leads (the one in fewest documents): its documents come class by class
//! (`words.rs`: one text length and one frequency each), best class first. A document's
//! score is at most its class's bound, the lead word's score for the class plus each other
//! word's score at its highest frequency in texts of that length, so the walk stops at the
//! first class whose bound cannot make the page. With one word the bound is the score, and
//! a class's documents come by key hash, so a class stops at the first document past the
//! page. When the matches are a small share of the lead word's documents (two words that
//! seldom meet), the matches are visited instead, each skipped when its text's length
//! cannot make the page. Either way a match is scored exactly as tantivy scores the text
//! query: BM25 per word from the frequencies kept in memory, summed in the order tantivy's
//! conjunction sums them.

use std::sync::Arc;

use tantivy::collector::Collector;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::Bm25Weight;
use tantivy::schema::Field;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

use super::collect::{Best, Order, Ranked, Ranker, SortKey, merge};
use super::columns::SegmentColumns;
use super::filter::{IdFilter, SegmentFilter};
use super::words::{Class, Classes, WordDocs};

/// Slack on a bound that adds several scores, far above the rounding of a few f32
/// operations: a bound only has to be at least the score.
const BOUND_SLACK: Score = 1.0001;
/// When the matches are fewer than one in this many of the lead word's documents, they are
/// visited in document order rather than class by class.
const SPARSE: u64 = 16;

/// What a scored search asks.
pub struct Scored {
    /// The words, in the query's order.
    pub words: Vec<Term>,
    /// The id filters.
    pub filters: Vec<(Field, Vec<String>)>,
    /// The text field.
    pub text: Field,
    /// Only what sorts strictly after this.
    pub after: Option<SortKey>,
    /// How many to keep.
    pub keep: usize,
}

impl Scored {
    /// The best `keep` by score, and the total, over every segment.
    pub fn rank(&self, searcher: &Searcher, columns: &[Arc<SegmentColumns>]) -> tantivy::Result<(Vec<Ranked>, u64)> {
        let weights: Vec<Bm25Weight> = self
            .words
            .iter()
            .map(|t| Bm25Weight::for_terms(searcher, std::slice::from_ref(t)))
            .collect::<tantivy::Result<_>>()?;
        let ranker = Ranker {
            order: Order::Score,
            checks: Default::default(),
            after: self.after,
            keep: self.keep,
            columns: columns.to_vec(),
        };
        let mut fruits = Vec::with_capacity(columns.len());
        for (ordinal, (reader, segment)) in searcher.segment_readers().iter().zip(columns).enumerate() {
            fruits.push(self.rank_segment(&ranker, &weights, ordinal as SegmentOrdinal, reader, segment)?);
        }
        merge(fruits, self.keep)
    }

    fn rank_segment(
        &self,
        ranker: &Ranker,
        weights: &[Bm25Weight],
        ordinal: SegmentOrdinal,
        reader: &SegmentReader,
        segment: &SegmentColumns,
    ) -> tantivy::Result<(Vec<Ranked>, u64)> {
        let words: Vec<String> = self.words.iter().filter_map(|t| t.value().as_str().map(str::to_string)).collect();
        let docs: Vec<Arc<WordDocs>> =
            words.iter().map(|word| segment.words.get(reader, self.text, word)).collect::<tantivy::Result<_>>()?;
        let filter = IdFilter { filters: self.filters.clone(), words, text: self.text };
        let matches = SegmentFilter::new(&filter, segment, reader, segment.deleted_bits(reader))?;
        let total = matches.count();
        let scores = WordScores::new(weights, docs);
        let lead = &scores.docs[scores.lead];
        if total.saturating_mul(SPARSE) >= u64::from(lead.postings) {
            let classes = lead.classes(reader, segment, self.text)?;
            let mut best = ranker.for_segment(ordinal, reader)?.best;
            if self.by_class(&scores, classes, &matches, total, &mut best) {
                return Ok((best.into_kept(), total));
            }
        }
        let mut best = ranker.for_segment(ordinal, reader)?.best;
        by_doc(&scores, &matches, &reader.get_fieldnorms_reader(self.text)?, &mut best);
        Ok((best.into_kept(), total))
    }

    /// Offers the matches class by class, best first, until no class can make the page;
    /// `false` when it gave up after visiting twice the matches (the lead word's documents
    /// hold few of them: visiting every match costs less).
    fn by_class(
        &self,
        scores: &WordScores,
        lead: &Classes,
        matches: &SegmentFilter,
        total: u64,
        best: &mut Best,
    ) -> bool {
        let mut classes: Vec<(Score, &Class)> = lead.list.iter().map(|c| (scores.bound(c), c)).collect();
        classes.sort_by(|a, b| b.0.total_cmp(&a.0));
        let exact = scores.docs.len() == 1;
        let budget = total.saturating_mul(2).saturating_add(1024);
        let (mut visited, mut found) = (0u64, 0u64);
        for (bound, class) in classes {
            let value = -f64::from(bound);
            if found == total || best.bars(value) {
                break;
            }
            if exact && self.after.is_some_and(|after| value < after.value) {
                continue;
            }
            for &doc in lead.docs_of(class) {
                visited += 1;
                if visited > budget {
                    return false;
                }
                if !matches.holds(doc) {
                    continue;
                }
                found += 1;
                if !exact {
                    best.offer(doc, -f64::from(scores.of(doc, class.norm)));
                } else if best.bars_doc(doc, value) {
                    break;
                } else {
                    best.offer(doc, value);
                }
            }
        }
        true
    }
}

/// Offers every match whose text length can make the page, in document order.
fn by_doc(scores: &WordScores, matches: &SegmentFilter, norms: &FieldNormReader, best: &mut Best) {
    // A length none of the lead word's documents has holds no match: its bound bars all.
    let mut bounds = [f64::INFINITY; 256];
    let lead = &scores.docs[scores.lead];
    for norm in (0..=u8::MAX).filter(|norm| lead.max_freq(*norm) > 0) {
        bounds[usize::from(norm)] = -f64::from(scores.norm_bound(norm));
    }
    for i in 0..matches.words() {
        let mut word = matches.word(i);
        while word != 0 {
            let doc = i as DocId * 64 + word.trailing_zeros();
            word &= word - 1;
            let norm = norms.fieldnorm_id(doc);
            if !best.bars(bounds[usize::from(norm)]) {
                best.offer(doc, -f64::from(scores.of(doc, norm)));
            }
        }
    }
}

/// Scores of one segment's matches.
struct WordScores<'a> {
    weights: &'a [Bm25Weight],
    docs: Vec<Arc<WordDocs>>,
    /// The words (indexes) in the order tantivy's conjunction sums them: by posting list
    /// length, ties in the query's order.
    sum_order: Vec<usize>,
    /// The word whose classes lead: the one in fewest documents.
    lead: usize,
}

impl<'a> WordScores<'a> {
    fn new(weights: &'a [Bm25Weight], docs: Vec<Arc<WordDocs>>) -> WordScores<'a> {
        let mut sum_order: Vec<usize> = (0..docs.len()).collect();
        sum_order.sort_by_key(|i| docs[*i].postings);
        let lead = sum_order.first().copied().unwrap_or(0);
        WordScores { weights, docs, sum_order, lead }
    }

    /// The highest score a document of the lead word's `class` may have: its score itself
    /// when the text is one word.
    fn bound(&self, class: &Class) -> Score {
        let freq = |i: usize| if i == self.lead { class.freq } else { self.docs[i].max_freq(class.norm) };
        let bound = self.sum(|i| self.weights[i].score(class.norm, freq(i)));
        if self.docs.len() == 1 { bound } else { bound * BOUND_SLACK }
    }

    /// The highest score a document whose text has fieldnorm id `norm` may have.
    fn norm_bound(&self, norm: u8) -> Score {
        self.sum(|i| self.weights[i].score(norm, self.docs[i].max_freq(norm))) * BOUND_SLACK
    }

    /// A document's score, as tantivy computes it (`norm`: its fieldnorm id).
    #[inline]
    fn of(&self, doc: DocId, norm: u8) -> Score {
        self.sum(|i| self.weights[i].score(norm, self.docs[i].freq(doc)))
    }

    /// Sums each word's score as tantivy's conjunction does: the two shortest posting lists
    /// first, then the sum of the others.
    #[inline]
    fn sum(&self, score: impl Fn(usize) -> Score) -> Score {
        match self.sum_order.as_slice() {
            [] => 0.0,
            [one] => score(*one),
            [left, right, others @ ..] => {
                score(*left) + score(*right) + others.iter().map(|i| score(*i)).sum::<Score>()
            }
        }
    }
}
