//! Per-jurisdiction harvest state: what was learned about the endpoint, how far the sweeps
//! got and what is still to fetch, the city's clock, and health (last attempt, last success,
//! failures, last error, the last pass's figures).

use super::{Progress, Result, Store, now};

/// The harvest bookkeeping of one jurisdiction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HarvestState {
    /// Our jurisdiction id.
    pub jurisdiction_id: String,
    /// JSON of what was learned about the endpoint (format, cap, paging...).
    pub profile: Option<String>,
    /// Every request up to this instant (unix seconds, the city's clock) is harvested, or lies
    /// in a span of `pending`. Absent until a first pass has planned its sweep.
    pub backfilled_until: Option<i64>,
    /// Newest upstream updated time seen (unix seconds).
    pub newest_updated: Option<i64>,
    /// Last pass started (unix seconds).
    pub last_attempt: Option<i64>,
    /// Last pass that succeeded (unix seconds).
    pub last_success: Option<i64>,
    /// Failed passes since the last success.
    pub consecutive_failures: i64,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// JSON of the spans still to fetch (failed windows, the rest of an interrupted sweep).
    pub pending: Option<String>,
    /// The city's clock minus ours, in seconds, when its answers said (HTTP `Date`).
    pub clock_offset: Option<i64>,
    /// When the last rescan of the recent past was planned (unix seconds, our clock).
    pub recent_rescan_at: Option<i64>,
    /// When the last rescan of everything was planned (unix seconds, our clock).
    pub full_rescan_at: Option<i64>,
    /// JSON of the last pass's figures (calls by outcome, skipped records, duplicate ids...).
    pub last_pass: Option<String>,
    /// When the pass under way started (unix seconds), if one is.
    pub running_since: Option<i64>,
}

/// Where a city stands, in a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Never tried yet.
    Pending,
    /// A pass is under way.
    Harvesting,
    /// The last pass went through.
    Ok,
    /// The last pass failed.
    Failing,
}

impl Health {
    /// The word.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Pending => "pending",
            Health::Harvesting => "harvesting",
            Health::Ok => "ok",
            Health::Failing => "failing",
        }
    }
}

/// A pass "under way" for longer than this was cut short (the process died).
const RUNNING_AT_MOST: i64 = 6 * 3600;

impl HarvestState {
    /// Where the city stands now.
    pub fn health(&self) -> Health {
        let running = self.running_since.is_some_and(|t| now() - t < RUNNING_AT_MOST);
        match (running, self.last_attempt, self.consecutive_failures) {
            (true, _, _) => Health::Harvesting,
            (false, None, _) => Health::Pending,
            (false, Some(_), 0) if self.last_success.is_some() => Health::Ok,
            _ => Health::Failing,
        }
    }
}

/// A pass's plan, written before it fetches anything, so that a pass killed at any point
/// resumes with what it had still to do.
#[derive(Debug, Clone, Default)]
pub struct PlannedSweep {
    /// The new `backfilled_until` (see [`HarvestState::backfilled_until`]).
    pub backfilled_until: Option<i64>,
    /// Every span to fetch, pending ones first (JSON).
    pub pending: String,
    /// Set when the plan rescans the recent past.
    pub recent_rescan_at: Option<i64>,
    /// Set when the plan rescans everything.
    pub full_rescan_at: Option<i64>,
}

impl Store {
    /// The state of one jurisdiction (default when never harvested).
    pub fn harvest_state(&self, jurisdiction_id: &str) -> Result<HarvestState> {
        self.backend.harvest_state(jurisdiction_id)
    }

    /// Every city's last successful harvest (unix seconds), for those that had one.
    pub fn last_successes(&self) -> Result<std::collections::HashMap<String, i64>> {
        self.backend.last_successes()
    }

    /// Records the start of a pass.
    pub fn harvest_started(&self, jurisdiction_id: &str) -> Result<()> {
        self.backend.harvest_started(jurisdiction_id)
    }

    /// Records a pass's plan before it fetches anything (see [`PlannedSweep`]).
    pub fn harvest_planned(&self, jurisdiction_id: &str, plan: &PlannedSweep) -> Result<()> {
        self.backend.harvest_planned(jurisdiction_id, plan)
    }

    /// Records, as a pass goes, the spans still to fetch and the newest updated time seen,
    /// when there are no records to save with them (else [`Store::upsert_with_progress`]
    /// saves both at once).
    pub fn harvest_progress(&self, jurisdiction_id: &str, progress: Progress<'_>) -> Result<()> {
        self.backend.harvest_progress(jurisdiction_id, progress)
    }

    /// Records what was learned about the endpoint, the city's clock and the pass's figures.
    pub fn save_learned(
        &self,
        jurisdiction_id: &str,
        profile_json: &str,
        clock_offset: Option<i64>,
        last_pass_json: &str,
    ) -> Result<()> {
        self.backend.save_learned(jurisdiction_id, profile_json, clock_offset, last_pass_json)
    }

    /// Records the end of a pass: success resets the failure count, failure increments it.
    pub fn harvest_finished(&self, jurisdiction_id: &str, error: Option<&str>) -> Result<()> {
        self.backend.harvest_finished(jurisdiction_id, error)
    }
}
