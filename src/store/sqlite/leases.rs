//! Which node harvests each city, in SQLite (see `store::leases`). On SQLite the clock is this
//! machine's; every node on one SQLite file is on it.

use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::store::backend::CityLeases;
use crate::store::leases::{lease_seconds, seconds};
use crate::store::{CityClaim, Result, now};

impl CityLeases for SqliteStore {
    /// Takes the city for `node` for `lease` when it is due and no other node holds it
    /// (a lease past its time is free).
    fn claim_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<CityClaim> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let t = now();
        tx.execute(
            "INSERT INTO harvest_leases (jurisdiction_id) VALUES (?1) ON CONFLICT DO NOTHING",
            [jurisdiction_id],
        )?;
        let (holder, expires_at, next_due_at, failures): (Option<String>, i64, i64, i64) = tx.query_row(
            "SELECT node, expires_at, next_due_at, failures FROM harvest_leases WHERE jurisdiction_id = ?1",
            [jurisdiction_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let held_elsewhere = holder.as_deref().is_some_and(|h| h != node) && expires_at > t;
        let claim = if held_elsewhere {
            CityClaim::Wait(seconds(expires_at - t))
        } else if next_due_at > t {
            CityClaim::Wait(seconds(next_due_at - t))
        } else {
            tx.execute(
                "UPDATE harvest_leases SET node = ?2, expires_at = ?3 WHERE jurisdiction_id = ?1",
                params![jurisdiction_id, node, t + lease_seconds(lease)],
            )?;
            CityClaim::Ours { failures: u32::try_from(failures).unwrap_or(u32::MAX) }
        };
        tx.commit()?;
        Ok(claim)
    }

    /// Extends `node`'s lease on the city; `false` when it is no longer the holder (its
    /// lease ran out and another node took the city).
    fn renew_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<bool> {
        let changed = self.writer().execute(
            "UPDATE harvest_leases SET expires_at = ?3 WHERE jurisdiction_id = ?1 AND node = ?2",
            params![jurisdiction_id, node, now() + lease_seconds(lease)],
        )?;
        Ok(changed == 1)
    }

    /// Ends `node`'s pass over the city: frees it, due again in `next_due_in`, with
    /// `failures` failed passes in a row.
    fn finish_city(&self, jurisdiction_id: &str, node: &str, next_due_in: Duration, failures: u32) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_leases SET node = NULL, expires_at = 0, next_due_at = ?3, failures = ?4 \
             WHERE jurisdiction_id = ?1 AND node = ?2",
            params![jurisdiction_id, node, now() + lease_seconds(next_due_in), i64::from(failures)],
        )?;
        Ok(())
    }

    /// Frees the city without a pass ending (shutdown): another node may take it at once.
    fn release_city(&self, jurisdiction_id: &str, node: &str) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_leases SET node = NULL, expires_at = 0 WHERE jurisdiction_id = ?1 AND node = ?2",
            params![jurisdiction_id, node],
        )?;
        Ok(())
    }

    /// The node holding the city now, if any (for health and tests).
    fn city_holder(&self, jurisdiction_id: &str) -> Result<Option<String>> {
        let conn = self.reader();
        let holder = conn
            .query_row(
                "SELECT node FROM harvest_leases WHERE jurisdiction_id = ?1 AND expires_at > ?2",
                params![jurisdiction_id, now()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(holder.flatten())
    }
}
