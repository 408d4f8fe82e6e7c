//! HTTP caching for browsers, apps and feed readers. Every `200` answer to a GET whose body
//! is whole (not streamed) gets an `ETag`, a hash of the body, so it is right across
//! restarts and processes (a cached store answer brings its own, hashed once when rendered);
//! `If-None-Match` naming it answers `304 Not Modified` without the body. Feeds carry
//! `Last-Modified` (their newest entry), which `If-Modified-Since` compares. `Cache-Control`
//! says how fresh data may be taken: a minute for data (the store changes at most once a
//! harvest, and revalidating costs a 304), an hour for the OpenAPI document, never stored
//! for health, metrics, tokens and errors.

use std::hash::Hasher;

use axum::body::{Body, Bytes, HttpBody, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest whole body hashed for an `ETag` (bigger ones go without).
const MAX_HASHED: usize = 16 << 20;

/// `Cache-Control` of data answers.
pub const DATA: &str = "public, max-age=60";
/// `Cache-Control` of what must never be reused.
pub const NO_STORE: &str = "no-store";

/// A weak validator for `body` (weak: the same data in another encoding matches).
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hasher.write(body);
    let tag = format!("W/\"{:016x}{:08x}\"", hasher.finish(), body.len() as u32);
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""))
}

/// An HTTP date (`Last-Modified`).
pub fn http_date(at: jiff::Timestamp) -> Option<HeaderValue> {
    let text = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&at).ok()?;
    HeaderValue::from_str(&text).ok()
}

/// Middleware: `Cache-Control` on every answer, `ETag` and `304` on GETs.
pub async fn conditional(request: Request, next: Next) -> Response {
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    // Only the two validators a client may send are kept, not the whole header map.
    let mut asked = HeaderMap::new();
    for name in [header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE] {
        if let Some(value) = request.headers().get(&name) {
            asked.insert(name, value.clone());
        }
    }
    let policy = policy(request.uri().path(), request.method());
    let mut response = next.run(request).await;
    let status = response.status();
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        let value = if status.is_success() || status == StatusCode::NOT_MODIFIED { policy } else { NO_STORE };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    if !reads || status != StatusCode::OK || policy == NO_STORE {
        return response;
    }
    if !response.headers().contains_key(header::ETAG) {
        response = with_etag(response).await;
    }
    if unchanged(&asked, response.headers()) { not_modified(response) } else { response }
}

fn policy(path: &str, method: &Method) -> &'static str {
    let never = ["/healthz", "/readyz", "/metrics"].contains(&path) || path.contains("/tokens/");
    match () {
        _ if never || !matches!(*method, Method::GET | Method::HEAD) => NO_STORE,
        _ if path == "/api/v1/openapi.json" => "public, max-age=3600",
        _ => DATA,
    }
}

/// The response with an `ETag` when its body is whole and not too big.
async fn with_etag(response: Response) -> Response {
    let whole = response.body().size_hint().exact().is_some_and(|n| n as usize <= MAX_HASHED);
    if !whole {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes: Bytes = to_bytes(body, MAX_HASHED).await.unwrap_or_default();
    parts.headers.insert(header::ETAG, etag_of(&bytes));
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether the client's copy is current: `If-None-Match` naming the `ETag` (or `*`), else,
/// without it, `If-Modified-Since` at or after `Last-Modified`.
fn unchanged(asked: &HeaderMap, answer: &HeaderMap) -> bool {
    if let Some(wanted) = asked.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        let Some(etag) = answer.get(header::ETAG).and_then(|v| v.to_str().ok()) else { return false };
        let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
        return wanted.split(',').any(|tag| tag.trim() == "*" || bare(tag) == bare(etag));
    }
    let date = |map: &HeaderMap, name| {
        let text = map.get(name)?.to_str().ok()?;
        jiff::fmt::rfc2822::parse(text.trim()).ok().map(|z| z.timestamp())
    };
    match (date(asked, header::IF_MODIFIED_SINCE), date(answer, header::LAST_MODIFIED)) {
        (Some(since), Some(modified)) => modified.as_second() <= since.as_second(),
        _ => false,
    }
}

/// `304` with the validators and caching headers of the full answer, no body.
fn not_modified(response: Response) -> Response {
    let mut answer = StatusCode::NOT_MODIFIED.into_response();
    let kept = [header::ETAG, header::LAST_MODIFIED, header::CACHE_CONTROL, header::VARY, header::LINK];
    for name in kept {
        for value in response.headers().get_all(&name) {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_match_weakly_and_by_date() {
        let etag = etag_of(b"[1,2,3]");
        assert_ne!(etag, etag_of(b"[1,2,4]"));
        let mut answer = HeaderMap::new();
        answer.insert(header::ETAG, etag.clone());
        let mut asked = HeaderMap::new();
        asked.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", {}", etag.to_str().unwrap())).unwrap(),
        );
        assert!(unchanged(&asked, &answer));
        asked.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\""));
        assert!(!unchanged(&asked, &answer));
        let modified = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        answer.insert(header::LAST_MODIFIED, http_date(modified).unwrap());
        let mut by_date = HeaderMap::new();
        by_date.insert(header::IF_MODIFIED_SINCE, http_date(modified).unwrap());
        assert!(unchanged(&by_date, &answer));
        by_date.insert(header::IF_MODIFIED_SINCE, http_date(modified - jiff::SignedDuration::from_secs(1)).unwrap());
        assert!(!unchanged(&by_date, &answer));
    }
}
