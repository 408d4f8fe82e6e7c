//! Protection and visibility: per-client rate limiting with `Retry-After`, Prometheus
//! metrics, health, and a sweep of malformed parameters that must all get spec errors.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::*;
use fed311::api::{AppState, ClientLimit};
use fed311::registry::Registry;
use fed311::store::Store;

async fn limited(jurisdictions: &std::path::Path, data: &std::path::Path, limit: ClientLimit) -> SocketAddr {
    let state = AppState::new(Store::open(data).unwrap(), Arc::new(Registry::load(jurisdictions).unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(fed311::api::serve(listener, state, Some(limit), std::future::pending()));
    addr
}

fn one_city() -> (tempfile::TempDir, tempfile::TempDir) {
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "town", "http://127.0.0.1:9/", "");
    (jurisdictions, tempfile::tempdir().unwrap())
}

#[tokio::test]
async fn clients_over_their_rate_get_429_with_retry_after() {
    let (j, d) = one_city();
    let api = limited(j.path(), d.path(), ClientLimit { per_second: 2, burst: 5 }).await;
    let client = reqwest::Client::new();
    let mut limited_answers = Vec::new();
    for _ in 0..20 {
        let r = client.get(format!("http://{api}/open311/v2/services.json?jurisdiction_id=town")).send().await.unwrap();
        if r.status() == 429 {
            let retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            limited_answers.push((retry_after, r.text().await.unwrap()));
        }
    }
    assert!(limited_answers.len() >= 10, "burst of 5 then limited: {}", limited_answers.len());
    let (retry_after, body) = &limited_answers[0];
    assert!(retry_after.as_deref().is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1)), "{retry_after:?}");
    let errors: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(errors[0]["code"], 429);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let (j, d) = one_city();
    let api = limited(j.path(), d.path(), ClientLimit { per_second: 1000, burst: 1000 }).await;
    for _ in 0..3 {
        get(&format!("http://{api}/open311/v2/services.json?jurisdiction_id=town")).await;
    }
    get(&format!("http://{api}/open311/v2/services.json")).await;
    let (status, _, text) = get(&format!("http://{api}/metrics")).await;
    assert_eq!(status, 200);
    assert!(text.contains("fed311_http_requests_total"), "{text}");
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("fed311_http_requests_total")
                && l.contains("/open311/v2/{file}")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.trim_end().ends_with(" 3") || line.split_whitespace().last().unwrap().parse::<f64>().unwrap() >= 3.0,
        "{line}"
    );
    assert!(text.lines().any(|l| l.contains("status=\"400\"")), "{text}");
    assert!(text.contains("fed311_outbox_depth"), "{text}");
    let (status, _, ok) = get(&format!("http://{api}/healthz")).await;
    assert_eq!((status, ok.trim()), (200, "ok"));
}

#[tokio::test]
async fn every_malformed_parameter_gets_a_spec_error_never_a_500() {
    let (j, d) = one_city();
    let api = spawn_fed311(j.path(), d.path()).await;
    let base = format!("http://{api}/open311/v2");
    let cases = [
        "requests.json?jurisdiction_id=town&start_date=yesterday",
        "requests.json?jurisdiction_id=town&end_date=2024-13-45",
        "requests.json?jurisdiction_id=town&start_date=2024-02-01&end_date=2024-01-01",
        "requests.json?jurisdiction_id=town&updated_after=%00",
        "requests.json?jurisdiction_id=town&status=pending",
        "requests.json?jurisdiction_id=town&page_size=0",
        "requests.json?jurisdiction_id=town&page_size=100000",
        "requests.json?jurisdiction_id=town&page_size=-5",
        "requests.json?jurisdiction_id=town&page=0",
        "requests.json?jurisdiction_id=town&page=abc",
        "requests.json?jurisdiction_id=town&page=99999999999999999999",
        "requests.xml?jurisdiction_id=town&start_date=%E2%98%83",
        "requests.json?jurisdiction_id=",
        "requests.json?jurisdiction_id=nowhere",
        "services.json?jurisdiction_id=%FF%FE",
        "services/%2F..%2F.json?jurisdiction_id=town",
        "services/NOPE.xml?jurisdiction_id=town",
        "requests/does-not-exist.json?jurisdiction_id=town",
        "tokens/nope.json?jurisdiction_id=town",
        "frobnicate.json?jurisdiction_id=town",
    ];
    for case in cases {
        let (status, content_type, body) = get(&format!("{base}/{case}")).await;
        assert!(matches!(status, 400 | 404), "{case}: {status} {body}");
        let errors = fed311::wire::read::parse_errors(body.as_bytes())
            .unwrap_or_else(|| panic!("{case}: not a spec errors body: {body}"));
        assert_eq!(errors[0].code, status.to_string(), "{case}");
        assert!(content_type.contains(if case.contains(".xml") { "xml" } else { "json" }), "{case}: {content_type}");
    }
    // Unknown and garbled extra parameters are ignored, as the spec asks of optional ones.
    let (status, _, _) = get(&format!("{base}/discovery.json?jurisdiction_id=town&%%%")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn cached_answers_follow_writes_from_any_process() {
    let (j, d) = one_city();
    let api = spawn_fed311(j.path(), d.path()).await;
    let services = format!("http://{api}/open311/v2/services.json?jurisdiction_id=town");
    let requests = format!("http://{api}/open311/v2/requests.json?jurisdiction_id=town&page_size=5");
    assert_eq!(get_json(&services).await.1, serde_json::json!([]));
    assert_eq!(get_json(&requests).await.1, serde_json::json!([]));
    // Another store handle on the same file stands for another process (`harvest --once`).
    let other = Store::open(d.path()).unwrap();
    let service = fed311::domain::Service {
        service_code: "007".into(),
        service_name: "Pothole".into(),
        description: None,
        metadata: false,
        service_type: None,
        keywords: None,
        group: None,
    };
    other.upsert_services("town", &[service]).unwrap();
    let raw = r#"{"service_request_id":"R1","status":"open","service_code":"007","requested_datetime":"2024-05-01T10:00:00Z"}"#;
    let parsed = fed311::wire::read::parse_requests(format!("[{raw}]").as_bytes(), &jiff::tz::TimeZone::UTC).unwrap();
    other.upsert_requests("town", &parsed.items).unwrap();
    assert_eq!(get_json(&services).await.1[0]["service_code"], "007");
    assert_eq!(get_json(&requests).await.1[0]["service_request_id"], "R1");
}
