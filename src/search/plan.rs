//! Planning a [`SearchQuery`]: which filters the index evaluates and which the collector
//! checks per candidate. Words always go to the index, and an id term when it is rarer than
//! the words (it then leads the intersection); other id terms are checked per candidate,
//! which costs less than seeking in their posting lists. Grid cells go to the index only
//! when the box is estimated to select fewer documents than the other clauses (a cell union
//! costs its postings, however few documents the words already picked); times are checked
//! by the collector unless they are the only filter. A filter adds the same score to every
//! document it matches (one term, a term set or a range), so relevance orders by the text
//! alone.

use std::ops::Bound;

use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::area::{Bbox, polygon_bbox};
use super::checks::Checks;
use super::index::SearchIndex;
use super::query::SearchQuery;
use super::{Result, SearchError, cells};

type Clause = (Occur, Box<dyn Query>);

/// A box no point falls in (the box of an empty area).
const EMPTY: Bbox = Bbox { west: 0.0, south: 1.0, east: 0.0, north: -1.0 };

impl SearchIndex {
    /// The index query and the checks left to the collector.
    pub(super) fn plan(&self, q: &SearchQuery, searcher: &Searcher) -> Result<(Box<dyn Query>, Checks)> {
        let f = &self.inner.fields;
        let mut checks = Checks { bbox: q.bbox, circle: q.radius, area: q.polygon.clone(), ..Checks::default() };
        let mut clauses: Vec<Clause> = Vec::new();
        let mut narrowest = u64::MAX;
        if let Some(text) = &q.text {
            clauses.push((Occur::Must, self.text_query(text)?));
            narrowest = self.text_estimate(text, searcher);
        }
        let statuses: Vec<String> = q.statuses.iter().map(|s| s.as_str().to_string()).collect();
        let terms = [
            ("jurisdiction_id", f.jurisdiction_id, &q.jurisdictions),
            ("category", f.category, &q.categories),
            ("service_code", f.service_code, &q.service_codes),
            ("status", f.status, &statuses),
        ];
        let mut estimated: Vec<_> = terms
            .into_iter()
            .filter(|(_, _, values)| !values.is_empty())
            .map(|(name, field, values)| {
                let found: u64 = values.iter().map(|v| doc_freq(searcher, Term::from_field_text(field, v))).sum();
                (found, name, field, values)
            })
            .collect();
        estimated.sort_by_key(|(found, ..)| *found);
        for (found, name, field, values) in estimated {
            // The rarest clause leads the intersection; for any other term, reading a term
            // ordinal per candidate costs less than seeking in its posting list.
            if clauses.is_empty() || found < narrowest {
                clauses.push((Occur::Must, any_term(field, values)));
                narrowest = narrowest.min(found);
            } else {
                checks.terms.push((name, values.clone()));
            }
        }
        if let Some((cells, estimate)) = tightest_box(q).and_then(|b| cells_of(searcher, f.cell, &b)) {
            if clauses.is_empty() || estimate.saturating_mul(2) < narrowest {
                let terms = cells.into_iter().map(|cell| Term::from_field_u64(f.cell, cell));
                clauses.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
            }
        }
        let (requested, updated) = (span(q.start, q.end), span(q.updated_after, q.updated_before));
        if clauses.is_empty() {
            // Nothing else narrows the search: one scan of the time columns is the cheapest.
            clauses.extend(requested.map(|r| time_range(f.requested, r)));
            clauses.extend(updated.map(|r| time_range(f.updated, r)));
        } else {
            (checks.requested, checks.updated) = (requested, updated);
        }
        let query: Box<dyn Query> =
            if clauses.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(clauses)) };
        Ok((query, checks))
    }

    fn text_query(&self, text: &str) -> Result<Box<dyn Query>> {
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

    /// Documents holding the rarest word of `text` (every word must appear).
    fn text_estimate(&self, text: &str, searcher: &Searcher) -> u64 {
        let field = self.inner.fields.text;
        let Ok(mut analyzer) = searcher.index().tokenizer_for_field(field) else { return u64::MAX };
        let mut stream = analyzer.token_stream(text);
        let mut rarest = u64::MAX;
        while stream.advance() {
            rarest = rarest.min(doc_freq(searcher, Term::from_field_text(field, &stream.token().text)));
        }
        rarest
    }
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

/// The cells covering `b` and an estimate of the documents inside: those of its 1° cells,
/// scaled by the share of their area the box covers.
fn cells_of(searcher: &Searcher, field: Field, b: &Bbox) -> Option<(Vec<u64>, u64)> {
    let cells = cells::covering(b)?;
    let (coarse, share) = cells::coarse(b)?;
    let held: u64 = coarse.into_iter().map(|cell| doc_freq(searcher, Term::from_field_u64(field, cell))).sum();
    Some((cells, (held as f64 * share).ceil() as u64))
}

fn any_term(field: Field, values: &[String]) -> Box<dyn Query> {
    match values {
        [one] => Box::new(TermQuery::new(Term::from_field_text(field, one), IndexRecordOption::Basic)),
        many => Box::new(TermSetQuery::new(many.iter().map(|v| Term::from_field_text(field, v)))),
    }
}

/// A time range in unix seconds, inclusive; `None` when neither end is given.
fn span(from: Option<jiff::Timestamp>, to: Option<jiff::Timestamp>) -> Option<(i64, i64)> {
    let second = |t: jiff::Timestamp| t.as_second();
    (from.is_some() || to.is_some()).then(|| (from.map_or(i64::MIN, second), to.map_or(i64::MAX, second)))
}

fn time_range(field: Field, (from, to): (i64, i64)) -> Clause {
    let (lo, hi) = (Term::from_field_i64(field, from), Term::from_field_i64(field, to));
    (Occur::Must, Box::new(RangeQuery::new(Bound::Included(lo), Bound::Included(hi))))
}
