//! Rendered answers that change only when a harvest writes (service lists, request lists
//! served from the store), kept in memory and stamped with the store version they were
//! rendered at, so a cached answer is never stale: any write moves the version on. Each
//! keeps its `ETag` (hashed once, when rendered) and how many items it lists (for paging
//! links).

use std::collections::HashMap;
use std::sync::RwLock;

use axum::body::Bytes;
use axum::http::HeaderValue;

/// Most answers kept; past that the cache starts over (popular answers return quickly).
const MAX_ENTRIES: usize = 4096;

/// One rendered answer.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The body.
    pub body: Bytes,
    /// Its validator.
    pub etag: HeaderValue,
    /// Items it lists.
    pub items: usize,
}

impl Rendered {
    /// A rendered body listing `items` things.
    pub fn new(body: impl Into<Bytes>, items: usize) -> Rendered {
        let body = body.into();
        Rendered { etag: super::http_cache::etag_of(&body), body, items }
    }
}

/// Rendered answers by key (resource, jurisdiction, format, parameters).
#[derive(Default)]
pub struct ResponseCache {
    entries: RwLock<HashMap<String, (u64, Rendered)>>,
}

impl ResponseCache {
    /// The cached answer, if rendered at `version`.
    pub fn get(&self, key: &str, version: u64) -> Option<Rendered> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some((v, rendered)) if *v == version => Some(rendered.clone()),
            _ => None,
        }
    }

    /// Remembers an answer rendered at `version`.
    pub fn put(&self, key: String, version: u64, rendered: Rendered) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (version, rendered));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_only_at_the_version_rendered() {
        let cache = ResponseCache::default();
        cache.put("a".into(), 1, Rendered::new(Bytes::from_static(b"one"), 1));
        assert_eq!(cache.get("a", 1).map(|r| r.body).as_deref(), Some(&b"one"[..]));
        assert!(cache.get("a", 2).is_none());
        assert!(cache.get("b", 1).is_none());
    }
}
