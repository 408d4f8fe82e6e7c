//! Running a [`SearchQuery`]: filters become one tantivy boolean query (terms for ids and
//! words, grid cells around any box, circle or polygon; filters score nothing, so relevance
//! is the text's alone) plus exact checks for the collector (geometry, and times unless they
//! are the only filter, then a fast-field range), the [`Ranker`] collects, and the kept documents' keys are read from the `key` fast field.

use std::collections::HashMap;
use std::ops::Bound;

use tantivy::columnar::StrColumn;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::area::{Bbox, polygon_bbox};
use super::checks::Checks;
use super::collect::{Order, Ranked, Ranker};
use super::index::SearchIndex;
use super::query::{SearchPage, SearchQuery, Sort};
use super::schema::{Fields, KEY_SEPARATOR};
use super::{Result, SearchError, cells, cursor};

type Clause = (Occur, Box<dyn Query>);

impl SearchIndex {
    /// Finds one page of keys; records are then read from the store by key.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage> {
        q.validate()?;
        let sort = q.effective_sort();
        let after = q.cursor.as_deref().map(|c| cursor::decode(sort, c)).transpose()?;
        let (query, checks) = self.plan(q)?;
        let page_end = q.offset.saturating_add(q.limit);
        let ranker = Ranker { order: order(sort), checks, after, keep: page_end.saturating_add(1) };
        let searcher = self.inner.reader.searcher();
        let (ranked, total) = searcher.search(&query, &ranker)?;
        let more = ranked.len() > page_end;
        let page = ranked.get(q.offset.min(ranked.len())..page_end.min(ranked.len())).unwrap_or(&[]);
        let keys = read_keys(&searcher, page)?;
        let next_cursor = match (more, page.last(), keys.last()) {
            (true, Some(last), Some((jid, id))) => Some(cursor::encode(sort, last.key.value, jid, id)),
            _ => None,
        };
        Ok(SearchPage { keys, next_cursor, total })
    }

    /// The index query and the checks left to the collector.
    fn plan(&self, q: &SearchQuery) -> Result<(Box<dyn Query>, Checks)> {
        let f = &self.inner.fields;
        let mut checks = Checks { bbox: q.bbox, circle: q.radius, area: q.polygon.clone(), ..Checks::default() };
        let mut clauses: Vec<Clause> = Vec::new();
        if let Some(text) = &q.text {
            if !text.chars().any(char::is_alphanumeric) {
                let detail = format!("q `{text}` has no words to search for");
                return Err(SearchError::Invalid { parameter: "q", detail });
            }
            let (query, errors) = self.inner.parser.parse_query_lenient(text);
            if !errors.is_empty() {
                tracing::debug!(?errors, text, "Parts of a text query were ignored");
            }
            clauses.push((Occur::Must, query));
        }
        let statuses: Vec<String> = q.statuses.iter().map(|s| s.as_str().to_string()).collect();
        for (field, values) in [
            (f.jurisdiction_id, &q.jurisdictions),
            (f.category, &q.categories),
            (f.service_code, &q.service_codes),
            (f.status, &statuses),
        ] {
            if !values.is_empty() {
                clauses.push((Occur::Must, unscored(any_term(field, values))));
            }
        }
        let boxes = [q.bbox, q.radius.map(|r| r.bbox()), q.polygon.as_deref().map(polygon_bbox).map(|b| b.unwrap_or(EMPTY))];
        for b in boxes.into_iter().flatten() {
            clauses.extend(cell_clause(f, &b));
        }
        let (requested, updated) = (span(q.start, q.end), span(q.updated_after, q.updated_before));
        if clauses.is_empty() {
            // Nothing else narrows the search: one scan of the time columns is the cheapest.
            clauses.extend(requested.map(|r| time_range(f.requested, r)));
            clauses.extend(updated.map(|r| time_range(f.updated, r)));
        } else {
            (checks.requested, checks.updated) = (requested, updated);
        }
        let query: Box<dyn Query> = if clauses.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(clauses)) };
        Ok((query, checks))
    }
}

/// A filter that adds nothing to the text score (only words rank).
fn unscored(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

/// A box no point falls in (the box of an empty area).
const EMPTY: Bbox = Bbox { west: 0.0, south: 1.0, east: 0.0, north: -1.0 };

fn order(sort: Sort) -> Order {
    match sort {
        Sort::Relevance => Order::Score,
        Sort::Newest => Order::Descending("requested"),
        Sort::RecentlyUpdated => Order::Descending("updated"),
        Sort::Distance { lat, long } => Order::Distance(lat, long),
    }
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
    (Occur::Must, unscored(Box::new(RangeQuery::new(Bound::Included(lo), Bound::Included(hi)))))
}

/// The cells covering a box, as one filter (none when the box is too big to be worth it).
fn cell_clause(f: &Fields, b: &Bbox) -> Option<Clause> {
    let cells = cells::covering(b)?;
    let terms = cells.into_iter().map(|cell| Term::from_field_u64(f.cell, cell));
    Some((Occur::Must, unscored(Box::new(TermSetQuery::new(terms)))))
}

/// The `(jurisdiction_id, service_request_id)` of each kept document.
fn read_keys(searcher: &Searcher, page: &[Ranked]) -> Result<Vec<(String, String)>> {
    let mut columns: HashMap<u32, StrColumn> = HashMap::new();
    let mut keys = Vec::with_capacity(page.len());
    let mut text = String::new();
    for r in page {
        let segment = r.doc.segment_ord;
        if !columns.contains_key(&segment) {
            let column = searcher.segment_reader(segment).fast_fields().str("key")?;
            columns.insert(segment, column.ok_or(SearchError::Corrupt("no key column"))?);
        }
        let column = columns.get(&segment).ok_or(SearchError::Corrupt("no key column"))?;
        let ord = column.term_ords(r.doc.doc_id).next().ok_or(SearchError::Corrupt("document without key"))?;
        text.clear();
        column.ord_to_str(ord, &mut text).map_err(|e| SearchError::Tantivy(e.into()))?;
        let (jid, id) = text.split_once(KEY_SEPARATOR).ok_or(SearchError::Corrupt("malformed key"))?;
        keys.push((jid.to_string(), id.to_string()));
    }
    Ok(keys)
}
