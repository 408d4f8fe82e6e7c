//! What `fed311 add-city` learns of an endpoint before writing its file: a short pass into a
//! scratch store (the services, then list calls until a budget is spent: enough to learn the
//! format, the cap, the order, how it pages and how it takes dates), a sample of what it
//! sent, and one question: does it honour `updated_after`?

use jiff::{SignedDuration, Timestamp};

use super::city::CityPass;
use super::error::CityError;
use super::report::CityReport;
use super::spans::Axis;
use crate::domain::ServiceRequest;
use crate::registry::Jurisdiction;
use crate::store::Store;
use crate::upstream::{Client, Profile};

/// Records kept as a sample of what the city sends.
const SAMPLE: usize = 500;

/// What a probe found out.
#[derive(Debug)]
pub struct Probed {
    /// What was learned of the endpoint.
    pub profile: Profile,
    /// Services in its list.
    pub services: usize,
    /// Requests it sent (at most a few hundred).
    pub sample: Vec<ServiceRequest>,
    /// Whether it filters by `updated_after` (`None`: could not tell).
    pub updated_after: Option<bool>,
    /// The pass's figures.
    pub report: CityReport,
    /// Its clock minus ours, in seconds, when it said.
    pub clock_offset: Option<i64>,
}

/// Probes `city` with at most `calls` list calls, storing into `scratch` (a store of its own).
pub async fn probe(client: &Client, scratch: &Store, city: &Jurisdiction, calls: u64) -> Result<Probed, CityError> {
    let mut pass = CityPass::new(client, scratch, city)?;
    pass.endpoint.set_budget(Some(calls));
    let outcome = pass.run(false).await;
    let reached_lists = pass.profile.answers_lists || pass.profile.largest_answer.is_some();
    match outcome {
        Err(e) if !reached_lists && !matches!(e, CityError::Budget(_)) => return Err(e),
        _ => {}
    }
    let store = scratch.clone();
    let sample: Vec<ServiceRequest> = tokio::task::spawn_blocking(move || store.requests_after_seq(0, SAMPLE))
        .await??
        .into_iter()
        .map(|stored| stored.request)
        .collect();
    pass.endpoint.set_budget(None);
    if pass.profile.paging.is_none() && !pass.profile.paging_probed {
        let (from, to) = (pass.backfill_origin(), Timestamp::now() + SignedDuration::from_hours(48));
        if let Err(e) = pass.probe_paging_now(from, to).await {
            tracing::debug!(error = %e, "Paging probe failed");
        }
    }
    let updated_after = pass.probe_updated_after().await;
    let services = scratch.list_services(&city.id)?.len();
    Ok(Probed {
        profile: pass.profile.clone(),
        services,
        sample,
        updated_after,
        report: pass.report.clone(),
        clock_offset: pass.endpoint.clock_offset(),
    })
}

impl CityPass<'_> {
    /// Asks the newest requests twice: as they come, and updated after the median of their
    /// updated times. A server that filters answers a different list, none of it updated
    /// (much) before that time; one that ignores the filter answers the same list again.
    async fn probe_updated_after(&mut self) -> Option<bool> {
        let end = Timestamp::now() + SignedDuration::from_hours(48);
        let mut plain = self.window_params(Axis::Requested, self.backfill_origin(), end);
        plain.extend(self.first_page_params());
        let newest = self.fetch_requests(&plain).await.ok()?.records;
        let mut updated: Vec<Timestamp> = newest.iter().filter_map(|r| r.updated_datetime).collect();
        updated.sort_unstable();
        let bound = *updated.get(updated.len() / 2)?;
        if updated.first() == Some(&bound) {
            return None; // nothing updated earlier to tell a filter by
        }
        let mut filtered = self.window_params(Axis::Updated, bound, end);
        filtered.extend(self.first_page_params());
        let answer = self.fetch_requests(&filtered).await.ok()?.records;
        let ids = |records: &[ServiceRequest]| {
            let mut ids: Vec<String> = records.iter().map(|r| r.service_request_id.clone()).collect();
            ids.sort_unstable();
            ids
        };
        if ids(&answer) == ids(&newest) {
            return Some(false);
        }
        // Servers filtering in local time may be off by some hours at the edge.
        let slack = SignedDuration::from_hours(15);
        Some(!answer.iter().filter_map(|r| r.updated_datetime).any(|t| t < bound - slack))
    }
}
