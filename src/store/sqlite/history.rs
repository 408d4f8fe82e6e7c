//! A request's observed past, in SQLite (see `store::history`).

use jiff::Timestamp;
use rusqlite::params;

use super::SqliteStore;
use crate::domain::Status;
use crate::store::backend::HistoryReads;
use crate::store::{HistoryEntry, Result};

impl HistoryReads for SqliteStore {
    /// Every observed change of one request, oldest first (empty for an unknown request).
    fn history_entries(&self, jurisdiction_id: &str, id: &str) -> Result<Vec<HistoryEntry>> {
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
