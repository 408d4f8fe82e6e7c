//! Protection and visibility: per-client rate limiting with `Retry-After`, Prometheus
//! metrics, health, and a sweep of malformed parameters that must all get spec errors.

use crate::common;

use std::net::SocketAddr;

use common::*;
use fed311::api::ClientLimit;
use fed311::store::Store;

async fn limited(jurisdictions: &std::path::Path, data: &std::path::Path, limit: ClientLimit) -> SocketAddr {
    let serve = fed311::api::ServeOptions { limit: Some(limit), ..Default::default() };
    spawn_app(fed311::app::Settings { index: None, serve, ..test_settings(jurisdictions, data) }).await.0
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

    // Limited in every dialect; health is never limited.
    let (status, kind, body) = get(&format!("http://{api}/open311/v2/services.xml?jurisdiction_id=town")).await;
    assert_eq!((status, kind.contains("xml")), (429, true), "{body}");
    assert!(body.contains("<code>429</code>"), "{body}");
    let (status, kind, body) = get(&format!("http://{api}/api/v1/jurisdictions")).await;
    assert_eq!((status, kind.as_str()), (429, "application/problem+json"), "{body}");
    let (status, _, _) = get(&format!("http://{api}/healthz")).await;
    assert_eq!(status, 200, "a health check is never limited");
}

/// Sends `head` (request line and headers, without the blank line) on a raw connection and
/// returns the status and body: for requests a client library will not make.
async fn raw(api: SocketAddr, head: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(api).await.unwrap();
    stream.write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default())
}

#[tokio::test]
async fn errors_the_framework_makes_come_in_the_callers_dialect() {
    let (j, d) = one_city();
    let api = spawn_fed311(j.path(), d.path()).await;
    let client = reqwest::Client::new();
    let problem = |status: u16| {
        move |(got, kind, body): (u16, String, String)| {
            assert_eq!((got, kind.as_str()), (status, "application/problem+json"), "{body}");
            let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(problem["status"], status);
            assert!(!problem["detail"].as_str().unwrap().is_empty());
        }
    };
    problem(404)(get(&format!("http://{api}/api/v1/nope")).await);
    let answer = |r: reqwest::Response| async move {
        let kind = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (r.status().as_u16(), kind, r.text().await.unwrap())
    };
    problem(405)(answer(client.delete(format!("http://{api}/api/v1/requests")).send().await.unwrap()).await);
    problem(405)(answer(client.get(format!("http://{api}/api/v1/requests/search")).send().await.unwrap()).await);
    let huge = vec![b' '; 3 << 20];
    let posted = client.post(format!("http://{api}/api/v1/requests/search")).body(huge).send().await.unwrap();
    problem(413)(answer(posted).await);

    let (status, kind, body) = get(&format!("http://{api}/open311/v2/services/%FF%FE.xml")).await;
    assert_eq!((status, kind.contains("xml")), (400, true), "{body}");
    assert!(body.contains("<errors><error><code>400</code>"), "{body}");
    let (status, kind, body) = get(&format!("http://{api}/open311/v2/nothing/here.json")).await;
    assert_eq!((status, kind.contains("json")), (404, true), "{body}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()[0]["code"], 404);
}

#[tokio::test]
async fn what_the_caller_sent_is_never_echoed_raw() {
    let (j, d) = one_city();
    let api = spawn_fed311(j.path(), d.path()).await;
    let xml_can_hold = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}');
    for case in ["requests.xml?jurisdiction_id=%00", "requests.xml?jurisdiction_id=town&page=%00%1F", "tokens/%00.xml"]
    {
        let (status, _, body) = get(&format!("http://{api}/open311/v2/{case}")).await;
        assert!(matches!(status, 400 | 404), "{case}: {status}");
        assert!(body.chars().all(xml_can_hold), "{case}: XML 1.0 cannot hold {body:?}");
        let mut reader = quick_xml::Reader::from_str(&body);
        while !matches!(
            reader.read_event().unwrap_or_else(|e| panic!("{case}: {e}: {body}")),
            quick_xml::events::Event::Eof
        ) {}
    }
    let (status, body) = raw(api, "GET /open311/v2/discovery.json HTTP/1.1\r\nHost: a\"b<c>&d").await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains("<c>"), "{body}");
    let (status, body) = raw(api, "GET /open311/v2/discovery.json HTTP/1.1\r\nHost: fed311.example:8080").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("http://fed311.example:8080/open311/v2/"), "{body}");
}

#[tokio::test]
async fn a_jurisdictions_own_base_refuses_another_jurisdiction_id() {
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "town", "http://127.0.0.1:9/", "upstream_jurisdiction_id = \"town.gov\"");
    write_city(jurisdictions.path(), "village", "http://127.0.0.1:9/", "");
    let data = tempfile::tempdir().unwrap();
    let api = spawn_fed311(jurisdictions.path(), data.path()).await;
    let base = format!("http://{api}/jurisdictions/town/open311/v2/requests.json");
    for (query, want) in [
        ("", 200),
        ("?jurisdiction_id=town", 200),
        ("?jurisdiction_id=town.gov", 200),
        ("?jurisdiction_id=village", 400),
    ] {
        let (status, _, body) = get(&format!("{base}{query}")).await;
        assert_eq!(status, want, "{query}: {body}");
    }
    let (status, _, body) =
        get(&format!("http://{api}/open311/v2/requests.json?jurisdiction_id=town&start_date=1970-01-01T00:00:00Z"))
            .await;
    assert_eq!(status, 200, "1970 is a real date in a query: {body}");
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
    let many_ids = (0..1001).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
    let too_many = format!("requests.json?jurisdiction_id=town&service_request_id={many_ids}");
    for case in cases.iter().copied().chain([too_many.as_str()]) {
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
