//! The one outbound HTTP client for cities, polite by construction: a User-Agent naming
//! fed311, a per-host rate limit (governor, the same for every host, this machine's included)
//! slowed further by the host's own 429s (see `host` and `pace`), one request in flight per
//! host, timeouts, a body size cap, and retries with exponential backoff and jitter that honour
//! `Retry-After`, within a budget of two timeouts per call. Reads follow redirects only within
//! the endpoint's host. Every attempt is counted by outcome (see `outcome`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use url::Url;

use super::host::{ATTEMPTS, Attempt, Host, LONGEST_PAUSE};
use super::outcome::{Caller, FetchError, Fetched, Outcome, Posted};
use crate::registry::RateLimit;

/// Identifies us to every city.
pub const USER_AGENT: &str = concat!("fed311/", env!("CARGO_PKG_VERSION"), " (Open311 aggregator)");
/// Default budget per host when a city sets none (fed311's own simulations and tests
/// included: they set a faster `rate_limit` in their jurisdiction files).
pub const DEFAULT_RATE: RateLimit = RateLimit { count: 4, per: Duration::from_secs(1) };
/// Largest response body accepted.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Redirects followed per call, all within the endpoint's host.
const MAX_REDIRECTS: usize = 5;
/// Longest silence while reading an answer, before the call counts as timed out.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How the client waits: what the command line (or a test) sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSettings {
    /// The first retry wait; later ones double (`fed311 --backoff-ms`, `FED311_BACKOFF_MS`;
    /// tests shrink it).
    pub backoff_unit: Duration,
    /// Per-attempt timeout; a call stops retrying once it has spent two of them.
    pub timeout: Duration,
}

impl ClientSettings {
    /// The first retry wait in production.
    pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(1000);
    /// The per-attempt timeout in production.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
}

impl Default for ClientSettings {
    fn default() -> ClientSettings {
        ClientSettings { backoff_unit: ClientSettings::DEFAULT_BACKOFF, timeout: ClientSettings::DEFAULT_TIMEOUT }
    }
}

/// Shared HTTP client; clone freely.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// For posts: follows no redirect.
    post: reqwest::Client,
    /// Per-attempt timeout; a call stops retrying once it has spent two of them.
    timeout: Duration,
    hosts: Arc<Mutex<HashMap<String, Arc<Host>>>>,
    /// Multiplier on retry waits (tests shrink it).
    backoff_unit: Duration,
}

impl Client {
    /// Builds the client with production settings (a first retry wait of a second).
    pub fn new() -> Result<Client, reqwest::Error> {
        Self::build(ClientSettings::default())
    }

    /// Builds the client with a custom base backoff (tests use milliseconds).
    pub fn with_backoff(backoff_unit: Duration) -> Result<Client, reqwest::Error> {
        Self::build(ClientSettings { backoff_unit, ..ClientSettings::default() })
    }

    /// Builds the client with a custom base backoff and per-call timeout.
    pub fn with_settings(backoff_unit: Duration, timeout: Duration) -> Result<Client, reqwest::Error> {
        Self::build(ClientSettings { backoff_unit, timeout })
    }

    /// Builds the client with `settings`. Reads follow redirects within the endpoint's host
    /// only (another host is the operator's call, in the jurisdiction file); posts follow none,
    /// since a redirected POST arrives as a GET.
    pub fn build(settings: ClientSettings) -> Result<Client, reqwest::Error> {
        let ClientSettings { backoff_unit, timeout } = settings;
        let builder = || {
            reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(Duration::from_secs(15).min(timeout))
                .read_timeout(READ_TIMEOUT.min(timeout))
                .timeout(timeout)
        };
        let http = builder().redirect(reqwest::redirect::Policy::custom(same_host)).build()?;
        let post = builder().redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Client { http, post, hosts: Arc::default(), backoff_unit, timeout })
    }

    /// GETs `url` with extra `headers`, politely, retrying what is worth retrying. Any HTTP
    /// status is returned as is once retries are spent; only transport failures are errors.
    pub async fn get(
        &self,
        url: &Url,
        headers: &BTreeMap<String, String>,
        rate: Option<RateLimit>,
    ) -> Result<Fetched, FetchError> {
        self.get_for(url, headers, rate, None).await
    }

    /// Like [`Client::get`], counting every attempt for `caller`.
    pub async fn get_for(
        &self,
        url: &Url,
        headers: &BTreeMap<String, String>,
        rate: Option<RateLimit>,
        caller: Option<Caller<'_>>,
    ) -> Result<Fetched, FetchError> {
        let count = |outcome| {
            if let Some(caller) = caller {
                caller.count(outcome);
            }
        };
        let host = self.host(url, rate.unwrap_or(DEFAULT_RATE));
        if let Some(unreachable) = host.unreachable(url) {
            count(Outcome::Transport);
            return Err(unreachable);
        }
        let headers = header_map(headers);
        // The budget runs from the first attempt, not from the wait for the host's turn.
        let mut started = None;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = {
                let _slot = host.in_flight.acquire().await.ok();
                if let Some(unreachable) = host.unreachable(url) {
                    count(Outcome::Transport);
                    return Err(unreachable);
                }
                host.take_turn().await;
                if let Some(left) = host.paused_for() {
                    count(Outcome::Paused);
                    return Err(FetchError::Paused { url: url.to_string(), seconds: left.as_secs().max(1) });
                }
                started.get_or_insert_with(std::time::Instant::now);
                let outcome = self.once(url, &headers).await;
                count(host.learn(&outcome));
                outcome
            };
            let wait = match &outcome {
                Ok((fetched, retry_after)) if is_retryable(fetched.status) => {
                    retry_after.unwrap_or_else(|| self.backoff(attempt))
                }
                Ok(_) => Duration::ZERO,
                Err(Attempt::Retryable(..)) => self.backoff(attempt),
                Err(Attempt::Fatal(..)) => Duration::ZERO,
            };
            // A call may take two timeouts in all, waits included: a stalling city, or one that
            // asks (`Retry-After`) to wait longer, is left for the next pass with its answer.
            let elapsed = started.map_or(Duration::ZERO, |t| t.elapsed());
            let spent = attempt >= ATTEMPTS || elapsed.saturating_add(wait) >= self.timeout * 2;
            match outcome {
                Ok((fetched, Some(asked))) if is_retryable(fetched.status) && spent => {
                    // Not a call to this host until the pause it asked for is over.
                    host.pause(asked);
                    return Ok(fetched);
                }
                Ok((fetched, _)) if !is_retryable(fetched.status) || spent => return Ok(fetched),
                Err(Attempt::Fatal(e, _)) => return Err(e),
                Err(Attempt::Retryable(e, _)) if spent || host.given_up(&e) => {
                    return Err(host.note_unreachable(url, e));
                }
                _ => {
                    tracing::debug!(%url, attempt, wait_ms = wait.as_millis() as u64, "Retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// POSTs a form once, without retrying: whoever posts owns retries, because only they can
    /// tell whether a city may already have a submission.
    pub async fn post_form(
        &self,
        url: &Url,
        form: &[(String, String)],
        headers: &BTreeMap<String, String>,
        rate: Option<RateLimit>,
    ) -> Posted {
        let host = self.host(url, rate.unwrap_or(DEFAULT_RATE));
        let _slot = host.in_flight.acquire().await.ok();
        host.take_turn().await;
        if let Some(left) = host.paused_for() {
            return Posted::NotSent(format!(
                "{url}: not sent: the server asked for a pause, {} s still to go",
                left.as_secs()
            ));
        }
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let sent = self
            .post
            .post(url.clone())
            .headers(header_map(headers))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) if e.is_connect() => return Posted::NotSent(error_chain(&e)),
            Err(e) => return Posted::Unknown(error_chain(&e)),
        };
        let status = response.status();
        let date = response.headers().get(reqwest::header::DATE).and_then(parse_http_date);
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() <= MAX_BODY => body.extend_from_slice(&chunk),
                Ok(Some(_)) => return Posted::Unknown(format!("{url}: answer larger than {MAX_BODY} bytes")),
                Ok(None) => return Posted::Answered(Fetched { status, body, charset: None, date }),
                Err(e) => return Posted::Unknown(error_chain(&e)),
            }
        }
    }

    /// The first retry wait (tests shrink it).
    pub fn backoff_unit(&self) -> Duration {
        self.backoff_unit
    }

    async fn once(&self, url: &Url, headers: &HeaderMap) -> Result<(Fetched, Option<Duration>), Attempt> {
        let transport = |e: reqwest::Error| {
            let reached = !e.is_connect();
            let failure = FetchError::Transport { url: url.to_string(), message: error_chain(&e), reached };
            let outcome = if e.is_timeout() { Outcome::Timeout } else { Outcome::Transport };
            // A refused redirect will be refused again.
            if e.is_redirect() {
                Attempt::Fatal(failure, Outcome::ClientError)
            } else {
                Attempt::Retryable(failure, outcome)
            }
        };
        let mut response = self.http.get(url.clone()).headers(headers.clone()).send().await.map_err(transport)?;
        let status = response.status();
        // Refused at once: reading a body that will be refused anyway could take minutes.
        if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(Attempt::Fatal(FetchError::TooLarge { url: url.to_string() }, Outcome::TooLarge));
        }
        let cut_off = |e: reqwest::Error| {
            let failure = FetchError::Transport { url: url.to_string(), message: error_chain(&e), reached: true };
            Attempt::Retryable(failure, if e.is_timeout() { Outcome::Timeout } else { Outcome::CutOff })
        };
        let retry_after = response.headers().get(RETRY_AFTER).and_then(parse_retry_after);
        let charset = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(charset_of);
        let date = response.headers().get(reqwest::header::DATE).and_then(parse_http_date);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(cut_off)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(Attempt::Fatal(FetchError::TooLarge { url: url.to_string() }, Outcome::TooLarge));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((Fetched { status, body, charset, date }, retry_after))
    }

    fn host(&self, url: &Url, rate: RateLimit) -> Arc<Host> {
        let key = format!("{}:{}", url.host_str().unwrap_or(""), url.port_or_known_default().unwrap_or(0));
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.entry(key).or_insert_with(|| Arc::new(Host::new(rate))).clone()
    }

    /// Exponential backoff with jitter: unit × 2^(attempt-1), ±50%.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.backoff_unit.saturating_mul(1 << (attempt - 1).min(8));
        base.mul_f64(0.5 + jitter())
    }
}

/// Redirect policy for reads: at most [`MAX_REDIRECTS`], and only to the host the call was
/// made to, on its scheme and port or upgraded from http to https (never down to http, where
/// the city's key headers would travel in clear).
fn same_host(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    let (first, next) = match attempt.previous().first() {
        Some(first) => (first.clone(), attempt.url().clone()),
        None => return attempt.follow(),
    };
    let same_place = first.scheme() == next.scheme() && first.port_or_known_default() == next.port_or_known_default();
    let upgrade = first.scheme() == "http" && next.scheme() == "https";
    if attempt.previous().len() > MAX_REDIRECTS {
        let message = format!("more than {MAX_REDIRECTS} redirects");
        attempt.error(message)
    } else if first.host_str() != next.host_str() || !(same_place || upgrade) {
        let message = format!(
            "redirected to {next}, elsewhere than {}: fed311 follows redirects only within the endpoint's \
             host (set the jurisdiction's endpoint to the new address)",
            first.origin().ascii_serialization()
        );
        attempt.error(message)
    } else {
        attempt.follow()
    }
}

fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// The `charset` parameter of a `Content-Type` (`text/xml; charset=ISO-8859-1`).
fn charset_of(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    text.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_string())
    })
}

/// `Retry-After` as seconds or an HTTP date, at most a day.
fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(LONGEST_PAUSE));
    }
    let when = parse_http_date(value)?;
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO).min(LONGEST_PAUSE))
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), as `Date` and `Retry-After` carry it.
fn parse_http_date(value: &HeaderValue) -> Option<jiff::Timestamp> {
    Some(jiff::fmt::rfc2822::parse(value.to_str().ok()?.trim()).ok()?.timestamp())
}

fn header_map(headers: &BTreeMap<String, String>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            map.insert(n, v);
        }
    }
    map
}

/// A value in [0, 1) that differs from call to call (jitter needs no cryptography).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The error and its causes on one line ("error sending request: connection refused").
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
