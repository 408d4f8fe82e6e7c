//! Rendered answers that change only when a harvest writes (service lists, request lists
//! served from the store), kept in memory and stamped with the store version they were
//! rendered at, so a cached answer is never stale: any write moves the version on.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::body::Bytes;

/// Most answers kept; past that the cache starts over (popular answers return quickly).
const MAX_ENTRIES: usize = 4096;

/// Rendered bodies by key (resource, jurisdiction, format, parameters).
#[derive(Default)]
pub struct ResponseCache {
    entries: RwLock<HashMap<String, (u64, Bytes)>>,
}

impl ResponseCache {
    /// The cached body, if rendered at `version`.
    pub fn get(&self, key: &str, version: u64) -> Option<Bytes> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some((v, body)) if *v == version => Some(body.clone()),
            _ => None,
        }
    }

    /// Remembers a body rendered at `version`.
    pub fn put(&self, key: String, version: u64, body: Bytes) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (version, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_only_at_the_version_rendered() {
        let cache = ResponseCache::default();
        cache.put("a".into(), 1, Bytes::from_static(b"one"));
        assert_eq!(cache.get("a", 1).as_deref(), Some(&b"one"[..]));
        assert_eq!(cache.get("a", 2), None);
        assert_eq!(cache.get("b", 1), None);
    }
}
