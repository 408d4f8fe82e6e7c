//! Writing requests: one transaction per batch that reads what is stored of the batch in one
//! query, skips what is unchanged (no write at all), and for what is new or changed bumps
//! `seq`, keeps `closed_at` right and appends the observed change to the history.
//!
//! A version never replaces a newer one (by `updated_datetime`). Some cities send two
//! different reports under one id (Köln: different services and requested times); of those,
//! one is chosen the same way whatever order they arrive in (the newest updated, then the newest
//! requested, then the content), a switch between them is no change in the history, and the
//! ids are reported so the city's health can count them.

use std::cmp::Ordering;
use std::collections::HashMap;

use rusqlite::{Transaction, params};

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
    /// Versions older than what was stored, or the report not chosen of two under one id
    /// (nothing written).
    pub stale: u64,
}

/// What one upsert batch did, and the ids found holding two different reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upserted {
    /// The counts.
    pub counts: UpsertCounts,
    /// Ids the city used for two different reports (different requested times).
    pub duplicate_ids: Vec<String>,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, other: Self) {
        self.inserted += other.inserted;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
        self.stale += other.stale;
    }
}

/// The fields whose changes make a history entry, and what chooses between versions.
struct Tracked {
    requested_at: Option<i64>,
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
        Ok(self.upsert_categorized(jurisdiction_id, requests, &[])?.counts)
    }

    /// Like [`Store::upsert_requests`], with each request's canonical category
    /// (`categories[i]` for `requests[i]`; missing entries leave the stored category alone).
    /// A new category alone also counts as a change, so the index follows it.
    pub fn upsert_categorized(
        &self,
        jurisdiction_id: &str,
        requests: &[ServiceRequest],
        categories: &[Option<String>],
    ) -> Result<Upserted> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut done = Upserted::default();
        let mut seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM requests", [], |r| r.get(0))?;
        let seen_at = now();
        let mut stored = tracked_batch(&tx, jurisdiction_id, requests)?;
        for (i, request) in requests.iter().enumerate() {
            let hash = content_hash(request);
            let category = categories.get(i).cloned().flatten();
            let id = request.service_request_id.as_str();
            let old = stored.remove(id);
            let other_report = old.as_ref().is_some_and(|old| is_other_report(old, request));
            if other_report {
                done.duplicate_ids.push(id.to_string());
            }
            let keep_stored = match &old {
                None => None,
                Some(old) if old.hash == hash => {
                    (category.is_none() || old.category == category).then_some(Kept::Unchanged)
                }
                Some(old) => (prefer(old, request, hash, other_report) == Ordering::Greater).then_some(Kept::Newer),
            };
            if let Some(kept) = keep_stored {
                match kept {
                    Kept::Unchanged => done.counts.unchanged += 1,
                    Kept::Newer => done.counts.stale += 1,
                }
                stored.extend(old.map(|old| (id, old)));
                continue;
            }
            let flip = other_report;
            seq += 1;
            let is_new = old.is_none();
            let category = category.or_else(|| old.as_ref().and_then(|o| o.category.clone()));
            let row = NewRow { jurisdiction_id, request, hash, seq, seen_at, category };
            let now_tracked = write_request(&tx, &row, old, flip)?;
            stored.insert(id, now_tracked);
            if is_new { done.counts.inserted += 1 } else { done.counts.changed += 1 }
        }
        tx.commit()?;
        done.duplicate_ids.sort_unstable();
        done.duplicate_ids.dedup();
        Ok(done)
    }
}

/// Why a stored version stays as it is.
enum Kept {
    /// The incoming version is the same.
    Unchanged,
    /// The stored version is newer, or the report chosen of two under one id.
    Newer,
}

/// Two reports under one id: both say when they were requested, and they differ.
fn is_other_report(old: &Tracked, new: &ServiceRequest) -> bool {
    let requested = new.requested_datetime.map(|t| t.as_second());
    old.requested_at.is_some() && requested.is_some() && old.requested_at != requested
}

/// Which version to keep: `Greater` keeps the stored one. A version of the same report is
/// taken unless it is older (by updated time, both known); of two reports under one id, the
/// newest updated wins, then the newest requested, then the larger content hash, so the same
/// one is kept whatever order they come in.
fn prefer(old: &Tracked, new: &ServiceRequest, new_hash: i64, other_report: bool) -> Ordering {
    let updated = new.updated_datetime.map(|t| t.as_second());
    if !other_report {
        return match (old.updated_at, updated) {
            (Some(o), Some(n)) if o > n => Ordering::Greater,
            _ => Ordering::Less,
        };
    }
    let requested = new.requested_datetime.map(|t| t.as_second());
    (old.updated_at, old.requested_at, old.hash).cmp(&(updated, requested, new_hash))
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
           category, requested_at FROM requests WHERE jurisdiction_id = ?1 AND service_request_id IN (SELECT value FROM json_each(?2))",
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
                requested_at: r.get(9)?,
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

/// Writes one new or changed request; `flip` (another report under the same id replacing the
/// stored one) writes no history entry.
fn write_request(tx: &Transaction<'_>, row: &NewRow<'_>, old: Option<Tracked>, flip: bool) -> Result<Tracked> {
    let NewRow { jurisdiction_id, request: r, hash, seq, seen_at, .. } = *row;
    let updated_at = r.updated_datetime.map(|t| t.as_second());
    let closed_at = closed_at(r, old.as_ref(), seen_at);
    let change = match &old {
        None => Some("created".to_string()),
        Some(_) if flip => None,
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
        requested_at: r.requested_datetime.map(|t| t.as_second()),
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
