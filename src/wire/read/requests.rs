//! Service requests (`requests.{fmt}`): the hot path. JSON records are deserialized straight
//! from their borrowed text into [`RequestRecord`] (no value tree), XML records from their
//! element value; both then go through the same field rules: old field names (Mark-a-Spot's
//! `sevicerequest_id`, `address_string`, `status_note`; Klarschiff's `adress_id`), lenient
//! datetimes in the city's zone, range-checked coordinates, and the city's status word kept
//! beside the normalized one. Records without an id are skipped (Chicago lists requests that
//! are still being processed without one). Instants no request can have yet (requested or
//! updated in the future, expected decades ahead) are absent, their text kept as sent.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::body::{Body, Record, Shape};
use super::lenient::{Num, Text};
use super::{Parsed, WireError};
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
    status_notes: Text<'a>,
    #[serde(borrow)]
    status_note: Text<'a>,
    #[serde(borrow)]
    service_name: Text<'a>,
    #[serde(borrow)]
    service_code: Text<'a>,
    #[serde(borrow)]
    description: Text<'a>,
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
    fn into_request(self, raw: Record<'_>, zone: &TimeZone, limits: &Limits) -> Result<ServiceRequest, String> {
        let Some(id) = self.service_request_id.or(self.sevicerequest_id).owned() else {
            return Err("has no service_request_id".to_owned());
        };
        let status_raw = self.status.owned();
        let (requested_datetime, requested_text) = when(self.requested_datetime, zone, limits.happened);
        let (updated_datetime, updated_text) = when(self.updated_datetime, zone, limits.happened);
        let (expected_datetime, expected_text) = when(self.expected_datetime, zone, limits.expected);
        let (lat, long) = coordinates(self.lat.0, self.long.0);
        Ok(ServiceRequest {
            service_request_id: id,
            status: status_raw.as_deref().map_or(Status::Open, status_of),
            status_raw,
            status_notes: self.status_notes.or(self.status_note).owned(),
            service_name: self.service_name.owned(),
            service_code: self.service_code.owned(),
            description: self.description.owned(),
            agency_responsible: self.agency_responsible.owned(),
            service_notice: self.service_notice.owned(),
            requested_datetime,
            updated_datetime,
            expected_datetime,
            requested_text,
            updated_text,
            expected_text,
            address: self.address.or(self.address_string).owned(),
            address_id: self.address_id.or(self.adress_id).owned(),
            zipcode: self.zipcode.owned(),
            lat,
            long,
            media_url: self.media_url.owned(),
            raw: raw.raw(),
        })
    }
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
