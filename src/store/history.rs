//! A request's observed past, field by field: every change the harvester saw (status, its raw
//! word, notes, updated time, description) with when it was seen, oldest first. The record
//! endpoint shows it so researchers can tell when a city really closed something, not just
//! its last state.

use jiff::Timestamp;
use rusqlite::params;

use super::{Result, Store};
use crate::domain::Status;

/// One observed change of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// When fed311 saw the change.
    pub seen_at: Timestamp,
    /// `created`, or the changed fields, comma separated (`status,status_notes`).
    pub change: String,
    /// Normalized status after the change.
    pub status: Status,
    /// The city's own status word after the change.
    pub status_raw: Option<String>,
    /// Status notes after the change.
    pub status_notes: Option<String>,
    /// The city's updated time after the change.
    pub updated_at: Option<Timestamp>,
    /// The description after the change.
    pub description: Option<String>,
}

impl Store {
    /// Every observed change of one request, oldest first (empty for an unknown request).
    pub fn history_entries(&self, jurisdiction_id: &str, id: &str) -> Result<Vec<HistoryEntry>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT seen_at, change, status, status_raw, status_notes, updated_at, description \
             FROM request_history WHERE jurisdiction_id = ?1 AND service_request_id = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![jurisdiction_id, id], |r| {
            Ok(HistoryEntry {
                seen_at: instant(r.get(0)?),
                change: r.get(1)?,
                status: Status::parse_spec(&r.get::<_, String>(2)?).unwrap_or(Status::Open),
                status_raw: r.get(3)?,
                status_notes: r.get(4)?,
                updated_at: r.get::<_, Option<i64>>(5)?.map(instant),
                description: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

fn instant(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}
