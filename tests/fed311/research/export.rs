//! Bulk exports: every stored record in each format, with its provenance, in-process and
//! through the `fed311` binary; and the `fed311 categories` table.

use std::collections::BTreeMap;

use fed311::domain::time::format_utc;
use fed311::export::{Format as ExportFormat, export_to};
use fed311::store::StoredRequest;
use serde_json::Value;

use super::lab::*;
use crate::common;

/// The stored records by key (what every export must equal).
/// Every stored record in full (raw payload included), by key.
fn stored(lab: &Lab, only: Option<&str>) -> BTreeMap<(String, String), StoredRequest> {
    let listed = lab.store.requests_after_seq(0, 1 << 40).unwrap();
    let keys: Vec<(String, String)> = listed
        .into_iter()
        .filter(|r| only.is_none_or(|id| r.jurisdiction_id == id))
        .map(|r| (r.jurisdiction_id, r.request.service_request_id))
        .collect();
    let rows = lab.store.get_requests(&keys).unwrap();
    rows.into_iter().map(|r| ((r.jurisdiction_id.clone(), r.request.service_request_id.clone()), r)).collect()
}

fn export(lab: &Lab, only: &[String], format: ExportFormat) -> String {
    let mut out = Vec::new();
    let written = export_to(&lab.store, only, format, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(written as usize, stored(lab, only.first().map(String::as_str)).len(), "{format:?}");
    text
}

fn key(fields: &Value) -> (String, String) {
    (fields["jurisdiction_id"].as_str().unwrap().into(), fields["service_request_id"].as_str().unwrap().into())
}

#[tokio::test]
async fn export_writes_every_stored_record_in_each_format() {
    let lab = Lab::new(300).await;
    let want = stored(&lab, None);
    let endpoint = |jid: &str| lab.cities.registry.get(jid).unwrap().endpoint.to_string();

    let lines: Vec<Value> =
        export(&lab, &[], ExportFormat::Ndjson).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let by_key: BTreeMap<_, _> = lines.iter().map(|l| (key(l), l)).collect();
    assert_eq!(
        (by_key.len(), by_key.keys().collect::<Vec<_>>()),
        (lines.len(), want.keys().collect()),
        "each record once"
    );
    for (k, s) in &want {
        let line = by_key[k];
        assert_eq!(line["source_endpoint"], endpoint(&k.0).as_str());
        assert_eq!(line["first_seen"], format_utc(s.first_seen).as_str());
        assert_eq!(line["last_seen"], format_utc(s.last_seen).as_str());
        assert_eq!(line["description"].as_str(), s.request.description.as_deref());
        assert_eq!(line["raw"], serde_json::from_str::<Value>(&s.request.raw).unwrap(), "raw payload as received");
    }

    let rows = parse_csv(&export(&lab, &[], ExportFormat::Csv));
    let header = &rows[0];
    assert_eq!((header[0].as_str(), header.last().unwrap().as_str()), ("jurisdiction_id", "source_endpoint"));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len() - 1, want.len(), "one row per record");
    for row in &rows[1..] {
        assert_eq!(row.len(), header.len(), "{row:?}");
        let s = &want[&(row[0].clone(), row[1].clone())];
        assert_eq!(row[column("description")], s.request.description.clone().unwrap_or_default());
        assert_eq!(row[column("status")], s.request.status.as_str());
        assert_eq!(row[column("requested_datetime")], format_utc(s.request.requested_datetime.unwrap()));
        assert_eq!(row[column("source_endpoint")], endpoint(&s.jurisdiction_id));
    }
    assert!(
        want.values().any(|s| s.request.description.as_deref().is_some_and(|d| d.contains(','))),
        "quoting is tested"
    );

    let only_b = vec!["b".to_string()];
    let collection: Value = serde_json::from_str(&export(&lab, &only_b, ExportFormat::Geojson)).unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    let want_b = stored(&lab, Some("b"));
    assert_eq!(features.len(), want_b.len());
    for feature in features {
        let s = &want_b[&key(&feature["properties"])];
        let point =
            s.request.long.zip(s.request.lat).map(|(x, y)| serde_json::json!({"type": "Point", "coordinates": [x, y]}));
        assert_eq!(feature["geometry"], point.unwrap_or(Value::Null));
        assert_eq!(feature["properties"]["source_endpoint"], endpoint("b").as_str());
    }
}

#[tokio::test]
async fn export_and_categories_run_from_the_binary() {
    let lab = Lab::new(150).await;
    let (jurisdictions, data) = (lab.cities.jurisdictions.path(), lab.cities.data.path());
    let file = data.join("a.csv");
    let args = ["export", "--jurisdiction", "a", "--format", "csv", "--output", file.to_str().unwrap()];
    let (ok, _, stderr) = common::fed311(jurisdictions, data, &args);
    assert!(ok, "{stderr}");
    let rows = parse_csv(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(rows.len() - 1, stored(&lab, Some("a")).len(), "{stderr}");
    assert!(rows[1..].iter().all(|r| r[0] == "a"));
    assert!(!data.join("a.csv.partial").exists());

    let (ok, stdout, stderr) = common::fed311(jurisdictions, data, &["export", "--output", "-"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), stored(&lab, None).len());
    let (ok, _, stderr) = common::fed311(jurisdictions, data, &["export", "--jurisdiction", "atlantis"]);
    assert!(!ok && stderr.contains("atlantis"), "{stderr}");

    let (ok, _, stderr) = common::fed311(jurisdictions, &data.join("typo"), &["export"]);
    assert!(!ok && stderr.contains("no fed311 store"), "{stderr}");

    let (ok, table, stderr) = common::fed311(jurisdictions, data, &["categories", "--jurisdiction", "b"]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("JURISDICTION  SERVICE_CODE"), "{table}");
    let services = lab.city("b").city.services();
    assert_eq!(lines.len(), services.len() + 2, "header, one line per service, summary:\n{table}");
    for service in &services {
        assert!(
            lines.iter().any(|l| l.starts_with("b ") && l.contains(&service.service_name)),
            "{}:\n{table}",
            service.service_name
        );
    }
    let column = lines[0].find("CATEGORY").unwrap();
    assert!(lines[1..=services.len()].iter().all(|l| l.get(column - 2..column) == Some("  ")), "aligned:\n{table}");
}

/// RFC 4180: quoted cells may hold commas, doubled quotes and line breaks; rows end in CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => row.push(std::mem::take(&mut cell)),
            '\r' if !quoted && chars.peek() == Some(&'\n') => {}
            '\n' if !quoted => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c => cell.push(c),
        }
    }
    assert!(cell.is_empty() && row.is_empty() && !quoted, "the last row ends with a line break");
    rows
}
