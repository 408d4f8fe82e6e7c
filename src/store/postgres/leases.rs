//! Which node harvests each city, in PostgreSQL (see `store::leases`). Times are the database's
//! clock (`now()`), so nodes on different machines agree on when a lease runs out; a claim
//! locks the city's row (`FOR UPDATE`) so two nodes claiming at once take turns. Leases are
//! no data a client sees, so they never move `data_version` (which would drop every node's
//! cached answers each time a node looks at a city).

use std::time::Duration;

use super::PostgresStore;
use crate::store::backend::CityLeases;
use crate::store::leases::{lease_seconds, seconds};
use crate::store::{CityClaim, Result};

/// The database's clock, in unix seconds.
pub(super) const DB_NOW: &str = "floor(extract(epoch FROM now()))::bigint";

impl CityLeases for PostgresStore {
    fn claim_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<CityClaim> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO harvest_leases (jurisdiction_id) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&jurisdiction_id],
            )?;
            let row = conn.query_one(
                &format!(
                    "SELECT node, expires_at, next_due_at, failures, {DB_NOW} FROM harvest_leases \
                     WHERE jurisdiction_id = $1 FOR UPDATE"
                ),
                &[&jurisdiction_id],
            )?;
            let (holder, expires_at, next_due_at, failures, t): (Option<String>, i64, i64, i64, i64) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?, row.try_get(4)?);
            let held_elsewhere = holder.as_deref().is_some_and(|h| h != node) && expires_at > t;
            if held_elsewhere {
                return Ok((CityClaim::Wait(seconds(expires_at - t)), false));
            }
            if next_due_at > t {
                return Ok((CityClaim::Wait(seconds(next_due_at - t)), false));
            }
            conn.execute(
                "UPDATE harvest_leases SET node = $2, expires_at = $3 WHERE jurisdiction_id = $1",
                &[&jurisdiction_id, &node, &(t + lease_seconds(lease))],
            )?;
            Ok((CityClaim::Ours { failures: u32::try_from(failures).unwrap_or(u32::MAX) }, false))
        })
    }

    fn renew_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<bool> {
        let changed = self.write_unseen(
            &format!("UPDATE harvest_leases SET expires_at = {DB_NOW} + $3 WHERE jurisdiction_id = $1 AND node = $2"),
            &[&jurisdiction_id, &node, &lease_seconds(lease)],
        )?;
        Ok(changed == 1)
    }

    fn finish_city(&self, jurisdiction_id: &str, node: &str, next_due_in: Duration, failures: u32) -> Result<()> {
        self.write_unseen(
            &format!(
                "UPDATE harvest_leases SET node = NULL, expires_at = 0, next_due_at = {DB_NOW} + $3, failures = $4 \
                 WHERE jurisdiction_id = $1 AND node = $2"
            ),
            &[&jurisdiction_id, &node, &lease_seconds(next_due_in), &i64::from(failures)],
        )?;
        Ok(())
    }

    fn release_city(&self, jurisdiction_id: &str, node: &str) -> Result<()> {
        self.write_unseen(
            "UPDATE harvest_leases SET node = NULL, expires_at = 0 WHERE jurisdiction_id = $1 AND node = $2",
            &[&jurisdiction_id, &node],
        )?;
        Ok(())
    }

    fn city_holder(&self, jurisdiction_id: &str) -> Result<Option<String>> {
        let row = self.reader().query_opt(
            &format!("SELECT node FROM harvest_leases WHERE jurisdiction_id = $1 AND expires_at > {DB_NOW}"),
            &[&jurisdiction_id],
        )?;
        Ok(row.map(|r| r.try_get::<_, Option<String>>(0)).transpose()?.flatten())
    }
}
