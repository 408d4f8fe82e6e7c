//! Reads for bulk exports, in SQLite (see [`crate::store::export`]).

use std::collections::BTreeMap;

use rusqlite::params;

use super::SqliteStore;
use crate::store::backend::ExportReads;
use crate::store::{RequestKey, Result};

impl ExportReads for SqliteStore {
    /// Up to `limit` request keys after `after` (all from the start with `None`), in
    /// `(jurisdiction_id, service_request_id)` order; only `jurisdictions` when not empty.
    fn request_keys_after(
        &self,
        jurisdictions: &[String],
        after: Option<&RequestKey>,
        limit: usize,
    ) -> Result<Vec<RequestKey>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT jurisdiction_id, service_request_id FROM requests \
             WHERE (?1 = '[]' OR jurisdiction_id IN (SELECT value FROM json_each(?1))) \
               AND (jurisdiction_id, service_request_id) > (?2, ?3) \
             ORDER BY jurisdiction_id, service_request_id LIMIT ?4",
        )?;
        let wanted = serde_json::to_string(jurisdictions)?;
        // Every key sorts after ("", ""): jurisdiction ids are never empty.
        let (jid, id) = after.map_or(("", ""), |(jid, id)| (jid.as_str(), id.as_str()));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![wanted, jid, id, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Every synced jurisdiction's GeoReport endpoint (base URL), by id.
    fn jurisdiction_endpoints(&self) -> Result<BTreeMap<String, String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT id, endpoint FROM jurisdictions ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
