//! One federation record in every output form. A record is the GeoReport request exactly as
//! the GeoReport API writes it, plus `jurisdiction_id`, `category`, `status_raw`,
//! `closed_datetime`, `first_seen` and `last_seen`. GeoJSON makes it the properties of a
//! Point feature (`geometry: null` without coordinates); CSV writes [`CSV_COLUMNS`] with
//! RFC 4180 quoting.

use serde::Serialize;
use serde_json::Value;

use super::form::Format;
use crate::domain::time::format_utc;
use crate::store::StoredRequest;
use crate::wire::write::RequestOut;

/// The CSV header: every record field, in this order.
pub const CSV_COLUMNS: &[&str] = &[
    "jurisdiction_id",
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
    "category",
    "status_raw",
    "closed_datetime",
    "first_seen",
    "last_seen",
];

/// A record as the federation API writes it.
#[derive(Serialize)]
pub struct RecordOut<'a> {
    jurisdiction_id: &'a str,
    #[serde(flatten)]
    request: RequestOut<'a>,
    category: Option<&'a str>,
    status_raw: Option<&'a str>,
    closed_datetime: Option<String>,
    first_seen: String,
    last_seen: String,
}

impl<'a> From<&'a StoredRequest> for RecordOut<'a> {
    fn from(s: &'a StoredRequest) -> Self {
        RecordOut {
            jurisdiction_id: &s.jurisdiction_id,
            request: RequestOut::from(&s.request),
            category: s.category.as_deref(),
            status_raw: s.request.status_raw.as_deref(),
            closed_datetime: s.closed_at.map(format_utc),
            first_seen: format_utc(s.first_seen),
            last_seen: format_utc(s.last_seen),
        }
    }
}

/// The record as a JSON value.
pub fn json(s: &StoredRequest) -> Value {
    serde_json::to_value(RecordOut::from(s)).unwrap_or(Value::Null)
}

/// What a streamed document starts with.
pub fn head(format: Format) -> &'static str {
    match format {
        Format::GeoJson => "{\"type\":\"FeatureCollection\",\"features\":[\n",
        _ => "",
    }
}

/// What a streamed document ends with.
pub fn tail(format: Format) -> &'static str {
    match format {
        Format::GeoJson => "\n]}\n",
        _ => "",
    }
}

/// Appends one record in `format`; `first` says whether it is the document's first.
pub fn write(out: &mut Vec<u8>, format: Format, s: &StoredRequest, first: bool) {
    match format {
        Format::Json | Format::NdJson => {
            let _ = serde_json::to_writer(&mut *out, &RecordOut::from(s));
            out.push(b'\n');
        }
        Format::GeoJson => {
            if !first {
                out.extend_from_slice(b",\n");
            }
            let _ = serde_json::to_writer(&mut *out, &feature(s));
        }
        Format::Csv => csv_row(out, s),
    }
}

/// The record as a GeoJSON Point feature.
pub fn feature(s: &StoredRequest) -> Value {
    let geometry = match (s.request.lat, s.request.long) {
        (Some(lat), Some(long)) => serde_json::json!({"type": "Point", "coordinates": [long, lat]}),
        _ => Value::Null,
    };
    serde_json::json!({"type": "Feature", "geometry": geometry, "properties": json(s)})
}

/// The CSV header row.
pub fn csv_header(out: &mut Vec<u8>) {
    out.extend_from_slice(CSV_COLUMNS.join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn csv_row(out: &mut Vec<u8>, s: &StoredRequest) {
    let record = json(s);
    for (i, column) in CSV_COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match record.get(column) {
            Some(Value::String(text)) => csv_cell(out, text),
            Some(Value::Null) | None => {}
            Some(other) => csv_cell(out, &other.to_string()),
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// One CSV cell, quoted when it holds a comma, a quote or a line break.
pub fn csv_cell(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut out = Vec::new();
        for cell in ["plain", "a,b", "say \"hi\"", "two\nlines"] {
            csv_cell(&mut out, cell);
            out.push(b'|');
        }
        assert_eq!(String::from_utf8(out).unwrap(), "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|");
    }
}
