//! Request locations for the geo layer, in PostgreSQL (see `store::points`): the sample is
//! ordered by the same hash of each row's number in insertion order (`rid`, SQLite's rowid),
//! so both backends give the same sample of the same data.

use super::{PostgresStore, big};
use crate::store::Result;
use crate::store::backend::PointReads;

impl PointReads for PostgresStore {
    fn points(&self, jurisdiction_id: &str, limit: usize) -> Result<Vec<(f64, f64)>> {
        let rows = self.reader().query(
            "SELECT long, lat FROM requests \
             WHERE jurisdiction_id = $1 AND lat IS NOT NULL AND long IS NOT NULL \
               AND lat BETWEEN -90 AND 90 AND long BETWEEN -180 AND 180 \
               AND NOT (lat = 0 AND long = 0) \
             ORDER BY (rid * 2654435761) % 4294967296 LIMIT $2",
            &[&jurisdiction_id, &big(limit)],
        )?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }
}
