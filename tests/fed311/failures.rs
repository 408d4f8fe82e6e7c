//! Bad input gets a clear error and loses nothing: malformed jurisdiction files, unreachable
//! cities and cities that answer garbage.

use crate::common;

use std::path::Path;

use common::*;

const TORONTO_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<service_requests><request><service_request_id>A-1</service_request_id><status>open</status>
<service_code>007</service_code><requested_datetime>2024-03-01T10:00:00-05:00</requested_datetime>
<lat>43.7</lat><long>-79.4</long></request></service_requests>"#;

#[test]
fn check_names_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    write_city(dir.path(), "good", "https://example.org/open311/v2/", "");
    write_city(dir.path(), "typo", "https://example.org/open311/v2/", "page_sise = 50");
    write_city(dir.path(), "quoted", "https://example.org/open311/v2/", "backfill_from = \"2026-11-01\"");
    write_city(dir.path(), "zone", "https://example.org/open311/v2/", "");
    let zone_file = dir.path().join("zone.toml");
    let text = std::fs::read_to_string(&zone_file).unwrap().replace("America/Toronto", "Europe/Atlantis");
    std::fs::write(&zone_file, text).unwrap();
    let (ok, _, stderr) = fed311(dir.path(), dir.path(), &["check"]);
    assert!(!ok);
    assert!(stderr.contains("typo.toml") && stderr.contains("page_sise"), "{stderr}");
    let quoted = stderr.lines().find(|l| l.contains("quoted.toml")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(quoted.contains("backfill_from") && quoted.contains("line 5"), "the key and line, not a byte: {quoted}");
    assert!(
        stderr.contains("zone.toml") && stderr.contains("timezone") && stderr.contains("Europe/Atlantis"),
        "{stderr}"
    );
    assert!(!stderr.contains("good.toml"), "{stderr}");
}

#[test]
fn the_shipped_registry_passes_check() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("jurisdictions");
    let scratch = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = fed311(&shipped, scratch.path(), &["check"]);
    assert!(ok, "{stderr}");
    let count: usize =
        stdout.split(": ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(count >= 60, "{stdout}");
}

/// Harvests one good answer, then breaks the city with `break_it`; the next harvest must fail
/// naming the city, and what was stored must still be served.
async fn harvest_then_break(break_it: impl FnOnce(&Path, &Path)) -> (String, String) {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("requests.xml"), TORONTO_XML).unwrap();
    std::fs::write(site.path().join("services.xml"), "<services></services>").unwrap();
    let site_dir = site.path().to_path_buf();
    let server = spawn_static(site_dir.clone()).await;
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "brittle", &format!("http://{server}/"), "format = \"xml\"");
    let data = tempfile::tempdir().unwrap();
    let (j, d) = (jurisdictions.path().to_path_buf(), data.path().to_path_buf());
    let (ok, stdout, stderr) =
        tokio::task::spawn_blocking(move || fed311(&j, &d, &["harvest", "--once"])).await.unwrap();
    assert!(ok, "{stdout}{stderr}");

    break_it(jurisdictions.path(), &site_dir);
    let (j, d) = (jurisdictions.path().to_path_buf(), data.path().to_path_buf());
    let (ok, stdout, stderr) =
        tokio::task::spawn_blocking(move || fed311(&j, &d, &["harvest", "--once", "--full"])).await.unwrap();
    assert!(!ok, "a broken city must fail the pass: {stdout}");
    assert!(stdout.contains("brittle") && stdout.contains("FAILED"), "{stdout}");
    assert!(stderr.contains("brittle"), "{stderr}");

    let api = spawn_fed311(jurisdictions.path(), data.path()).await;
    let (status, body) =
        get_json(&format!("http://{api}/open311/v2/requests.json?jurisdiction_id=brittle&page=1")).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["service_request_id"], "A-1", "stored data survives");
    assert_eq!(body[0]["service_code"], "007");
    (stdout, stderr)
}

#[tokio::test]
async fn an_unreachable_city_fails_clearly_and_loses_nothing() {
    let (stdout, _) = harvest_then_break(|jurisdictions, _| {
        write_city(jurisdictions, "brittle", "http://127.0.0.1:9/", "format = \"xml\"");
    })
    .await;
    assert!(stdout.contains("127.0.0.1:9"), "the error names the endpoint: {stdout}");
}

#[tokio::test]
async fn a_city_answering_garbage_fails_clearly_and_loses_nothing() {
    let (stdout, _) = harvest_then_break(|_, site| {
        std::fs::write(site.join("requests.xml"), "\u{1}\u{2}garbage that is no document").unwrap();
        std::fs::write(site.join("services.xml"), "<services><service><unclosed>").unwrap();
    })
    .await;
    assert!(stdout.contains("services"), "the error names what failed: {stdout}");
}

#[tokio::test]
async fn an_html_error_page_is_reported_as_such() {
    let (stdout, _) = harvest_then_break(|_, site| {
        let page =
            "<!DOCTYPE html><html><head><title>ERROR: Missing jurisdiction_id</title></head><body></body></html>";
        std::fs::write(site.join("services.xml"), page).unwrap();
    })
    .await;
    assert!(stdout.contains("Missing jurisdiction_id"), "{stdout}");
}

/// Reads follow redirects within the endpoint's host only, never to another address, and a
/// city asking to wait longer than a call's budget gets its answer back instead of a wait.
#[tokio::test]
async fn redirects_stay_on_the_host_and_long_waits_end_the_call() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::{StatusCode, header};
    use axum::routing::get;

    let elsewhere_calls = Arc::new(AtomicUsize::new(0));
    let counter = elsewhere_calls.clone();
    let elsewhere = axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "should never be asked" }
    });
    let other_host = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let other = other_host.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(other_host, elsewhere).await.unwrap() });

    let away = format!("http://{other}/requests.json");
    let city = axum::Router::new()
        .route("/moved", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/here")]) }))
        .route("/here", get(|| async { "[]" }))
        .route("/away", get(move || async move { (StatusCode::FOUND, [(header::LOCATION, away)]) }))
        .route("/loop", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }))
        .route("/later", get(|| async { (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "7200")]) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, city).await.unwrap() });

    let client =
        fed311::upstream::Client::with_settings(std::time::Duration::from_millis(5), std::time::Duration::from_secs(5))
            .unwrap();
    let url = |path: &str| url::Url::parse(&format!("http://{addr}{path}")).unwrap();
    let none = std::collections::BTreeMap::new();
    let moved = client.get(&url("/moved"), &none, None).await.unwrap();
    assert_eq!((moved.status.as_u16(), moved.body.as_slice()), (200, b"[]".as_slice()));
    let refused = client.get(&url("/away"), &none, None).await.unwrap_err().to_string();
    assert!(refused.contains("elsewhere") && refused.contains(&other.to_string()), "{refused}");
    assert_eq!(elsewhere_calls.load(Ordering::SeqCst), 0, "nothing went to the other address");
    let looped = client.get(&url("/loop"), &none, None).await.unwrap_err().to_string();
    assert!(looped.contains("redirects"), "{looped}");
    let later = tokio::time::timeout(std::time::Duration::from_secs(30), client.get(&url("/later"), &none, None))
        .await
        .expect("a two-hour Retry-After is not waited for")
        .unwrap();
    assert_eq!(later.status.as_u16(), 429);
    let paused = client.get(&url("/moved"), &none, None).await.unwrap_err().to_string();
    assert!(paused.contains("pause"), "the host is not called again until its pause is over: {paused}");
}

/// A city that declares a charset other than UTF-8 in its `Content-Type` is read in it: the
/// stored fields and the raw payload hold the city's text, not replacement characters.
#[tokio::test]
async fn a_declared_charset_is_honoured() {
    use axum::http::header;
    use axum::routing::get;

    let latin1 = |text: &str| text.chars().map(|c| c as u8).collect::<Vec<u8>>();
    let requests = latin1(
        r#"[{"service_request_id":"K-1","status":"open","service_code":"1","description":"Straße in Köln, café",
            "requested_datetime":"2026-11-20T10:00:00Z","lat":50.94,"long":6.96}]"#,
    );
    let kind = "application/json; charset=ISO-8859-1";
    let city = axum::Router::new()
        .route("/services.json", get(move || async move { ([(header::CONTENT_TYPE, kind)], "[]") }))
        .route("/requests.json", get(move || async move { ([(header::CONTENT_TYPE, kind)], requests) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, city).await.unwrap() });

    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(
        jurisdictions.path(),
        "koeln",
        &format!("http://{addr}/"),
        "format = \"json\"\nbackfill_from = 2026-11-01",
    );
    let data = tempfile::tempdir().unwrap();
    let registry = fed311::registry::Registry::load(jurisdictions.path()).unwrap();
    let store = fed311::store::Store::open(data.path()).unwrap();
    let client = fed311::upstream::Client::with_backoff(std::time::Duration::from_millis(5)).unwrap();
    let report = fed311::harvest::harvest_city(&client, &store, registry.get("koeln").unwrap(), false).await;
    assert!(report.succeeded(), "{:?}", report.failure);
    let stored = store.get_request("koeln", "K-1").unwrap().expect("stored");
    assert_eq!(stored.request.description.as_deref(), Some("Straße in Köln, café"));
    assert!(stored.request.raw.contains("Straße in Köln"), "{}", stored.request.raw);
}
