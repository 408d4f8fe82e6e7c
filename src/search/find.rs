//! Running a [`SearchQuery`]: the plan (`plan.rs`) gives the index query and the collector's
//! checks, the [`Ranker`] collects, and the kept documents' keys are read from the document
//! store.

use tantivy::schema::{Field, Value};
use tantivy::{Searcher, TantivyDocument};

use super::collect::{Order, Ranked, Ranker};
use super::index::SearchIndex;
use super::query::{SearchPage, SearchQuery, Sort};
use super::schema::KEY_SEPARATOR;
use super::{Result, SearchError, cursor};

impl SearchIndex {
    /// Finds one page of keys; records are then read from the store by key.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage> {
        q.validate()?;
        let sort = q.effective_sort();
        let after = q.cursor.as_deref().map(|c| cursor::decode(sort, c)).transpose()?;
        let searcher = self.inner.reader.searcher();
        let (query, checks) = self.plan(q, &searcher)?;
        let page_end = q.offset.saturating_add(q.limit);
        let ranker = Ranker { order: order(sort), checks, after, keep: page_end.saturating_add(1) };
        let (ranked, total) = searcher.search(&query, &ranker)?;
        let more = ranked.len() > page_end;
        let page = ranked.get(q.offset.min(ranked.len())..page_end.min(ranked.len())).unwrap_or(&[]);
        let keys = read_keys(&searcher, self.inner.fields.key, page)?;
        let next_cursor = match (more, page.last(), keys.last()) {
            (true, Some(last), Some((jid, id))) => Some(cursor::encode(sort, last.key.value, jid, id)),
            _ => None,
        };
        Ok(SearchPage { keys, next_cursor, total })
    }
}

fn order(sort: Sort) -> Order {
    match sort {
        Sort::Relevance => Order::Score,
        Sort::Newest => Order::Descending("requested"),
        Sort::RecentlyUpdated => Order::Descending("updated"),
        Sort::Distance { lat, long } => Order::Distance(lat, long),
    }
}

/// The `(jurisdiction_id, service_request_id)` of each kept document.
fn read_keys(searcher: &Searcher, key: Field, page: &[Ranked]) -> Result<Vec<(String, String)>> {
    let mut keys = Vec::with_capacity(page.len());
    for r in page {
        let doc: TantivyDocument = searcher.doc(r.doc)?;
        let text = doc.get_first(key).and_then(|v| v.as_str()).ok_or(SearchError::Corrupt("document without key"))?;
        let (jid, id) = text.split_once(KEY_SEPARATOR).ok_or(SearchError::Corrupt("malformed key"))?;
        keys.push((jid.to_string(), id.to_string()));
    }
    Ok(keys)
}
