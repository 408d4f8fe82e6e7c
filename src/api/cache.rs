//! Rendered answers that change only when a harvest writes (service lists, request lists
//! served from the store), kept in memory and stamped with the store version they were
//! rendered at, so a cached answer is never stale: any write moves the version on. Each
//! keeps its `ETag` (hashed once, when rendered), how many items it lists (for paging
//! links), and its gzip and brotli forms, each compressed once, when first asked for: a
//! popular answer is not compressed again for every client that accepts an encoding.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock, RwLock};

use axum::body::Bytes;
use axum::http::HeaderValue;

/// Most answers kept; past that the cache starts over (popular answers return quickly).
const MAX_ENTRIES: usize = 4096;

/// Bodies smaller than this go uncompressed (the headers would cost more than is saved).
const MIN_COMPRESSED: usize = 256;
/// The compression level (gzip) and quality (brotli): as the compression layer uses.
const LEVEL: u32 = 4;

/// One rendered answer.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The body.
    pub body: Bytes,
    /// Its validator.
    pub etag: HeaderValue,
    /// Items it lists.
    pub items: usize,
    encoded: Arc<Encoded>,
}

/// A body's compressed forms, made when first asked for.
#[derive(Debug, Default)]
struct Encoded {
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

impl Rendered {
    /// A rendered body listing `items` things.
    pub fn new(body: impl Into<Bytes>, items: usize) -> Rendered {
        let body = body.into();
        Rendered { etag: super::http_cache::etag_of(&body), body, items, encoded: Arc::default() }
    }

    /// The body in the encoding an `Accept-Encoding` value prefers (brotli, then gzip), with
    /// its name; `None` when it accepts neither or the body is too small to gain.
    pub fn encoded(&self, accept: &str) -> Option<(&'static str, Bytes)> {
        if self.body.len() < MIN_COMPRESSED {
            return None;
        }
        let (br, gzip) = weights(accept);
        let (name, cell) = match () {
            _ if br > 0.0 && br >= gzip => ("br", &self.encoded.br),
            _ if gzip > 0.0 => ("gzip", &self.encoded.gzip),
            _ => return None,
        };
        Some((name, cell.get_or_init(|| compress(name, &self.body)).clone()))
    }
}

/// How much an `Accept-Encoding` value wants brotli and gzip (its `q`, 1 when unsaid, 0
/// when absent or refused).
fn weights(accept: &str) -> (f32, f32) {
    let (mut br, mut gzip) = (0.0, 0.0);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()));
        let q = q.unwrap_or(1.0).clamp(0.0, 1.0);
        match name.as_str() {
            "br" => br = q,
            "gzip" => gzip = q,
            _ => {}
        }
    }
    (br, gzip)
}

fn compress(name: &str, body: &[u8]) -> Bytes {
    let written = match name {
        "br" => {
            let mut writer = brotli::CompressorWriter::new(Vec::new(), 4096, LEVEL, 22);
            writer.write_all(body).map(|_| writer.into_inner())
        }
        _ => {
            let mut writer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(LEVEL));
            writer.write_all(body).and_then(|_| writer.finish())
        }
    };
    Bytes::from(written.unwrap_or_default())
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
    fn compressed_forms_follow_accept_encoding_and_decode_to_the_body() {
        use std::io::Read;
        let rendered = Rendered::new("[1,2,3] ".repeat(100), 3);
        assert_eq!(rendered.encoded("identity"), None);
        assert_eq!(rendered.encoded("br;q=0, deflate"), None);
        let (name, gzip) = rendered.encoded("gzip, br;q=0").unwrap();
        assert_eq!(name, "gzip");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..]).read_to_end(&mut plain).unwrap();
        assert_eq!(plain, rendered.body);
        assert_eq!(rendered.encoded("gzip, br;q=0.5").unwrap().0, "gzip");
        let (name, br) = rendered.encoded("gzip, deflate, br").unwrap();
        assert_eq!(name, "br");
        let mut plain = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut plain).unwrap();
        assert_eq!(plain, rendered.body);
        assert_eq!(Rendered::new("tiny", 0).encoded("br"), None);
    }

    #[test]
    fn answers_only_at_the_version_rendered() {
        let cache = ResponseCache::default();
        cache.put("a".into(), 1, Rendered::new(Bytes::from_static(b"one"), 1));
        assert_eq!(cache.get("a", 1).map(|r| r.body).as_deref(), Some(&b"one"[..]));
        assert!(cache.get("a", 2).is_none());
        assert!(cache.get("b", 1).is_none());
    }
}
