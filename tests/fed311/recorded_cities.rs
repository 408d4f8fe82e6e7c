//! The walking skeleton end to end: recorded responses from real cities (Toronto, Chicago,
//! San Francisco, Giessen) served as recorded by a static server, harvested by the real
//! `fed311 harvest --once`, then re-served by fed311's GeoReport API in JSON and XML.

use crate::common;

use std::path::Path;

use common::*;

struct Setup {
    jurisdictions: tempfile::TempDir,
    data: tempfile::TempDir,
}

async fn harvested(fixtures: &Path) -> Setup {
    let site = tempfile::tempdir().unwrap();
    for (city, file, source) in [
        ("toronto", "requests.xml", "open311status/requests_many.xml"),
        ("chicago", "requests.json", "open311status/service_requests.json"),
        ("sf", "services.xml", "codeforamerica-open311/services.xml"),
        ("giessen", "services.xml", "open311status/services_giessen.xml"),
        // Their request lists were not recorded: an empty list, as the spec's example has it
        // (a 404 is not taken as "nothing found" from a city that never answered records).
        ("sf", "requests.xml", "codeforamerica-open311/service_requests_empty.xml"),
        ("giessen", "requests.xml", "codeforamerica-open311/service_requests_empty.xml"),
    ] {
        std::fs::create_dir_all(site.path().join(city)).unwrap();
        std::fs::copy(fixtures.join(source), site.path().join(city).join(file)).unwrap();
    }
    let city_server = spawn_static(site.keep()).await;
    let jurisdictions = tempfile::tempdir().unwrap();
    for (id, format) in [("toronto", "xml"), ("chicago", "json"), ("sf", "xml"), ("giessen", "xml")] {
        write_city(jurisdictions.path(), id, &format!("http://{city_server}/{id}/"), &format!("format = \"{format}\""));
    }
    let data = tempfile::tempdir().unwrap();
    let (dir, db) = (jurisdictions.path().to_path_buf(), data.path().to_path_buf());
    let (ok, stdout, stderr) =
        tokio::task::spawn_blocking(move || fed311(&dir, &db, &["harvest", "--once"])).await.unwrap();
    assert!(ok, "harvest failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("toronto") && stdout.contains("4 cities, 0 failed"), "{stdout}");
    Setup { jurisdictions, data }
}

#[tokio::test]
async fn recorded_cities_are_reserved_as_harvested() {
    let fixtures = recorded_fixtures();
    let setup = harvested(&fixtures).await;
    let api = spawn_fed311(setup.jurisdictions.path(), setup.data.path()).await;
    let base = format!("http://{api}/open311/v2");

    // The recorded requests are years old: without dates a list covers the spec's last 90 days.
    let since = "start_date=2010-01-01T00:00:00Z";
    let (status, toronto) = get_json(&format!("{base}/requests.json?jurisdiction_id=toronto&{since}")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> =
        toronto.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"101005420892") && ids.contains(&"101005420894"));
    let first = toronto.as_array().unwrap().iter().find(|r| r["service_request_id"] == "101005420892").unwrap();
    assert_eq!(first["lat"], 43.691104288);
    assert_eq!(first["long"], -79.272306875);
    assert_eq!(first["service_code"], "CSROWR-12");
    assert_eq!(first["requested_datetime"], "2018-07-30T04:01:00Z");
    assert_eq!(first["address"], "Warden Ave / Freeman St, Scarborough");

    let (_, chicago) = get_json(&format!("{base}/requests.json?jurisdiction_id=chicago&{since}")).await;
    let codes: Vec<&str> = chicago.as_array().unwrap().iter().map(|r| r["service_code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 2);
    assert!(codes.contains(&"4ffa9cad6018277d4000007b"));

    let (_, sf) = get_json(&format!("{base}/services.json?jurisdiction_id=sf")).await;
    let sf = sf.as_array().unwrap();
    assert_eq!(sf.len(), 36);
    assert!(sf.iter().any(|s| s["service_code"] == "001" && s["service_name"] == "Cans_Left_Out_24x7"));
    assert!(sf.iter().all(|s| s["service_code"].is_string() && s["metadata"].is_boolean()));

    let (_, giessen) = get_json(&format!("{base}/services.json?jurisdiction_id=giessen")).await;
    let names: Vec<&str> = giessen.as_array().unwrap().iter().map(|s| s["service_name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 8);
    assert!(names.contains(&"Straßen- und Gehwegschäden"), "{names:?}");
    assert!(giessen.as_array().unwrap().iter().any(|s| s["service_code"] == "015"));
}

#[tokio::test]
async fn xml_answers_are_well_formed_and_complete() {
    let fixtures = recorded_fixtures();
    let setup = harvested(&fixtures).await;
    let api = spawn_fed311(setup.jurisdictions.path(), setup.data.path()).await;
    let base = format!("http://{api}/open311/v2");

    let (status, content_type, xml) = get(&format!("{base}/requests.xml?jurisdiction_id=toronto&page=1")).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    // Reading our own XML back with the tolerant reader proves it is well formed and whole.
    let zone = jiff::tz::TimeZone::UTC;
    let parsed = fed311::wire::read::parse_requests(xml.as_bytes(), &zone).expect("our XML parses");
    assert_eq!(parsed.items.len(), 2);
    assert!(parsed.items.iter().any(|r| r.lat == Some(43.691104288)));

    let (_, _, xml) = get(&format!("{base}/services.xml?jurisdiction_id=giessen")).await;
    let services = fed311::wire::read::parse_services(xml.as_bytes()).expect("our XML parses");
    assert_eq!(services.items.len(), 8);
    assert!(xml.contains("<service_name>Straßen- und Gehwegschäden</service_name>"));
    assert!(xml.contains("<service_code>015</service_code>"));

    let (status, _, one) = get(&format!("{base}/requests/101005420894.xml?jurisdiction_id=toronto")).await;
    assert_eq!(status, 200);
    assert_eq!(fed311::wire::read::parse_requests(one.as_bytes(), &zone).unwrap().items.len(), 1);
    let (_, one) = get_json(&format!("{base}/requests/101005420894.json?jurisdiction_id=toronto")).await;
    assert_eq!(one.as_array().map(Vec::len), Some(1), "a single request is an array of one");
}

#[tokio::test]
async fn missing_and_unknown_jurisdictions_get_spec_errors() {
    let fixtures = recorded_fixtures();
    let setup = harvested(&fixtures).await;
    let api = spawn_fed311(setup.jurisdictions.path(), setup.data.path()).await;
    let base = format!("http://{api}/open311/v2");

    let (status, body) = get_json(&format!("{base}/requests.json")).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["code"], 400);
    assert!(body[0]["description"].as_str().unwrap().contains("jurisdiction_id"));

    let (status, body) = get_json(&format!("{base}/services.json?jurisdiction_id=atlantis")).await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["code"], 404);

    let (status, content_type, xml) = get(&format!("{base}/services.xml?jurisdiction_id=atlantis")).await;
    assert_eq!(status, 404);
    assert!(content_type.starts_with("text/xml"));
    assert!(xml.contains("<errors><error><code>404</code>"), "{xml}");
    let errors = fed311::wire::read::parse_errors(xml.as_bytes()).expect("spec errors body");
    assert_eq!(errors[0].code, "404");
}

#[tokio::test]
async fn a_second_harvest_of_unchanged_data_writes_nothing() {
    let fixtures = recorded_fixtures();
    let setup = harvested(&fixtures).await;
    let db = setup.data.path().join(fed311::store::DATABASE_FILE);
    let max_seq = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM requests", [], |r| r.get(0)).unwrap();
        let history: i64 = conn.query_row("SELECT COUNT(*) FROM request_history", [], |r| r.get(0)).unwrap();
        (seq, history)
    };
    let before = max_seq();
    let (dir, data) = (setup.jurisdictions.path().to_path_buf(), setup.data.path().to_path_buf());
    let (ok, stdout, _) =
        tokio::task::spawn_blocking(move || fed311(&dir, &data, &["harvest", "--once", "--full"])).await.unwrap();
    assert!(ok, "{stdout}");
    assert_eq!(max_seq(), before, "no request row or history row was written");
    assert_eq!(before, (4, 4), "4 requests, each with its `created` history entry");
}
