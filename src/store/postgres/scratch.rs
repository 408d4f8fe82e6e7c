//! A fresh PostgreSQL database for one run (a benchmark, a test), made beside the one a URL
//! names and dropped when the handle goes.

use std::sync::atomic::{AtomicU64, Ordering};

use super::exec::{block_on, connect};
use crate::store::{Result, StoreError, StoreLocation};

/// A database made for one run; dropped (connections and all) when this is.
pub struct ScratchDatabase {
    server: String,
    name: String,
    location: StoreLocation,
}

impl ScratchDatabase {
    /// Makes an empty database `{prefix}_{pid}_{n}_{time}` on the server of `url` (whose role
    /// may create databases).
    pub fn create(url: &str, prefix: &str) -> Result<ScratchDatabase> {
        static MADE: AtomicU64 = AtomicU64::new(0);
        let made = MADE.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("{prefix}_{}_{made}_{nanos}", std::process::id());
        let client = connect(url)?;
        block_on(client.batch_execute(&format!("CREATE DATABASE \"{name}\"")))?;
        let mut scratch = url::Url::parse(url).map_err(|e| StoreError::Task(format!("not a URL: {e}")))?;
        scratch.set_path(&format!("/{name}"));
        Ok(ScratchDatabase { server: url.to_string(), name, location: StoreLocation::Postgres(scratch.to_string()) })
    }

    /// Where it is.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let dropped = connect(&self.server)
            .and_then(|c| Ok(block_on(c.batch_execute(&format!("DROP DATABASE \"{}\" WITH (FORCE)", self.name)))?));
        if let Err(e) = dropped {
            tracing::warn!("could not drop the scratch database {}: {e}", self.name);
        }
    }
}
