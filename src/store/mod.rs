//! The store: SQLite, the source of truth. One file under the data folder, WAL mode,
//! versioned migrations. Every insert or change of a request bumps its `seq`, so the search
//! index can follow the store by tailing `seq`; every observed change is also appended to the
//! request history. The store knows nothing of HTTP.
//!
//! rusqlite is synchronous: one writer connection (writes are serialized anyway) and a few
//! reader connections, all behind std mutexes. Async callers go through `spawn_blocking`.

mod export;
mod filter;
mod harvest_state;
mod history;
mod outbox;
mod points;
mod requests;
mod schema;
mod services;
mod stats;
mod upsert;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

pub use export::RequestKey;
pub use harvest_state::PlannedSweep;
pub use harvest_state::{HarvestState, Health};
pub use history::HistoryEntry;
pub use outbox::Submission;
pub use requests::{RequestPage, StoredRequest};
pub use services::CrosswalkRow;
pub use stats::{StatsRow, StatsScope};
pub use upsert::{UpsertCounts, Upserted};

/// The SQLite file inside the data folder.
pub const DATABASE_FILE: &str = "fed311.sqlite";
/// Reader connections kept open for the API.
const READERS: usize = 4;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A stored JSON column could not be read back.
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    /// A blocking store task died.
    #[error("store task failed: {0}")]
    Task(String),
    /// The data folder is unusable.
    #[error("cannot use data folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Short alias for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A cheap-to-clone handle on the SQLite store.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// A connection that only reads `PRAGMA data_version`, which moves whenever any other
    /// connection (ours or another process's) commits: the stamp for cached answers.
    watcher: Mutex<Connection>,
    /// See [`Store::identity`].
    identity: String,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and migrates it to the latest schema.
    pub fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::Folder { path: data_dir.to_path_buf(), source })?;
        let path = data_dir.join(DATABASE_FILE);
        let mut writer = schema::connect(&path)?;
        schema::migrate(&mut writer)?;
        let readers = (0..READERS).map(|_| schema::connect(&path).map(Mutex::new)).collect::<Result<Vec<_>>>()?;
        let watcher = Mutex::new(schema::connect(&path)?);
        let identity = writer.query_row("SELECT id FROM store_identity", [], |r| r.get(0))?;
        let inner =
            Inner { path, identity, writer: Mutex::new(writer), readers, next_reader: AtomicUsize::new(0), watcher };
        Ok(Store { inner: Arc::new(inner) })
    }

    /// The store's random identity, made when it was created: what a search index built from
    /// it records, so that it is rebuilt beside any other store.
    pub fn identity(&self) -> &str {
        &self.inner.identity
    }

    /// Path of the SQLite file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// A number that changes whenever anything was committed to the store, by this process
    /// or another (`fed311 harvest --once` beside `serve`): cached answers carry it.
    pub fn data_version(&self) -> Result<i64> {
        let conn = self.inner.watcher.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.inner.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        let readers = &self.inner.readers;
        for r in readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self.inner.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        readers[i].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Current time in unix seconds.
pub(crate) fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
