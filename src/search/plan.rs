//! Planning a [`SearchQuery`]: which filters the index evaluates and which the collector
//! checks per candidate. Words and id filters always go to the index (the id filters as one
//! bitset clause, `filter.rs`). The box around the place asked for (a bbox, circle or
//! polygon; from each segment's point grid, `points.rs`) and the time periods of a requested or
//! updated range join, rarest first, only when estimated to select far fewer documents than
//! the clauses before them (building them costs about one step per document they hold,
//! however few documents the others already picked). The collector checks circles,
//! polygons and times exactly, and the box when the grid did not. No filter adds to a
//! document's score, so relevance is the text's score alone, whatever the plan: a cursor
//! holds the same score on every page, and every way of ranking (`find.rs`) agrees.

use std::sync::Arc;

use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::area::{Bbox, polygon_bbox};
use super::bits::BitsQuery;
use super::checks::Checks;
use super::columns::{SegmentColumns, TimeField};
use super::filter::IdFilter;
use super::index::SearchIndex;
use super::points::InBox;
use super::query::SearchQuery;
use super::{Result, SearchError, periods};

type Clause = (Occur, Box<dyn Query>);

/// A box no point falls in (the box of an empty area).
const EMPTY: Bbox = Bbox { west: 0.0, south: 1.0, east: 0.0, north: -1.0 };

/// A filter the index may evaluate, with the documents it is estimated to select.
enum Narrowing {
    /// Every id filter (`jurisdiction_id=a,b&status=open`), as one bitset clause.
    Ids(IdFilter),
    /// The points in a box, from each segment's point grid.
    Box(Bbox),
    /// Periods of a time range: a union of terms that over-covers (the collector checks the
    /// time exactly).
    Cover(Field, Vec<u64>),
}

impl SearchIndex {
    /// The index query and the checks left to the collector.
    pub(super) fn plan(
        &self,
        q: &SearchQuery,
        searcher: &Searcher,
        columns: &[Arc<SegmentColumns>],
    ) -> Result<(Box<dyn Query>, Checks)> {
        let f = &self.inner.fields;
        let (requested, updated) = q.time_ranges();
        let mut checks = Checks { bbox: q.bbox, circle: q.radius, area: q.polygon.clone(), requested, updated };
        let mut clauses: Vec<Clause> = Vec::new();
        let mut narrowest = u64::MAX;
        let mut words = Vec::new();
        if let Some(text) = &q.text {
            let query = self.text_query(text)?;
            let counted = counted_words(query.as_ref(), searcher);
            // Every word must appear: the rarest bounds the matches.
            narrowest = counted.iter().map(|(_, n)| *n).min().unwrap_or(u64::MAX);
            words = dense_words(query.as_ref(), &counted, searcher.num_docs());
            clauses.push((Occur::Must, query));
        }
        let ids = self.id_filter(q, searcher, words);
        let mut narrowings: Vec<(u64, Narrowing)> = ids.into_iter().collect();
        narrowings.extend(tightest_box(q).map(|b| (box_estimate(searcher, columns, &b), Narrowing::Box(b))));
        let periods = |field, range, time| periods_of(searcher, columns, field, range, time);
        narrowings.extend(requested.and_then(|r| periods(f.requested_period, r, TimeField::Requested)));
        narrowings.extend(updated.and_then(|r| periods(f.updated_period, r, TimeField::Updated)));
        narrowings.sort_by_key(|(estimate, _)| *estimate);
        for (estimate, narrowing) in narrowings {
            // Id filters always join (a seek in a bitset costs a word read); a cover joins
            // only when it selects far fewer than the clauses before it (a union costs its
            // postings, however few documents the others already picked).
            let leads = clauses.is_empty();
            match narrowing {
                Narrowing::Ids(filter) => {
                    clauses.push((Occur::Must, Box::new(BitsQuery { source: filter, segments: columns.into() })))
                }
                Narrowing::Box(bbox) if leads || estimate.saturating_mul(2) < narrowest => {
                    if q.bbox == Some(bbox) {
                        // The grid answers the box exactly.
                        checks.bbox = None;
                    }
                    clauses.push((Occur::Must, Box::new(BitsQuery { source: InBox(bbox), segments: columns.into() })));
                }
                Narrowing::Box(_) => continue,
                Narrowing::Cover(field, terms) if leads || estimate.saturating_mul(2) < narrowest => {
                    clauses.push((Occur::Must, union(field, terms)));
                }
                Narrowing::Cover(..) => continue,
            }
            narrowest = narrowest.min(estimate);
        }
        let query: Box<dyn Query> = match clauses.len() {
            0 => Box::new(AllQuery),
            // Alone, a clause is its own query (tantivy prunes a lone term, not a wrapped one).
            1 => clauses.pop().map_or_else(|| Box::new(AllQuery) as Box<dyn Query>, |(_, query)| query),
            _ => Box::new(BooleanQuery::new(clauses)),
        };
        Ok((query, checks))
    }

    /// The id filters asked for as one clause, with the documents its rarest filter holds.
    /// With them go the `words` the text requires (each then leaves the text scorer only the
    /// documents every filter holds to seek and score, where it would otherwise walk its
    /// whole posting list).
    fn id_filter(&self, q: &SearchQuery, searcher: &Searcher, words: Vec<(String, u64)>) -> Option<(u64, Narrowing)> {
        let filters = self.id_filters(q);
        if filters.is_empty() {
            return None;
        }
        let f = &self.inner.fields;
        let rarest = filters
            .iter()
            .map(|(field, values)| values.iter().map(|v| doc_freq(searcher, Term::from_field_text(*field, v))).sum())
            .chain(words.iter().map(|(_, n)| *n))
            .min()?;
        let words = words.into_iter().map(|(word, _)| word).collect();
        Some((rarest, Narrowing::Ids(IdFilter { filters, words, text: f.text })))
    }

    /// The id filters asked for (`jurisdiction_id`, `category`, `service_code`, `status`),
    /// each with its values.
    pub(super) fn id_filters(&self, q: &SearchQuery) -> Vec<(Field, Vec<String>)> {
        let f = &self.inner.fields;
        let statuses: Vec<String> = q.filter.statuses.iter().map(|s| s.as_str().to_string()).collect();
        let asked = [
            (f.jurisdiction_id, &q.filter.jurisdictions),
            (f.category, &q.filter.categories),
            (f.service_code, &q.filter.service_codes),
            (f.status, &statuses),
        ];
        asked
            .into_iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(field, values)| (field, values.clone()))
            .collect()
    }

    pub(super) fn text_query(&self, text: &str) -> Result<Box<dyn Query>> {
        if !text.chars().any(char::is_alphanumeric) {
            let detail = format!("q `{text}` has no words to search for");
            return Err(SearchError::Invalid { parameter: "q", detail });
        }
        let (query, errors) = self.inner.parser.parse_query_lenient(text);
        if !errors.is_empty() {
            tracing::debug!(?errors, text, "Parts of a text query were ignored");
        }
        Ok(query)
    }
}

/// The text query's words, each with the documents holding it.
fn counted_words(query: &dyn Query, searcher: &Searcher) -> Vec<(Term, u64)> {
    let mut counted = Vec::new();
    query.query_terms(&mut |term, _| counted.push((term.clone(), doc_freq(searcher, term.clone()))));
    counted
}

/// A word is common when at least one document in this many holds it: each segment then
/// keeps its documents as a bitset, with their frequencies (`words.rs`).
pub(super) const COMMON: u64 = 64;

/// The words of a text query that requires each of its words and nothing else (one word, or
/// words joined by AND), in the query's order; `None` for phrases, alternatives, exclusions
/// or boosts.
pub(super) fn required_words(query: &dyn Query) -> Option<Vec<Term>> {
    let term = |q: &dyn Query| q.downcast_ref::<TermQuery>().map(|t| t.term().clone());
    match query.downcast_ref::<BooleanQuery>() {
        Some(all) => {
            all.clauses().iter().map(|(occur, q)| term(q.as_ref()).filter(|_| *occur == Occur::Must)).collect()
        }
        None => term(query).map(|t| vec![t]),
    }
}

/// Whether `count` of `num_docs` documents make a word common.
pub(super) fn is_common(count: u64, num_docs: u64) -> bool {
    count.saturating_mul(COMMON) >= num_docs
}

/// The common words every match of the text query holds, with their counts, when it
/// requires each of its words and nothing else (a rarer word's posting list is already
/// short).
fn dense_words(query: &dyn Query, counted: &[(Term, u64)], num_docs: u64) -> Vec<(String, u64)> {
    let count = |t: &Term| counted.iter().find(|(c, _)| c == t).map_or(0, |(_, n)| *n);
    required_words(query)
        .unwrap_or_default()
        .iter()
        .map(|t| (t, count(t)))
        .filter(|(_, n)| is_common(*n, num_docs))
        .filter_map(|(t, n)| t.value().as_str().map(|word| (word.to_string(), n)))
        .collect()
}

fn doc_freq(searcher: &Searcher, term: Term) -> u64 {
    searcher.doc_freq(&term).unwrap_or(u64::MAX)
}

/// The smallest of the boxes around the bbox, circle and polygon asked for.
fn tightest_box(q: &SearchQuery) -> Option<Bbox> {
    let polygon = q.polygon.as_deref().map(|area| polygon_bbox(area).unwrap_or(EMPTY));
    let size = |b: &Bbox| (b.north - b.south) * b.long_spans().iter().map(|(w, e)| e - w).sum::<f64>();
    [q.bbox, q.radius.map(|r| r.bbox()), polygon].into_iter().flatten().min_by(|a, b| size(a).total_cmp(&size(b)))
}

/// About how many documents lie in the box, from the segments' point grids.
fn box_estimate(searcher: &Searcher, columns: &[Arc<SegmentColumns>], b: &Bbox) -> u64 {
    let segments = searcher.segment_readers().iter().zip(columns);
    segments.map(|(reader, c)| c.points(reader.max_doc()).estimate(b)).sum()
}

/// The periods covering a time range, clamped to the times the index holds, and an estimate
/// of the documents inside: all of them, scaled by the share of their time span the range
/// covers.
fn periods_of(
    searcher: &Searcher,
    columns: &[Arc<SegmentColumns>],
    field: Field,
    (from, to): (i64, i64),
    time: TimeField,
) -> Option<(u64, Narrowing)> {
    let held = columns.iter().map(|c| c.time(time));
    let (min, max) = held.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t.min), hi.max(t.max)));
    if min > max {
        return None;
    }
    let (from, to) = (from.max(min), to.min(max));
    let terms = periods::covering(from, to)?;
    let share = if to < from { 0.0 } else { (to - from + 1) as f64 / (max - min + 1) as f64 };
    Some(((searcher.num_docs() as f64 * share).ceil() as u64, Narrowing::Cover(field, terms)))
}

/// Documents holding any of the u64 terms, adding nothing to the score: a union of posting lists
/// (tantivy's term set builds an automaton and a bitset of the whole segment per query,
/// which costs more than the few dozen lists a cover holds).
fn union(field: Field, terms: Vec<u64>) -> Box<dyn Query> {
    let term = |t: u64| -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_u64(field, t), IndexRecordOption::Basic))
    };
    let any = BooleanQuery::new(terms.into_iter().map(|t| (Occur::Should, term(t))).collect());
    Box::new(ConstScoreQuery::new(Box::new(any), 0.0))
}
