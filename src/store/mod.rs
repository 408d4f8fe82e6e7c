//! The store: the source of truth, in SQLite (one file under the data folder, WAL mode) or
//! PostgreSQL (several nodes sharing one database), each with its versioned migrations. Every insert or change of a request bumps its `seq`, so the search
//! index can follow the store by tailing `seq`; every observed change is also appended to the
//! request history. The store knows nothing of HTTP.
//!
//! # The one surface
//! [`Store`]'s methods, named for what their callers mean, are the only way the rest of
//! fed311 reaches its data: no SQL, connection or database type leaves this module (only
//! [`StoreError`] names its causes). `Store` holds one backend (`backend.rs`: a trait per
//! area) and forwards to it: `sqlite/` or `postgres/`, each with the same semantics (the
//! request-writing decisions are shared, in `upsert.rs`).
//! The intents, by who needs them:
//! - Opening: [`Store::open`] (SQLite in a folder), [`Store::connect`] (a [`StoreLocation`]),
//!   [`Store::exists_in`] (is there a store in a folder),
//!   [`Store::identity`] (which store an index was built from), [`Store::data_version`]
//!   (moves on any commit: the stamp of cached answers).
//! - The registry: [`Store::sync_jurisdiction`], [`Store::changeset`],
//!   [`Store::jurisdiction_endpoints`].
//! - Harvesting a city (its services and requests, and where its pass stands):
//!   [`Store::upsert_services`], [`Store::set_service_definition`],
//!   [`Store::set_service_categories`], [`Store::upsert_requests`],
//!   [`Store::upsert_categorized`], [`Store::upsert_with_progress`], [`Store::harvest_state`],
//!   [`Store::harvest_started`],
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
//! Both backends are synchronous to their callers: a writer connection and a few reader
//! connections. Async callers go through `spawn_blocking` (a few quick reads, such as
//! [`Store::data_version`], are also made on async threads: both backends allow it).

mod backend;
mod export;
mod filter;
mod harvest_state;
mod history;
mod leases;
mod location;
mod outbox;
mod points;
mod postgres;
mod requests;
mod services;
mod sqlite;
mod stats;
mod upsert;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use backend::Backend;

pub use export::RequestKey;
pub use harvest_state::PlannedSweep;
pub use harvest_state::{HarvestState, Health};
pub use history::HistoryEntry;
pub use leases::{CityClaim, Node};
pub use location::StoreLocation;
pub use outbox::Submission;
pub use postgres::{LISTENER_NAME as POSTGRES_LISTENER_NAME, ScratchDatabase};
pub use requests::{RequestPage, StoredRequest};
pub use services::CrosswalkRow;
pub use sqlite::DATABASE_FILE;
pub use stats::{StatsRow, StatsScope};
pub use upsert::{Progress, UpsertCounts, Upserted};

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// PostgreSQL said no (or could not be reached).
    #[error("PostgreSQL error: {}", postgres_detail(.0))]
    Postgres(#[from] tokio_postgres::Error),
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

/// What PostgreSQL said: the server's message and SQLSTATE, or the client's error and its
/// cause (tokio-postgres's own text is only "db error").
fn postgres_detail(e: &tokio_postgres::Error) -> String {
    use std::error::Error as _;
    match (e.as_db_error(), e.source()) {
        (Some(db), _) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        (None, Some(cause)) => format!("{e}: {cause}"),
        (None, None) => e.to_string(),
    }
}

/// Short alias for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A cheap-to-clone handle on the store, whichever backend holds it.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl Store {
    /// Opens (creating if needed) the SQLite store in `data_dir` and migrates it to the latest
    /// schema.
    pub fn open(data_dir: &Path) -> Result<Store> {
        Ok(Store { backend: Arc::new(sqlite::SqliteStore::open(data_dir)?) })
    }

    /// Opens the store at `location`: SQLite in a folder (as [`Store::open`]), or a PostgreSQL
    /// database, migrated to the latest schema (under a lock, so that several nodes may start
    /// at once). Callable from any thread, async ones included.
    pub fn connect(location: &StoreLocation) -> Result<Store> {
        match location {
            StoreLocation::Sqlite(dir) => Store::open(dir),
            StoreLocation::Postgres(url) => Ok(Store { backend: Arc::new(postgres::PostgresStore::connect(url)?) }),
        }
    }

    /// Whether `data_dir` holds a store (one made by [`Store::open`] before): a typo in a
    /// folder name must not read as an empty store.
    pub fn exists_in(data_dir: &Path) -> bool {
        data_dir.join(DATABASE_FILE).is_file()
    }

    /// The store's random identity, made when it was created: what a search index built from
    /// it records, so that it is rebuilt beside any other store.
    pub fn identity(&self) -> &str {
        self.backend.identity()
    }

    /// Path of the SQLite file (`None` for a PostgreSQL store).
    pub fn path(&self) -> Option<&Path> {
        self.backend.path()
    }

    /// A number that changes whenever anything was committed to the store, by this process
    /// or another (`fed311 harvest --once` beside `serve`, another node): cached answers
    /// carry it.
    pub fn data_version(&self) -> Result<i64> {
        self.backend.data_version()
    }

    /// Brings the store to rest after a bulk load, before timing queries on it: PostgreSQL
    /// vacuums and analyzes what was written (what autovacuum would do soon after, sharing the
    /// cores with the queries meanwhile); SQLite has nothing left to do.
    pub fn settle(&self) -> Result<()> {
        self.backend.settle()
    }
}

impl Store {
    /// Runs `call` on the blocking pool, for async callers (a write may wait behind another
    /// node's or a harvest's transaction).
    pub async fn off_thread<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || call(&store)).await.map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// Current time in unix seconds.
pub(crate) fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
