//! This server's origin as its clients reach it, for the absolute links that discovery and
//! feeds write: `http(s)://host[:port]` from the `Host` header, `https` behind a proxy that
//! says so. A header that is not a plain host name is refused, never echoed into a document.

use axum::http::{HeaderMap, header};
use url::Url;

/// The origin named by the request's headers; `None` when `Host` is missing or not a plain
/// `host[:port]`.
pub fn origin(headers: &HeaderMap) -> Option<Url> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::trim)?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']');
    if host.is_empty() || !host.chars().all(plain) {
        return None;
    }
    let proto = headers.get("x-forwarded-proto").and_then(|p| p.to_str().ok());
    let scheme = if proto.is_some_and(|p| p.trim().eq_ignore_ascii_case("https")) { "https" } else { "http" };
    Url::parse(&format!("{scheme}://{host}")).ok()
}
