//! Service requests (`requests.{fmt}`): the hot path. JSON records are deserialized straight
//! from their borrowed text into [`RequestRecord`] (no value tree), XML records from their
//! element value; both then go through the same field rules: old field names (Mark-a-Spot's
//! `sevicerequest_id`, `address_string`, `status_note`; Klarschiff's `adress_id`), lenient
//! datetimes in the city's zone, range-checked coordinates, and the city's status word kept
//! beside the normalized one. Records without an id are skipped (Chicago lists requests that
//! are still being processed without one). Instants no request can have yet (requested or
//! updated in the future, expected decades ahead) are absent, their text kept as sent.
//!
//! What people wrote (the description, status notes) is kept exactly as sent, surrounding
//! whitespace and line ends included (search normalizes it, the store does not); every other
//! field is trimmed. A Python server's XML writes an absent value as the text `None`:
//! it is absent wherever the field is a time, number, code or id, and in the free-text fields
//! too when the same record writes `None` elsewhere. Every field is bounded (see [`BOUNDS`]):
//! a record with a field past its bound is skipped, with its reason, instead of being stored.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::body::{Body, Record, Shape};
use super::lenient::{FreeText, Num, Text};
use super::{Parsed, Rejected, WireError};
use crate::domain::time::parse_lenient;
use crate::domain::{ServiceRequest, Status};

/// Where request lists live (also used for POST and token answers).
pub(super) const REQUESTS: Shape = Shape {
    json_wrappers: &["service_requests", "requests", "service-requests", "request", "service_request"],
    xml_roots: &["service_requests", "requests", "servicerequests"],
    xml_items: &["request", "service_request"],
};

/// One request as a city may send it, every field optional and lenient.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RequestRecord<'a> {
    #[serde(borrow)]
    service_request_id: Text<'a>,
    #[serde(borrow)]
    sevicerequest_id: Text<'a>,
    #[serde(borrow)]
    status: Text<'a>,
    #[serde(borrow)]
    status_notes: FreeText<'a>,
    #[serde(borrow)]
    status_note: FreeText<'a>,
    #[serde(borrow)]
    service_name: Text<'a>,
    #[serde(borrow)]
    service_code: Text<'a>,
    #[serde(borrow)]
    description: FreeText<'a>,
    #[serde(borrow)]
    agency_responsible: Text<'a>,
    #[serde(borrow)]
    service_notice: Text<'a>,
    #[serde(borrow)]
    requested_datetime: Text<'a>,
    #[serde(borrow)]
    updated_datetime: Text<'a>,
    #[serde(borrow)]
    expected_datetime: Text<'a>,
    #[serde(borrow)]
    address: Text<'a>,
    #[serde(borrow)]
    address_string: Text<'a>,
    #[serde(borrow)]
    address_id: Text<'a>,
    #[serde(borrow)]
    adress_id: Text<'a>,
    #[serde(borrow)]
    zipcode: Text<'a>,
    lat: Num,
    long: Num,
    #[serde(borrow)]
    media_url: Text<'a>,
}

/// How far past now a `requested_datetime` or `updated_datetime` may be and still be believed:
/// clock skew and a zone mistaken by a day, not a placeholder like `2999-01-01` (which would
/// make the city's sync lag negative).
const FUTURE_SLACK: SignedDuration = SignedDuration::from_hours(2 * 24);

/// How far ahead an `expected_datetime` may be: a promise, so in the future, but not further
/// than 20 years (of 366 days) ahead.
const EXPECTED_HORIZON: SignedDuration = SignedDuration::from_hours(20 * 366 * 24);

/// The most bytes each field may hold: past it, the record is not a real one (a 1 MB id,
/// a 100 kB service code) and is skipped. Free text is bounded generously (the spec allows
/// 4,000 characters of description; cities' notes are longer); `raw` is the whole record.
pub const BOUNDS: &[(&str, usize)] = &[
    ("service_request_id", 256),
    ("service_code", 256),
    ("status", 256),
    ("service_name", 1024),
    ("agency_responsible", 1024),
    ("address", 2048),
    ("address_id", 256),
    ("zipcode", 64),
    ("media_url", 8192),
    ("requested_datetime", 64),
    ("updated_datetime", 64),
    ("expected_datetime", 64),
    ("description", 65_536),
    ("status_notes", 65_536),
    ("service_notice", 16_384),
    ("raw", 262_144),
];

/// Reads a request list.
pub(super) fn parse_list(body: &Body<'_>, zone: &TimeZone) -> Result<Parsed<ServiceRequest>, WireError> {
    parse_list_at(body, zone, Timestamp::now())
}

/// Reads a request list as of `now`, which bounds the instants believed.
fn parse_list_at(body: &Body<'_>, zone: &TimeZone, now: Timestamp) -> Result<Parsed<ServiceRequest>, WireError> {
    let after = |span| now.checked_add(span).unwrap_or(Timestamp::MAX);
    let limits = Limits { happened: after(FUTURE_SLACK), expected: after(EXPECTED_HORIZON) };
    body.parse_list(&REQUESTS, |record: RequestRecord, raw| record.into_request(raw, zone, &limits))
}

/// The latest instants believed for what has happened and for what is expected.
struct Limits {
    happened: Timestamp,
    expected: Timestamp,
}

impl RequestRecord<'_> {
    fn into_request(self, raw: Record<'_>, zone: &TimeZone, limits: &Limits) -> Result<ServiceRequest, Rejected> {
        let python = self.writes_python_none();
        let id = self.service_request_id.or(self.sevicerequest_id).unless_none();
        let status = self.status.unless_none();
        let status_notes = free(self.status_notes, python).or(free(self.status_note, python));
        let service_name = self.service_name.unless_none();
        let service_code = self.service_code.unless_none();
        let description = free(self.description, python);
        let agency = self.agency_responsible.unless_none();
        let notice = self.service_notice.unless_none();
        let requested = self.requested_datetime.unless_none();
        let updated = self.updated_datetime.unless_none();
        let expected = self.expected_datetime.unless_none();
        let address = self.address.or(self.address_string).unless_none();
        let address_id = self.address_id.or(self.adress_id).unless_none();
        let zipcode = self.zipcode.unless_none();
        let media_url = self.media_url.unless_none();
        let raw = raw.raw();
        check_bounds(&[
            ("service_request_id", id.len()),
            ("service_code", service_code.len()),
            ("status", status.len()),
            ("service_name", service_name.len()),
            ("agency_responsible", agency.len()),
            ("address", address.len()),
            ("address_id", address_id.len()),
            ("zipcode", zipcode.len()),
            ("media_url", media_url.len()),
            ("requested_datetime", requested.len()),
            ("updated_datetime", updated.len()),
            ("expected_datetime", expected.len()),
            ("description", description.len()),
            ("status_notes", status_notes.len()),
            ("service_notice", notice.len()),
            ("raw", raw.len()),
        ])?;
        let Some(id) = id.owned() else {
            return Err(Rejected::no_key("has no service_request_id"));
        };
        let status_raw = status.owned();
        let (requested_datetime, requested_text) = when(requested, zone, limits.happened);
        let (updated_datetime, updated_text) = when(updated, zone, limits.happened);
        let (expected_datetime, expected_text) = when(expected, zone, limits.expected);
        let (lat, long) = coordinates(self.lat.0, self.long.0);
        Ok(ServiceRequest {
            service_request_id: id,
            status: status_raw.as_deref().map_or(Status::Open, status_of),
            status_raw,
            status_notes: status_notes.owned(),
            service_name: service_name.owned(),
            service_code: service_code.owned(),
            description: description.owned(),
            agency_responsible: agency.owned(),
            service_notice: notice.owned(),
            requested_datetime,
            updated_datetime,
            expected_datetime,
            requested_text,
            updated_text,
            expected_text,
            address: address.owned(),
            address_id: address_id.owned(),
            zipcode: zipcode.owned(),
            lat,
            long,
            media_url: media_url.owned(),
            raw,
        })
    }

    /// Whether the record writes an absent value as Python's `None` in a field that can never
    /// hold that word (an id, a code, a status, a time, a number's place): then its free text
    /// `None` is absent too.
    fn writes_python_none(&self) -> bool {
        [
            &self.service_request_id,
            &self.sevicerequest_id,
            &self.status,
            &self.service_code,
            &self.requested_datetime,
            &self.updated_datetime,
            &self.expected_datetime,
            &self.address_id,
            &self.adress_id,
            &self.zipcode,
            &self.media_url,
        ]
        .iter()
        .any(|text| text.is_python_none())
    }
}

/// Free text as sent, unless the record writes absent values as `None` and this one is.
fn free(text: FreeText<'_>, python: bool) -> Text<'_> {
    if python { text.0.unless_none() } else { text.0 }
}

/// The first field past its bound (sizes in bytes, in [`BOUNDS`]' order), as a rejection.
fn check_bounds(sizes: &[(&str, usize)]) -> Result<(), Rejected> {
    for ((name, size), (bounded, max)) in sizes.iter().zip(BOUNDS) {
        debug_assert_eq!(name, bounded, "sizes are checked in the order of BOUNDS");
        if size > max {
            let field = if *name == "raw" { "record" } else { name };
            return Err(Rejected::oversized(format!("has a {field} of {size} bytes (at most {max})")));
        }
    }
    Ok(())
}

/// `Status::from_raw`, without its allocations for the two spec words (the hot path).
fn status_of(word: &str) -> Status {
    if word.eq_ignore_ascii_case("open") {
        Status::Open
    } else if word.eq_ignore_ascii_case("closed") {
        Status::Closed
    } else {
        Status::from_raw(word)
    }
}

/// A datetime as an instant (read in the city's zone when it has none; absent after `latest`)
/// and as sent.
fn when(text: Text<'_>, zone: &TimeZone, latest: Timestamp) -> (Option<Timestamp>, Option<String>) {
    let instant = text.0.as_deref().and_then(|t| parse_lenient(t, zone)).filter(|t| *t <= latest);
    (instant, text.owned())
}

/// WGS84 only: out-of-range values (eastings/northings) and the 0,0 placeholder drop both.
pub(super) fn coordinates(lat: Option<f64>, long: Option<f64>) -> (Option<f64>, Option<f64>) {
    match (lat, long) {
        (Some(la), Some(lo))
            if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) && (la, lo) != (0.0, 0.0) =>
        {
            (Some(la), Some(lo))
        }
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn read(json: &str, now: &str) -> ServiceRequest {
        let body = Body::read(json.as_bytes()).unwrap();
        let mut parsed = parse_list_at(&body, &TimeZone::UTC, at(now)).unwrap();
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        parsed.items.remove(0)
    }

    #[test]
    fn requested_and_updated_after_two_days_from_now_are_absent() {
        let now = "2025-11-20T10:00:00Z";
        let r = read(
            r#"{"service_request_id":"1","requested_datetime":"2025-11-22T09:59:59Z",
                "updated_datetime":"2025-11-22T10:00:01Z"}"#,
            now,
        );
        assert_eq!(r.requested_datetime, Some(at("2025-11-22T09:59:59Z")), "within two days: clock skew");
        assert_eq!(r.updated_datetime, None, "past two days");
        assert_eq!(r.updated_text.as_deref(), Some("2025-11-22T10:00:01Z"), "the text is kept");
        let far = read(
            r#"{"service_request_id":"1","requested_datetime":"2999-01-01T00:00:00Z",
                "updated_datetime":"2999-01-01T00:00:00Z"}"#,
            now,
        );
        assert_eq!((far.requested_datetime, far.updated_datetime), (None, None));
        assert_eq!(far.requested_text.as_deref(), Some("2999-01-01T00:00:00Z"));
        assert!(far.raw.contains("2999-01-01T00:00:00Z"), "{}", far.raw);
    }

    #[test]
    fn expected_may_be_ahead_but_not_decades_ahead() {
        let now = "2025-11-20T10:00:00Z";
        let r = read(r#"{"service_request_id":"1","expected_datetime":"2045-11-01T00:00:00Z"}"#, now);
        assert_eq!(r.expected_datetime, Some(at("2045-11-01T00:00:00Z")));
        let r = read(r#"{"service_request_id":"1","expected_datetime":"2026-06-01T00:00:00Z"}"#, now);
        assert_eq!(r.expected_datetime, Some(at("2026-06-01T00:00:00Z")));
        let r = read(r#"{"service_request_id":"1","expected_datetime":"2046-01-01T00:00:00Z"}"#, now);
        assert_eq!(r.expected_datetime, None, "more than 20 years ahead");
        assert_eq!(r.expected_text.as_deref(), Some("2046-01-01T00:00:00Z"));
    }
}
