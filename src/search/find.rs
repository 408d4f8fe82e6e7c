//! Running a [`SearchQuery`]: the plan (`plan.rs`) gives the index query and the collector's
//! checks, the [`Ranker`] collects (or [`ByScore`], when relevance ranking can prune), and the
//! kept documents become hits carrying their store `seq` (`page.rs`).

use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};

use super::collect::{ByScore, Order, Ranker};
use super::columns::TimeField;
use super::index::SearchIndex;
use super::page::{self, SearchPage};
use super::query::{SearchQuery, Sort};
use super::{Result, cursor};

impl SearchIndex {
    /// Finds one page of hits; records are then read from the store ([`SearchPage::records`]).
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage> {
        q.validate()?;
        let sort = q.effective_sort();
        let selection = cursor::selection_hash(q);
        let after = q.cursor.as_deref().map(|c| cursor::decode(selection, sort, c)).transpose()?;
        let searcher = self.inner.reader.searcher();
        let columns = self.inner.columns.for_searcher(&searcher)?;
        let (query, checks) = self.plan(q, &searcher, &columns)?;
        let page_end = q.offset.saturating_add(q.limit);
        let prune = sort == Sort::Relevance && checks.is_empty() && prunable(query.as_ref());
        let ranker =
            Ranker { order: order(sort), checks, after, keep: page_end.saturating_add(1), columns: columns.clone() };
        let (ranked, total) =
            if prune { searcher.search(&query, &ByScore(ranker))? } else { searcher.search(&query, &ranker)? };
        let more = ranked.len() > page_end;
        let page = ranked.get(q.offset.min(ranked.len())..page_end.min(ranked.len())).unwrap_or(&[]);
        let next_cursor = match (more, page.last()) {
            (true, Some(last)) => Some(cursor::encode(selection, sort, last.key)),
            _ => None,
        };
        let hits = page::hits(&columns, page.iter().map(|r| r.doc))?;
        Ok(SearchPage::new(hits, next_cursor, total, searcher, self.inner.fields))
    }
}

fn order(sort: Sort) -> Order {
    match sort {
        Sort::Relevance => Order::Score,
        Sort::Newest => Order::Descending(TimeField::Requested),
        Sort::RecentlyUpdated => Order::Descending(TimeField::Updated),
        Sort::Distance { lat, long } => Order::Distance(lat, long),
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
