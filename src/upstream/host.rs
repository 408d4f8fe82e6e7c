//! Per-host politeness, shared by every call to one host: governor's rate limit, the pace its
//! 429s taught (see `pace`), one request in flight, the pause a `Retry-After` asked for, and
//! the memory of a host that could not be reached (every city on it then fails at once).

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;
use url::Url;

use super::outcome::{FetchError, Fetched, Outcome};
use super::pace::Pace;
use crate::registry::RateLimit;

/// Attempts per call, the first included.
pub(super) const ATTEMPTS: u32 = 5;
/// The longest pause a `Retry-After` can impose.
pub(super) const LONGEST_PAUSE: Duration = Duration::from_secs(24 * 3600);
/// How long a host that could not be resolved or connected to is not called again: every
/// city on it fails at once instead of one after another.
const UNREACHABLE_FOR: Duration = Duration::from_secs(300);

/// Per-host politeness: a rate limiter, the pace learned from 429s and a one-slot semaphore.
pub(super) struct Host {
    limiter: DefaultDirectRateLimiter,
    pace: Mutex<Pace>,
    pub(super) in_flight: Semaphore,
    /// Not before this: the host asked (`Retry-After`) for a longer pause than a call waits.
    resume_at: Mutex<Option<std::time::Instant>>,
    /// Not before this, and why: the host could not be resolved or connected to.
    unreachable: Mutex<Option<(std::time::Instant, String)>>,
    /// Attempts in a row, by any call, that found no connection.
    unconnected: std::sync::atomic::AtomicU32,
}

impl Host {
    /// The error every call gets while the host is known to be unreachable.
    pub(super) fn unreachable(&self, url: &Url) -> Option<FetchError> {
        let memo = self.unreachable.lock().unwrap_or_else(|p| p.into_inner());
        let (until, reason) = memo.as_ref()?;
        let left = until.checked_duration_since(std::time::Instant::now())?;
        Some(FetchError::Unreachable { host: host_name(url), reason: reason.clone(), seconds: left.as_secs().max(1) })
    }

    /// Counts an attempt that found no connection (any other outcome resets the count); true
    /// when the host has had as many in a row, over all its calls, as one call may make.
    pub(super) fn given_up(&self, e: &FetchError) -> bool {
        use std::sync::atomic::Ordering;
        if !matches!(e, FetchError::Transport { reached: false, .. }) {
            self.unconnected.store(0, Ordering::Relaxed);
            return false;
        }
        self.unconnected.fetch_add(1, Ordering::Relaxed) + 1 >= ATTEMPTS
    }

    /// A call failed for good: when the host was never reached (no address, no connection),
    /// every call to it fails at once for a while, with the same words.
    pub(super) fn note_unreachable(&self, url: &Url, e: FetchError) -> FetchError {
        let FetchError::Transport { message, reached: false, .. } = &e else { return e };
        let reason = unreachable_reason(message);
        let until = std::time::Instant::now() + UNREACHABLE_FOR;
        *self.unreachable.lock().unwrap_or_else(|p| p.into_inner()) = Some((until, reason.clone()));
        FetchError::Unreachable { host: host_name(url), reason, seconds: UNREACHABLE_FOR.as_secs() }
    }

    /// Waits for this host's next turn: the configured rate, then the pace its 429s taught.
    pub(super) async fn take_turn(&self) {
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
    pub(super) fn learn(&self, attempt: &Result<(Fetched, Option<Duration>), Attempt>) -> Outcome {
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
    pub(super) fn paused_for(&self) -> Option<Duration> {
        let resume_at = (*self.resume_at.lock().unwrap_or_else(|p| p.into_inner()))?;
        resume_at.checked_duration_since(std::time::Instant::now())
    }

    pub(super) fn pause(&self, asked: Duration) {
        let resume_at = std::time::Instant::now().checked_add(asked.min(LONGEST_PAUSE));
        *self.resume_at.lock().unwrap_or_else(|p| p.into_inner()) = resume_at;
    }

    pub(super) fn new(rate: RateLimit) -> Host {
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

pub(super) enum Attempt {
    Retryable(FetchError, Outcome),
    Fatal(FetchError, Outcome),
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
