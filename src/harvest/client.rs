//! The one outbound HTTP client for cities, polite by construction: a User-Agent naming
//! fed311, a per-host rate limit (governor, the same for every host, this machine's included)
//! slowed further by the host's own 429s (see `pace`), one request in flight per host,
//! timeouts, a body size cap, and retries with exponential backoff and jitter that honour
//! `Retry-After`, within a budget of two timeouts per call. Reads follow redirects only within
//! the endpoint's host. Every attempt is counted by outcome.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use tokio::sync::Semaphore;
use url::Url;

use super::pace::Pace;
use crate::registry::RateLimit;

/// Identifies us to every city.
pub const USER_AGENT: &str = concat!("fed311/", env!("CARGO_PKG_VERSION"), " (Open311 aggregator)");
/// Default budget per host when a city sets none (fed311's own simulations and tests
/// included: they set a faster `rate_limit` in their jurisdiction files).
pub const DEFAULT_RATE: RateLimit = RateLimit { count: 4, per: Duration::from_secs(1) };
/// Largest response body accepted.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Attempts per call, the first included.
const ATTEMPTS: u32 = 5;
/// The longest pause a `Retry-After` can impose.
const LONGEST_PAUSE: Duration = Duration::from_secs(24 * 3600);
/// How long a host that could not be resolved or connected to is not called again: every
/// city on it fails at once instead of one after another.
const UNREACHABLE_FOR: Duration = Duration::from_secs(300);
/// Redirects followed per call, all within the endpoint's host.
const MAX_REDIRECTS: usize = 5;
/// Longest silence while reading an answer, before the call counts as timed out.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a call failed for good.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Could not connect, timed out, or the body was cut, after every retry.
    #[error("{url}: {message}")]
    Transport {
        /// What was asked.
        url: String,
        /// What went wrong.
        message: String,
        /// Whether the city was reached at all (false: no connection, a DNS failure).
        reached: bool,
    },
    /// The host asked (`Retry-After`) not to be called for a while, and that while is not over.
    #[error("{url}: not called: the server asked for a pause, {seconds} s still to go")]
    Paused {
        /// What would have been asked.
        url: String,
        /// Seconds left.
        seconds: u64,
    },
    /// The body was larger than we accept.
    #[error("{url}: response larger than {MAX_BODY} bytes")]
    TooLarge {
        /// What was asked.
        url: String,
    },
    /// The host could not be resolved or connected to a moment ago; not tried again yet.
    #[error("{host} unreachable: {reason} (not tried again for {seconds} s)")]
    Unreachable {
        /// The host.
        host: String,
        /// Why, in a few words ("DNS lookup failed").
        reason: String,
        /// Seconds before it is tried again.
        seconds: u64,
    },
}

/// What became of one attempt: counted in `fed311_harvest_calls_total` and in a pass's tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A 2xx answer.
    Ok,
    /// 404.
    NotFound,
    /// 429.
    RateLimited,
    /// 5xx (and 408).
    ServerError,
    /// Any other 4xx, or a 3xx not followed.
    ClientError,
    /// No answer in time.
    Timeout,
    /// No connection, or one refused or reset before an answer.
    Transport,
    /// The answer's body broke off before its end.
    CutOff,
    /// The answer was larger than [`MAX_BODY`].
    TooLarge,
    /// Not called: the host asked for a pause that is not over.
    Paused,
    /// A 2xx whose body could not be read (cut short, or not a GeoReport document).
    Unreadable,
}

impl Outcome {
    /// Every outcome, in label order.
    pub const ALL: [Outcome; 11] = [
        Outcome::Ok,
        Outcome::NotFound,
        Outcome::RateLimited,
        Outcome::ServerError,
        Outcome::ClientError,
        Outcome::Timeout,
        Outcome::Transport,
        Outcome::CutOff,
        Outcome::TooLarge,
        Outcome::Paused,
        Outcome::Unreadable,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::NotFound => "not_found",
            Outcome::RateLimited => "rate_limited",
            Outcome::ServerError => "server_error",
            Outcome::ClientError => "client_error",
            Outcome::Timeout => "timeout",
            Outcome::Transport => "transport",
            Outcome::CutOff => "cut_off",
            Outcome::TooLarge => "too_large",
            Outcome::Paused => "paused",
            Outcome::Unreadable => "unreadable",
        }
    }

    fn of_status(status: StatusCode) -> Outcome {
        match status.as_u16() {
            200..=299 => Outcome::Ok,
            404 => Outcome::NotFound,
            429 => Outcome::RateLimited,
            408 | 500..=599 => Outcome::ServerError,
            _ => Outcome::ClientError,
        }
    }
}

/// Who a call is for: its attempts are counted under this jurisdiction, in the metrics and in
/// the pass's own tally.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// Our jurisdiction id (the metric label).
    pub jurisdiction: &'a str,
    /// The pass's counts.
    pub tally: &'a Tally,
}

/// Attempts by outcome; shared by the calls of one pass.
#[derive(Debug, Default)]
pub struct Tally(Mutex<BTreeMap<Outcome, u64>>);

impl Tally {
    /// Counts one attempt.
    pub fn add(&self, outcome: Outcome) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()).entry(outcome).or_default() += 1;
    }

    /// Attempts with this outcome.
    pub fn get(&self, outcome: Outcome) -> u64 {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&outcome).copied().unwrap_or(0)
    }

    /// Every attempt (that went out: pauses excluded).
    pub fn attempts(&self) -> u64 {
        let counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        counts.iter().filter(|(o, _)| **o != Outcome::Paused && **o != Outcome::Unreadable).map(|(_, n)| n).sum()
    }

    /// The counts by label, for reports.
    pub fn by_label(&self) -> BTreeMap<&'static str, u64> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(o, n)| (o.label(), *n)).collect()
    }
}

impl Caller<'_> {
    /// Counts one attempt's outcome, in the metrics and the tally.
    pub fn count(&self, outcome: Outcome) {
        self.tally.add(outcome);
        metrics::counter!(
            "fed311_harvest_calls_total",
            "jurisdiction" => self.jurisdiction.to_string(),
            "outcome" => outcome.label()
        )
        .increment(1);
    }
}

/// A finished HTTP exchange (any status).
#[derive(Debug)]
pub struct Fetched {
    /// HTTP status.
    pub status: StatusCode,
    /// The whole body.
    pub body: Vec<u8>,
    /// The `charset` of its `Content-Type`, when it names one.
    pub charset: Option<String>,
    /// The city's clock: its `Date` header, when it sent a readable one.
    pub date: Option<jiff::Timestamp>,
}

/// What became of one POST.
#[derive(Debug)]
pub enum Posted {
    /// The city answered (any status).
    Answered(Fetched),
    /// Nothing reached the city (no connection): safe to send again.
    NotSent(String),
    /// The city may or may not have it (timeout or broken connection after sending).
    Unknown(String),
}

impl FetchError {
    /// Whether the city was reached (it answered, stalled or cut off), as opposed to no
    /// connection at all or a pause it asked for.
    pub fn reached(&self) -> bool {
        match self {
            FetchError::Transport { reached, .. } => *reached,
            FetchError::Paused { .. } | FetchError::Unreachable { .. } => false,
            FetchError::TooLarge { .. } => true,
        }
    }

    /// Why the host could not be reached at all, in a few words, when that is what happened.
    pub fn unreachable(&self) -> Option<&str> {
        match self {
            FetchError::Unreachable { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

impl Fetched {
    /// The body in UTF-8, converted from the charset its `Content-Type` declared (or its XML
    /// declaration did): what every reader of a city's answer parses.
    pub fn into_utf8(self) -> Vec<u8> {
        match crate::wire::read::decode_to_utf8(&self.body, self.charset.as_deref()) {
            std::borrow::Cow::Borrowed(_) => self.body,
            std::borrow::Cow::Owned(converted) => converted,
        }
    }
}

/// Per-host politeness: a rate limiter, the pace learned from 429s and a one-slot semaphore.
struct Host {
    limiter: DefaultDirectRateLimiter,
    pace: Mutex<Pace>,
    in_flight: Semaphore,
    /// Not before this: the host asked (`Retry-After`) for a longer pause than a call waits.
    resume_at: Mutex<Option<std::time::Instant>>,
    /// Not before this, and why: the host could not be resolved or connected to.
    unreachable: Mutex<Option<(std::time::Instant, String)>>,
    /// Attempts in a row, by any call, that found no connection.
    unconnected: std::sync::atomic::AtomicU32,
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
    /// Builds the client with production timeouts. `FED311_BACKOFF_MS` (default 1000) sets
    /// the first retry wait; tests shrink it.
    pub fn new() -> Result<Client, reqwest::Error> {
        let unit = std::env::var("FED311_BACKOFF_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
        Self::with_backoff(Duration::from_millis(unit))
    }

    /// Builds the client with a custom base backoff (tests use milliseconds).
    pub fn with_backoff(backoff_unit: Duration) -> Result<Client, reqwest::Error> {
        Self::with_settings(backoff_unit, Duration::from_secs(120))
    }

    /// Builds the client with a custom base backoff and per-call timeout. Reads follow
    /// redirects within the endpoint's host only (another host is the operator's call, in the
    /// jurisdiction file); posts follow none, since a redirected POST arrives as a GET.
    pub fn with_settings(backoff_unit: Duration, timeout: Duration) -> Result<Client, reqwest::Error> {
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

impl Host {
    /// The error every call gets while the host is known to be unreachable.
    fn unreachable(&self, url: &Url) -> Option<FetchError> {
        let memo = self.unreachable.lock().unwrap_or_else(|p| p.into_inner());
        let (until, reason) = memo.as_ref()?;
        let left = until.checked_duration_since(std::time::Instant::now())?;
        Some(FetchError::Unreachable { host: host_name(url), reason: reason.clone(), seconds: left.as_secs().max(1) })
    }

    /// Counts an attempt that found no connection (any other outcome resets the count); true
    /// when the host has had as many in a row, over all its calls, as one call may make.
    fn given_up(&self, e: &FetchError) -> bool {
        use std::sync::atomic::Ordering;
        if !matches!(e, FetchError::Transport { reached: false, .. }) {
            self.unconnected.store(0, Ordering::Relaxed);
            return false;
        }
        self.unconnected.fetch_add(1, Ordering::Relaxed) + 1 >= ATTEMPTS
    }

    /// A call failed for good: when the host was never reached (no address, no connection),
    /// every call to it fails at once for a while, with the same words.
    fn note_unreachable(&self, url: &Url, e: FetchError) -> FetchError {
        let FetchError::Transport { message, reached: false, .. } = &e else { return e };
        let reason = unreachable_reason(message);
        let until = std::time::Instant::now() + UNREACHABLE_FOR;
        *self.unreachable.lock().unwrap_or_else(|p| p.into_inner()) = Some((until, reason.clone()));
        FetchError::Unreachable { host: host_name(url), reason, seconds: UNREACHABLE_FOR.as_secs() }
    }

    /// Waits for this host's next turn: the configured rate, then the pace its 429s taught.
    async fn take_turn(&self) {
        self.limiter.until_ready().await;
        loop {
            let wait = self.pace.lock().unwrap_or_else(|p| p.into_inner()).wait(std::time::Instant::now());
            if wait.is_zero() {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        self.pace.lock().unwrap_or_else(|p| p.into_inner()).started(std::time::Instant::now());
    }

    /// Learns from an attempt (a 429 slows the host down, anything else speeds it back up) and
    /// says what became of it.
    fn learn(&self, attempt: &Result<(Fetched, Option<Duration>), Attempt>) -> Outcome {
        let outcome = match attempt {
            Ok((fetched, _)) => Outcome::of_status(fetched.status),
            Err(Attempt::Retryable(_, outcome) | Attempt::Fatal(_, outcome)) => *outcome,
        };
        if outcome != Outcome::Transport {
            self.unconnected.store(0, std::sync::atomic::Ordering::Relaxed);
        }
        let mut pace = self.pace.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Outcome::RateLimited => pace.refused(std::time::Instant::now()),
            Outcome::Ok | Outcome::NotFound => pace.went_through(std::time::Instant::now()),
            _ => {}
        }
        outcome
    }

    /// How long calls to this host are still paused.
    fn paused_for(&self) -> Option<Duration> {
        let resume_at = (*self.resume_at.lock().unwrap_or_else(|p| p.into_inner()))?;
        resume_at.checked_duration_since(std::time::Instant::now())
    }

    fn pause(&self, asked: Duration) {
        let resume_at = std::time::Instant::now().checked_add(asked.min(LONGEST_PAUSE));
        *self.resume_at.lock().unwrap_or_else(|p| p.into_inner()) = resume_at;
    }

    fn new(rate: RateLimit) -> Host {
        let count = NonZeroU32::new(rate.count).unwrap_or(NonZeroU32::MIN);
        let period = rate.per / count.get();
        let quota = Quota::with_period(period.max(Duration::from_micros(1)))
            .unwrap_or_else(|| Quota::per_second(count))
            .allow_burst(NonZeroU32::MIN);
        let per_second = f64::from(count.get()) / rate.per.as_secs_f64().max(1e-6);
        Host {
            limiter: RateLimiter::direct(quota),
            pace: Mutex::new(Pace::new(per_second)),
            in_flight: Semaphore::new(1),
            resume_at: Mutex::new(None),
            unreachable: Mutex::new(None),
            unconnected: std::sync::atomic::AtomicU32::new(0),
        }
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

enum Attempt {
    Retryable(FetchError, Outcome),
    Fatal(FetchError, Outcome),
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

/// The host as people write it: with its port when the URL names one.
fn host_name(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    url.port().map_or_else(|| host.to_string(), |port| format!("{host}:{port}"))
}

/// A connection failure in a few words, from the error chain's text.
fn unreachable_reason(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let reason = if lower.contains("dns") || lower.contains("failed to lookup") || lower.contains("name or service") {
        "DNS lookup failed"
    } else if lower.contains("refused") {
        "connection refused"
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "connection timed out"
    } else if lower.contains("unreachable") {
        "network unreachable"
    } else {
        "no connection"
    };
    reason.to_string()
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
