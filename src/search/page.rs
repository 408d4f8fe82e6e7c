//! [`SearchPage`]: one page of matches, and how its records are read. A hit carries the
//! store `seq` of the version the index holds (a fast field, read in nanoseconds), so the
//! store reads records by seq; only a hit whose record changed since it was indexed (its
//! seq is gone) costs a read of its key from the index's document store, by which the
//! store then reads the current version.

use std::fmt;
use std::sync::Arc;

use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::columns::SegmentColumns;
use super::schema::{Fields, KEY_SEPARATOR};
use super::{Result, SearchError};
use crate::store::{Store, StoredRequest};

/// One match: the store seq the index holds for it and where it is in the index.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Store seq of the indexed version.
    pub seq: i64,
    doc: DocAddress,
}

/// One page of matches, in result order.
pub struct SearchPage {
    /// The matches.
    pub hits: Vec<Hit>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many requests match in all (regardless of paging).
    pub total: u64,
    /// The index generation the hits point into (for keys).
    found_in: Option<(Searcher, Fields)>,
}

impl fmt::Debug for SearchPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchPage").field("hits", &self.hits.len()).field("total", &self.total).finish()
    }
}

/// Two pages are the same answer when they hold the same versions in the same order, with
/// the same cursor and total (where the documents sit in the index does not matter).
impl PartialEq for SearchPage {
    fn eq(&self, other: &Self) -> bool {
        let seqs = |p: &SearchPage| p.hits.iter().map(|h| h.seq).collect::<Vec<_>>();
        seqs(self) == seqs(other) && self.next_cursor == other.next_cursor && self.total == other.total
    }
}

impl SearchPage {
    pub(super) fn new(hits: Vec<Hit>, next_cursor: Option<String>, total: u64, searcher: Searcher, f: Fields) -> Self {
        SearchPage { hits, next_cursor, total, found_in: Some((searcher, f)) }
    }

    /// A page with nothing on it.
    pub fn empty() -> Self {
        SearchPage { hits: Vec::new(), next_cursor: None, total: 0, found_in: None }
    }

    /// Keeps the first `n` hits.
    pub fn truncate(&mut self, n: usize) {
        self.hits.truncate(n);
    }

    /// The records of the hits from the store, in page order (current versions; a record
    /// the store no longer holds is left out).
    pub fn records(&self, store: &Store) -> Result<Vec<StoredRequest>> {
        Ok(self.records_of(store, &self.hits)?.into_iter().flatten().collect())
    }

    /// The records of some of the page's hits, in their order (`None`: the store no longer
    /// holds it).
    pub fn records_of(&self, store: &Store, hits: &[Hit]) -> Result<Vec<Option<StoredRequest>>> {
        let seqs: Vec<i64> = hits.iter().map(|h| h.seq).collect();
        let mut records = Vec::with_capacity(seqs.len());
        for (hit, found) in hits.iter().zip(store.get_requests_by_seq(&seqs)?) {
            match found {
                Some(record) => records.push(Some(record)),
                None => {
                    let (jid, id) = self.key(hit)?;
                    records.push(store.get_request(&jid, &id)?);
                }
            }
        }
        Ok(records)
    }

    /// The `(jurisdiction_id, service_request_id)` of each hit, in page order.
    pub fn keys(&self) -> Result<Vec<(String, String)>> {
        self.hits.iter().map(|hit| self.key(hit)).collect()
    }

    fn key(&self, hit: &Hit) -> Result<(String, String)> {
        let (searcher, fields) = self.found_in.as_ref().ok_or(SearchError::Corrupt("hit without its index"))?;
        let doc: TantivyDocument = searcher.doc(hit.doc)?;
        let text =
            doc.get_first(fields.key).and_then(|v| v.as_str()).ok_or(SearchError::Corrupt("document without key"))?;
        let (jid, id) = text.split_once(KEY_SEPARATOR).ok_or(SearchError::Corrupt("malformed key"))?;
        Ok((jid.to_string(), id.to_string()))
    }
}

/// The hits of ranked documents, with their `seq` from the segments' columns.
pub(super) fn hits(columns: &[Arc<SegmentColumns>], docs: impl Iterator<Item = DocAddress>) -> Result<Vec<Hit>> {
    docs.map(|doc| {
        let seq = columns
            .get(doc.segment_ord as usize)
            .and_then(|c| c.seq.first(doc.doc_id))
            .ok_or(SearchError::Corrupt("document without seq"))?;
        Ok(Hit { seq: i64::try_from(seq).unwrap_or(i64::MAX), doc })
    })
    .collect()
}
