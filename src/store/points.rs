//! Request locations for the geo layer: a deterministic sample of one jurisdiction's stored
//! coordinates, from which `geo` derives a coverage area where a city has no boundary file.
//! Kept here so the geo layer never writes SQL.

use super::{Result, Store};

impl Store {
    /// Up to `limit` stored request locations of a jurisdiction, as `(long, lat)` (x, y)
    /// pairs. Rows without coordinates, out of range, or at exactly (0, 0) (a common
    /// "unknown" placeholder) are skipped. When there are more, the sample is spread over all
    /// rows by a fixed hash of the row's number (in insertion order), so the same store gives
    /// the same sample.
    pub fn points(&self, jurisdiction_id: &str, limit: usize) -> Result<Vec<(f64, f64)>> {
        self.backend.points(jurisdiction_id, limit)
    }
}
