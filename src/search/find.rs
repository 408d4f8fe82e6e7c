//! Running a [`SearchQuery`]. A list (no text, no place, a time order) takes each segment's
//! time order (`list.rs`); a text of common words ranked by relevance, with id filters at
//! most, is scored over bitsets (`scored.rs`); anything else is planned (`plan.rs`: the
//! index query and the collector's checks) and collected by the [`Ranker`] (or [`ByScore`],
//! when relevance ranking can prune). Every way gives the same answer; the kept documents
//! become hits carrying their store `seq` (`page.rs`).

use std::sync::Arc;

use tantivy::Searcher;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};

use super::collect::{ByScore, Order, Ranked, Ranker, SortKey};
use super::columns::{SegmentColumns, TimeField};
use super::index::SearchIndex;
use super::list::List;
use super::page::{self, SearchPage};
use super::plan::{is_common, required_words};
use super::query::{SearchQuery, Sort};
use super::ranking::TimeOrder;
use super::scored::Scored;
use super::{Result, cursor};

impl SearchIndex {
    /// Finds one page of hits; records are then read from the store ([`SearchPage::records`]).
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage> {
        self.search_by(q, true)
    }

    /// Finds one page of hits, taking the shortcuts or not (a test compares the two).
    pub(super) fn search_by(&self, q: &SearchQuery, shortcuts: bool) -> Result<SearchPage> {
        q.validate()?;
        let sort = q.effective_sort();
        let selection = cursor::selection_hash(q);
        let filtered = q.has_filters();
        let after = q.cursor.as_deref().map(|c| cursor::decode(selection, sort, filtered, c)).transpose()?;
        let searcher = self.inner.reader.searcher();
        let columns = self.inner.columns.for_searcher(&searcher)?;
        let page_end = q.offset.saturating_add(q.limit);
        let keep = page_end.saturating_add(1);
        let shortcut = if shortcuts { self.shortcut(q, &searcher, &columns, after, keep)? } else { None };
        let (ranked, total) = match shortcut {
            Some(found) => found,
            None => self.collect(q, &searcher, &columns, after, keep)?,
        };
        let more = ranked.len() > page_end;
        let page = ranked.get(q.offset.min(ranked.len())..page_end.min(ranked.len())).unwrap_or(&[]);
        let next_cursor = match (more, page.last()) {
            (true, Some(last)) => Some(cursor::encode(selection, sort, last.key)),
            _ => None,
        };
        let hits = page::hits(&columns, page.iter().map(|r| r.doc))?;
        Ok(SearchPage::new(hits, next_cursor, total, searcher, self.inner.fields))
    }

    /// The answer of a list or of a text of common words, when `q` is one.
    pub(super) fn shortcut(
        &self,
        q: &SearchQuery,
        searcher: &Searcher,
        columns: &[Arc<SegmentColumns>],
        after: Option<SortKey>,
        keep: usize,
    ) -> Result<Option<(Vec<Ranked>, u64)>> {
        if q.bbox.is_some() || q.radius.is_some() || q.polygon.is_some() {
            return Ok(None);
        }
        let filters = self.id_filters(q);
        let sort = q.effective_sort();
        let Some(text) = &q.text else {
            let Some(order) = time_order(sort) else { return Ok(None) };
            let (requested, updated) = q.time_ranges();
            let (sorted_range, other_range) = match order.field {
                TimeField::Requested => (requested, updated.map(|r| (TimeField::Updated, r))),
                TimeField::Updated => (updated, requested.map(|r| (TimeField::Requested, r))),
            };
            let list = List { order, filters, sorted_range, other_range, after, keep };
            return Ok(list.rank(searcher, columns)?);
        };
        let (requested, updated) = q.time_ranges();
        if sort != Sort::Relevance || requested.is_some() || updated.is_some() {
            return Ok(None);
        }
        let query = self.text_query(text)?;
        let Some(words) = required_words(query.as_ref()) else { return Ok(None) };
        let num_docs = searcher.num_docs();
        for word in &words {
            if !is_common(searcher.doc_freq(word)?, num_docs) {
                return Ok(None);
            }
        }
        let scored = Scored { words, filters, text: self.inner.fields.text, after, keep };
        Ok(Some(scored.rank(searcher, columns)?))
    }

    /// The answer of any search: planned, then collected.
    fn collect(
        &self,
        q: &SearchQuery,
        searcher: &Searcher,
        columns: &[Arc<SegmentColumns>],
        after: Option<SortKey>,
        keep: usize,
    ) -> Result<(Vec<Ranked>, u64)> {
        let sort = q.effective_sort();
        let (query, checks) = self.plan(q, searcher, columns)?;
        let prune = sort == Sort::Relevance && checks.is_empty() && prunable(query.as_ref());
        let ranker = Ranker { order: order(sort), checks, after, keep, columns: columns.to_vec() };
        Ok(if prune { searcher.search(&query, &ByScore(ranker))? } else { searcher.search(&query, &ranker)? })
    }
}

/// The time order of a sort (`None` for relevance and distance).
fn time_order(sort: Sort) -> Option<TimeOrder> {
    let (field, latest_first) = match sort {
        Sort::Newest => (TimeField::Requested, true),
        Sort::Oldest => (TimeField::Requested, false),
        Sort::RecentlyUpdated => (TimeField::Updated, true),
        Sort::Relevance | Sort::Distance { .. } => return None,
    };
    Some(TimeOrder { field, latest_first })
}

fn order(sort: Sort) -> Order {
    match (sort, time_order(sort)) {
        (Sort::Distance { lat, long }, _) => Order::Distance(lat, long),
        (_, Some(order)) => Order::Time(order),
        _ => Order::Score,
    }
}

/// Whether tantivy ranks `query` by block-max WAND: one term, or a union of terms.
fn prunable(query: &dyn Query) -> bool {
    let term = |q: &dyn Query| q.downcast_ref::<TermQuery>().is_some();
    term(query)
        || query
            .downcast_ref::<BooleanQuery>()
            .is_some_and(|b| b.clauses().iter().all(|(occur, clause)| *occur == Occur::Should && term(clause.as_ref())))
}
