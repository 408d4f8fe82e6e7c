//! A request's observed past, in PostgreSQL (see `store::history`).

use super::PostgresStore;
use super::requests::instant;
use crate::domain::Status;
use crate::store::backend::HistoryReads;
use crate::store::{HistoryEntry, Result};

impl HistoryReads for PostgresStore {
    fn history_entries(&self, jurisdiction_id: &str, id: &str) -> Result<Vec<HistoryEntry>> {
        let rows = self.reader().query(
            "SELECT seen_at, change, status, status_raw, status_notes, updated_at, description \
             FROM request_history WHERE jurisdiction_id = $1 AND service_request_id = $2 ORDER BY id",
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
