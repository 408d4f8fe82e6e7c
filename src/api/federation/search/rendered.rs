//! Rendered records: the federation JSON of each record version, by store seq. A seq names
//! one version of one request for good (any change gets a new seq), so an entry is never
//! stale and the cache only bounds memory. A JSON page of results is its records' bytes
//! joined; the search itself runs for every request.

use axum::body::Bytes;
use quick_cache::sync::Cache;

use crate::export::record::RecordOut;
use crate::search::{SearchError, SearchPage};
use crate::store::Store;

/// Record versions kept by default (about 1 KB each).
pub const CAPACITY: usize = 50_000;

/// Rendered record versions by seq.
pub struct RenderedRecords {
    /// `None`: every record is rendered every time.
    by_seq: Option<Cache<i64, Bytes>>,
}

impl Default for RenderedRecords {
    fn default() -> Self {
        RenderedRecords::with_capacity(CAPACITY)
    }
}

impl RenderedRecords {
    /// Keeps up to `capacity` record versions (0: none).
    pub fn with_capacity(capacity: usize) -> Self {
        RenderedRecords { by_seq: (capacity > 0).then(|| Cache::new(capacity)) }
    }

    /// The JSON of each hit's record, in page order (a record the store no longer holds is
    /// left out).
    pub fn page(&self, store: &Store, page: &SearchPage) -> Result<Vec<Bytes>, SearchError> {
        let cached = |seq: &i64| self.by_seq.as_ref().and_then(|cache| cache.get(seq));
        let mut rendered: Vec<Option<Bytes>> = page.hits.iter().map(|hit| cached(&hit.seq)).collect();
        let missing: Vec<usize> = (0..rendered.len()).filter(|i| rendered[*i].is_none()).collect();
        if !missing.is_empty() {
            let hits: Vec<_> = missing.iter().map(|i| page.hits[*i]).collect();
            for (i, record) in missing.into_iter().zip(page.records_of(store, &hits)?) {
                let Some(record) = record else { continue };
                let json = serde_json::to_vec(&RecordOut::from(&record))
                    .map_err(|_| SearchError::Corrupt("a record would not serialize"))?;
                let json = Bytes::from(json);
                if let Some(cache) = &self.by_seq {
                    cache.insert(record.seq, json.clone());
                }
                rendered[i] = Some(json);
            }
        }
        Ok(rendered.into_iter().flatten().collect())
    }
}

/// A JSON page: `{"requests": [...], "next_cursor": ..., "total": N}`.
pub fn page_body(records: &[Bytes], next_cursor: Option<&str>, total: u64) -> Vec<u8> {
    let mut body = Vec::with_capacity(records.iter().map(Bytes::len).sum::<usize>() + records.len() + 128);
    body.extend_from_slice(b"{\"requests\":[");
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(record);
    }
    body.extend_from_slice(b"],\"next_cursor\":");
    body.extend_from_slice(serde_json::to_string(&next_cursor).unwrap_or_default().as_bytes());
    body.extend_from_slice(format!(",\"total\":{total}}}").as_bytes());
    body
}
