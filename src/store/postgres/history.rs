//! A request's observed past, in PostgreSQL (see `store::history`), and how it is written.
//!
//! Most requests never change after they are first seen, so their only entry, `created`,
//! would repeat the row beside it: here it is written when the request is first rewritten
//! (from the row as it was), and until then it is read from the row itself (`first_seen` and
//! the tracked fields, which no write has touched since). `requests.history_written` says
//! which: true once the entries are in `request_history`. Each first-seen request so costs no
//! history row and no index entry at ingest, and every read answers what SQLite, which writes
//! `created` at once, answers.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::PostgresStore;
use super::requests::instant;
use crate::domain::Status;
use crate::store::backend::HistoryReads;
use crate::store::upsert::Write;
use crate::store::{HistoryEntry, Result};

impl HistoryReads for PostgresStore {
    fn history_entries(&self, jurisdiction_id: &str, id: &str) -> Result<Vec<HistoryEntry>> {
        let rows = self.reader().query(
            "SELECT seen_at, change, status, status_raw, status_notes, updated_at, description FROM ( \
               SELECT 0 AS part, 0::bigint AS n, first_seen AS seen_at, 'created' AS change, status, status_raw, \
                 status_notes, updated_at, description \
               FROM requests WHERE jurisdiction_id = $1 AND service_request_id = $2 AND NOT history_written \
               UNION ALL \
               SELECT 1, id, seen_at, change, status, status_raw, status_notes, updated_at, description \
               FROM request_history WHERE jurisdiction_id = $1 AND service_request_id = $2 \
             ) entries ORDER BY part, n",
            &[&jurisdiction_id, &id],
        )?;
        rows.iter()
            .map(|r| {
                Ok(HistoryEntry {
                    seen_at: instant(r.try_get(0)?),
                    change: r.try_get(1)?,
                    status: Status::parse_spec(r.try_get(2)?).unwrap_or(Status::Open),
                    status_raw: r.try_get(3)?,
                    status_notes: r.try_get(4)?,
                    updated_at: r.try_get::<_, Option<i64>>(5)?.map(instant),
                    description: r.try_get(6)?,
                })
            })
            .collect()
    }
}

/// The `created` entry of a stored request whose history is not written yet: its row's
/// tracked fields, as first seen.
pub(super) struct Created {
    seen_at: i64,
    status: String,
    status_raw: Option<String>,
    status_notes: Option<String>,
    updated_at: Option<i64>,
    description: Option<String>,
}

impl Created {
    /// From a row of `upsert::TRACKED` (`first_seen` at `first_seen`).
    pub(super) fn of_row(r: &Row, first_seen: usize) -> Result<Created> {
        Ok(Created {
            seen_at: r.try_get(first_seen)?,
            status: r.try_get(1)?,
            status_raw: r.try_get(2)?,
            status_notes: r.try_get(3)?,
            updated_at: r.try_get(4)?,
            description: r.try_get(5)?,
        })
    }
}

/// Appending history entries from arrays, in their order.
pub(super) const APPEND_HISTORY: &str = "INSERT INTO request_history (jurisdiction_id, service_request_id, seen_at, \
       change, status, status_raw, status_notes, updated_at, description) \
     SELECT $1, h.id, h.seen_at, h.change, h.status, h.status_raw, h.status_notes, h.updated_at, h.description \
     FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[]) \
       WITH ORDINALITY AS h(id, seen_at, change, status, status_raw, status_notes, updated_at, description, n) \
     ORDER BY h.n";

/// A batch's history entries to append, column by column, in order.
#[derive(Default)]
pub(super) struct History<'a> {
    id: Vec<&'a str>,
    seen_at: Vec<i64>,
    change: Vec<&'a str>,
    status: Vec<&'a str>,
    status_raw: Vec<Option<&'a str>>,
    status_notes: Vec<Option<&'a str>>,
    updated_at: Vec<Option<i64>>,
    description: Vec<Option<&'a str>>,
}

impl<'a> History<'a> {
    /// The entries `writes` append (seen at `seen_at`), and the ids new in this batch whose
    /// history is written by it. A new request's `created` entry waits: it is written only if
    /// the batch rewrites the request. A rewrite of a request whose history is not written
    /// (`unwritten`) writes its `created` entry first.
    pub(super) fn of(
        writes: &'a [Write<'a>],
        seen_at: i64,
        unwritten: &'a HashMap<&'a str, Created>,
    ) -> (History<'a>, HashSet<&'a str>) {
        let mut history = History::default();
        let mut waiting: HashMap<&str, &Write<'_>> = HashMap::new();
        let (mut written_new, mut written_stored) = (HashSet::new(), HashSet::new());
        for w in writes {
            let id = w.request.service_request_id.as_str();
            if w.is_new {
                waiting.insert(id, w);
                continue;
            }
            if let Some(first) = waiting.remove(id) {
                history.push_write(first, seen_at);
                written_new.insert(id);
            } else if let Some(created) = unwritten.get(id) {
                if written_stored.insert(id) {
                    history.push_created(id, created);
                }
            }
            history.push_write(w, seen_at);
        }
        (history, written_new)
    }

    /// No entry to append.
    pub(super) fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The statement parameters of [`APPEND_HISTORY`], in order.
    pub(super) fn params(&'a self, jurisdiction_id: &'a &str) -> [&'a (dyn ToSql + Sync); 9] {
        [
            jurisdiction_id,
            &self.id,
            &self.seen_at,
            &self.change,
            &self.status,
            &self.status_raw,
            &self.status_notes,
            &self.updated_at,
            &self.description,
        ]
    }

    /// The entry of a write, if it makes one.
    fn push_write(&mut self, w: &'a Write<'a>, seen_at: i64) {
        let Some(change) = w.change.as_deref() else { return };
        self.id.push(&w.request.service_request_id);
        self.seen_at.push(seen_at);
        self.change.push(change);
        self.status.push(w.request.status.as_str());
        self.status_raw.push(w.request.status_raw.as_deref());
        self.status_notes.push(w.request.status_notes.as_deref());
        self.updated_at.push(w.updated_at);
        self.description.push(w.request.description.as_deref());
    }

    /// A stored request's `created` entry.
    fn push_created(&mut self, id: &'a str, c: &'a Created) {
        self.id.push(id);
        self.seen_at.push(c.seen_at);
        self.change.push("created");
        self.status.push(&c.status);
        self.status_raw.push(c.status_raw.as_deref());
        self.status_notes.push(c.status_notes.as_deref());
        self.updated_at.push(c.updated_at);
        self.description.push(c.description.as_deref());
    }
}
