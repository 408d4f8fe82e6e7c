//! Which node harvests each city: a lease its holder renews while the pass runs, and the time
//! the city is next due, both in the store so that any number of nodes sharing it harvest each
//! city once per interval, and a node that dies gives its cities up when its leases run out.
//! On SQLite the clock is this machine's; every node on one SQLite file is on it.

use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, now};

/// A fed311 process sharing the store with others: its name there and how long its claims
/// hold.
#[derive(Debug, Clone)]
pub struct Node {
    /// The node's name in the store (`--node-id`); two live nodes must never share one.
    pub name: String,
    /// How long a claim on a city holds; the holder renews it every third of that while its
    /// pass runs, so a node that dies gives its cities up within this time.
    pub city_lease: Duration,
    /// How long a claim on a submission holds: longer than a post may take (two call
    /// timeouts), so that no other node looks for a report while it is on its way.
    pub submission_claim: Duration,
}

impl Node {
    /// This machine's node: named after its host name, with the default claims (one minute
    /// for a city, five for a submission). A node restarted on its machine takes its claims
    /// back at once; two nodes on one machine sharing a store need `--node-id`s of their own.
    pub fn this_host() -> Node {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|name| name.trim().to_string())
            .unwrap_or_default();
        Node::named(if host.is_empty() { "fed311".to_string() } else { host })
    }

    /// A node with this name and the default claims.
    pub fn named(name: impl Into<String>) -> Node {
        Node { name: name.into(), city_lease: Duration::from_secs(60), submission_claim: Duration::from_secs(300) }
    }
}

impl Default for Node {
    /// [`Node::this_host`].
    fn default() -> Self {
        Node::this_host()
    }
}

/// What a node may do with a city now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CityClaim {
    /// The city is this node's until the lease runs out; it failed this many passes in a row.
    Ours {
        /// Failed passes in a row before this one.
        failures: u32,
    },
    /// Not due yet, or another node holds it: ask again after this long.
    Wait(Duration),
}

impl Store {
    /// Takes the city for `node` for `lease` when it is due and no other node holds it
    /// (a lease past its time is free).
    pub fn claim_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<CityClaim> {
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
    pub fn renew_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<bool> {
        let changed = self.writer().execute(
            "UPDATE harvest_leases SET expires_at = ?3 WHERE jurisdiction_id = ?1 AND node = ?2",
            params![jurisdiction_id, node, now() + lease_seconds(lease)],
        )?;
        Ok(changed == 1)
    }

    /// Ends `node`'s pass over the city: frees it, due again in `next_due_in`, with
    /// `failures` failed passes in a row.
    pub fn finish_city(&self, jurisdiction_id: &str, node: &str, next_due_in: Duration, failures: u32) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_leases SET node = NULL, expires_at = 0, next_due_at = ?3, failures = ?4 \
             WHERE jurisdiction_id = ?1 AND node = ?2",
            params![jurisdiction_id, node, now() + lease_seconds(next_due_in), i64::from(failures)],
        )?;
        Ok(())
    }

    /// Frees the city without a pass ending (shutdown): another node may take it at once.
    pub fn release_city(&self, jurisdiction_id: &str, node: &str) -> Result<()> {
        self.writer().execute(
            "UPDATE harvest_leases SET node = NULL, expires_at = 0 WHERE jurisdiction_id = ?1 AND node = ?2",
            params![jurisdiction_id, node],
        )?;
        Ok(())
    }

    /// The node holding the city now, if any (for health and tests).
    pub fn city_holder(&self, jurisdiction_id: &str) -> Result<Option<String>> {
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

/// Whole seconds of a lease, at least one.
pub(super) fn lease_seconds(lease: Duration) -> i64 {
    i64::try_from(lease.as_secs()).unwrap_or(i64::MAX / 4).max(1)
}

fn seconds(s: i64) -> Duration {
    Duration::from_secs(u64::try_from(s).unwrap_or(0).max(1))
}
