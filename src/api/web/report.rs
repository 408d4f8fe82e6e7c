//! `POST /web/report`: the page's form to report a problem, when the operator turns it on
//! (`--web-reports`). Browsers cannot hold an API key, so the form is guarded otherwise:
//! a CSRF token (double submit: `/web/config.json` sets it as a `SameSite=Strict` cookie and
//! hands it to the page, which sends it back in `X-CSRF-Token`; both must agree), a
//! same-origin check (`Origin`, `Sec-Fetch-Site`), and a limit of a few reports per client
//! address on top of the API's own per-address rate.
//!
//! A form that passes goes through the GeoReport submission itself (`POST
//! /open311/v2/requests.json`: routing, the service definition's checks, the outbox, the
//! city's id or a token), vouched for by a key made at start that exists only in this gate:
//! it is never shown, and scrubbed like every key from what cities say.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::api::client_ip::ClientIp;
use crate::api::{AppState, GeoReportErrors};

/// The cookie holding the form's CSRF token.
const COOKIE: &str = "fed311_csrf";
/// The header the page sends the token back in.
const TOKEN_HEADER: &str = "x-csrf-token";
/// Reports a client address may send at once…
const BURST: u32 = 5;
/// …and then one every this long.
const EVERY: Duration = Duration::from_secs(60);
/// Largest form taken (text fields only: a photo goes by `media_url`).
const MAX_FORM: usize = 256 << 10;
/// Client addresses remembered before the quiet ones are forgotten.
const REMEMBERED: usize = 10_000;

/// What a form must pass: the key that vouches for it, and the per-address limit.
#[derive(Clone)]
pub struct ReportGate {
    key: Arc<String>,
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl std::fmt::Debug for ReportGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportGate { key: [redacted], .. }")
    }
}

impl ReportGate {
    /// A gate with a fresh key.
    pub fn new() -> ReportGate {
        let quota = Quota::with_period(EVERY).unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN));
        let quota = quota.allow_burst(NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN));
        let key = format!("web-form-{}{}", crate::submit::new_token(), crate::submit::new_token());
        ReportGate { key: Arc::new(key), limiter: Arc::new(RateLimiter::keyed(quota)) }
    }

    fn allows(&self, client: IpAddr) -> bool {
        if self.limiter.len() > REMEMBERED {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).is_ok()
    }
}

impl Default for ReportGate {
    fn default() -> Self {
        ReportGate::new()
    }
}

/// The CSRF token of this browser: the one its cookie holds, or a new one.
pub fn session_token(headers: &HeaderMap) -> String {
    cookie_token(headers).filter(|t| well_formed(t)).unwrap_or_else(crate::submit::new_token)
}

/// The `Set-Cookie` value holding `token`.
pub fn cookie(token: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{COOKIE}={token}; Path=/; SameSite=Strict; HttpOnly")).ok()
}

fn well_formed(token: &str) -> bool {
    (16..=128).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Whether the request comes from this server's own page: same origin, and the token in its
/// header matches the one in its cookie.
fn same_page(headers: &HeaderMap) -> Result<(), &'static str> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("sec-fetch-site").is_some_and(|site| site != "same-origin") {
        return Err("the form must be sent from this server's own page");
    }
    if let Some(origin) = text("origin") {
        let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if text("host") != Some(authority) {
            return Err("the form must be sent from this server's own page");
        }
    }
    match (cookie_token(headers), text(TOKEN_HEADER)) {
        (Some(cookie), Some(sent)) if well_formed(sent) && cookie == sent => Ok(()),
        _ => Err("the form's CSRF token is missing or does not match: reload the page"),
    }
}

/// The form: checked here, then posted through the GeoReport submission.
pub async fn post(State(s): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (headers, client) = (parts.headers, parts.extensions.get::<ClientIp>().copied());
    let Ok(body) = axum::body::to_bytes(body, MAX_FORM).await else {
        return GeoReportErrors::new(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large").into_response();
    };
    let Some(gate) = s.web.reports.clone() else {
        let detail = "this server does not take reports from its web page: report to the city directly";
        return GeoReportErrors::new(StatusCode::FORBIDDEN, detail).into_response();
    };
    if let Err(detail) = same_page(&headers) {
        return GeoReportErrors::new(StatusCode::FORBIDDEN, detail).into_response();
    }
    if let Some(ClientIp(ip)) = client {
        if !gate.allows(ip) {
            let detail = format!("too many reports from this address: try again in {} s", EVERY.as_secs());
            let mut response = GeoReportErrors::new(StatusCode::TOO_MANY_REQUESTS, detail).into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(EVERY.as_secs()));
            return response;
        }
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return GeoReportErrors::bad_request("the posted form is not UTF-8").into_response();
    };
    let form = vouched(text, &gate.key);
    let state = s.clone().with_client_key(gate.key.as_ref().clone());
    let mut headers = headers;
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    let body = Bytes::from(form);
    let at = crate::api::georeport::Resource::unscoped("requests.json");
    crate::api::georeport::post(State(state), Path(at), RawQuery(None), headers, body).await
}

/// The form with `key` as its only `api_key`.
fn vouched(form: &str, key: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(form.as_bytes()).filter(|(name, _)| name != "api_key") {
        out.append_pair(&name, &value);
    }
    out.append_pair("api_key", key);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn only_the_own_page_with_its_token_passes() {
        let token = crate::submit::new_token();
        let cookie = format!("other=1; {COOKIE}={token}");
        let good = [("host", "127.0.0.1:8311"), ("origin", "http://127.0.0.1:8311"), ("cookie", &cookie)];
        let with = |extra: &[(&'static str, &str)]| headers(&[&good[..], extra].concat());
        assert!(same_page(&with(&[(TOKEN_HEADER, &token), ("sec-fetch-site", "same-origin")])).is_ok());
        assert!(same_page(&with(&[])).is_err(), "no token sent");
        assert!(same_page(&with(&[(TOKEN_HEADER, "0123456789abcdef0123")])).is_err(), "another token");
        assert!(same_page(&with(&[(TOKEN_HEADER, &token), ("sec-fetch-site", "cross-site")])).is_err());
        let elsewhere = headers(&[
            ("host", "127.0.0.1:8311"),
            ("origin", "https://evil.example"),
            ("cookie", &cookie),
            (TOKEN_HEADER, &token),
        ]);
        assert!(same_page(&elsewhere).is_err(), "another origin");
        assert_eq!(session_token(&headers(&[("cookie", &cookie)])), token, "a browser keeps its token");
    }

    #[test]
    fn an_address_gets_a_few_reports_then_waits() {
        let gate = ReportGate::new();
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert!((0..BURST).all(|_| gate.allows(a)));
        assert!(!gate.allows(a), "past the burst");
        assert!(gate.allows(b), "another address is not held back");
        assert!(!format!("{gate:?}").contains("web-form-"), "the key is never shown");
    }
}
