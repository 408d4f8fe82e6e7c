//! The outbox of submissions, in SQLite (see `store::outbox`).

use rusqlite::{OptionalExtension, Row, params};

use std::time::Duration;

use super::SqliteStore;
use crate::store::backend::OutboxRows;
use crate::store::leases::lease_seconds;
use crate::store::{Result, Submission, now};

const COLUMNS: &str = "token, jurisdiction_id, service_code, form, state, attempts, created_at, \
    service_request_id, city_token, service_notice, error, refusal_status";

fn read(r: &Row<'_>) -> rusqlite::Result<Submission> {
    let form: String = r.get(3)?;
    Ok(Submission {
        token: r.get(0)?,
        jurisdiction_id: r.get(1)?,
        service_code: r.get(2)?,
        form: serde_json::from_str(&form).unwrap_or_default(),
        state: r.get(4)?,
        attempts: r.get(5)?,
        created_at: r.get(6)?,
        service_request_id: r.get(7)?,
        city_token: r.get(8)?,
        service_notice: r.get(9)?,
        error: r.get(10)?,
        refusal_status: r.get::<_, Option<i64>>(11)?.and_then(|s| u16::try_from(s).ok()),
    })
}

impl OutboxRows for SqliteStore {
    /// Accepts a submission durably (committed before the client hears of it).
    fn enqueue(&self, token: &str, jurisdiction_id: &str, service_code: &str, form: &[(String, String)]) -> Result<()> {
        let t = now();
        self.writer().execute(
            "INSERT INTO outbox (token, jurisdiction_id, service_code, form, state, next_attempt, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5)",
            params![token, jurisdiction_id, service_code, serde_json::to_string(form)?, t],
        )?;
        Ok(())
    }

    /// One submission by token.
    fn submission(&self, token: &str) -> Result<Option<Submission>> {
        let conn = self.reader();
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE token = ?1");
        Ok(conn.query_row(&sql, [token], read).optional()?)
    }

    /// Submissions due for an attempt (pending, sending after a crash, awaiting a city token).
    fn claim_due_submissions(&self, node: &str, limit: usize, lease: Duration) -> Result<Vec<Submission>> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let t = now();
        let claimed = {
            let sql = format!(
                "UPDATE outbox SET claimed_by = ?1, claim_until = ?2 WHERE token IN ( \
                   SELECT token FROM outbox WHERE state IN ('pending', 'sending', 'awaiting') AND next_attempt <= ?3 \
                   AND (claimed_by IS NULL OR claimed_by = ?1 OR claim_until <= ?3) ORDER BY next_attempt LIMIT ?4) \
                 RETURNING {COLUMNS}"
            );
            let mut stmt = tx.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![node, t + lease_seconds(lease), t, limit as i64], read)?;
            rows.collect::<std::result::Result<Vec<_>, _>>()?
        };
        tx.commit()?;
        Ok(claimed)
    }

    fn next_submission_due(&self) -> Result<Option<i64>> {
        let conn = self.reader();
        let next: Option<i64> = conn.query_row(
            "SELECT MIN(next_attempt) FROM outbox WHERE state IN ('pending', 'sending', 'awaiting')",
            [],
            |r| r.get(0),
        )?;
        Ok(next.map(|t| (t - now()).max(0)))
    }

    /// How many submissions are not yet delivered or refused.
    fn outbox_depth(&self) -> Result<u64> {
        let conn = self.reader();
        let n: i64 =
            conn.query_row("SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending', 'awaiting')", [], |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }

    /// Marks an attempt as under way (committed before anything is sent).
    fn submission_sending(&self, token: &str, node: &str) -> Result<bool> {
        let t = now();
        let changed = self.writer().execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?3 \
             WHERE token = ?1 AND claimed_by = ?2 AND claim_until > ?3",
            params![token, node, t],
        )?;
        Ok(changed == 1)
    }

    fn submission_delivered(&self, token: &str, id: &str, notice: Option<&str>) -> Result<()> {
        self.writer().execute(
            "UPDATE outbox SET state = 'delivered', service_request_id = ?2, service_notice = COALESCE(?3, service_notice), \
               error = NULL, updated_at = ?4, claimed_by = NULL, claim_until = 0 WHERE token = ?1",
            params![token, id, notice, now()],
        )?;
        Ok(())
    }

    /// The city has it but answered with its own token; resolve it later.
    fn submission_awaiting(&self, token: &str, city_token: &str, notice: Option<&str>, retry_in: i64) -> Result<()> {
        self.writer().execute(
            "UPDATE outbox SET state = 'awaiting', city_token = ?2, service_notice = COALESCE(?3, service_notice), \
               next_attempt = ?4, updated_at = ?5, claimed_by = NULL, claim_until = 0 WHERE token = ?1",
            params![token, city_token, notice, now() + retry_in, now()],
        )?;
        Ok(())
    }

    /// Refused for good: by the city, with its HTTP `status`, or by fed311 itself (`None`).
    fn submission_refused(&self, token: &str, error: &str, status: Option<u16>) -> Result<()> {
        self.writer().execute(
            "UPDATE outbox SET state = 'refused', error = ?2, refusal_status = ?3, updated_at = ?4, claimed_by = NULL, \
             claim_until = 0 WHERE token = ?1",
            params![token, error, status, now()],
        )?;
        Ok(())
    }

    /// Not delivered this time (and certainly not received): try again in `retry_in` seconds.
    fn submission_retry(&self, token: &str, state: &str, retry_in: i64, error: &str) -> Result<()> {
        self.writer().execute(
            "UPDATE outbox SET state = ?2, next_attempt = ?3, error = ?4, updated_at = ?5, claimed_by = NULL, \
             claim_until = 0 WHERE token = ?1",
            params![token, state, now() + retry_in, error, now()],
        )?;
        Ok(())
    }
}
