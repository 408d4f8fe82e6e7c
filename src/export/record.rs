//! One record in every output form, written here once for everyone who writes records: the
//! federation API (JSON pages, streamed answers, one record with its history), `fed311
//! export`, and the OpenAPI `Record` schema (from [`CSV_COLUMNS`]).
//!
//! A record is the GeoReport request exactly as the GeoReport API writes it, plus
//! `jurisdiction_id`, `category`, `status_raw`, `closed_datetime`, `first_seen` and
//! `last_seen`. GeoJSON makes it the properties of a Point feature (`geometry: null` without
//! coordinates); CSV writes [`CSV_COLUMNS`] with RFC 4180 quoting. A writer made
//! [`with provenance`](RecordWriter::with_provenance) (`fed311 export`) adds where each
//! record came from: `source_endpoint` (the city's GeoReport endpoint) in every form, and `raw`
//! (the payload as received) in NDJSON.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

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

/// The provenance column CSV adds after [`CSV_COLUMNS`].
const SOURCE_COLUMN: &str = "source_endpoint";

/// The forms records are written in, one after another (`fed311 export --format`, the
/// search's `format=`). The help texts are `fed311 export`'s, which writes provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CSV with a header row ([`CSV_COLUMNS`], RFC 4180 quoting).
    #[value(help = "CSV with a header row (RFC 4180 quoting); no raw payload")]
    Csv,
    /// One JSON record per line.
    #[value(help = "One JSON record per line, with the raw payload as received")]
    Ndjson,
    /// An RFC 7946 FeatureCollection of Point features (`geometry: null` without coordinates).
    #[value(help = "An RFC 7946 FeatureCollection of Point features (`geometry: null` without coordinates)")]
    Geojson,
}

impl Format {
    /// The media type of a document in this form.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
            Format::Geojson => "application/geo+json",
        }
    }
}

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

/// A record's source endpoint (`None`: its jurisdiction has no endpoint on record); the
/// writers take `Option<Source>`, whose `None` means records without provenance.
type Source<'a> = Option<&'a str>;

/// An NDJSON line or a feature's properties: the record, and with provenance its source (and
/// in NDJSON its raw payload).
#[derive(Serialize)]
struct Sourced<'a> {
    #[serde(flatten)]
    record: RecordOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_endpoint: Option<Source<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<Raw<'a>>,
}

/// The payload as received: JSON as it was, anything else as a string.
#[derive(Serialize)]
#[serde(untagged)]
enum Raw<'a> {
    Json(&'a RawValue),
    Text(&'a str),
}

impl<'a> Raw<'a> {
    fn of(s: &'a StoredRequest) -> Raw<'a> {
        serde_json::from_str::<&RawValue>(&s.request.raw).map_or(Raw::Text(&s.request.raw), Raw::Json)
    }
}

/// A GeoJSON Point feature (`geometry: null` without coordinates).
#[derive(Serialize)]
struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    geometry: Option<Point>,
    properties: Sourced<'a>,
}

#[derive(Serialize)]
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

/// Writes records one after another in one [`Format`], into byte buffers the caller sends on:
/// [`head`](RecordWriter::head), each [`record`](RecordWriter::record), then
/// [`tail`](RecordWriter::tail).
pub struct RecordWriter {
    format: Format,
    /// Each jurisdiction's endpoint, when records carry their provenance.
    sources: Option<BTreeMap<String, String>>,
    written: u64,
}

impl RecordWriter {
    /// Records as the federation API writes them.
    pub fn new(format: Format) -> RecordWriter {
        RecordWriter { format, sources: None, written: 0 }
    }

    /// Records with their provenance: `source_endpoint` from `sources` (jurisdiction id →
    /// endpoint), and in NDJSON the raw payload.
    pub fn with_provenance(format: Format, sources: BTreeMap<String, String>) -> RecordWriter {
        RecordWriter { format, sources: Some(sources), written: 0 }
    }

    /// How many records were written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// What the document starts with: the GeoJSON collection's start, the CSV header row.
    pub fn head(&self, out: &mut Vec<u8>) {
        match self.format {
            Format::Geojson => out.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[\n"),
            Format::Csv => {
                out.extend_from_slice(CSV_COLUMNS.join(",").as_bytes());
                if self.sources.is_some() {
                    out.extend_from_slice(format!(",{SOURCE_COLUMN}").as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            Format::Ndjson => {}
        }
    }

    /// Appends one record.
    pub fn record(&mut self, out: &mut Vec<u8>, s: &StoredRequest) -> serde_json::Result<()> {
        let source = self.sources.as_ref().map(|sources| sources.get(&s.jurisdiction_id).map(String::as_str));
        match self.format {
            Format::Ndjson => {
                match source {
                    None => serde_json::to_writer(&mut *out, &RecordOut::from(s))?,
                    Some(source) => {
                        let line = Sourced {
                            record: RecordOut::from(s),
                            source_endpoint: Some(source),
                            raw: Some(Raw::of(s)),
                        };
                        serde_json::to_writer(&mut *out, &line)?;
                    }
                }
                out.push(b'\n');
            }
            Format::Geojson => {
                if self.written > 0 {
                    out.extend_from_slice(b",\n");
                }
                serde_json::to_writer(&mut *out, &feature(s, source))?;
            }
            Format::Csv => csv_row(out, s, source),
        }
        self.written += 1;
        Ok(())
    }

    /// What the document ends with: the GeoJSON collection's end.
    pub fn tail(&self, out: &mut Vec<u8>) {
        if self.format == Format::Geojson {
            out.extend_from_slice(b"\n]}\n");
        }
    }
}

fn feature<'a>(s: &'a StoredRequest, source: Option<Source<'a>>) -> Feature<'a> {
    let geometry =
        s.request.lat.zip(s.request.long).map(|(lat, long)| Point { kind: "Point", coordinates: [long, lat] });
    let properties = Sourced { record: RecordOut::from(s), source_endpoint: source, raw: None };
    Feature { kind: "Feature", geometry, properties }
}

fn csv_row(out: &mut Vec<u8>, s: &StoredRequest, source: Option<Source<'_>>) {
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
    if let Some(source) = source {
        out.push(b',');
        csv_cell(out, source.unwrap_or(""));
    }
    out.extend_from_slice(b"\r\n");
}

/// One CSV cell, quoted when it holds a comma, a quote or a line break.
fn csv_cell(out: &mut Vec<u8>, text: &str) {
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
