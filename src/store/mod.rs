//! The store: SQLite, the source of truth. One file under the data folder, WAL mode,
//! versioned migrations. Every insert or change of a request bumps its `seq`, so the search
//! index can follow the store by tailing `seq`; every observed change is also appended to the
//! request history. The store knows nothing of HTTP.
//!
//! # The one surface
//! [`Store`]'s methods, named for what their callers mean, are the only way the rest of
//! fed311 reaches its data: no SQL, connection or rusqlite type leaves this module (only
//! [`StoreError`] names its causes). A second backend (PostgreSQL) is a change here alone.
//! The intents, by who needs them:
//! - Opening: [`Store::open`], [`Store::exists_in`] (is there a store in a folder),
//!   [`Store::identity`] (which store an index was built from), [`Store::data_version`]
//!   (moves on any commit: the stamp of cached answers).
//! - The registry: [`Store::sync_jurisdiction`], [`Store::changeset`],
//!   [`Store::jurisdiction_endpoints`].
//! - Harvesting a city (its services and requests, and where its pass stands):
//!   [`Store::upsert_services`], [`Store::set_service_definition`],
//!   [`Store::set_service_categories`], [`Store::upsert_requests`],
//!   [`Store::upsert_categorized`], [`Store::harvest_state`], [`Store::harvest_started`],
//!   [`Store::harvest_planned`], [`Store::harvest_progress`], [`Store::save_learned`],
//!   [`Store::harvest_finished`], [`Store::last_successes`], [`Store::open_request_ids`],
//!   [`Store::newest_requested`], [`Store::count_requests`].
//! - Reading requests (the API, export): [`Store::list_requests`], [`Store::get_request`],
//!   [`Store::get_requests`], [`Store::get_requests_by_seq`], [`Store::history_entries`],
//!   [`Store::request_keys_after`], [`Store::visit_stats_rows`], [`Store::points`] (a sample
//!   of locations, for coverage areas).
//! - Services and categories: [`Store::list_services`], [`Store::service_definition`],
//!   [`Store::crosswalk`].
//! - Following the store (the search index): [`Store::requests_after_seq`], [`Store::max_seq`].
//! - The outbox of submissions: [`Store::enqueue`], [`Store::submission`],
//!   [`Store::claim_due_submissions`], [`Store::next_submission_due`], [`Store::outbox_depth`],
//!   [`Store::submission_sending`], [`Store::submission_delivered`],
//!   [`Store::submission_awaiting`], [`Store::submission_refused`], [`Store::submission_retry`].
//! - Many nodes on one store: which node harvests each city ([`Store::claim_city`],
//!   [`Store::renew_city`], [`Store::finish_city`], [`Store::release_city`],
//!   [`Store::city_holder`]); submissions are claimed by one node at a time (above).
//!
//! [`Store::path`] names the SQLite file, for people and for tests that look inside it.
//!
//! rusqlite is synchronous: one writer connection (writes are serialized anyway) and a few
//! reader connections, all behind std mutexes. Async callers go through `spawn_blocking`.

mod export;
mod filter;
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
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

pub use export::RequestKey;
pub use harvest_state::PlannedSweep;
pub use harvest_state::{HarvestState, Health};
pub use history::HistoryEntry;
pub use leases::{CityClaim, Node};
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

    /// Whether `data_dir` holds a store (one made by [`Store::open`] before): a typo in a
    /// folder name must not read as an empty store.
    pub fn exists_in(data_dir: &Path) -> bool {
        data_dir.join(DATABASE_FILE).is_file()
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
