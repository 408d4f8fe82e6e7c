//! Per-jurisdiction harvest state: what was learned about the endpoint, how far the backfill
//! got, and health (last attempt, last success, failures, last error).

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, now};

/// The harvest bookkeeping of one jurisdiction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HarvestState {
    /// Our jurisdiction id.
    pub jurisdiction_id: String,
    /// JSON of what was learned about the endpoint (format, cap, paging...).
    pub profile: Option<String>,
    /// Requests up to this instant (unix seconds) were fetched completely once.
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
}

impl Store {
    /// The state of one jurisdiction (default when never harvested).
    pub fn harvest_state(&self, jurisdiction_id: &str) -> Result<HarvestState> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT profile, backfilled_until, newest_updated, last_attempt, last_success, \
               consecutive_failures, last_error FROM harvest_state WHERE jurisdiction_id = ?1",
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
                })
            })
            .optional()?;
        Ok(state.unwrap_or_else(|| HarvestState { jurisdiction_id: jurisdiction_id.to_string(), ..Default::default() }))
    }

    /// Records the start of a pass.
    pub fn harvest_started(&self, jurisdiction_id: &str) -> Result<()> {
        self.writer().execute(
            "INSERT INTO harvest_state (jurisdiction_id, last_attempt) VALUES (?1, ?2) \
             ON CONFLICT (jurisdiction_id) DO UPDATE SET last_attempt = excluded.last_attempt",
            params![jurisdiction_id, now()],
        )?;
        Ok(())
    }

    /// Records backfill progress and the newest updated time seen, as a pass goes.
    pub fn harvest_progress(
        &self,
        jurisdiction_id: &str,
        backfilled_until: Option<i64>,
        newest_updated: Option<i64>,
    ) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_state SET backfilled_until = COALESCE(?2, backfilled_until), \
               newest_updated = MAX(COALESCE(newest_updated, ?3), COALESCE(?3, newest_updated)) \
             WHERE jurisdiction_id = ?1",
            params![jurisdiction_id, backfilled_until, newest_updated],
        )?;
        Ok(())
    }

    /// Records what was learned about the endpoint.
    pub fn save_profile(&self, jurisdiction_id: &str, profile_json: &str) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_state SET profile = ?2 WHERE jurisdiction_id = ?1 AND profile IS NOT ?2",
            params![jurisdiction_id, profile_json],
        )?;
        Ok(())
    }

    /// Records the end of a pass: success resets the failure count, failure increments it.
    pub fn harvest_finished(&self, jurisdiction_id: &str, error: Option<&str>) -> Result<()> {
        let conn = self.writer();
        match error {
            None => conn.execute(
                "UPDATE harvest_state SET last_success = ?2, consecutive_failures = 0, last_error = NULL \
                 WHERE jurisdiction_id = ?1",
                params![jurisdiction_id, now()],
            )?,
            Some(e) => conn.execute(
                "UPDATE harvest_state SET consecutive_failures = consecutive_failures + 1, last_error = ?2 \
                 WHERE jurisdiction_id = ?1",
                params![jurisdiction_id, e],
            )?,
        };
        Ok(())
    }
}
