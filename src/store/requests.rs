//! Requests: the upsert that writes only what changed (bumping `seq` and appending history),
//! and the reads the API needs.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{Result, Store, now};
use crate::domain::{ServiceRequest, Status};

/// What one upsert batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Requests seen for the first time.
    pub inserted: u64,
    /// Requests whose content changed.
    pub changed: u64,
    /// Requests identical to what was stored (nothing written).
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, other: Self) {
        self.inserted += other.inserted;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
    }
}

/// A stored request with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRequest {
    /// Our jurisdiction id.
    pub jurisdiction_id: String,
    /// The request as last seen.
    pub request: ServiceRequest,
    /// Position in the change log.
    pub seq: i64,
    /// When the request closed (upstream updated time of the closing change), when known.
    pub closed_at: Option<Timestamp>,
    /// When fed311 first saw it.
    pub first_seen: Timestamp,
    /// When fed311 last wrote it (first seen or changed).
    pub last_seen: Timestamp,
    /// The canonical category, once classified.
    pub category: Option<String>,
}

/// Filters of a request list. Empty lists mean "any".
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Only these ids (overrides nothing here; the API applies the spec's precedence).
    pub ids: Vec<String>,
    /// Only these service codes.
    pub service_codes: Vec<String>,
    /// Only these statuses.
    pub statuses: Vec<Status>,
    /// Requested at or after.
    pub start: Option<Timestamp>,
    /// Requested at or before.
    pub end: Option<Timestamp>,
    /// Updated at or after.
    pub updated_after: Option<Timestamp>,
    /// Updated at or before.
    pub updated_before: Option<Timestamp>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

/// The fields whose changes make a history entry.
struct Tracked {
    status: String,
    status_raw: Option<String>,
    status_notes: Option<String>,
    updated_at: Option<i64>,
    description: Option<String>,
    closed_at: Option<i64>,
    hash: i64,
    category: Option<String>,
}

/// One request on its way into the table.
struct NewRow<'a> {
    jurisdiction_id: &'a str,
    request: &'a ServiceRequest,
    hash: i64,
    seq: i64,
    seen_at: i64,
    category: Option<String>,
}

impl Store {
    /// Inserts new requests and rewrites changed ones, in one transaction. Unchanged requests
    /// cause no write at all.
    pub fn upsert_requests(&self, jurisdiction_id: &str, requests: &[ServiceRequest]) -> Result<UpsertCounts> {
        self.upsert_categorized(jurisdiction_id, requests, &[])
    }

    /// Like [`Store::upsert_requests`], with each request's canonical category
    /// (`categories[i]` for `requests[i]`; missing entries leave the stored category alone).
    /// A new category alone also counts as a change, so the index follows it.
    pub fn upsert_categorized(
        &self,
        jurisdiction_id: &str,
        requests: &[ServiceRequest],
        categories: &[Option<String>],
    ) -> Result<UpsertCounts> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut counts = UpsertCounts::default();
        let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM requests", [], |r| r.get(0))?;
        let seen_at = now();
        let mut stored = tracked_batch(&tx, jurisdiction_id, requests)?;
        for (i, request) in requests.iter().enumerate() {
            let hash = content_hash(request);
            let category = categories.get(i).cloned().flatten();
            let old = stored.remove(request.service_request_id.as_str());
            let same =
                old.as_ref().is_some_and(|old| old.hash == hash && (category.is_none() || old.category == category));
            if same {
                counts.unchanged += 1;
                stored.extend(old.map(|old| (request.service_request_id.as_str(), old)));
                continue;
            }
            seq += 1;
            let is_new = old.is_none();
            let category = category.or_else(|| old.as_ref().and_then(|o| o.category.clone()));
            let row = NewRow { jurisdiction_id, request, hash, seq, seen_at, category };
            let now_tracked = write_request(&tx, &row, old)?;
            stored.insert(request.service_request_id.as_str(), now_tracked);
            if is_new { counts.inserted += 1 } else { counts.changed += 1 }
        }
        tx.commit()?;
        Ok(counts)
    }

    /// Requests matching `filter` in one jurisdiction, newest requested first (without their
    /// raw payloads).
    pub fn query_requests(&self, jurisdiction_id: &str, filter: &RequestFilter) -> Result<Vec<StoredRequest>> {
        let (sql, values) = list_sql(jurisdiction_id, filter);
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), read_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Requests by key, in the keys' order (missing ones left out), on one connection.
    pub fn get_requests(&self, keys: &[(String, String)]) -> Result<Vec<StoredRequest>> {
        let conn = self.reader();
        let sql = format!("SELECT {COLUMNS} FROM requests WHERE jurisdiction_id = ?1 AND service_request_id = ?2");
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut found = Vec::with_capacity(keys.len());
        for (jurisdiction_id, id) in keys {
            found.extend(stmt.query_row(params![jurisdiction_id, id], read_row).optional()?);
        }
        Ok(found)
    }

    /// One request by id.
    pub fn get_request(&self, jurisdiction_id: &str, id: &str) -> Result<Option<StoredRequest>> {
        let conn = self.reader();
        let sql = format!("SELECT {COLUMNS} FROM requests WHERE jurisdiction_id = ?1 AND service_request_id = ?2");
        let mut stmt = conn.prepare_cached(&sql)?;
        Ok(stmt.query_row(params![jurisdiction_id, id], read_row).optional()?)
    }

    /// Requests written after `after_seq`, in seq order, at most `limit` (without their raw
    /// payloads): how the search index follows the store.
    pub fn requests_after_seq(&self, after_seq: i64, limit: usize) -> Result<Vec<StoredRequest>> {
        let conn = self.reader();
        let sql = format!("SELECT {} FROM requests WHERE seq > ?1 ORDER BY seq LIMIT ?2", list_columns());
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![after_seq, limit as i64], read_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The newest `seq` in the store (0 when empty).
    pub fn max_seq(&self) -> Result<i64> {
        let conn = self.reader();
        Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM requests", [], |r| r.get(0))?)
    }

    /// Ids of the requests held as open in a jurisdiction.
    pub fn open_request_ids(&self, jurisdiction_id: &str) -> Result<Vec<String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT service_request_id FROM requests WHERE jurisdiction_id = ?1 AND status = 'open' ORDER BY service_request_id",
        )?;
        let rows = stmt.query_map([jurisdiction_id], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// How many requests a jurisdiction holds.
    pub fn count_requests(&self, jurisdiction_id: &str) -> Result<u64> {
        let conn = self.reader();
        let n: i64 =
            conn.query_row("SELECT COUNT(*) FROM requests WHERE jurisdiction_id = ?1", [jurisdiction_id], |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }

    /// The observed history of one request, oldest first: (seen at, change, status, notes).
    pub fn request_history(
        &self,
        jurisdiction_id: &str,
        id: &str,
    ) -> Result<Vec<(Timestamp, String, Status, Option<String>)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT seen_at, change, status, status_notes FROM request_history \
             WHERE jurisdiction_id = ?1 AND service_request_id = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![jurisdiction_id, id], |r| {
            Ok((instant(r.get(0)?), r.get::<_, String>(1)?, status(&r.get::<_, String>(2)?), r.get(3)?))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// What is stored of a batch's requests, in one query.
fn tracked_batch<'r>(
    tx: &Transaction<'_>,
    jurisdiction_id: &str,
    requests: &'r [ServiceRequest],
) -> Result<HashMap<&'r str, Tracked>> {
    let ids: Vec<&str> = requests.iter().map(|r| r.service_request_id.as_str()).collect();
    let mut stmt = tx.prepare_cached(
        "SELECT service_request_id, status, status_raw, status_notes, updated_at, description, closed_at, content_hash, \
           category FROM requests WHERE jurisdiction_id = ?1 AND service_request_id IN (SELECT value FROM json_each(?2))",
    )?;
    let rows = stmt.query_map(params![jurisdiction_id, serde_json::to_string(&ids)?], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Tracked {
                status: r.get(1)?,
                status_raw: r.get(2)?,
                status_notes: r.get(3)?,
                updated_at: r.get(4)?,
                description: r.get(5)?,
                closed_at: r.get(6)?,
                hash: r.get(7)?,
                category: r.get(8)?,
            },
        ))
    })?;
    let wanted: std::collections::HashSet<&'r str> = ids.iter().copied().collect();
    let mut by_id = HashMap::with_capacity(ids.len());
    for row in rows {
        let (id, tracked) = row?;
        if let Some(key) = wanted.get(id.as_str()) {
            by_id.insert(*key, tracked);
        }
    }
    Ok(by_id)
}

fn write_request(tx: &Transaction<'_>, row: &NewRow<'_>, old: Option<Tracked>) -> Result<Tracked> {
    let NewRow { jurisdiction_id, request: r, hash, seq, seen_at, .. } = *row;
    let updated_at = r.updated_datetime.map(|t| t.as_second());
    let closed_at = closed_at(r, old.as_ref(), seen_at);
    let change = match &old {
        None => Some("created".to_string()),
        Some(old) => changed_fields(old, r, updated_at),
    };
    let mut stmt = tx.prepare_cached(
        "INSERT INTO requests (jurisdiction_id, service_request_id, seq, status, status_raw, status_notes, \
           service_name, service_code, description, agency_responsible, service_notice, requested_at, updated_at, \
           expected_at, requested_text, updated_text, expected_text, address, address_id, zipcode, lat, long, \
           media_url, raw, content_hash, closed_at, first_seen, last_seen, category) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, \
           ?22, ?23, ?24, ?25, ?26, ?27, ?27, ?28) \
         ON CONFLICT (jurisdiction_id, service_request_id) DO UPDATE SET seq = excluded.seq, \
           status = excluded.status, status_raw = excluded.status_raw, status_notes = excluded.status_notes, \
           service_name = excluded.service_name, service_code = excluded.service_code, \
           description = excluded.description, agency_responsible = excluded.agency_responsible, \
           service_notice = excluded.service_notice, requested_at = excluded.requested_at, \
           updated_at = excluded.updated_at, expected_at = excluded.expected_at, \
           requested_text = excluded.requested_text, updated_text = excluded.updated_text, \
           expected_text = excluded.expected_text, address = excluded.address, address_id = excluded.address_id, \
           zipcode = excluded.zipcode, lat = excluded.lat, long = excluded.long, media_url = excluded.media_url, \
           raw = excluded.raw, content_hash = excluded.content_hash, closed_at = excluded.closed_at, \
           last_seen = excluded.last_seen, category = excluded.category",
    )?;
    stmt.execute(params![
        jurisdiction_id,
        r.service_request_id,
        seq,
        r.status.as_str(),
        r.status_raw,
        r.status_notes,
        r.service_name,
        r.service_code,
        r.description,
        r.agency_responsible,
        r.service_notice,
        r.requested_datetime.map(|t| t.as_second()),
        updated_at,
        r.expected_datetime.map(|t| t.as_second()),
        r.requested_text,
        r.updated_text,
        r.expected_text,
        r.address,
        r.address_id,
        r.zipcode,
        r.lat,
        r.long,
        r.media_url,
        r.raw,
        hash,
        closed_at,
        seen_at,
        row.category,
    ])?;
    if let Some(change) = change {
        append_history(tx, jurisdiction_id, r, &change, updated_at, seen_at)?;
    }
    Ok(Tracked {
        status: r.status.as_str().to_string(),
        status_raw: r.status_raw.clone(),
        status_notes: r.status_notes.clone(),
        updated_at,
        description: r.description.clone(),
        closed_at,
        hash,
        category: row.category.clone(),
    })
}

/// When the request closed: kept while it stays closed, set on the closing change (the
/// upstream updated time, or the time we saw it), cleared when it reopens.
fn closed_at(r: &ServiceRequest, old: Option<&Tracked>, seen_at: i64) -> Option<i64> {
    if r.status != Status::Closed {
        return None;
    }
    match old {
        Some(old) if old.status == "closed" && old.closed_at.is_some() => old.closed_at,
        _ => Some(r.updated_datetime.map(|t| t.as_second()).unwrap_or(seen_at)),
    }
}

fn changed_fields(old: &Tracked, r: &ServiceRequest, updated_at: Option<i64>) -> Option<String> {
    let mut fields = Vec::new();
    if old.status != r.status.as_str() || old.status_raw != r.status_raw {
        fields.push("status");
    }
    if old.status_notes != r.status_notes {
        fields.push("status_notes");
    }
    if old.updated_at != updated_at {
        fields.push("updated_datetime");
    }
    if old.description != r.description {
        fields.push("description");
    }
    (!fields.is_empty()).then(|| fields.join(","))
}

fn append_history(
    tx: &Transaction<'_>,
    jurisdiction_id: &str,
    r: &ServiceRequest,
    change: &str,
    updated_at: Option<i64>,
    seen_at: i64,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO request_history (jurisdiction_id, service_request_id, seen_at, change, status, status_raw, \
           status_notes, updated_at, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    stmt.execute(params![
        jurisdiction_id,
        r.service_request_id,
        seen_at,
        change,
        r.status.as_str(),
        r.status_raw,
        r.status_notes,
        updated_at,
        r.description,
    ])?;
    Ok(())
}

/// A 64-bit hash of the raw record and the zone-dependent instants, eight bytes at a time.
/// Written out here (not std's hasher) so it is stable across Rust releases: an upgrade
/// never rewrites unchanged data.
fn content_hash(r: &ServiceRequest) -> i64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |word: u64| {
        hash = (hash ^ word).wrapping_mul(K);
        hash ^= hash >> 29;
    };
    let bytes = r.raw.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        mix(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(u64::from_le_bytes(tail) ^ (bytes.len() as u64) << 56);
    for t in [r.requested_datetime, r.updated_datetime, r.expected_datetime] {
        mix(t.map_or(i64::MIN, |t| t.as_second()) as u64);
    }
    hash as i64
}

const COLUMNS: &str = "jurisdiction_id, service_request_id, seq, status, status_raw, status_notes, service_name, \
    service_code, description, agency_responsible, service_notice, requested_at, updated_at, expected_at, \
    requested_text, updated_text, expected_text, address, address_id, zipcode, lat, long, media_url, raw, \
    closed_at, first_seen, last_seen, category";

/// The columns of a list: the raw payload (the bulk of a row) is left out, as lists never
/// show it; `raw` comes back empty.
fn list_columns() -> String {
    COLUMNS.replace(" raw,", " '' AS raw,")
}

fn list_sql(jurisdiction_id: &str, f: &RequestFilter) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut sql = format!("SELECT {} FROM requests WHERE jurisdiction_id = ?", list_columns());
    let mut values = vec![Value::Text(jurisdiction_id.to_string())];
    let mut any_of = |column: &str, items: Vec<Value>, sql: &mut String| {
        if !items.is_empty() {
            let marks = vec!["?"; items.len()].join(", ");
            sql.push_str(&format!(" AND {column} IN ({marks})"));
            values.extend(items);
        }
    };
    any_of("service_request_id", f.ids.iter().cloned().map(Value::Text).collect(), &mut sql);
    any_of("service_code", f.service_codes.iter().cloned().map(Value::Text).collect(), &mut sql);
    any_of("status", f.statuses.iter().map(|s| Value::Text(s.as_str().into())).collect(), &mut sql);
    for (column, op, bound) in [
        ("requested_at", ">=", f.start),
        ("requested_at", "<=", f.end),
        ("updated_at", ">=", f.updated_after),
        ("updated_at", "<=", f.updated_before),
    ] {
        if let Some(t) = bound {
            sql.push_str(&format!(" AND {column} {op} ?"));
            values.push(Value::Integer(t.as_second()));
        }
    }
    sql.push_str(" ORDER BY requested_at DESC, service_request_id DESC LIMIT ? OFFSET ?");
    values.push(Value::Integer(f.limit.min(i64::MAX as u64) as i64));
    values.push(Value::Integer(f.offset.min(i64::MAX as u64) as i64));
    (sql, values)
}

fn instant(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn status(text: &str) -> Status {
    Status::parse_spec(text).unwrap_or(Status::Open)
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<StoredRequest> {
    let at = |i: usize| -> rusqlite::Result<Option<Timestamp>> { Ok(r.get::<_, Option<i64>>(i)?.map(instant)) };
    let request = ServiceRequest {
        service_request_id: r.get(1)?,
        status: status(&r.get::<_, String>(3)?),
        status_raw: r.get(4)?,
        status_notes: r.get(5)?,
        service_name: r.get(6)?,
        service_code: r.get(7)?,
        description: r.get(8)?,
        agency_responsible: r.get(9)?,
        service_notice: r.get(10)?,
        requested_datetime: at(11)?,
        updated_datetime: at(12)?,
        expected_datetime: at(13)?,
        requested_text: r.get(14)?,
        updated_text: r.get(15)?,
        expected_text: r.get(16)?,
        address: r.get(17)?,
        address_id: r.get(18)?,
        zipcode: r.get(19)?,
        lat: r.get(20)?,
        long: r.get(21)?,
        media_url: r.get(22)?,
        raw: r.get(23)?,
    };
    Ok(StoredRequest {
        jurisdiction_id: r.get(0)?,
        request,
        seq: r.get(2)?,
        closed_at: at(24)?,
        first_seen: instant(r.get(25)?),
        last_seen: instant(r.get(26)?),
        category: r.get(27)?,
    })
}
