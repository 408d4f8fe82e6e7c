//! Which node harvests each city: a lease its holder renews while the pass runs, and the time
//! the city is next due, both in the store so that any number of nodes sharing it harvest each
//! city once per interval, and a node that dies gives its cities up when its leases run out.
//! On SQLite the clock is this machine's; on PostgreSQL, the database's (`now()`), which every
//! node sharing it reads alike.

use std::time::Duration;

use super::{Result, Store};

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
        self.backend.claim_city(jurisdiction_id, node, lease)
    }

    /// Extends `node`'s lease on the city; `false` when it is no longer the holder (its
    /// lease ran out and another node took the city).
    pub fn renew_city(&self, jurisdiction_id: &str, node: &str, lease: Duration) -> Result<bool> {
        self.backend.renew_city(jurisdiction_id, node, lease)
    }

    /// Ends `node`'s pass over the city: frees it, due again in `next_due_in`, with
    /// `failures` failed passes in a row.
    pub fn finish_city(&self, jurisdiction_id: &str, node: &str, next_due_in: Duration, failures: u32) -> Result<()> {
        self.backend.finish_city(jurisdiction_id, node, next_due_in, failures)
    }

    /// Frees the city without a pass ending (shutdown): another node may take it at once.
    pub fn release_city(&self, jurisdiction_id: &str, node: &str) -> Result<()> {
        self.backend.release_city(jurisdiction_id, node)
    }

    /// The node holding the city now, if any (for health and tests).
    pub fn city_holder(&self, jurisdiction_id: &str) -> Result<Option<String>> {
        self.backend.city_holder(jurisdiction_id)
    }
}

/// Whole seconds of a lease, at least one.
pub(super) fn lease_seconds(lease: Duration) -> i64 {
    i64::try_from(lease.as_secs()).unwrap_or(i64::MAX / 4).max(1)
}

pub(super) fn seconds(s: i64) -> Duration {
    Duration::from_secs(u64::try_from(s).unwrap_or(0).max(1))
}
