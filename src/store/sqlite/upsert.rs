//! Writing requests in SQLite (the decisions are `store::upsert`'s): one transaction per
//! batch that reads what is stored of the batch in one query and writes the plan; the batch's
//! seqs follow `MAX(seq)`, which the one writer at a time makes safe.

use std::collections::HashMap;

use rusqlite::{Transaction, TransactionBehavior, params};

use super::SqliteStore;
use super::harvest_state::SAVE_PROGRESS;
use crate::domain::ServiceRequest;
use crate::store::backend::Upserts;
use crate::store::upsert::{TAKE_NEW_VERSION, Tracked, Write, plan};
use crate::store::{Progress, Result, Upserted, now};

impl Upserts for SqliteStore {
    fn upsert_categorized(
        &self,
        jurisdiction_id: &str,
        requests: &[ServiceRequest],
        categories: &[Option<String>],
        progress: Option<Progress<'_>>,
    ) -> Result<Upserted> {
        let mut conn = self.writer();
        // Immediate: the write lock is taken before the batch reads anything, so a second
        // process writing at once waits (busy timeout) instead of failing on upgrade, and the
        // seqs after `MAX(seq)` are this batch's alone.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM requests", [], |r| r.get(0))?;
        let seen_at = now();
        let stored = tracked_batch(&tx, jurisdiction_id, requests)?;
        let (done, writes) = plan(stored, requests, categories, seen_at);
        for (write, seq) in writes.iter().zip(seq + 1..) {
            write_request(&tx, jurisdiction_id, write, seq, seen_at)?;
        }
        if let Some(p) = progress {
            tx.prepare_cached(SAVE_PROGRESS)?.execute(params![jurisdiction_id, p.pending, p.newest_updated])?;
        }
        tx.commit()?;
        Ok(done)
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

/// Writes one new or changed request under `seq`, and its history entry if it has one.
fn write_request(tx: &Transaction<'_>, jurisdiction_id: &str, w: &Write<'_>, seq: i64, seen_at: i64) -> Result<()> {
    let r = w.request;
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT INTO requests (jurisdiction_id, service_request_id, seq, status, status_raw, status_notes, \
           service_name, service_code, description, agency_responsible, service_notice, requested_at, updated_at, \
           expected_at, requested_text, updated_text, expected_text, address, address_id, zipcode, lat, long, \
           media_url, raw, content_hash, closed_at, first_seen, last_seen, category) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, \
           ?22, ?23, ?24, ?25, ?26, ?27, ?27, ?28) \
         {TAKE_NEW_VERSION}"
    ))?;
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
        w.updated_at,
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
        w.hash,
        w.closed_at,
        seen_at,
        w.category,
    ])?;
    if let Some(change) = &w.change {
        append_history(tx, jurisdiction_id, r, change, w.updated_at, seen_at)?;
    }
    Ok(())
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
