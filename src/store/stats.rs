//! The rows statistics are computed from: for every request in scope, its group keys
//! (jurisdiction, category, service code, status, requested time) and its close time. Either
//! the filters are applied here in SQL, or the caller brings the keys (found by the search
//! index for text and geo filters). Rows are handed to a visitor one by one, so memory does not
//! grow with the store; grouping and percentiles belong to the caller.

use super::{Result, Store};
use crate::domain::RequestFilter;

/// Which requests to visit.
#[derive(Debug, Clone, Copy)]
pub enum StatsScope<'a> {
    /// Every request matching the filter.
    Filter(&'a RequestFilter),
    /// Exactly these `(jurisdiction_id, service_request_id)` keys (unknown keys are skipped).
    Keys(&'a [(String, String)]),
}

/// What statistics need of one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsRow<'r> {
    /// Our jurisdiction id.
    pub jurisdiction_id: &'r str,
    /// Canonical category, once classified.
    pub category: Option<&'r str>,
    /// The city's service code.
    pub service_code: Option<&'r str>,
    /// `open` or `closed`.
    pub status: &'r str,
    /// Requested time, unix seconds.
    pub requested_at: Option<i64>,
    /// Close time (updated time of the closing change), unix seconds.
    pub closed_at: Option<i64>,
}

impl Store {
    /// Calls `visit` with every request in `scope`, in no particular order.
    pub fn visit_stats_rows(&self, scope: StatsScope<'_>, mut visit: impl FnMut(StatsRow<'_>)) -> Result<()> {
        self.backend.visit_stats_rows(scope, &mut visit)
    }
}
