//! One exported record in each form: the federation record (the same writers as the search
//! API's streamed answers) plus provenance: `source_endpoint` (the city's GeoReport endpoint
//! the record was harvested from) in every form, and `raw` (the payload as received) in NDJSON.
//! `first_seen` and `last_seen` (harvest times) are part of every record already.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::value::RawValue;

use super::ExportFormat;
use crate::api::search::form::Format;
use crate::api::search::record::{self, CSV_COLUMNS, RecordOut};
use crate::store::StoredRequest;

/// The provenance column added to CSV.
const SOURCE_COLUMN: &str = "source_endpoint";

/// An NDJSON line: the record, its source and its raw payload.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    record: RecordOut<'a>,
    source_endpoint: Option<&'a str>,
    raw: Raw<'a>,
}

/// A GeoJSON feature: the record and its source as properties.
#[derive(Serialize)]
struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    geometry: Option<Point>,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct Properties<'a> {
    #[serde(flatten)]
    record: RecordOut<'a>,
    source_endpoint: Option<&'a str>,
}

/// The payload as received: JSON as it was, anything else as a string.
#[derive(Serialize)]
#[serde(untagged)]
enum Raw<'a> {
    Json(&'a RawValue),
    Text(&'a str),
}

/// Writes records one after another into `out`.
pub struct Writer<W: Write> {
    out: W,
    format: ExportFormat,
    endpoints: BTreeMap<String, String>,
    written: u64,
    buffer: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// Writes the document's head (the CSV header, the GeoJSON collection's start).
    pub fn start(mut out: W, format: ExportFormat, endpoints: BTreeMap<String, String>) -> Result<Writer<W>> {
        let mut buffer = Vec::with_capacity(4096);
        buffer.extend_from_slice(record::head(api_format(format)).as_bytes());
        if format == ExportFormat::Csv {
            record::csv_header(&mut buffer);
            let end = buffer.len() - 2;
            buffer.splice(end..end, format!(",{SOURCE_COLUMN}").into_bytes());
        }
        out.write_all(&buffer).context("writing the export")?;
        buffer.clear();
        Ok(Writer { out, format, endpoints, written: 0, buffer })
    }

    /// Writes one record.
    pub fn record(&mut self, s: &StoredRequest) -> Result<()> {
        let source = self.endpoints.get(&s.jurisdiction_id).map(String::as_str);
        let out = &mut self.buffer;
        out.clear();
        match self.format {
            ExportFormat::Ndjson => ndjson(out, s, source)?,
            ExportFormat::Geojson => {
                if self.written > 0 {
                    out.extend_from_slice(b",\n");
                }
                serde_json::to_writer(&mut *out, &feature(s, source))?;
            }
            ExportFormat::Csv => csv_row(out, s, source),
        }
        self.out.write_all(out).context("writing the export")?;
        self.written += 1;
        Ok(())
    }

    /// Writes the document's end; returns the output and how many records were written.
    pub fn finish(mut self) -> Result<(W, u64)> {
        let tail = record::tail(api_format(self.format));
        self.out.write_all(tail.as_bytes()).context("writing the export")?;
        Ok((self.out, self.written))
    }
}

fn api_format(format: ExportFormat) -> Format {
    match format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Ndjson => Format::NdJson,
        ExportFormat::Geojson => Format::GeoJson,
    }
}

/// The record as a Point feature (`geometry: null` without coordinates), like the search's.
fn feature<'a>(s: &'a StoredRequest, source: Option<&'a str>) -> Feature<'a> {
    let geometry =
        s.request.lat.zip(s.request.long).map(|(lat, long)| Point { kind: "Point", coordinates: [long, lat] });
    Feature {
        kind: "Feature",
        geometry,
        properties: Properties { record: RecordOut::from(s), source_endpoint: source },
    }
}

fn ndjson(out: &mut Vec<u8>, s: &StoredRequest, source: Option<&str>) -> Result<()> {
    let raw = serde_json::from_str::<&RawValue>(&s.request.raw).map_or(Raw::Text(&s.request.raw), Raw::Json);
    let line = Line { record: RecordOut::from(s), source_endpoint: source, raw };
    serde_json::to_writer(&mut *out, &line)?;
    out.push(b'\n');
    Ok(())
}

fn csv_row(out: &mut Vec<u8>, s: &StoredRequest, source: Option<&str>) {
    let fields = record::json(s);
    for column in CSV_COLUMNS {
        match fields.get(column) {
            Some(serde_json::Value::String(text)) => record::csv_cell(out, text),
            Some(serde_json::Value::Null) | None => {}
            Some(other) => record::csv_cell(out, &other.to_string()),
        }
        out.push(b',');
    }
    record::csv_cell(out, source.unwrap_or(""));
    out.extend_from_slice(b"\r\n");
}
