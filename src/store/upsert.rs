//! Writing requests: one transaction per batch that reads what is stored of the batch in one
//! query, skips what is unchanged (no write at all), and for what is new or changed bumps
//! `seq`, keeps `closed_at` right and appends the observed change to the history. What to
//! write is decided here ([`plan`]), once for every backend; each backend reads the stored
//! versions, takes the seqs and writes the plan in its own SQL.
//!
//! A version never replaces a newer one (by `updated_datetime`). Some cities send two
//! different reports under one id (Köln: different services and requested times); of those,
//! one is chosen the same way whatever order they arrive in (the newest updated, then the newest
//! requested, then the content), a switch between them is no change in the history, and the
//! ids are reported so the city's health can count them.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::{Result, Store};
use crate::domain::{ServiceRequest, Status};

/// What inserting a request row does when the row is there, on both backends: every column
/// takes the new version's value; `first_seen` (and PostgreSQL's `rid`) stay.
pub(crate) const TAKE_NEW_VERSION: &str = "ON CONFLICT (jurisdiction_id, service_request_id) DO UPDATE SET \
    seq = excluded.seq, status = excluded.status, status_raw = excluded.status_raw, \
    status_notes = excluded.status_notes, service_name = excluded.service_name, \
    service_code = excluded.service_code, description = excluded.description, \
    agency_responsible = excluded.agency_responsible, service_notice = excluded.service_notice, \
    requested_at = excluded.requested_at, updated_at = excluded.updated_at, expected_at = excluded.expected_at, \
    requested_text = excluded.requested_text, updated_text = excluded.updated_text, \
    expected_text = excluded.expected_text, address = excluded.address, address_id = excluded.address_id, \
    zipcode = excluded.zipcode, lat = excluded.lat, long = excluded.long, media_url = excluded.media_url, \
    raw = excluded.raw, content_hash = excluded.content_hash, closed_at = excluded.closed_at, \
    last_seen = excluded.last_seen, category = excluded.category";

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

/// The fields whose changes make a history entry, and what chooses between versions: what a
/// backend reads of each stored request of a batch.
#[derive(Debug, Clone)]
pub(crate) struct Tracked {
    pub requested_at: Option<i64>,
    pub status: String,
    pub status_raw: Option<String>,
    pub status_notes: Option<String>,
    pub updated_at: Option<i64>,
    pub description: Option<String>,
    pub closed_at: Option<i64>,
    pub hash: i64,
    pub category: Option<String>,
}

/// One write of a batch: a new or changed request, in the batch's order. The `k`-th write of a
/// batch takes the `k`-th seq the backend hands out for it.
pub(crate) struct Write<'r> {
    /// The request as it is to be stored.
    pub request: &'r ServiceRequest,
    /// Its content hash.
    pub hash: i64,
    /// Its updated time (unix seconds).
    pub updated_at: Option<i64>,
    /// When it closed, as kept.
    pub closed_at: Option<i64>,
    /// Its canonical category (the stored one when the batch gave none).
    pub category: Option<String>,
    /// The history entry to append (`created`, or the changed fields); `None` for none.
    pub change: Option<String>,
    /// Whether the request was not stored before (this write inserts its row).
    pub is_new: bool,
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
        self.backend.upsert_categorized(jurisdiction_id, requests, categories, None)
    }

    /// Like [`Store::upsert_categorized`], saving a harvest pass's `progress` (its work list
    /// after this batch, and the newest updated time seen) in the same transaction: progress is
    /// never recorded without the records it stands for, nor the records without it, and one
    /// commit does for both.
    pub fn upsert_with_progress(
        &self,
        jurisdiction_id: &str,
        requests: &[ServiceRequest],
        categories: &[Option<String>],
        progress: Progress<'_>,
    ) -> Result<Upserted> {
        self.backend.upsert_categorized(jurisdiction_id, requests, categories, Some(progress))
    }
}

/// A harvest pass's progress, saved with a batch (see [`Store::harvest_progress`]).
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The pass's work list (JSON), as it stands after the batch.
    pub pending: &'a str,
    /// The newest updated time (unix seconds) of the batch, if any.
    pub newest_updated: Option<i64>,
}

/// Decides what a batch writes, given what is stored of its requests (`stored`, by id):
/// the counts, the duplicate ids, and the writes in order (`seen_at` is the batch's time).
pub(crate) fn plan<'r>(
    mut stored: HashMap<&'r str, Tracked>,
    requests: &'r [ServiceRequest],
    categories: &[Option<String>],
    seen_at: i64,
) -> (Upserted, Vec<Write<'r>>) {
    let mut done = Upserted::default();
    let mut writes = Vec::new();
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
        let is_new = old.is_none();
        let category = category.or_else(|| old.as_ref().and_then(|o| o.category.clone()));
        let (write, now_tracked) = write_of(request, hash, category, old, flip, seen_at);
        writes.push(write);
        stored.insert(id, now_tracked);
        if is_new { done.counts.inserted += 1 } else { done.counts.changed += 1 }
    }
    done.duplicate_ids.sort_unstable();
    done.duplicate_ids.dedup();
    (done, writes)
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

/// The write of one new or changed request, and what is then stored of it; `flip` (another
/// report under the same id replacing the stored one) writes no history entry.
fn write_of(
    r: &ServiceRequest,
    hash: i64,
    category: Option<String>,
    old: Option<Tracked>,
    flip: bool,
    seen_at: i64,
) -> (Write<'_>, Tracked) {
    let updated_at = r.updated_datetime.map(|t| t.as_second());
    let closed_at = closed_at(r, old.as_ref(), seen_at);
    let change = match &old {
        None => Some("created".to_string()),
        Some(_) if flip => None,
        Some(old) => changed_fields(old, r, updated_at),
    };
    let is_new = old.is_none();
    let tracked = Tracked {
        requested_at: r.requested_datetime.map(|t| t.as_second()),
        status: r.status.as_str().to_string(),
        status_raw: r.status_raw.clone(),
        status_notes: r.status_notes.clone(),
        updated_at,
        description: r.description.clone(),
        closed_at,
        hash,
        category: category.clone(),
    };
    (Write { request: r, hash, updated_at, closed_at, category, change, is_new }, tracked)
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
