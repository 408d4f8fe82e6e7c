//! Per-jurisdiction harvest state: what was learned about the endpoint, how far the sweeps
//! got and what is still to fetch, the city's clock, and health (last attempt, last success,
//! failures, last error, the last pass's figures).

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, now};

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
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT profile, backfilled_until, newest_updated, last_attempt, last_success, \
               consecutive_failures, last_error, pending, clock_offset, recent_rescan_at, full_rescan_at, \
               last_pass, running_since FROM harvest_state WHERE jurisdiction_id = ?1",
        )?;
        let state = stmt
            .query_row([jurisdiction_id], |r| {
                Ok(HarvestState {
                    jurisdiction_id: jurisdiction_id.to_string(),
                    profile: r.get(0)?,
                    backfilled_until: r.get(1)?,
                    newest_updated: r.get(2)?,
                    last_attempt: r.get(3)?,
                    last_success: r.get(4)?,
                    consecutive_failures: r.get(5)?,
                    last_error: r.get(6)?,
                    pending: r.get(7)?,
                    clock_offset: r.get(8)?,
                    recent_rescan_at: r.get(9)?,
                    full_rescan_at: r.get(10)?,
                    last_pass: r.get(11)?,
                    running_since: r.get(12)?,
                })
            })
            .optional()?;
        Ok(state.unwrap_or_else(|| HarvestState { jurisdiction_id: jurisdiction_id.to_string(), ..Default::default() }))
    }

    /// Every city's last successful harvest (unix seconds), for those that had one.
    pub fn last_successes(&self) -> Result<std::collections::HashMap<String, i64>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT jurisdiction_id, last_success FROM harvest_state WHERE last_success IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Records the start of a pass.
    pub fn harvest_started(&self, jurisdiction_id: &str) -> Result<()> {
        self.writer().execute(
            "INSERT INTO harvest_state (jurisdiction_id, last_attempt, running_since) VALUES (?1, ?2, ?2) \
             ON CONFLICT (jurisdiction_id) DO UPDATE SET last_attempt = excluded.last_attempt, \
               running_since = excluded.running_since",
            params![jurisdiction_id, now()],
        )?;
        Ok(())
    }

    /// Records a pass's plan before it fetches anything (see [`PlannedSweep`]).
    pub fn harvest_planned(&self, jurisdiction_id: &str, plan: &PlannedSweep) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_state SET backfilled_until = COALESCE(?2, backfilled_until), pending = ?3, \
               recent_rescan_at = COALESCE(?4, recent_rescan_at), full_rescan_at = COALESCE(?5, full_rescan_at) \
             WHERE jurisdiction_id = ?1",
            params![jurisdiction_id, plan.backfilled_until, plan.pending, plan.recent_rescan_at, plan.full_rescan_at],
        )?;
        Ok(())
    }

    /// Records, as a pass goes, the spans still to fetch and the newest updated time seen.
    /// Written after the records it accounts for, so a crash never skips anything.
    pub fn harvest_progress(&self, jurisdiction_id: &str, pending: &str, newest_updated: Option<i64>) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_state SET pending = ?2, \
               newest_updated = MAX(COALESCE(newest_updated, ?3), COALESCE(?3, newest_updated)) \
             WHERE jurisdiction_id = ?1",
            params![jurisdiction_id, pending, newest_updated],
        )?;
        Ok(())
    }

    /// Records what was learned about the endpoint, the city's clock and the pass's figures.
    pub fn save_learned(
        &self,
        jurisdiction_id: &str,
        profile_json: &str,
        clock_offset: Option<i64>,
        last_pass_json: &str,
    ) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_state SET profile = ?2, clock_offset = COALESCE(?3, clock_offset), last_pass = ?4 \
             WHERE jurisdiction_id = ?1",
            params![jurisdiction_id, profile_json, clock_offset, last_pass_json],
        )?;
        Ok(())
    }

    /// Records the end of a pass: success resets the failure count, failure increments it.
    pub fn harvest_finished(&self, jurisdiction_id: &str, error: Option<&str>) -> Result<()> {
        let conn = self.writer();
        match error {
            None => conn.execute(
                "UPDATE harvest_state SET last_success = ?2, consecutive_failures = 0, last_error = NULL, \
                   running_since = NULL WHERE jurisdiction_id = ?1",
                params![jurisdiction_id, now()],
            )?,
            Some(e) => conn.execute(
                "UPDATE harvest_state SET consecutive_failures = consecutive_failures + 1, last_error = ?2, \
                   running_since = NULL WHERE jurisdiction_id = ?1",
                params![jurisdiction_id, e],
            )?,
        };
        Ok(())
    }
}
