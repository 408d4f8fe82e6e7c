//! When each city was last harvested, said on every GeoReport list (`X-Last-Harvest`): a
//! city never harvested answers `never`, so its empty list is not taken for an empty city.
//! The times are read once per store version (any harvest that finishes moves it), not per
//! call, so cached answers stay as cheap as they were.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::http::HeaderValue;
use axum::response::Response;

use crate::store::Store;

/// The header's name.
pub const LAST_HARVEST: &str = "x-last-harvest";

/// Each city's last successful harvest (unix seconds), as of a store version.
#[derive(Debug, Default)]
pub struct HarvestMarks {
    marks: RwLock<(u64, HashMap<String, i64>)>,
}

impl HarvestMarks {
    /// Says on `response` when `jurisdiction` was last harvested, as of store `version`.
    pub fn mark(&self, response: &mut Response, store: &Store, version: u64, jurisdiction: &str) {
        let last = self.last_success(store, version, jurisdiction);
        let text = last.and_then(|t| jiff::Timestamp::from_second(t).ok()).map(crate::domain::time::format_utc);
        let value =
            HeaderValue::from_str(text.as_deref().unwrap_or("never")).unwrap_or(HeaderValue::from_static("never"));
        response.headers_mut().insert(LAST_HARVEST, value);
    }

    fn last_success(&self, store: &Store, version: u64, jurisdiction: &str) -> Option<i64> {
        {
            let marks = self.marks.read().unwrap_or_else(|p| p.into_inner());
            if marks.0 == version && version != 0 {
                return marks.1.get(jurisdiction).copied();
            }
        }
        let fresh = store.last_successes().unwrap_or_default();
        let last = fresh.get(jurisdiction).copied();
        *self.marks.write().unwrap_or_else(|p| p.into_inner()) = (version, fresh);
        last
    }
}
