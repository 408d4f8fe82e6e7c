//! Rendered answers that change only when a harvest writes (service lists), kept in memory
//! and keyed by the store's services version, so a cached answer is never stale.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::body::Bytes;

use crate::registry::WireFormat;

/// Rendered service lists by (jurisdiction, format).
#[derive(Default)]
pub struct ResponseCache {
    entries: RwLock<HashMap<(String, WireFormat), (u64, Bytes)>>,
}

impl ResponseCache {
    /// The cached body, if rendered at `version`.
    pub fn get(&self, jurisdiction: &str, format: WireFormat, version: u64) -> Option<Bytes> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        match entries.get(&(jurisdiction.to_string(), format)) {
            Some((v, body)) if *v == version => Some(body.clone()),
            _ => None,
        }
    }

    /// Remembers a body rendered at `version`.
    pub fn put(&self, jurisdiction: &str, format: WireFormat, version: u64, body: Bytes) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.insert((jurisdiction.to_string(), format), (version, body));
    }
}
