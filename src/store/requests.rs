//! Reading requests: lists, single records and batches by key, the seq tail the search
//! index follows, and counts.

use jiff::Timestamp;

use super::{Result, Store};
use crate::domain::{RequestFilter, ServiceRequest};

/// A stored request with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRequest {
    /// Our jurisdiction id.
    pub jurisdiction_id: String,
    /// The request as last seen.
    pub request: ServiceRequest,
    /// Position in the change log.
    pub seq: i64,
    /// When the request closed (upstream updated time of the closing change), when known.
    pub closed_at: Option<Timestamp>,
    /// When fed311 first saw it.
    pub first_seen: Timestamp,
    /// When fed311 last wrote it (first seen or changed).
    pub last_seen: Timestamp,
    /// The canonical category, once classified.
    pub category: Option<String>,
}

/// A page of a request list, newest requested first (the GeoReport `requests` call).
#[derive(Debug, Clone, Default)]
pub struct RequestPage {
    /// Only these ids (the API applies the spec's rule that ids override the other filters).
    pub ids: Vec<String>,
    /// Which requests.
    pub filter: RequestFilter,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

impl Store {
    /// One page of the requests `page` asks for, newest requested first (without their raw
    /// payloads).
    pub fn list_requests(&self, page: &RequestPage) -> Result<Vec<StoredRequest>> {
        self.backend.list_requests(page)
    }

    /// Requests by key, in the keys' order (missing ones left out), on one connection.
    pub fn get_requests(&self, keys: &[(String, String)]) -> Result<Vec<StoredRequest>> {
        self.backend.get_requests(keys)
    }

    /// The requests whose current version has these seqs, in the order asked, without their
    /// raw payloads (as lists); a seq no request holds any more (it changed since) gives
    /// `None`.
    pub fn get_requests_by_seq(&self, seqs: &[i64]) -> Result<Vec<Option<StoredRequest>>> {
        self.backend.get_requests_by_seq(seqs)
    }

    /// One request by id.
    pub fn get_request(&self, jurisdiction_id: &str, id: &str) -> Result<Option<StoredRequest>> {
        self.backend.get_request(jurisdiction_id, id)
    }

    /// Requests written after `after_seq`, in seq order, at most `limit` (without their raw
    /// payloads): how the search index follows the store. A seq taken by a write that commits
    /// later is never skipped: seqs become visible in order, on every backend.
    pub fn requests_after_seq(&self, after_seq: i64, limit: usize) -> Result<Vec<StoredRequest>> {
        self.backend.requests_after_seq(after_seq, limit)
    }

    /// The newest `seq` in the store (0 when empty).
    pub fn max_seq(&self) -> Result<i64> {
        self.backend.max_seq()
    }

    /// Ids of the requests held as open in a jurisdiction.
    pub fn open_request_ids(&self, jurisdiction_id: &str) -> Result<Vec<String>> {
        self.backend.open_request_ids(jurisdiction_id)
    }

    /// The newest requested time (unix seconds) a jurisdiction holds: a hint of the city's
    /// clock when its answers carry no `Date`.
    pub fn newest_requested(&self, jurisdiction_id: &str) -> Result<Option<i64>> {
        self.backend.newest_requested(jurisdiction_id)
    }

    /// How many requests a jurisdiction holds.
    pub fn count_requests(&self, jurisdiction_id: &str) -> Result<u64> {
        self.backend.count_requests(jurisdiction_id)
    }
}
