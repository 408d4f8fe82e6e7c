//! Request locations for the geo layer, in SQLite (see `store::points`): the sample is
//! ordered by a fixed hash of each row's `rowid`.

use super::SqliteStore;
use crate::store::Result;
use crate::store::backend::PointReads;

impl PointReads for SqliteStore {
    /// Up to `limit` stored request locations of a jurisdiction, as `(long, lat)` (x, y)
    /// pairs. Rows without coordinates, out of range, or at exactly (0, 0) (a common
    /// "unknown" placeholder) are skipped. When there are more, the sample is spread over all
    /// rows by a fixed hash of the row id, so the same store gives the same sample.
    fn points(&self, jurisdiction_id: &str, limit: usize) -> Result<Vec<(f64, f64)>> {
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

#[cfg(test)]
mod tests {
    use crate::domain::{ServiceRequest, Status};
    use crate::store::Store;

    fn at(id: &str, lat: Option<f64>, long: Option<f64>) -> ServiceRequest {
        let json = serde_json::json!({
            "service_request_id": id, "status": Status::Open, "status_raw": null, "status_notes": null,
            "service_name": null, "service_code": null, "description": null, "agency_responsible": null,
            "service_notice": null, "requested_datetime": null, "updated_datetime": null,
            "expected_datetime": null, "requested_text": null, "updated_text": null, "expected_text": null,
            "address": null, "address_id": null, "zipcode": null, "lat": lat, "long": long,
            "media_url": null, "raw": "{}",
        });
        serde_json::from_value(json).expect("a request")
    }

    #[test]
    fn skips_unusable_locations_and_samples_the_same_way_twice() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        let mut requests: Vec<ServiceRequest> =
            (0..30).map(|i| at(&format!("r{i}"), Some(45.0 + f64::from(i) / 100.0), Some(-75.0))).collect();
        requests.extend([at("none", None, None), at("zero", Some(0.0), Some(0.0)), at("far", Some(95.0), Some(1.0))]);
        store.upsert_requests("city", &requests).expect("stored");
        let all = store.points("city", 100).expect("points");
        assert_eq!(all.len(), 30);
        assert!(all.iter().all(|&(long, lat)| long == -75.0 && (45.0..45.3).contains(&lat)));
        let sample = store.points("city", 10).expect("points");
        assert_eq!(sample.len(), 10);
        assert_eq!(sample, store.points("city", 10).expect("points"));
        assert!(store.points("other", 10).expect("points").is_empty());
    }
}
