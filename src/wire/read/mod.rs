//! Reading what cities send: tolerant parsers for every GeoReport v2 document, in JSON or XML.
//!
//! This module owns the whole reading side of the wire format. The format is sniffed from the
//! body (never the Content-Type), every field is read leniently (strings, numbers, `[x]`,
//! `{}`, `null` …), known root wrappers are unwrapped and lone objects become lists of one.
//! Records that cannot be used are dropped with a warning in [`Parsed::skipped`]; a body that
//! is not data at all (empty, HTML, an `errors` document, garbage) is a [`WireError`].
//!
//! Layout: `charset` (bytes → UTF-8 text, honouring a declared charset), `sniff` (text →
//! cleaned document + format), `lenient` and `many` (tolerant field types), `json` and `xml`
//! (documents → records), `body` (the shared pipeline), then one module per document kind:
//! `requests`, `services`, `discovery`, `receipts`, `errors`.

mod body;
mod charset;
mod definition;
mod discovery;
mod errors;
mod json;
mod lenient;
mod many;
mod receipts;
mod requests;
mod services;
mod sniff;
#[cfg(test)]
mod tests;
mod xml;

use jiff::tz::TimeZone;

use super::WireFormat;
use crate::domain::{Discovery, PostReceipt, Service, ServiceDefinition, ServiceRequest, UpstreamError};

use body::Body;

pub use charset::decode_to_utf8;

/// A list document as read: the usable records, plus one warning per record dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// The records that could be read.
    pub items: Vec<T>,
    /// One warning per record dropped, e.g. "record 3 has no service_request_id".
    pub skipped: Vec<Skipped>,
    /// The format the body turned out to be in.
    pub format: WireFormat,
}

/// Why a record was dropped, in a word a city's health can count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// It lacks the key that identifies it (`service_request_id`, `service_code`).
    NoKey,
    /// It is not a record at all (a string where an object belongs, a broken value).
    Unreadable,
    /// A field is larger than any real value of it (see the bounds in `requests`).
    Oversized,
}

impl SkipReason {
    /// The reason as a short label.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::NoKey => "no_key",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Oversized => "oversized",
        }
    }
}

/// One record dropped while reading a list, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Why, as a countable reason.
    pub reason: SkipReason,
    /// Why, for people: "record 3 has no service_request_id".
    pub message: String,
    /// A hash of the record as sent: the same record skipped by two answers is one record.
    pub fingerprint: u64,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl PartialEq<&str> for Skipped {
    fn eq(&self, other: &&str) -> bool {
        self.message == *other
    }
}

/// A record a reader turned down: the reason and the words after "record N".
#[derive(Debug, Clone)]
pub(crate) struct Rejected {
    reason: SkipReason,
    why: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl Rejected {
    /// The record lacks its identifying key.
    pub(crate) fn no_key(why: impl Into<String>) -> Rejected {
        Rejected { reason: SkipReason::NoKey, why: why.into() }
    }

    /// The record cannot be read.
    pub(crate) fn unreadable(why: impl Into<String>) -> Rejected {
        Rejected { reason: SkipReason::Unreadable, why: why.into() }
    }

    /// A field of the record is larger than any real value.
    pub(crate) fn oversized(why: impl Into<String>) -> Rejected {
        Rejected { reason: SkipReason::Oversized, why: why.into() }
    }
}

/// Why a body could not be read as the GeoReport document that was expected.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The body was empty or only whitespace.
    #[error("empty response body")]
    Empty,
    /// An HTML page came back instead of data; carries its title or a short text snippet.
    #[error("HTML page instead of GeoReport data: {0}")]
    Html(String),
    /// The city answered with a GeoReport `errors` document.
    #[error("the city answered with an error: {}", errors::summary(.0))]
    Upstream(Vec<UpstreamError>),
    /// More records in one answer than the reader was asked to take.
    #[error("more than {max} records in one answer")]
    TooMany {
        /// The most the reader takes.
        max: usize,
    },
    /// Neither valid JSON nor XML of the expected shape.
    #[error("malformed {} body: {detail}", .format.extension())]
    Malformed {
        /// The format the body was sniffed as.
        format: WireFormat,
        /// The parser's message.
        detail: String,
    },
}

/// Reads a service list (`services.{fmt}`).
pub fn parse_services(body: &[u8]) -> Result<Parsed<Service>, WireError> {
    services::parse_list(&Body::read(body)?)
}

/// Reads a service definition (`services/{code}.{fmt}`).
pub fn parse_service_definition(body: &[u8]) -> Result<ServiceDefinition, WireError> {
    definition::parse(&Body::read(body)?)
}

/// Reads a request list (`requests.{fmt}` or `requests/{id}.{fmt}`). `zone` is the city's
/// time zone, used for datetimes sent without one.
pub fn parse_requests(body: &[u8], zone: &TimeZone) -> Result<Parsed<ServiceRequest>, WireError> {
    requests::parse_list(&Body::read(body)?, zone)
}

/// Like [`parse_requests`], refusing a list of more than `max` records before reading any of
/// them (what bounds a harvest's memory per answer).
pub fn parse_requests_at_most(body: &[u8], zone: &TimeZone, max: usize) -> Result<Parsed<ServiceRequest>, WireError> {
    if xml::mentions_more_than(body, max) {
        return Err(WireError::TooMany { max });
    }
    requests::parse_list(&Body::read(body)?.at_most(max), zone)
}

/// Reads the answer to a POST of a request, or to `tokens/{token}.{fmt}`.
pub fn parse_post_receipts(body: &[u8]) -> Result<Vec<PostReceipt>, WireError> {
    receipts::parse_list(&Body::read(body)?)
}

/// Reads a GeoReport `errors` document, in any of the shapes cities send; `None` when the body
/// is something else.
pub fn parse_errors(body: &[u8]) -> Option<Vec<UpstreamError>> {
    Body::read(body).ok()?.errors()
}

/// Reads a service discovery document (`discovery.{fmt}`).
pub fn parse_discovery(body: &[u8]) -> Result<Discovery, WireError> {
    discovery::parse(&Body::read(body)?)
}

/// The format a body is in, judged from its content after cleaning; `None` for empty bodies,
/// HTML pages and text that is neither JSON nor XML.
pub fn detect_format(body: &[u8]) -> Option<WireFormat> {
    sniff::sniff(body).ok().map(|s| s.format)
}
