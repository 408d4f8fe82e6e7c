//! The outbox of submissions, in PostgreSQL (see `store::outbox`). When a submission is next
//! due and how long a claim holds are on the database's clock, so nodes whose clocks differ
//! agree on both; the created and updated times are the accepting node's.

use std::time::Duration;

use tokio_postgres::Row;

use super::leases::DB_NOW;
use super::{PostgresStore, big, storable};
use crate::store::backend::OutboxRows;
use crate::store::leases::lease_seconds;
use crate::store::{Result, Submission, now};

const COLUMNS: &str = "token, jurisdiction_id, service_code, form, state, attempts, created_at, \
    service_request_id, city_token, service_notice, error, refusal_status";

fn read(r: &Row) -> Result<Submission> {
    let form: String = r.try_get(3)?;
    Ok(Submission {
        token: r.try_get(0)?,
        jurisdiction_id: r.try_get(1)?,
        service_code: r.try_get(2)?,
        form: serde_json::from_str(&form).unwrap_or_default(),
        state: r.try_get(4)?,
        attempts: r.try_get(5)?,
        created_at: r.try_get(6)?,
        service_request_id: r.try_get(7)?,
        city_token: r.try_get(8)?,
        service_notice: r.try_get(9)?,
        error: r.try_get(10)?,
        refusal_status: r.try_get::<_, Option<i64>>(11)?.and_then(|s| u16::try_from(s).ok()),
    })
}

impl OutboxRows for PostgresStore {
    fn enqueue(&self, token: &str, jurisdiction_id: &str, service_code: &str, form: &[(String, String)]) -> Result<()> {
        let t = now();
        self.write_one(
            &format!(
                "INSERT INTO outbox (token, jurisdiction_id, service_code, form, state, next_attempt, created_at, \
                   updated_at) VALUES ($1, $2, $3, $4, 'pending', {DB_NOW}, $5, $5)"
            ),
            &[&token, &jurisdiction_id, &service_code, &serde_json::to_string(form)?, &t],
        )?;
        Ok(())
    }

    fn submission(&self, token: &str) -> Result<Option<Submission>> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE token = $1");
        self.reader().query_opt(&sql, &[&token])?.as_ref().map(read).transpose()
    }

    fn claim_due_submissions(&self, node: &str, limit: usize, lease: Duration) -> Result<Vec<Submission>> {
        // SKIP LOCKED: rows another node is claiming right now are left to it.
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claim_until = {DB_NOW} + $2 WHERE token IN ( \
               SELECT token FROM outbox WHERE state IN ('pending', 'sending', 'awaiting') AND next_attempt <= {DB_NOW} \
               AND (claimed_by IS NULL OR claimed_by = $1 OR claim_until <= {DB_NOW}) ORDER BY next_attempt LIMIT $3 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING {COLUMNS}"
        );
        self.write(|conn| {
            let rows = conn.query(&sql, &[&node, &lease_seconds(lease), &big(limit)])?;
            let claimed = rows.iter().map(read).collect::<Result<Vec<_>>>()?;
            let wrote = !claimed.is_empty();
            Ok((claimed, wrote))
        })
    }

    fn next_submission_due(&self) -> Result<Option<i64>> {
        let row = self.reader().query_one(
            &format!(
                "SELECT MIN(next_attempt) - {DB_NOW} FROM outbox WHERE state IN ('pending', 'sending', 'awaiting')"
            ),
            &[],
        )?;
        let next: Option<i64> = row.try_get(0)?;
        Ok(next.map(|wait| wait.max(0)))
    }

    fn outbox_depth(&self) -> Result<u64> {
        let row = self
            .reader()
            .query_one("SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending', 'awaiting')", &[])?;
        Ok(row.try_get::<_, i64>(0)? as u64)
    }

    fn submission_sending(&self, token: &str, node: &str) -> Result<bool> {
        let changed = self.write_one(
            &format!(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = $3 \
                 WHERE token = $1 AND claimed_by = $2 AND claim_until > {DB_NOW}"
            ),
            &[&token, &node, &now()],
        )?;
        Ok(changed == 1)
    }

    fn submission_delivered(&self, token: &str, id: &str, notice: Option<&str>) -> Result<()> {
        self.write_one(
            "UPDATE outbox SET state = 'delivered', service_request_id = $2, \
               service_notice = COALESCE($3, service_notice), error = NULL, updated_at = $4, claimed_by = NULL, claim_until = 0 \
               WHERE token = $1",
            &[&token, &id, &notice, &now()],
        )?;
        Ok(())
    }

    fn submission_awaiting(&self, token: &str, city_token: &str, notice: Option<&str>, retry_in: i64) -> Result<()> {
        self.write_one(
            &format!(
                "UPDATE outbox SET state = 'awaiting', city_token = $2, service_notice = COALESCE($3, service_notice), \
                   next_attempt = {DB_NOW} + $4, updated_at = $5, claimed_by = NULL, claim_until = 0 WHERE token = $1"
            ),
            &[&token, &city_token, &notice, &retry_in, &now()],
        )?;
        Ok(())
    }

    fn submission_refused(&self, token: &str, error: &str, status: Option<u16>) -> Result<()> {
        let status = status.map(i64::from);
        self.write_one(
            "UPDATE outbox SET state = 'refused', error = $2, refusal_status = $3, updated_at = $4, claimed_by = NULL, \
             claim_until = 0 WHERE token = $1",
            &[&token, &storable(error), &status, &now()],
        )?;
        Ok(())
    }

    fn submission_retry(&self, token: &str, state: &str, retry_in: i64, error: &str) -> Result<()> {
        self.write_one(
            &format!(
                "UPDATE outbox SET state = $2, next_attempt = {DB_NOW} + $3, error = $4, updated_at = $5, \
                   claimed_by = NULL, claim_until = 0 WHERE token = $1"
            ),
            &[&token, &state, &retry_in, &storable(error), &now()],
        )?;
        Ok(())
    }
}
