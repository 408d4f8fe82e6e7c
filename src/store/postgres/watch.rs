//! `data_version` without a query: every writing transaction of every node announces its new
//! version with `NOTIFY` (delivered at commit, in commit order), and each store keeps the
//! highest it has heard on one listening connection. Cached answers are checked against the
//! store's version on every call, so this saves a round trip on each of them; a node sees
//! another node's write as soon as the notification arrives (within milliseconds on a local
//! network), and its own writes at once (the writer raises the version after its commit).
//!
//! While the listener is not connected (before its first `LISTEN`, after a dropped
//! connection, until it reconnects) the version is read from the table as before, so an
//! outage only costs the round trips back, never a stale answer for longer than it lasts.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};

use super::exec;
use crate::store::Result;

/// The channel writers notify on; the payload is the new `data_version`.
pub(super) const CHANNEL: &str = "fed311_data_version";

/// The listener's name in PostgreSQL's views (`pg_stat_activity.application_name`).
pub const LISTENER_NAME: &str = "fed311 version listener";

/// How long the listener waits before connecting again after losing its connection.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// The newest `data_version` this node knows of, while the listener vouches for it.
#[derive(Debug, Default)]
pub(super) struct KnownVersion {
    version: AtomicI64,
    live: AtomicBool,
}

impl KnownVersion {
    /// The version, when the listener is connected (else the caller asks the table).
    pub(super) fn get(&self) -> Option<i64> {
        self.live.load(Ordering::Acquire).then(|| self.version.load(Ordering::Acquire))
    }

    /// A version committed by this node or heard of: versions only go up.
    pub(super) fn raise(&self, version: i64) {
        self.version.fetch_max(version, Ordering::AcqRel);
    }

    fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
    }
}

/// The listener of a store: stops when the store drops it.
pub(super) struct Listener(JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts listening for `url`'s versions into `known`, reconnecting while `known` lives.
pub(super) fn listen(url: &str, known: &Arc<KnownVersion>) -> Result<Listener> {
    let (config, known) = (exec::config(url, LISTENER_NAME)?, Arc::downgrade(known));
    let task = exec::spawn(async move {
        while let Some(strong) = known.upgrade() {
            drop(strong);
            if let Err(e) = listen_once(&config, &known).await {
                tracing::debug!("PostgreSQL version listener: {e}; connecting again");
            }
            if let Some(known) = known.upgrade() {
                known.set_live(false);
            }
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    })?;
    Ok(Listener(task))
}

/// One connection's life: `LISTEN`, read the version once, then follow the notifications
/// until the connection ends.
async fn listen_once(
    config: &tokio_postgres::Config,
    known: &Weak<KnownVersion>,
) -> std::result::Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (heard, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message? {
                AsyncMessage::Notification(n) => {
                    if heard.send(n.payload().parse::<i64>().ok()).is_err() {
                        break;
                    }
                }
                _ => continue,
            }
        }
        Ok::<_, tokio_postgres::Error>(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    // Listening first, reading second: a commit after this read is heard of.
    let now: i64 = client.query_one("SELECT value FROM counters WHERE name = 'data_version'", &[]).await?.get(0);
    let Some(strong) = known.upgrade() else { return Ok(()) };
    strong.raise(now);
    strong.set_live(true);
    drop(strong);
    while let Some(version) = notifications.recv().await {
        let Some(known) = known.upgrade() else { break };
        match version {
            Some(version) => known.raise(version),
            // Not ours to read: do not vouch for a version we cannot follow.
            None => break,
        }
    }
    drop(client);
    driver.await.unwrap_or(Ok(()))
}
