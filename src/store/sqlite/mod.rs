//! The SQLite backend: one file under the data folder, WAL mode, versioned migrations
//! (`migrations/NNN_*.sql`). Writes are serialized by SQLite itself (one writer at a time),
//! so a write's seqs (`MAX(seq) + 1…`, taken inside its transaction) are always visible in
//! order: a follower tailing `seq` never skips one.
//!
//! rusqlite is synchronous: one writer connection (writes are serialized anyway) and a few
//! reader connections, all behind std mutexes.

mod export;
mod harvest_state;
mod history;
mod leases;
mod outbox;
mod points;
mod requests;
mod schema;
mod services;
mod stats;
mod upsert;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use super::backend::Backend;
use super::{Result, StoreError};

/// The SQLite file inside the data folder.
pub const DATABASE_FILE: &str = "fed311.sqlite";
/// Reader connections kept open for the API.
const READERS: usize = 4;

/// The SQLite store.
pub(crate) struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// A connection that only reads `PRAGMA data_version`, which moves whenever any other
    /// connection (ours or another process's) commits: the stamp for cached answers.
    watcher: Mutex<Connection>,
    /// See [`Store::identity`](super::Store::identity).
    identity: String,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and migrates it to the latest schema.
    pub(crate) fn open(data_dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::Folder { path: data_dir.to_path_buf(), source })?;
        let path = data_dir.join(DATABASE_FILE);
        let mut writer = schema::connect(&path)?;
        schema::migrate(&mut writer)?;
        let readers = (0..READERS).map(|_| schema::connect(&path).map(Mutex::new)).collect::<Result<Vec<_>>>()?;
        let watcher = Mutex::new(schema::connect(&path)?);
        let identity = writer.query_row("SELECT id FROM store_identity", [], |r| r.get(0))?;
        Ok(SqliteStore {
            path,
            identity,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            watcher,
        })
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        let readers = &self.readers;
        for r in readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        readers[i].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Backend for SqliteStore {
    fn identity(&self) -> &str {
        &self.identity
    }

    fn data_version(&self) -> Result<i64> {
        let conn = self.watcher.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn settle(&self) -> Result<()> {
        Ok(())
    }
}
