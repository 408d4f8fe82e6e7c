//! What browser apps, mobile apps and feed readers expect of fed311's HTTP, black-box over
//! loopback: CORS (GETs from anywhere, POSTs from listed origins, preflights answered),
//! negotiated compression, validators and 304s, caching headers, paging links, the spec's
//! default GeoReport window, discovery's changeset, `/readyz` and the index lag.

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use fed311::api::{AppState, HttpSettings, StateParts, router};
use fed311::registry::Registry;
use fed311::store::Store;
use reqwest::header::HeaderMap;

/// A city `town` with `records` simulated requests (spanning years) plus one requested
/// 10 days ago and one 200 days ago.
fn stocked(records: usize) -> (tempfile::TempDir, tempfile::TempDir) {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_city(jurisdictions.path(), "town", "http://127.0.0.1:9/", "");
    let city = fed311::simulate::SimCity::generate(3, records, "America/Toronto");
    let store = Store::open(data.path()).unwrap();
    store.upsert_services("town", &city.services()).unwrap();
    store.upsert_requests("town", &city.requests()).unwrap();
    let ago = |days: i64| {
        fed311::domain::time::format_utc(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days))
    };
    let raw = serde_json::json!([
        {"service_request_id": "RECENT", "status": "open", "service_code": "001", "requested_datetime": ago(10)},
        {"service_request_id": "OLD", "status": "open", "service_code": "001", "requested_datetime": ago(200)},
    ]);
    let parsed = fed311::wire::read::parse_requests(raw.to_string().as_bytes(), &jiff::tz::TimeZone::UTC).unwrap();
    store.upsert_requests("town", &parsed.items).unwrap();
    (jurisdictions, data)
}

/// A raw client: no automatic decompression, so encodings can be seen.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().build().unwrap()
}

async fn fetch(url: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = raw_client().get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let answer = request.send().await.unwrap();
    let (status, headers) = (answer.status().as_u16(), answer.headers().clone());
    (status, headers, answer.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn browsers_get_from_anywhere_and_post_only_from_listed_origins() {
    let (j, d) = stocked(5);
    let http = HttpSettings {
        cors_origins: fed311::api::cors::parse_origins("https://app.example.org").unwrap(),
        ..Default::default()
    };
    let (api, _) = spawn_app(fed311::app::Settings { http, ..test_settings(j.path(), d.path()) }).await;
    let list = format!("http://{api}/open311/v2/services.json?jurisdiction_id=town");
    let (status, headers, _) = fetch(&list, &[("origin", "https://anyone.example")]).await;
    assert_eq!((status, header(&headers, "access-control-allow-origin")), (200, "https://anyone.example"));
    assert!(header(&headers, "access-control-expose-headers").contains("etag"), "{headers:?}");

    let preflight = |origin: &'static str| {
        let url = format!("http://{api}/open311/v2/requests.json");
        async move {
            let answer = raw_client()
                .request(reqwest::Method::OPTIONS, url)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send()
                .await
                .unwrap();
            (answer.status().as_u16(), answer.headers().clone())
        }
    };
    let (status, headers) = preflight("https://app.example.org").await;
    assert_eq!(status, 200, "a preflight is answered, never a 405");
    assert_eq!(header(&headers, "access-control-allow-origin"), "https://app.example.org");
    assert!(header(&headers, "access-control-allow-methods").contains("POST"), "{headers:?}");
    let (status, headers) = preflight("https://evil.example").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "access-control-allow-origin"), "", "an unlisted origin may not post");
    let posted = raw_client()
        .post(format!("http://{api}/open311/v2/requests.json"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("jurisdiction_id=town")
        .send()
        .await
        .unwrap();
    assert!(posted.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn answers_are_compressed_as_the_client_asks() {
    let (j, d) = stocked(300);
    let api = spawn_fed311(j.path(), d.path()).await;
    let url = format!("http://{api}/open311/v2/requests.json?jurisdiction_id=town&page_size=200");
    let (status, plain_headers, plain) = fetch(&url, &[]).await;
    assert_eq!((status, header(&plain_headers, "content-encoding")), (200, ""));
    let (_, headers, br) = fetch(&url, &[("accept-encoding", "br")]).await;
    assert_eq!(header(&headers, "content-encoding"), "br");
    let (_, headers, gzip) = fetch(&url, &[("accept-encoding", "gzip, br;q=0.5")]).await;
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert!(header(&headers, "vary").to_ascii_lowercase().contains("accept-encoding"), "{headers:?}");
    println!("200 records: {} bytes plain, {} gzip, {} brotli", plain.len(), gzip.len(), br.len());
    assert!(br.len() * 4 < plain.len() && gzip.len() * 4 < plain.len());
    // The compressed answer is the same document.
    let decoded = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(decoded.as_ref(), plain.as_slice());
}

#[tokio::test]
async fn validators_answer_304_and_caching_says_how_fresh() {
    let (j, d) = stocked(20);
    let api = spawn_fed311(j.path(), d.path()).await;
    for url in [
        format!("http://{api}/open311/v2/services.json?jurisdiction_id=town"),
        format!("http://{api}/open311/v2/requests.xml?jurisdiction_id=town&page_size=5"),
        format!("http://{api}/api/v1/requests?jurisdiction_id=town&limit=5"),
        format!("http://{api}/api/v1/jurisdictions/town"),
    ] {
        let (status, headers, body) = fetch(&url, &[]).await;
        assert_eq!(status, 200, "{url}");
        let etag = header(&headers, "etag").to_string();
        assert!(etag.starts_with("W/\""), "{url}: {headers:?}");
        assert_eq!(header(&headers, "cache-control"), "public, max-age=60", "{url}");
        let (status, headers, empty) = fetch(&url, &[("if-none-match", &etag)]).await;
        assert_eq!((status, empty.len()), (304, 0), "{url}");
        assert_eq!(header(&headers, "etag"), etag);
        let (status, _, again) = fetch(&url, &[("if-none-match", "W/\"other\"")]).await;
        assert_eq!((status, again), (200, body), "{url}");
    }
    // A change to the data changes the validator.
    let services = format!("http://{api}/open311/v2/services.json?jurisdiction_id=town");
    let before = header(&fetch(&services, &[]).await.1, "etag").to_string();
    let service = fed311::domain::Service {
        service_code: "NEW".into(),
        service_name: "A new service".into(),
        description: None,
        metadata: false,
        service_type: None,
        keywords: None,
        group: None,
    };
    let mut all = fed311::simulate::SimCity::generate(3, 20, "America/Toronto").services();
    all.push(service);
    Store::open(d.path()).unwrap().upsert_services("town", &all).unwrap();
    let (status, headers, _) = fetch(&services, &[("if-none-match", &before)]).await;
    assert_eq!(status, 200, "a changed list is sent again");
    assert_ne!(header(&headers, "etag"), before);

    let feed = format!("http://{api}/api/v1/feeds/requests.atom?jurisdiction_id=town");
    let (status, headers, _) = fetch(&feed, &[("host", "fed311.example")]).await;
    assert_eq!(status, 200);
    let modified = header(&headers, "last-modified").to_string();
    assert!(modified.ends_with("GMT"), "{headers:?}");
    let (status, _, _) = fetch(&feed, &[("host", "fed311.example"), ("if-modified-since", &modified)]).await;
    assert_eq!(status, 304, "a feed reader's copy is current");
    for url in [format!("http://{api}/healthz"), format!("http://{api}/open311/v2/tokens/nope.json")] {
        let (_, headers, _) = fetch(&url, &[]).await;
        assert_eq!(header(&headers, "cache-control"), "no-store", "{url}");
    }
}

/// The `rel="next"` target of a `Link` header, made absolute against `api`.
fn next_link(api: SocketAddr, headers: &HeaderMap) -> Option<String> {
    let link = header(headers, "link");
    let target = link.split(';').next()?.trim().strip_prefix('<')?.strip_suffix('>')?;
    link.contains("rel=\"next\"").then(|| format!("http://{api}{target}"))
}

#[tokio::test]
async fn lists_link_their_next_page_and_follow_the_spec_by_default() {
    let (j, d) = stocked(7);
    let api = spawn_fed311(j.path(), d.path()).await;
    let first = format!("http://{api}/open311/v2/requests.json?jurisdiction_id=town&page_size=4");
    let (_, headers, body) = fetch(&first, &[]).await;
    let next = next_link(api, &headers).expect("a full page links the next");
    assert!(next.contains("page=2") && next.contains("page_size=4") && next.contains("jurisdiction_id=town"), "{next}");
    let (_, headers, second) = fetch(&next, &[]).await;
    assert_ne!(body, second);
    let second: serde_json::Value = serde_json::from_slice(&second).unwrap();
    assert_eq!(second.as_array().unwrap().len(), 4);
    let (_, headers, _) = fetch(&next_link(api, &headers).unwrap(), &[]).await;
    assert_eq!(next_link(api, &headers), None, "9 requests: the third page of 4 is the last");

    // No paging or dates: the spec's default, the last 90 days (at most 1,000).
    let (_, plain) = get_json(&format!("http://{api}/open311/v2/requests.json?jurisdiction_id=town")).await;
    let ids: Vec<&str> = plain.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"RECENT") && !ids.contains(&"OLD"), "{ids:?}");
    let (_, paged) = get_json(&format!("http://{api}/open311/v2/requests.json?jurisdiction_id=town&page=1")).await;
    assert_eq!(paged.as_array().unwrap().len(), 9, "paging reaches all history");

    let (_, headers, body) = fetch(&format!("http://{api}/api/v1/requests?jurisdiction_id=town&limit=5"), &[]).await;
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let next = next_link(api, &headers).expect("a page with a next_cursor links it");
    assert!(next.contains("cursor="), "{next}");
    let (_, rest) = get_json(&next).await;
    assert_eq!(rest["requests"].as_array().unwrap().len(), 4);
    assert_ne!(rest["requests"][0], page["requests"][0]);
}

#[tokio::test]
async fn discovery_changeset_is_when_the_registry_or_a_service_list_changed() {
    let (j, d) = stocked(3);
    let api = spawn_fed311(j.path(), d.path()).await;
    let url = format!("http://{api}/open311/v2/discovery.json");
    let (_, _, body) = fetch(&url, &[]).await;
    let changeset = |body: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(body).unwrap()["changeset"].as_str().unwrap().to_string()
    };
    let before = changeset(&body);
    assert!(before.parse::<jiff::Timestamp>().is_ok(), "a datetime: {before}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut services = fed311::simulate::SimCity::generate(3, 3, "America/Toronto").services();
    services[0].service_name.push_str(" (renamed)");
    Store::open(d.path()).unwrap().upsert_services("town", &services).unwrap();
    let after = changeset(&fetch(&url, &[]).await.2);
    assert!(
        after.parse::<jiff::Timestamp>().unwrap() > before.parse::<jiff::Timestamp>().unwrap(),
        "{before} → {after}"
    );
}

#[tokio::test]
async fn readiness_waits_for_the_index_and_answers_say_its_lag() {
    let (j, d) = stocked(2000);
    let store = Store::open(d.path()).unwrap();
    let index = fed311::search::SearchIndex::open(&d.path().join("index")).unwrap();
    // The state alone, with no indexer following the store: the test catches the index up.
    let state = AppState::new(StateParts {
        store: store.clone(),
        registry: Arc::new(Registry::load(j.path()).unwrap()),
        index: Some(index.clone()),
        geo: Default::default(),
        api_keys: Default::default(),
        http: Default::default(),
        web: Default::default(),
        record_cache: 0,
    });
    let api = spawn(router(state)).await;
    let (status, _, body) = fetch(&format!("http://{api}/readyz"), &[]).await;
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("2002 store changes"), "{}", String::from_utf8_lossy(&body));
    let search = format!("http://{api}/api/v1/requests?jurisdiction_id=town&limit=1");
    let (_, headers, _) = fetch(&search, &[]).await;
    assert_eq!(header(&headers, "x-index-lag"), "2002", "the answer says it may miss 2002 changes");

    tokio::task::spawn_blocking(move || index.catch_up(&store)).await.unwrap().unwrap();
    let (status, _, body) = fetch(&format!("http://{api}/readyz"), &[]).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (_, headers, _) = fetch(&search, &[]).await;
    assert_eq!(header(&headers, "x-index-lag"), "0");
}
