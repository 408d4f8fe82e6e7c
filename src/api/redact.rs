//! Keys never reach the logs: a request URI is logged with the value of every key-like query
//! parameter (`api_key`, and any name ending in `key`, `token` or `secret`) replaced.

use std::borrow::Cow;

use axum::http::Uri;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// `uri` as it may be logged.
pub fn uri(uri: &Uri) -> Cow<'_, str> {
    let Some(query) = uri.query() else { return Cow::Owned(uri.to_string()) };
    if !query.split('&').any(|pair| secret_name(pair.split('=').next().unwrap_or(""))) {
        return Cow::Owned(uri.to_string());
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect();
    Cow::Owned(format!("{}?{}", uri.path(), pairs.join("&")))
}

/// Whether a (still percent-encoded) parameter name names a secret.
fn secret_name(name: &str) -> bool {
    let name = url::form_urlencoded::parse(name.as_bytes()).next().map(|(k, _)| k.to_ascii_lowercase());
    let name = name.unwrap_or_default();
    ["key", "token", "secret", "password"].iter().any(|word| name.ends_with(word))
        && !matches!(name.as_str(), "service_request_id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_replaced_and_the_rest_kept() {
        let uri: Uri =
            "/open311/v2/requests.json?jurisdiction_id=x&api_key=s3cret&api%5Fkey=again&page=2".parse().unwrap();
        let logged = super::uri(&uri);
        assert!(!logged.contains("s3cret") && !logged.contains("again"), "{logged}");
        assert!(logged.contains("jurisdiction_id=x") && logged.contains("page=2"), "{logged}");
        let plain: Uri = "/healthz".parse().unwrap();
        assert_eq!(super::uri(&plain), "/healthz");
    }
}
