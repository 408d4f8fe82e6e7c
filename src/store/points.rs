//! Request locations for the geo layer: a deterministic sample of one jurisdiction's stored
//! coordinates, from which `geo` derives a coverage area where a city has no boundary file.
//! Kept here so the geo layer never writes SQL.

use super::{Result, Store};

impl Store {
    /// Up to `limit` stored request locations of a jurisdiction, as `(long, lat)` (x, y)
    /// pairs. Rows without coordinates, out of range, or at exactly (0, 0) (a common
    /// "unknown" placeholder) are skipped. When there are more, the sample is spread over all
    /// rows by a fixed hash of the row id, so the same store gives the same sample.
    pub fn points(&self, jurisdiction_id: &str, limit: usize) -> Result<Vec<(f64, f64)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT long, lat FROM requests \
             WHERE jurisdiction_id = ?1 AND lat IS NOT NULL AND long IS NOT NULL \
               AND lat BETWEEN -90 AND 90 AND long BETWEEN -180 AND 180 \
               AND NOT (lat = 0 AND long = 0) \
             ORDER BY (rowid * 2654435761) % 4294967296 LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(rusqlite::params![jurisdiction_id, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
