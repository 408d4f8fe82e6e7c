//! Per-jurisdiction harvest state, in SQLite (see `store::harvest_state`).

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::store::backend::HarvestStates;
use crate::store::{HarvestState, PlannedSweep, Progress, Result, now};

impl HarvestStates for SqliteStore {
    /// The state of one jurisdiction (default when never harvested).
    fn harvest_state(&self, jurisdiction_id: &str) -> Result<HarvestState> {
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
    fn last_successes(&self) -> Result<std::collections::HashMap<String, i64>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT jurisdiction_id, last_success FROM harvest_state WHERE last_success IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Records the start of a pass.
    fn harvest_started(&self, jurisdiction_id: &str) -> Result<()> {
        self.writer().execute(
            "INSERT INTO harvest_state (jurisdiction_id, last_attempt, running_since) VALUES (?1, ?2, ?2) \
             ON CONFLICT (jurisdiction_id) DO UPDATE SET last_attempt = excluded.last_attempt, \
               running_since = excluded.running_since",
            params![jurisdiction_id, now()],
        )?;
        Ok(())
    }

    /// Records a pass's plan before it fetches anything (see [`PlannedSweep`]).
    fn harvest_planned(&self, jurisdiction_id: &str, plan: &PlannedSweep) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_state SET backfilled_until = COALESCE(?2, backfilled_until), pending = ?3, \
               recent_rescan_at = COALESCE(?4, recent_rescan_at), full_rescan_at = COALESCE(?5, full_rescan_at) \
             WHERE jurisdiction_id = ?1",
            params![jurisdiction_id, plan.backfilled_until, plan.pending, plan.recent_rescan_at, plan.full_rescan_at],
        )?;
        Ok(())
    }

    fn harvest_progress(&self, jurisdiction_id: &str, p: Progress<'_>) -> Result<()> {
        self.writer().execute(SAVE_PROGRESS, params![jurisdiction_id, p.pending, p.newest_updated])?;
        Ok(())
    }

    /// Records what was learned about the endpoint, the city's clock and the pass's figures.
    fn save_learned(
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
    fn harvest_finished(&self, jurisdiction_id: &str, error: Option<&str>) -> Result<()> {
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

/// Saves a pass's work list and newest updated time (`jurisdiction_id`, `pending`,
/// `newest_updated`).
pub(super) const SAVE_PROGRESS: &str = "UPDATE harvest_state SET pending = ?2, \
    newest_updated = MAX(COALESCE(newest_updated, ?3), COALESCE(?3, newest_updated)) WHERE jurisdiction_id = ?1";
