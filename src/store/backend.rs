//! What a store backend does: every intent of [`Store`](super::Store), as object-safe traits
//! (one per area, each implemented in the backend's file of that name), so that `Store` holds
//! an `Arc<dyn Backend>` and forwards. Callers never see these traits: they reach data through
//! `Store` alone, whichever database holds it. Both backends keep the same semantics; the
//! behaviour tests (`tests/fed311/store_backends.rs`) run the same bodies against each.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use super::{
    CityClaim, CrosswalkRow, HarvestState, HistoryEntry, PlannedSweep, RequestKey, RequestPage, Result, StatsRow,
    StatsScope, StoredRequest, Submission, Upserted, upsert::Progress,
};
use crate::domain::{Service, ServiceDefinition, ServiceRequest};

/// A whole backend: the store's identity and change stamp, and every area's intents.
pub(crate) trait Backend:
    Send
    + Sync
    + RequestReads
    + HistoryReads
    + PointReads
    + ExportReads
    + StatsReads
    + Upserts
    + ServiceRows
    + HarvestStates
    + OutboxRows
    + CityLeases
{
    /// See [`Store::identity`](super::Store::identity).
    fn identity(&self) -> &str;
    /// See [`Store::data_version`](super::Store::data_version).
    fn data_version(&self) -> Result<i64>;
    /// The SQLite file, for a SQLite store.
    fn path(&self) -> Option<&Path>;
    /// See [`Store::settle`](super::Store::settle).
    fn settle(&self) -> Result<()>;
}

/// Reading requests, and following the store by `seq`.
pub(crate) trait RequestReads {
    fn list_requests(&self, page: &RequestPage) -> Result<Vec<StoredRequest>>;
    fn get_requests(&self, keys: &[(String, String)]) -> Result<Vec<StoredRequest>>;
    fn get_requests_by_seq(&self, seqs: &[i64]) -> Result<Vec<Option<StoredRequest>>>;
    fn get_request(&self, jurisdiction_id: &str, id: &str) -> Result<Option<StoredRequest>>;
    fn requests_after_seq(&self, after_seq: i64, limit: usize) -> Result<Vec<StoredRequest>>;
    fn max_seq(&self) -> Result<i64>;
    fn open_request_ids(&self, jurisdiction_id: &str) -> Result<Vec<String>>;
    fn newest_requested(&self, jurisdiction_id: &str) -> Result<Option<i64>>;
    fn count_requests(&self, jurisdiction_id: &str) -> Result<u64>;
}

/// A request's observed past.
pub(crate) trait HistoryReads {
    fn history_entries(&self, jurisdiction_id: &str, id: &str) -> Result<Vec<HistoryEntry>>;
}

/// A sample of locations.
pub(crate) trait PointReads {
    fn points(&self, jurisdiction_id: &str, limit: usize) -> Result<Vec<(f64, f64)>>;
}

/// Bulk exports.
pub(crate) trait ExportReads {
    fn request_keys_after(
        &self,
        jurisdictions: &[String],
        after: Option<&RequestKey>,
        limit: usize,
    ) -> Result<Vec<RequestKey>>;
    fn jurisdiction_endpoints(&self) -> Result<BTreeMap<String, String>>;
}

/// The rows statistics are computed from.
pub(crate) trait StatsReads {
    fn visit_stats_rows(&self, scope: StatsScope<'_>, visit: &mut dyn FnMut(StatsRow<'_>)) -> Result<()>;
}

/// Writing requests.
pub(crate) trait Upserts {
    fn upsert_categorized(
        &self,
        jurisdiction_id: &str,
        requests: &[ServiceRequest],
        categories: &[Option<String>],
        progress: Option<Progress<'_>>,
    ) -> Result<Upserted>;
}

/// Jurisdictions, services, definitions and categories.
pub(crate) trait ServiceRows {
    fn sync_jurisdiction(&self, id: &str, name: &str, endpoint: &str, timezone: &str) -> Result<()>;
    fn changeset(&self, jurisdiction_ids: &[String]) -> Result<Option<i64>>;
    fn upsert_services(&self, jurisdiction_id: &str, services: &[Service]) -> Result<usize>;
    fn set_service_definition(&self, jurisdiction_id: &str, definition: &ServiceDefinition) -> Result<bool>;
    fn set_service_categories(&self, jurisdiction_id: &str, rows: &[(String, String, String)]) -> Result<usize>;
    fn crosswalk(&self, jurisdiction_id: Option<&str>) -> Result<Vec<CrosswalkRow>>;
    fn list_services(&self, jurisdiction_id: &str) -> Result<Vec<Service>>;
    fn service_definition(&self, jurisdiction_id: &str, code: &str) -> Result<Option<Option<ServiceDefinition>>>;
}

/// Each city's harvest bookkeeping.
pub(crate) trait HarvestStates {
    fn harvest_state(&self, jurisdiction_id: &str) -> Result<HarvestState>;
    fn last_successes(&self) -> Result<HashMap<String, i64>>;
    fn harvest_started(&self, jurisdiction_id: &str) -> Result<()>;
    fn harvest_planned(&self, jurisdiction_id: &str, plan: &PlannedSweep) -> Result<()>;
    fn harvest_progress(&self, jurisdiction_id: &str, progress: Progress<'_>) -> Result<()>;
    fn save_learned(
        &self,
        jurisdiction_id: &str,
        profile_json: &str,
        clock_offset: Option<i64>,
        last_pass_json: &str,
    ) -> Result<()>;
    fn harvest_finished(&self, jurisdiction_id: &str, error: Option<&str>) -> Result<()>;
}

/// The outbox of submissions.
pub(crate) trait OutboxRows {
    fn enqueue(&self, token: &str, jurisdiction_id: &str, service_code: &str, form: &[(String, String)]) -> Result<()>;
    fn submission(&self, token: &str) -> Result<Option<Submission>>;
    fn claim_due_submissions(&self, node: &str, limit: usize, lease: Duration) -> Result<Vec<Submission>>;
    fn next_submission_due(&self) -> Result<Option<i64>>;
    fn outbox_depth(&self) -> Result<u64>;
    fn submission_sending(&self, token: &str, node: &str) -> Result<bool>;
    fn submission_delivered(&self, token: &str, id: &str, notice: Option<&str>) -> Result<()>;
    fn submission_awaiting(&self, token: &str, city_token: &str, notice: Option<&str>, retry_in: i64) -> Result<()>;
    fn submission_refused(&self, token: &str, error: &str, status: Option<u16>) -> Result<()>;
    fn submission_retry(&self, token: &str, state: &str, retry_in: i64, error: &str) -> Result<()>;
}

/// Which node harvests each city.
pub(crate) trait CityLeases {
    fn claim_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<CityClaim>;
    fn renew_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<bool>;
    fn finish_city(&self, jurisdiction_id: &str, node: &str, next_due_in: Duration, failures: u32) -> Result<()>;
    fn release_city(&self, jurisdiction_id: &str, node: &str) -> Result<()>;
    fn city_holder(&self, jurisdiction_id: &str) -> Result<Option<String>>;
}
