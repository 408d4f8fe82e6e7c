//! Paging hints: a `Link: <…>; rel="next"` header (RFC 8288) on a list that has a next page,
//! so clients page without knowing each API's parameters. The link is relative to this
//! server (clients resolve it against the URL they called) and repeats the call's own
//! parameters with the paging ones replaced.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Adds the `rel="next"` link to `path` with `pairs`, the names in `set` replaced by their
/// new values.
pub fn link_next(response: &mut Response, path: &str, pairs: &[(String, String)], set: &[(&str, String)]) {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(name, _)| !set.iter().any(|(n, _)| n == name)) {
        query.append_pair(name, value);
    }
    for (name, value) in set {
        query.append_pair(name, value);
    }
    let link = format!("<{path}?{}>; rel=\"next\"", query.finish());
    if let Ok(value) = HeaderValue::from_str(&link) {
        response.headers_mut().append(header::LINK, value);
    }
}
