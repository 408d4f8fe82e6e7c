//! What one call to a city comes to: the answer ([`Fetched`], or [`Posted`] for a POST), the
//! failure that ended it ([`FetchError`]), and each attempt's [`Outcome`], counted for whoever
//! made the call ([`Caller`], in the metrics and a pass's [`Tally`]).

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::StatusCode;

use super::client::MAX_BODY;

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

    pub(super) fn of_status(status: StatusCode) -> Outcome {
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
