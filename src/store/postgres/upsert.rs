//! Writing requests in PostgreSQL (the decisions are `store::upsert`'s). One transaction per
//! batch, in three round trips: lock the seq counter first (see the module doc of
//! `store::postgres`: this is what keeps seqs in commit order) and read what is stored of the
//! batch; write the plan (the counters, the new rows, the changed rows, the history entries,
//! each one statement over arrays); commit. Statements of a round trip are pipelined.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::harvest_state::{SAVE_PROGRESS, progress_params};
use super::history::{APPEND_HISTORY, Created, History};
use super::{Conn, PostgresStore};
use crate::domain::ServiceRequest;
use crate::store::backend::Upserts;
use crate::store::upsert::{TAKE_NEW_VERSION, Tracked, Write, plan};
use crate::store::{Progress, Result, StoreError, Upserted, now};

impl Upserts for PostgresStore {
    fn upsert_categorized(
        &self,
        jurisdiction_id: &str,
        requests: &[ServiceRequest],
        categories: &[Option<String>],
        progress: Option<Progress<'_>>,
    ) -> Result<Upserted> {
        self.write(|conn| {
            let ids: HashSet<&str> = requests.iter().map(|r| r.service_request_id.as_str()).collect();
            let id_list: Vec<&str> = ids.iter().copied().collect();
            // One round trip: the counters (the seq row locked first), then what is stored.
            let answers = conn.pipeline(&[(LOCK_COUNTERS, &[]), (TRACKED, &[&jurisdiction_id, &id_list])])?;
            let (counters, stored) = match answers.as_slice() {
                [counters, stored] => (counters, stored),
                _ => return Err(StoreError::Task("a pipelined answer is missing".into())),
            };
            let row = counters.first().ok_or(StoreError::Task("the counters are missing".into()))?;
            let (seq, rid): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            let seen_at = now();
            let (tracked, unwritten) = tracked_batch(stored, &ids)?;
            let (done, writes) = plan(tracked, requests, categories, seen_at);
            if writes.is_empty() {
                let saved = match &progress {
                    Some(p) => conn.execute(SAVE_PROGRESS, &progress_params(&jurisdiction_id, p))? > 0,
                    None => false,
                };
                return Ok((done, saved));
            }
            let at = Counters { seq, rid };
            write_batch(conn, jurisdiction_id, &writes, at, seen_at, &unwritten, progress)?;
            Ok((done, true))
        })
    }
}

/// Locks the seq counter (which every writer takes first: see the module doc of
/// `store::postgres`) and reads it with the row-number counter.
const LOCK_COUNTERS: &str = "SELECT s.value, r.value FROM counters s, counters r \
    WHERE s.name = 'seq' AND r.name = 'rid' FOR UPDATE OF s";

/// What is stored of a batch's requests.
const TRACKED: &str = "SELECT service_request_id, status, status_raw, status_notes, updated_at, description, \
    closed_at, content_hash, category, requested_at, first_seen, history_written FROM requests \
    WHERE jurisdiction_id = $1 AND service_request_id = ANY($2)";

/// Where [`TRACKED`] has `first_seen` and `history_written`.
const FIRST_SEEN: usize = 10;
const HISTORY_WRITTEN: usize = 11;

/// The counters as a batch found them: the last seq and row number handed out.
#[derive(Clone, Copy)]
struct Counters {
    seq: i64,
    rid: i64,
}

/// The stored rows, by id, of requests whose history is not written yet.
type Unwritten<'r, 'a> = HashMap<&'r str, &'a Row>;

/// What is stored of a batch's requests (`ids`), by id, from the rows of [`TRACKED`]; and the
/// rows of those whose history is not written yet.
fn tracked_batch<'r, 'a>(
    rows: &'a [Row],
    ids: &HashSet<&'r str>,
) -> Result<(HashMap<&'r str, Tracked>, Unwritten<'r, 'a>)> {
    let (mut by_id, mut unwritten) = (HashMap::with_capacity(rows.len()), HashMap::new());
    for r in rows {
        let id: &str = r.try_get(0)?;
        let Some(&key) = ids.get(id) else { continue };
        if !r.try_get::<_, bool>(HISTORY_WRITTEN)? {
            unwritten.insert(key, r);
        }
        let tracked = Tracked {
            status: r.try_get(1)?,
            status_raw: r.try_get(2)?,
            status_notes: r.try_get(3)?,
            updated_at: r.try_get(4)?,
            description: r.try_get(5)?,
            closed_at: r.try_get(6)?,
            hash: r.try_get(7)?,
            category: r.try_get(8)?,
            requested_at: r.try_get(9)?,
        };
        by_id.insert(key, tracked);
    }
    Ok((by_id, unwritten))
}

/// Writes the plan in one round trip: the counters advanced, the requests new to the store,
/// those it holds, the history entries, the pass's progress. A request written twice in one
/// batch is written once, as its last write (with that write's seq), as the SQLite backend's
/// second write leaves it; a new row takes the next row number (`rid`) in the order rows were
/// first inserted, as SQLite's rowid does. New rows are plain inserts: every writer holds the
/// seq counter's lock from before it read what is stored until its commit, so no other row
/// can have come meanwhile (and if one did, the insert fails and the batch rolls back whole).
fn write_batch<'r>(
    conn: &mut Conn,
    jurisdiction_id: &str,
    writes: &'r [Write<'r>],
    at: Counters,
    seen_at: i64,
    unwritten: &Unwritten<'r, '_>,
    progress: Option<Progress<'_>>,
) -> Result<()> {
    // The `created` entries to write first: of the rewritten requests whose history is not.
    let created = writes
        .iter()
        .filter(|w| !w.is_new)
        .filter_map(|w| unwritten.get_key_value(w.request.service_request_id.as_str()))
        .map(|(id, row)| Ok((*id, Created::of_row(row, FIRST_SEEN)?)))
        .collect::<Result<HashMap<_, _>>>()?;
    let (history, kept) = History::of(writes, seen_at, &created);
    let (fresh, known, last_rid) = rows_of(writes, at, &kept);
    let last_seq = at.seq + writes.len() as i64;
    let (insert_new, upsert_known) =
        (insert_sql(""), insert_sql(&format!("{TAKE_NEW_VERSION}, history_written = excluded.history_written")));
    let counters: [&(dyn ToSql + Sync); 2] = [&last_seq, &last_rid];
    let (fresh_params, known_params) =
        (fresh.params(&jurisdiction_id, &seen_at), known.params(&jurisdiction_id, &seen_at));
    let history_params = history.params(&jurisdiction_id);
    let mut steps: Vec<(&str, &[&(dyn ToSql + Sync)])> = vec![(ADVANCE_COUNTERS, &counters)];
    if !fresh.id.is_empty() {
        steps.push((&insert_new, &fresh_params));
    }
    if !known.id.is_empty() {
        steps.push((&upsert_known, &known_params));
    }
    if !history.is_empty() {
        steps.push((APPEND_HISTORY, &history_params));
    }
    let progress_params = progress.as_ref().map(|p| progress_params(&jurisdiction_id, p));
    if let Some(params) = &progress_params {
        steps.push((SAVE_PROGRESS, params));
    }
    conn.pipeline(&steps)?;
    Ok(())
}

/// Sets the seq and row-number counters to the last values the batch took.
const ADVANCE_COUNTERS: &str =
    "UPDATE counters SET value = CASE name WHEN 'seq' THEN $1::bigint ELSE $2::bigint END WHERE name IN ('seq', 'rid')";

/// The rows to write, split into those new to the store and those it holds, and the last row
/// number taken. Rows the store holds have their history written once rewritten; new ones
/// when `kept` says so (rewritten within the batch).
fn rows_of<'r>(writes: &'r [Write<'r>], at: Counters, kept: &HashSet<&str>) -> (Columns<'r>, Columns<'r>, i64) {
    let mut rid = at.rid;
    let mut rids: HashMap<&str, i64> = HashMap::new();
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, w) in writes.iter().enumerate() {
        let id = w.request.service_request_id.as_str();
        if w.is_new && !rids.contains_key(id) {
            rid += 1;
            rids.insert(id, rid);
        }
        last.insert(id, i);
    }
    let (mut fresh, mut known) = (Columns::default(), Columns::default());
    for (i, w) in writes.iter().enumerate() {
        let id = w.request.service_request_id.as_str();
        if last.get(id) != Some(&i) {
            continue;
        }
        let seq = at.seq + 1 + i as i64;
        match rids.get(id) {
            Some(&rid) => fresh.push(w, seq, rid, kept.contains(id)),
            None => known.push(w, seq, 0, true),
        }
    }
    (fresh, known, rid)
}

/// Inserting request rows from arrays ([`Columns::params`]), doing `on_conflict` with a row
/// already there.
fn insert_sql(on_conflict: &str) -> String {
    format!(
        "INSERT INTO requests (jurisdiction_id, service_request_id, seq, status, status_raw, status_notes, \
           service_name, service_code, description, agency_responsible, service_notice, requested_at, updated_at, \
           expected_at, requested_text, updated_text, expected_text, address, address_id, zipcode, lat, long, \
           media_url, raw, content_hash, closed_at, category, rid, history_written, first_seen, last_seen) \
         SELECT $1, u.*, $30, $30 FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], \
           $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], \
           $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], \
           $21::float8[], $22::float8[], $23::text[], $24::text[], $25::bigint[], $26::bigint[], $27::text[], \
           $28::bigint[], $29::bool[]) AS u \
         {on_conflict}"
    )
}

/// The request rows of a batch, column by column (as PostgreSQL arrays).
#[derive(Default)]
struct Columns<'r> {
    id: Vec<&'r str>,
    seq: Vec<i64>,
    status: Vec<&'static str>,
    status_raw: Vec<Option<&'r str>>,
    status_notes: Vec<Option<&'r str>>,
    service_name: Vec<Option<&'r str>>,
    service_code: Vec<Option<&'r str>>,
    description: Vec<Option<&'r str>>,
    agency_responsible: Vec<Option<&'r str>>,
    service_notice: Vec<Option<&'r str>>,
    requested_at: Vec<Option<i64>>,
    updated_at: Vec<Option<i64>>,
    expected_at: Vec<Option<i64>>,
    requested_text: Vec<Option<&'r str>>,
    updated_text: Vec<Option<&'r str>>,
    expected_text: Vec<Option<&'r str>>,
    address: Vec<Option<&'r str>>,
    address_id: Vec<Option<&'r str>>,
    zipcode: Vec<Option<&'r str>>,
    lat: Vec<Option<f64>>,
    long: Vec<Option<f64>>,
    media_url: Vec<Option<&'r str>>,
    raw: Vec<&'r str>,
    hash: Vec<i64>,
    closed_at: Vec<Option<i64>>,
    category: Vec<Option<&'r str>>,
    rid: Vec<i64>,
    history_written: Vec<bool>,
}

impl<'r> Columns<'r> {
    fn push(&mut self, w: &'r Write<'r>, seq: i64, rid: i64, history_written: bool) {
        let r = w.request;
        self.id.push(&r.service_request_id);
        self.seq.push(seq);
        self.status.push(r.status.as_str());
        self.status_raw.push(r.status_raw.as_deref());
        self.status_notes.push(r.status_notes.as_deref());
        self.service_name.push(r.service_name.as_deref());
        self.service_code.push(r.service_code.as_deref());
        self.description.push(r.description.as_deref());
        self.agency_responsible.push(r.agency_responsible.as_deref());
        self.service_notice.push(r.service_notice.as_deref());
        self.requested_at.push(r.requested_datetime.map(|t| t.as_second()));
        self.updated_at.push(w.updated_at);
        self.expected_at.push(r.expected_datetime.map(|t| t.as_second()));
        self.requested_text.push(r.requested_text.as_deref());
        self.updated_text.push(r.updated_text.as_deref());
        self.expected_text.push(r.expected_text.as_deref());
        self.address.push(r.address.as_deref());
        self.address_id.push(r.address_id.as_deref());
        self.zipcode.push(r.zipcode.as_deref());
        self.lat.push(r.lat);
        self.long.push(r.long);
        self.media_url.push(r.media_url.as_deref());
        self.raw.push(&r.raw);
        self.hash.push(w.hash);
        self.closed_at.push(w.closed_at);
        self.category.push(w.category.as_deref());
        self.rid.push(rid);
        self.history_written.push(history_written);
    }

    /// The statement parameters of [`insert_sql`], in order.
    fn params<'a>(&'a self, jurisdiction_id: &'a &str, seen_at: &'a i64) -> [&'a (dyn ToSql + Sync); 30] {
        [
            jurisdiction_id,
            &self.id,
            &self.seq,
            &self.status,
            &self.status_raw,
            &self.status_notes,
            &self.service_name,
            &self.service_code,
            &self.description,
            &self.agency_responsible,
            &self.service_notice,
            &self.requested_at,
            &self.updated_at,
            &self.expected_at,
            &self.requested_text,
            &self.updated_text,
            &self.expected_text,
            &self.address,
            &self.address_id,
            &self.zipcode,
            &self.lat,
            &self.long,
            &self.media_url,
            &self.raw,
            &self.hash,
            &self.closed_at,
            &self.category,
            &self.rid,
            &self.history_written,
            seen_at,
        ]
    }
}
