//! Writing requests in PostgreSQL (the decisions are `store::upsert`'s). One transaction per
//! batch: lock the seq counter first (see the module doc of `store::postgres`: this is what
//! keeps seqs in commit order), read what is stored of the batch, then write the plan in two
//! statements (every request row, every history entry, as arrays) and advance the counter.

use std::collections::HashMap;

use super::{Conn, PostgresStore};
use crate::domain::ServiceRequest;
use crate::store::backend::Upserts;
use crate::store::upsert::{TAKE_NEW_VERSION, Tracked, Write, plan};
use crate::store::{Result, Upserted, now};

impl Upserts for PostgresStore {
    fn upsert_categorized(
        &self,
        jurisdiction_id: &str,
        requests: &[ServiceRequest],
        categories: &[Option<String>],
    ) -> Result<Upserted> {
        self.write(|conn| {
            let seq: i64 = conn.query_one("SELECT value FROM counters WHERE name = 'seq' FOR UPDATE", &[])?.get(0);
            let seen_at = now();
            let stored = tracked_batch(conn, jurisdiction_id, requests)?;
            let (done, writes) = plan(stored, requests, categories, seen_at);
            if writes.is_empty() {
                return Ok((done, false));
            }
            write_rows(conn, jurisdiction_id, &writes, seq, seen_at)?;
            append_history(conn, jurisdiction_id, &writes, seen_at)?;
            conn.execute("UPDATE counters SET value = $1 WHERE name = 'seq'", &[&(seq + writes.len() as i64)])?;
            Ok((done, true))
        })
    }
}

/// What is stored of a batch's requests, in one query.
fn tracked_batch<'r>(
    conn: &mut Conn,
    jurisdiction_id: &str,
    requests: &'r [ServiceRequest],
) -> Result<HashMap<&'r str, Tracked>> {
    let ids: Vec<&str> = requests.iter().map(|r| r.service_request_id.as_str()).collect();
    let rows = conn.query(
        "SELECT service_request_id, status, status_raw, status_notes, updated_at, description, closed_at, content_hash, \
           category, requested_at FROM requests WHERE jurisdiction_id = $1 AND service_request_id = ANY($2)",
        &[&jurisdiction_id, &ids],
    )?;
    let wanted: std::collections::HashSet<&'r str> = ids.iter().copied().collect();
    let mut by_id = HashMap::with_capacity(ids.len());
    for r in rows {
        let id: &str = r.try_get(0)?;
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
        if let Some(key) = wanted.get(id) {
            by_id.insert(*key, tracked);
        }
    }
    Ok(by_id)
}

/// Writes every request row of the plan in one statement. A request written twice in one
/// batch is written once, as its last write (with that write's seq), as the SQLite backend's
/// second write leaves it; a new row takes the next row number (`rid`) in the order rows were
/// first inserted, as SQLite's rowid does.
fn write_rows(conn: &mut Conn, jurisdiction_id: &str, writes: &[Write<'_>], seq: i64, seen_at: i64) -> Result<()> {
    // Under the seq counter's lock (taken first by every writer), so row numbers too are
    // given in commit order and never twice.
    let first_rid: i64 = conn.query_one("SELECT value FROM counters WHERE name = 'rid'", &[])?.get(0);
    let mut rid = first_rid;
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
    if rid > first_rid {
        conn.execute("UPDATE counters SET value = $1 WHERE name = 'rid'", &[&rid])?;
    }
    let mut rows = Columns::default();
    for (i, w) in writes.iter().enumerate() {
        let id = w.request.service_request_id.as_str();
        if last.get(id) == Some(&i) {
            rows.push(w, seq + 1 + i as i64, rids.get(id).copied().unwrap_or(0));
        }
    }
    let c = &rows;
    conn.execute(
        &format!(
            "INSERT INTO requests (jurisdiction_id, service_request_id, seq, status, status_raw, status_notes, \
           service_name, service_code, description, agency_responsible, service_notice, requested_at, updated_at, \
           expected_at, requested_text, updated_text, expected_text, address, address_id, zipcode, lat, long, \
           media_url, raw, content_hash, closed_at, category, rid, first_seen, last_seen) \
         SELECT $1, u.*, $29, $29 FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], \
           $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], \
           $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], \
           $21::float8[], $22::float8[], $23::text[], $24::text[], $25::bigint[], $26::bigint[], $27::text[], \
           $28::bigint[]) AS u \
         {TAKE_NEW_VERSION}"
        ),
        &[
            &jurisdiction_id,
            &c.id,
            &c.seq,
            &c.status,
            &c.status_raw,
            &c.status_notes,
            &c.service_name,
            &c.service_code,
            &c.description,
            &c.agency_responsible,
            &c.service_notice,
            &c.requested_at,
            &c.updated_at,
            &c.expected_at,
            &c.requested_text,
            &c.updated_text,
            &c.expected_text,
            &c.address,
            &c.address_id,
            &c.zipcode,
            &c.lat,
            &c.long,
            &c.media_url,
            &c.raw,
            &c.hash,
            &c.closed_at,
            &c.category,
            &c.rid,
            &seen_at,
        ],
    )?;
    Ok(())
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
}

impl<'r> Columns<'r> {
    fn push(&mut self, w: &'r Write<'r>, seq: i64, rid: i64) {
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
    }
}

/// Appends the plan's history entries, in order, in one statement.
fn append_history(conn: &mut Conn, jurisdiction_id: &str, writes: &[Write<'_>], seen_at: i64) -> Result<()> {
    let entries: Vec<&Write<'_>> = writes.iter().filter(|w| w.change.is_some()).collect();
    if entries.is_empty() {
        return Ok(());
    }
    let id: Vec<&str> = entries.iter().map(|w| w.request.service_request_id.as_str()).collect();
    let change: Vec<&str> = entries.iter().map(|w| w.change.as_deref().unwrap_or_default()).collect();
    let status: Vec<&str> = entries.iter().map(|w| w.request.status.as_str()).collect();
    let status_raw: Vec<Option<&str>> = entries.iter().map(|w| w.request.status_raw.as_deref()).collect();
    let status_notes: Vec<Option<&str>> = entries.iter().map(|w| w.request.status_notes.as_deref()).collect();
    let updated_at: Vec<Option<i64>> = entries.iter().map(|w| w.updated_at).collect();
    let description: Vec<Option<&str>> = entries.iter().map(|w| w.request.description.as_deref()).collect();
    conn.execute(
        "INSERT INTO request_history (jurisdiction_id, service_request_id, seen_at, change, status, status_raw, \
           status_notes, updated_at, description) \
         SELECT $1, h.id, $2, h.change, h.status, h.status_raw, h.status_notes, h.updated_at, h.description \
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[]) \
           WITH ORDINALITY AS h(id, change, status, status_raw, status_notes, updated_at, description, n) \
         ORDER BY h.n",
        &[&jurisdiction_id, &seen_at, &id, &change, &status, &status_raw, &status_notes, &updated_at, &description],
    )?;
    Ok(())
}
