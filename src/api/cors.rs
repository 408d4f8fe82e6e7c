//! CORS, so that a web app on another origin can call fed311 from the browser. Reads are
//! public: a GET (or HEAD) from any origin is allowed. Writes are not: a POST (a submission, or
//! a posted search) is allowed only from the origins the operator lists (`--cors-origins`).
//! Preflights are answered here, before routing, so they never meet a 405. Browsers may read
//! the validators, paging links, rate-limit hints and the index lag.

use std::sync::Arc;
use std::time::Duration;

use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The CORS layer allowing GETs from anywhere and POSTs from `post_origins`.
pub fn layer(post_origins: &[HeaderValue]) -> CorsLayer {
    let listed: Arc<[HeaderValue]> = post_origins.into();
    let allowed = move |origin: &HeaderValue, request: &Parts| {
        let method = match request.method {
            // A preflight names the method it asks for.
            Method::OPTIONS => request.headers.get(header::ACCESS_CONTROL_REQUEST_METHOD).map(|m| m.as_bytes()),
            ref method => Some(method.as_str().as_bytes()),
        };
        match method {
            Some(b"GET" | b"HEAD") => true,
            _ => listed.iter().any(|o| o == origin),
        }
    };
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(allowed))
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::RETRY_AFTER,
            HeaderName::from_static("x-total-count"),
            HeaderName::from_static("x-index-lag"),
            HeaderName::from_static("x-last-harvest"),
        ])
        .max_age(Duration::from_secs(600))
}

/// Reads a comma list of origins (`https://app.example.org`); each must be a scheme and a
/// host with an optional port, as browsers send them.
pub fn parse_origins(text: &str) -> Result<Vec<HeaderValue>, String> {
    let parse = |item: &str| {
        let url = url::Url::parse(item).map_err(|e| format!("`{item}` is not an origin: {e}"))?;
        let origin = url.origin().ascii_serialization();
        if origin != item.trim_end_matches('/') {
            return Err(format!("`{item}` is not an origin like https://app.example.org (no path)"));
        }
        HeaderValue::from_str(&origin).map_err(|e| format!("`{item}`: {e}"))
    };
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(parse).collect()
}
