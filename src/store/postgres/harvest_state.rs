//! Per-jurisdiction harvest state, in PostgreSQL (see `store::harvest_state`).

use std::collections::HashMap;

use super::{PostgresStore, storable};
use crate::store::backend::HarvestStates;
use tokio_postgres::types::ToSql;

use crate::store::{HarvestState, PlannedSweep, Progress, Result, now};

impl HarvestStates for PostgresStore {
    fn harvest_state(&self, jurisdiction_id: &str) -> Result<HarvestState> {
        let row = self.reader().query_opt(
            "SELECT profile, backfilled_until, newest_updated, last_attempt, last_success, \
               consecutive_failures, last_error, pending, clock_offset, recent_rescan_at, full_rescan_at, \
               last_pass, running_since FROM harvest_state WHERE jurisdiction_id = $1",
            &[&jurisdiction_id],
        )?;
        let Some(r) = row else {
            return Ok(HarvestState { jurisdiction_id: jurisdiction_id.to_string(), ..Default::default() });
        };
        Ok(HarvestState {
            jurisdiction_id: jurisdiction_id.to_string(),
            profile: r.try_get(0)?,
            backfilled_until: r.try_get(1)?,
            newest_updated: r.try_get(2)?,
            last_attempt: r.try_get(3)?,
            last_success: r.try_get(4)?,
            consecutive_failures: r.try_get(5)?,
            last_error: r.try_get(6)?,
            pending: r.try_get(7)?,
            clock_offset: r.try_get(8)?,
            recent_rescan_at: r.try_get(9)?,
            full_rescan_at: r.try_get(10)?,
            last_pass: r.try_get(11)?,
            running_since: r.try_get(12)?,
        })
    }

    fn last_successes(&self) -> Result<HashMap<String, i64>> {
        let rows = self
            .reader()
            .query("SELECT jurisdiction_id, last_success FROM harvest_state WHERE last_success IS NOT NULL", &[])?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    fn harvest_started(&self, jurisdiction_id: &str) -> Result<()> {
        self.write_one(
            "INSERT INTO harvest_state (jurisdiction_id, last_attempt, running_since) VALUES ($1, $2, $2) \
             ON CONFLICT (jurisdiction_id) DO UPDATE SET last_attempt = excluded.last_attempt, \
               running_since = excluded.running_since",
            &[&jurisdiction_id, &now()],
        )?;
        Ok(())
    }

    fn harvest_planned(&self, jurisdiction_id: &str, plan: &PlannedSweep) -> Result<()> {
        self.write_one(
            "UPDATE harvest_state SET backfilled_until = COALESCE($2, backfilled_until), pending = $3, \
               recent_rescan_at = COALESCE($4, recent_rescan_at), full_rescan_at = COALESCE($5, full_rescan_at) \
             WHERE jurisdiction_id = $1",
            &[&jurisdiction_id, &plan.backfilled_until, &plan.pending, &plan.recent_rescan_at, &plan.full_rescan_at],
        )?;
        Ok(())
    }

    fn harvest_progress(&self, jurisdiction_id: &str, progress: Progress<'_>) -> Result<()> {
        self.write_one(SAVE_PROGRESS, &progress_params(&jurisdiction_id, &progress))?;
        Ok(())
    }

    fn save_learned(
        &self,
        jurisdiction_id: &str,
        profile_json: &str,
        clock_offset: Option<i64>,
        last_pass_json: &str,
    ) -> Result<()> {
        self.write_one(
            "UPDATE harvest_state SET profile = $2, clock_offset = COALESCE($3, clock_offset), last_pass = $4 \
             WHERE jurisdiction_id = $1",
            &[&jurisdiction_id, &profile_json, &clock_offset, &last_pass_json],
        )?;
        Ok(())
    }

    fn harvest_finished(&self, jurisdiction_id: &str, error: Option<&str>) -> Result<()> {
        match error {
            None => self.write_one(
                "UPDATE harvest_state SET last_success = $2, consecutive_failures = 0, last_error = NULL, \
                   running_since = NULL WHERE jurisdiction_id = $1",
                &[&jurisdiction_id, &now()],
            )?,
            Some(e) => self.write_one(
                "UPDATE harvest_state SET consecutive_failures = consecutive_failures + 1, last_error = $2, \
                   running_since = NULL WHERE jurisdiction_id = $1",
                &[&jurisdiction_id, &storable(e)],
            )?,
        };
        Ok(())
    }
}

/// Saves a pass's work list and newest updated time (`jurisdiction_id`, `pending`,
/// `newest_updated`). GREATEST ignores NULLs, as SQLite's MAX of the two COALESCEs does.
pub(super) const SAVE_PROGRESS: &str =
    "UPDATE harvest_state SET pending = $2, newest_updated = GREATEST(newest_updated, $3) WHERE jurisdiction_id = $1";

/// The parameters of [`SAVE_PROGRESS`].
pub(super) fn progress_params<'a>(jurisdiction_id: &'a &str, p: &'a Progress<'_>) -> [&'a (dyn ToSql + Sync); 3] {
    [jurisdiction_id, &p.pending, &p.newest_updated]
}
