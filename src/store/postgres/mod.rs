//! The PostgreSQL backend: several fed311 nodes may share one database. Same semantics as
//! SQLite (the request-writing decisions are shared: `store::upsert`), its own migrations
//! (`migrations/NNN_*.sql`, recorded in `schema_migrations`, applied at connect under an
//! advisory lock so that nodes starting at once apply each one once).
//!
//! # Seqs in commit order
//! PostgreSQL's sequences hand out values in call order, not commit order: a follower could
//! read seq 11 (committed) before seq 10 (still in flight) and skip 10 for ever. So seqs come
//! from one row, `counters('seq')`, that a writing transaction locks (`SELECT … FOR UPDATE`)
//! before it reads anything, and advances before it commits: the row lock serializes writers
//! until commit, so every seq a transaction takes is above every seq of the transactions that
//! committed before it, and it is visible before any later one (a rolled-back transaction
//! rolls its seqs back too). A follower (`requests_after_seq`) reads one snapshot, so it sees
//! a prefix of the seqs: it never skips one.
//!
//! `data_version` is `counters('data_version')`, advanced by every transaction that writes
//! (last, just before its commit, so the lock is held briefly and always taken after the seq
//! row: no deadlock), which also announces the new version with `NOTIFY`: each store follows
//! the announcements on a listening connection (`watch.rs`) and answers `data_version`
//! without a query.
//!
//! # Connections
//! One writer connection (a node writes from one place at a time; writers of all nodes are
//! serialized by the counter row anyway) and a few readers, each behind a mutex and keeping
//! its prepared statements, as the SQLite backend does. The connections run on one small
//! tokio runtime of their own (`exec.rs`); callers block on the answers with a plain
//! thread-parking executor, so the store can be called from any thread, async ones included
//! (the sync `postgres` crate cannot: it starts a runtime inside the caller's). A round trip
//! costs a loopback exchange and two thread wake-ups, so a transaction's `BEGIN` goes out
//! with its first statement, and statements whose answers are not needed in between are
//! pipelined ([`Conn::pipeline`]). A third kind of connection only listens (`watch.rs`).

mod exec;
mod export;
mod harvest_state;
mod history;
mod leases;
mod outbox;
mod points;
mod requests;
mod schema;
mod scratch;
mod services;
mod stats;
mod upsert;
mod watch;

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use super::Result;
use super::backend::Backend;
use super::filter::Param;
use exec::block_on;
pub use scratch::ScratchDatabase;
pub use watch::LISTENER_NAME;

/// Reader connections kept open for the API.
const READERS: usize = 4;

/// Advances `data_version` and announces it (delivered to every listener at commit).
const NEXT_VERSION: &str = "WITH v AS (UPDATE counters SET value = value + 1 WHERE name = 'data_version' RETURNING value) \
     SELECT value, pg_notify($1, value::text) FROM v";

/// One connection and the statements it has prepared.
pub(super) struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// A transaction was begun and its `BEGIN` is still to go out with the next statement.
    begin_pending: bool,
}

/// A query's parameters.
type Params<'a> = [&'a (dyn ToSql + Sync)];

impl Conn {
    fn new(client: Client) -> Conn {
        Conn { client, statements: HashMap::new(), begin_pending: false }
    }

    /// Begins a transaction: `BEGIN` is sent with the next statement, saving a round trip.
    fn begin(&mut self) {
        self.begin_pending = true;
    }

    /// Ends the transaction under way without its changes (nothing to send when its `BEGIN`
    /// never went out).
    fn rollback(&mut self) -> Result<()> {
        if std::mem::take(&mut self.begin_pending) { Ok(()) } else { self.batch("ROLLBACK") }
    }

    fn prepare(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = block_on(self.client.prepare(sql))?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    fn query(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>> {
        let statement = self.prepare(sql)?;
        let future = self.client.query(&statement, params);
        send(&mut self.begin_pending, &self.client, future)
    }

    fn query_opt(&mut self, sql: &str, params: &Params<'_>) -> Result<Option<Row>> {
        let statement = self.prepare(sql)?;
        let future = self.client.query_opt(&statement, params);
        send(&mut self.begin_pending, &self.client, future)
    }

    fn query_one(&mut self, sql: &str, params: &Params<'_>) -> Result<Row> {
        let statement = self.prepare(sql)?;
        let future = self.client.query_one(&statement, params);
        send(&mut self.begin_pending, &self.client, future)
    }

    fn execute(&mut self, sql: &str, params: &Params<'_>) -> Result<u64> {
        let statement = self.prepare(sql)?;
        let future = self.client.execute(&statement, params);
        send(&mut self.begin_pending, &self.client, future)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        let future = self.client.batch_execute(sql);
        send(&mut self.begin_pending, &self.client, future)
    }

    /// Runs `steps` in order, sent together and answered in one round trip: their rows, or
    /// the first error (a failed step fails the transaction, so the steps after it fail too).
    fn pipeline(&mut self, steps: &[(&str, &Params<'_>)]) -> Result<Vec<Vec<Row>>> {
        let statements = steps.iter().map(|(sql, _)| self.prepare(sql)).collect::<Result<Vec<_>>>()?;
        let client = &self.client;
        let all = exec::join_all(
            statements.iter().zip(steps).map(|(statement, (_, params))| client.query(statement, params)).collect(),
        );
        let answers = send(&mut self.begin_pending, client, async { Ok(all.await) })?;
        Ok(answers.into_iter().collect::<std::result::Result<Vec<_>, _>>()?)
    }
}

/// Runs a statement's `future` on `client`, after the transaction's `BEGIN` when it is still
/// to go out (`begin_pending`, cleared).
fn send<T>(
    begin_pending: &mut bool,
    client: &Client,
    future: impl Future<Output = std::result::Result<T, tokio_postgres::Error>>,
) -> Result<T> {
    let begin = std::mem::take(begin_pending).then(|| client.batch_execute("BEGIN"));
    let (begun, out) = exec::block_on_after(begin, future);
    begun.transpose()?;
    Ok(out?)
}

/// The PostgreSQL store.
pub(crate) struct PostgresStore {
    writer: Mutex<Conn>,
    readers: Vec<Mutex<Conn>>,
    next_reader: AtomicUsize,
    identity: String,
    /// The newest `data_version` heard of, and the listener that hears it.
    version: Arc<watch::KnownVersion>,
    _listener: watch::Listener,
}

impl PostgresStore {
    /// Connects to the database at `url` and migrates it to the latest schema.
    pub(crate) fn connect(url: &str) -> Result<PostgresStore> {
        let mut writer = Conn::new(exec::connect(url)?);
        schema::migrate(&mut writer)?;
        let readers = (0..READERS).map(|_| Ok(Mutex::new(Conn::new(exec::connect(url)?)))).collect::<Result<_>>()?;
        let identity = writer.query_one("SELECT id FROM store_identity", &[])?.get(0);
        let version = Arc::new(watch::KnownVersion::default());
        let listener = watch::listen(url, &version)?;
        Ok(PostgresStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            identity,
            version,
            _listener: listener,
        })
    }

    fn reader(&self) -> MutexGuard<'_, Conn> {
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        self.readers[i].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` in one transaction on the writer; `work` says whether it wrote anything, and
    /// when it did, `data_version` moves with the commit.
    fn write<T>(&self, work: impl FnOnce(&mut Conn) -> Result<(T, bool)>) -> Result<T> {
        let mut conn = match self.writer.lock() {
            Ok(conn) => conn,
            Err(poisoned) => {
                // A panic mid-transaction: end whatever it left open.
                let mut conn = poisoned.into_inner();
                conn.rollback()?;
                conn
            }
        };
        conn.begin();
        let done = work(&mut conn).and_then(|(value, wrote)| Ok((value, commit(&mut conn, wrote)?)));
        match done {
            Ok((value, version)) => {
                if let Some(version) = version {
                    self.version.raise(version);
                }
                Ok(value)
            }
            Err(e) => {
                let _ = conn.rollback();
                Err(e)
            }
        }
    }

    /// One statement in its own transaction: the rows it wrote.
    fn write_one(&self, sql: &str, params: &Params<'_>) -> Result<u64> {
        self.write(|conn| {
            let n = conn.execute(sql, params)?;
            Ok((n, n > 0))
        })
    }

    /// One statement that writes nothing a client sees (leases): `data_version` stays.
    fn write_unseen(&self, sql: &str, params: &Params<'_>) -> Result<u64> {
        self.write(|conn| Ok((conn.execute(sql, params)?, false)))
    }
}

impl Backend for PostgresStore {
    fn identity(&self) -> &str {
        &self.identity
    }

    fn data_version(&self) -> Result<i64> {
        match self.version.get() {
            Some(version) => Ok(version),
            None => Ok(self.reader().query_one("SELECT value FROM counters WHERE name = 'data_version'", &[])?.get(0)),
        }
    }

    fn path(&self) -> Option<&Path> {
        None
    }

    fn settle(&self) -> Result<()> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).batch("VACUUM (ANALYZE)")
    }
}

/// Commits the transaction under way; one that wrote advances `data_version` first, in the
/// same round trip, and gives the new version.
fn commit(conn: &mut Conn, wrote: bool) -> Result<Option<i64>> {
    if std::mem::take(&mut conn.begin_pending) {
        // Nothing was sent: there is no transaction to commit.
        return Ok(None);
    }
    if !wrote {
        conn.batch("COMMIT")?;
        return Ok(None);
    }
    let answers = conn.pipeline(&[(NEXT_VERSION, &[&watch::CHANNEL]), ("COMMIT", &[])])?;
    let version = answers.first().and_then(|rows| rows.first()).map(|row| row.try_get(0)).transpose()?;
    Ok(version)
}

/// `text` as a PostgreSQL text column keeps it: a NUL character (which it refuses) becomes
/// U+FFFD. For messages that may quote a city (errors, refusals); parsed records are cleaned
/// when read (`wire`).
fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') { text.replace('\0', "\u{FFFD}").into() } else { text.into() }
}

/// A filter's parameters, boxed for tokio-postgres.
fn boxed(params: Vec<Param>) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .into_iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Param::Text(t) => Box::new(t),
                Param::Integer(i) => Box::new(i),
            }
        })
        .collect()
}

/// Borrows boxed parameters as tokio-postgres takes them.
fn refs(params: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

/// A count or limit as PostgreSQL's BIGINT.
fn big(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
