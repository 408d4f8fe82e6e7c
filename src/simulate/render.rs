//! Turning answers into HTTP responses with the crate's strict GeoReport writers
//! (`crate::wire::write`), plus the few things real servers add: zoneless local datetimes,
//! `errors` bodies at any status, and the HTML 404 page for a format a server does not serve.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::ServiceRequest;
use crate::wire::write;

/// The two resource suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Xml,
}

impl Format {
    /// `services.json` → `("services", Json)`; `None` for any other suffix.
    pub(crate) fn split(file: &str) -> Option<(&str, Format)> {
        match file.rsplit_once('.')? {
            (name, "json") => Some((name, Format::Json)),
            (name, "xml") => Some((name, Format::Xml)),
            _ => None,
        }
    }

    /// The resource suffix.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => write::JSON_CONTENT_TYPE,
            Format::Xml => write::XML_CONTENT_TYPE,
        }
    }
}

/// A GeoReport document with its content type.
pub(crate) fn document(status: StatusCode, format: Format, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()))], body).into_response()
}

/// A request list; `zoneless` writes datetimes in that zone without an offset.
pub(crate) fn requests(format: Format, requests: &[ServiceRequest], zoneless: Option<&TimeZone>) -> String {
    let text = match format {
        Format::Json => write::requests_json(requests),
        Format::Xml => write::requests_xml(requests),
    };
    match zoneless {
        Some(zone) => localize(&text, zone),
        None => text,
    }
}

/// An `errors` body answered with `status` (its code repeated in the body).
pub(crate) fn errors(status: StatusCode, format: Format, message: &str) -> Response {
    let errors = [(status.as_u16(), message.to_string())];
    let body = match format {
        Format::Json => write::errors_json(&errors),
        Format::Xml => write::errors_xml(&errors),
    };
    document(status, format, body)
}

/// The HTML page a web framework answers for a route it does not have.
pub(crate) fn html_not_found() -> Response {
    let page = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\
                <body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n";
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// The HTML page of a crashed application server.
pub(crate) fn html_error(status: StatusCode) -> Response {
    let page =
        format!("<!DOCTYPE html>\n<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>\n");
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// Rewrites every `YYYY-MM-DDTHH:MM:SSZ` in `text` as local time in `zone`, without a zone.
pub(crate) fn localize(text: &str, zone: &TimeZone) -> String {
    const LEN: usize = "2024-01-31T12:00:00Z".len();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (z, _) in text.match_indices('Z') {
        let Some(start) = (z + 1).checked_sub(LEN).filter(|s| *s >= copied && text.is_char_boundary(*s)) else {
            continue;
        };
        let Some(local) = local_time(&text[start..=z], zone) else { continue };
        out.push_str(&text[copied..start]);
        out.push_str(&local);
        copied = z + 1;
    }
    out.push_str(&text[copied..]);
    out
}

fn local_time(utc: &str, zone: &TimeZone) -> Option<String> {
    let shape = utc.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        19 => b == b'Z',
        _ => b.is_ascii_digit(),
    });
    let instant: Timestamp = utc.parse().ok().filter(|_| shape)?;
    Some(zone.to_datetime(instant).strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localizes_only_utc_datetimes() {
        let zone = TimeZone::get("America/Chicago").unwrap();
        let text = r#"[{"a":"2024-07-01T17:00:00Z","b":"Zed 2024","c":"2024-01-01T06:30:00Z"}]"#;
        assert_eq!(localize(text, &zone), r#"[{"a":"2024-07-01T12:00:00","b":"Zed 2024","c":"2024-01-01T00:30:00"}]"#);
    }
}
