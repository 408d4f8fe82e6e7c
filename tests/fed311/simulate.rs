//! Simulated cities answer like the dialects they imitate: real servers on 127.0.0.1, asked
//! with a real HTTP client, checked against the city's ground truth.

use std::time::{Duration, Instant};

use fed311::domain::time::parse_lenient;
use fed311::domain::{ServiceRequest, Status};
use fed311::simulate::{Behaviour, SimCity, SimPaging, SimServer, SimulateArgs, comparable, spawn, start_simulation};
use fed311::wire::read::parse_requests;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

const ZONE: &str = "America/Chicago";

fn now() -> Timestamp {
    "2025-06-01T12:00:00Z".parse().unwrap()
}

fn city(seed: u64, records: usize) -> SimCity {
    SimCity::generate_at(seed, records, ZONE, now())
}

async fn serve(records: usize, behaviour: Behaviour) -> SimServer {
    spawn(city(7, records), behaviour).await.unwrap()
}

async fn preset(name: &str, records: usize) -> SimServer {
    serve(records, Behaviour::dialect(name).unwrap()).await
}

async fn get(server: &SimServer, path: &str) -> reqwest::Response {
    reqwest::get(format!("{}{path}", server.url())).await.unwrap()
}

async fn json(server: &SimServer, path: &str) -> (u16, Value) {
    let response = get(server, path).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn ids(answer: &Value) -> Vec<String> {
    answer.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap().to_string()).collect()
}

fn truth_ids(server: &SimServer, keep: impl Fn(&ServiceRequest) -> bool) -> Vec<String> {
    server.city.requests().into_iter().filter(|r| keep(r)).map(|r| r.service_request_id).collect()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn generation_is_deterministic_by_seed() {
    let (a, b, other) = (city(42, 500), city(42, 500), city(43, 500));
    assert_eq!(a.requests(), b.requests());
    assert_eq!(a.services(), b.services());
    assert_ne!(a.requests(), other.requests());
    let requests = a.requests();
    assert_eq!(requests.len(), 500);
    let closed = requests.iter().filter(|r| r.status == Status::Closed).count();
    assert!((300..=400).contains(&closed), "{closed} closed of 500");
    assert!(requests.iter().all(|r| r.updated_datetime >= r.requested_datetime));
    assert!(requests.iter().all(|r| r.requested_datetime.unwrap() >= at("2012-01-01T00:00:00Z")));
    assert!(requests.iter().all(|r| r.requested_datetime.unwrap() <= now()));
    assert!(requests.windows(2).all(|w| w[0].requested_datetime >= w[1].requested_datetime), "newest first");
    assert!(requests.iter().any(|r| r.lat.is_none()) && requests.iter().any(|r| r.lat.is_some()));
    let services = a.services();
    assert!((10..=15).contains(&services.len()));
    assert_eq!((services[0].service_code.as_str(), services[0].service_name.as_str()), ("001", "Pothole"));
    let definitions = a.definitions();
    let types: Vec<&str> = definitions.iter().flat_map(|d| d.attributes.iter().map(|a| a.datatype.as_str())).collect();
    assert!(types.contains(&"singlevaluelist") && types.contains(&"multivaluelist"), "{types:?}");
}

#[tokio::test]
async fn spec_server_filters_newest_first() {
    let server = preset("spec", 300).await;
    let (start, end) = (at("2020-01-01T00:00:00Z"), at("2022-12-31T00:00:00Z"));
    let in_window = |r: &ServiceRequest| r.requested_datetime.is_some_and(|t| t >= start && t <= end);
    let (status, answer) = json(&server, "requests.json?start_date=2020-01-01T00:00:00Z&end_date=2022-12-31").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&answer), truth_ids(&server, in_window));
    assert!(!ids(&answer).is_empty());
    let (_, open) = json(&server, "requests.json?status=open&service_code=001,002").await;
    let expected =
        truth_ids(&server, |r| r.status == Status::Open && matches!(r.service_code.as_deref(), Some("001" | "002")));
    assert_eq!(ids(&open), expected);
    let wanted = truth_ids(&server, |_| true);
    let list = format!("requests.json?service_request_id={},{}&start_date=2030-01-01", wanted[5], wanted[9]);
    assert_eq!(ids(&json(&server, &list).await.1), vec![wanted[5].clone(), wanted[9].clone()]);
}

#[tokio::test]
async fn served_json_and_xml_read_back_as_the_ground_truth() {
    let server = preset("spec", 120).await;
    let zone = TimeZone::get(ZONE).unwrap();
    let truth: Vec<ServiceRequest> = server.city.requests().iter().map(comparable).collect();
    for path in ["requests.json", "requests.xml"] {
        let body = get(&server, path).await.bytes().await.unwrap();
        let read: Vec<ServiceRequest> = parse_requests(&body, &zone).unwrap().items.iter().map(comparable).collect();
        assert_eq!(read, truth, "{path}");
    }
}

#[tokio::test]
async fn bad_parameters_answer_400_with_errors() {
    let server = preset("spec", 10).await;
    for query in ["status=pending", "start_date=yesterday", "start_date=2024-02-01&end_date=2024-01-01"] {
        let (status, answer) = json(&server, &format!("requests.json?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(answer[0]["code"], 400, "{query}");
    }
    let paged = serve(10, Behaviour { paging: SimPaging::PageSize { first: 1 }, ..Behaviour::default() }).await;
    assert_eq!(json(&paged, "requests.json?page=two").await.0, 400);
    assert_eq!(json(&paged, "requests.json?page_size=0").await.0, 400);
    let xml = get(&server, "requests.xml?status=pending").await.text().await.unwrap();
    assert!(xml.contains("<errors><error><code>400</code>"), "{xml}");
}

#[tokio::test]
async fn connected_bits_caps_at_50_and_pages_from_1() {
    let server = preset("connected-bits", 180).await;
    let all = truth_ids(&server, |_| true);
    assert_eq!(ids(&json(&server, "requests.json").await.1), all[..50]);
    assert_eq!(ids(&json(&server, "requests.json?page=1&page_size=500").await.1), all[..50]);
    assert_eq!(ids(&json(&server, "requests.json?page=2&page_size=50").await.1), all[50..100]);
    assert_eq!(ids(&json(&server, "requests.json?page=4&page_size=50").await.1), all[150..180]);
    assert_eq!(json(&server, "requests.json?page=5&page_size=50").await, (200, Value::Array(vec![])));
}

#[tokio::test]
async fn mark_a_spot_pages_from_0_and_answers_404_when_empty() {
    let server = preset("mark-a-spot", 100).await;
    let all = truth_ids(&server, |_| true);
    assert_eq!(ids(&json(&server, "requests.json?page=0&limit=10").await.1), all[..10]);
    assert_eq!(ids(&json(&server, "requests.json?page=1&limit=10").await.1), all[10..20]);
    let (status, answer) = json(&server, "requests.json?start_date=2001-01-01&end_date=2001-02-01").await;
    assert_eq!(status, 404);
    assert_eq!(answer[0]["code"], 404);
}

#[tokio::test]
async fn ureport_is_unsorted_ignores_status_and_replays_its_last_page() {
    let server = preset("ureport", 100).await;
    let page = |n: u32| format!("requests.json?page={n}&page_size=30&status=open");
    let mut seen = Vec::new();
    for n in 1..=4 {
        seen.extend(ids(&json(&server, &page(n)).await.1));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    let mut all = truth_ids(&server, |_| true);
    assert_ne!(seen, all, "not newest first");
    all.sort();
    assert_eq!(sorted, all, "every record once, closed ones included");
    assert_eq!(json(&server, &page(5)).await.1, json(&server, &page(4)).await.1);
    assert_eq!(json(&server, &page(0)).await.1, json(&server, &page(1)).await.1);
    let two = format!("requests.json?service_request_id={},{}", all[3], all[4]);
    assert_eq!(ids(&json(&server, &two).await.1), vec![all[3].clone()]);
}

#[tokio::test]
async fn xml_only_answers_an_html_404_for_json() {
    let server = preset("xml-only", 20).await;
    for path in ["requests.json", "services.json"] {
        let response = get(&server, path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(response.text().await.unwrap().contains("<html>"));
    }
    let xml = get(&server, "requests.xml").await.text().await.unwrap();
    assert!(xml.starts_with("<?xml") && xml.matches("<request>").count() == 20, "{xml}");
}

#[tokio::test]
async fn klarschiff_defaults_to_open_and_honours_updated_after() {
    let server = preset("klarschiff", 200).await;
    let open = truth_ids(&server, |r| r.status == Status::Open);
    assert_eq!(ids(&json(&server, "requests.json").await.1), open);
    assert_eq!(ids(&json(&server, "requests.json?status=open,closed").await.1), truth_ids(&server, |_| true));
    let since = at("2024-01-01T00:00:00Z");
    let recent = truth_ids(&server, |r| r.updated_datetime.unwrap() >= since);
    assert_eq!(
        ids(&json(&server, "requests.json?status=open,closed&updated_after=2024-01-01T00:00:00Z").await.1),
        recent
    );
    let spec = preset("spec", 200).await;
    assert_eq!(json(&spec, "requests.json?updated_after=2024-01-01T00:00:00Z").await.1.as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn capped_window_answers_only_the_last_90_days() {
    let server = preset("capped-window", 1500).await;
    let end = at("2025-05-01T00:00:00Z");
    let cut = at("2025-01-31T00:00:00Z");
    let expected = truth_ids(&server, |r| r.requested_datetime.is_some_and(|t| t >= cut && t <= end));
    let (_, answer) =
        json(&server, "requests.json?start_date=2024-05-01T00:00:00Z&end_date=2025-05-01T00:00:00Z").await;
    assert!(!expected.is_empty() && expected.len() < 200, "{}", expected.len());
    assert_eq!(ids(&answer), expected);
}

#[tokio::test]
async fn zoneless_dates_are_city_local_time() {
    let server = serve(150, Behaviour { zoneless_dates: true, ..Behaviour::default() }).await;
    let zone = TimeZone::get(ZONE).unwrap();
    let (_, answer) = json(&server, "requests.json").await;
    let truth = server.city.requests();
    for (served, truth) in answer.as_array().unwrap().iter().zip(&truth) {
        let text = served["requested_datetime"].as_str().unwrap();
        assert_eq!(text.len(), 19, "{text} has no zone");
        assert_eq!(parse_lenient(text, &zone), truth.requested_datetime);
        assert_eq!(parse_lenient(served["updated_datetime"].as_str().unwrap(), &zone), truth.updated_datetime);
    }
    let first = truth[0].requested_datetime.unwrap();
    let local = zone.to_datetime(first).strftime("%Y-%m-%dT%H:%M:%S").to_string();
    assert_eq!(answer[0]["requested_datetime"], local.as_str());
}

#[tokio::test]
async fn ignoring_dates_answers_from_the_newest() {
    let server = serve(60, Behaviour { ignores_dates: true, cap: 10, ..Behaviour::default() }).await;
    let (_, answer) = json(&server, "requests.json?start_date=2001-01-01&end_date=2001-02-01").await;
    assert_eq!(ids(&answer), truth_ids(&server, |_| true)[..10]);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let server = serve(5, Behaviour { rate_limit_per_sec: Some(4), ..Behaviour::default() }).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = get(&server, "services.json").await;
        if response.status() == 429 {
            assert_eq!(response.headers()["retry-after"], "1");
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn every_nth_call_fails_with_500() {
    let server = serve(5, Behaviour { fail_every: Some(3), ..Behaviour::default() }).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(get(&server, "requests.json").await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 500, 200, 200, 500]);
    assert_eq!(server.city.calls(), 6);
}

#[tokio::test]
async fn truncated_calls_announce_the_whole_body_then_drop() {
    let server = serve(40, Behaviour { truncate_every: Some(2), ..Behaviour::default() }).await;
    let whole = get(&server, "requests.json").await.bytes().await.unwrap();
    let cut = get(&server, "requests.json").await;
    assert_eq!(cut.content_length(), Some(whole.len() as u64));
    assert!(cut.bytes().await.is_err(), "the body must not complete");
    assert_eq!(get(&server, "requests.json").await.bytes().await.unwrap(), whole);
}

#[tokio::test]
async fn every_nth_call_stalls() {
    let stall = Duration::from_millis(300);
    let server = serve(5, Behaviour { stall_every: Some(2), stall, ..Behaviour::default() }).await;
    let started = Instant::now();
    get(&server, "services.json").await;
    assert!(started.elapsed() < stall);
    let started = Instant::now();
    get(&server, "services.json").await;
    assert!(started.elapsed() >= stall);
}

#[tokio::test]
async fn every_nth_record_is_served_without_an_id() {
    let behaviour = Behaviour { ids_missing_every: Some(10), ..Behaviour::default() };
    let server = serve(100, behaviour.clone()).await;
    let served = ids(&json(&server, "requests.json").await.1);
    let hidden = truth_ids(&server, |r| behaviour.hides_id(&r.service_request_id));
    assert_eq!(hidden.len(), 10);
    assert_eq!(served.iter().filter(|id| id.is_empty()).count(), 10);
    assert!(hidden.iter().all(|id| !served.contains(id)));
}

#[tokio::test]
async fn offset_paging_skips_records() {
    let server = serve(90, Behaviour { cap: 25, paging: SimPaging::Offset, ..Behaviour::default() }).await;
    let all = truth_ids(&server, |_| true);
    assert_eq!(ids(&json(&server, "requests.json?offset=25&limit=25").await.1), all[25..50]);
    assert_eq!(ids(&json(&server, "requests.json?offset=80&limit=100").await.1), all[80..90]);
}

#[tokio::test]
async fn mutations_show_up_in_answers() {
    let server = preset("spec", 50).await;
    let open = truth_ids(&server, |r| r.status == Status::Open);
    let when = at("2025-06-01T13:00:00Z");
    assert!(server.city.close(&open[0], when));
    assert!(server.city.edit_description(&open[1], "Pothole now a crater", when));
    let added = server.city.add(3);
    let (_, one) = json(&server, &format!("requests/{}.json", open[0])).await;
    assert_eq!(
        (one[0]["status"].as_str(), one[0]["updated_datetime"].as_str()),
        (Some("closed"), Some("2025-06-01T13:00:00Z"))
    );
    let (_, edited) = json(&server, &format!("requests/{}.json", open[1])).await;
    assert_eq!(edited[0]["description"], "Pothole now a crater");
    let newest = ids(&json(&server, "requests.json").await.1);
    assert_eq!(newest.len(), 53);
    assert!(added.iter().all(|id| newest[..3].contains(id)), "{added:?} vs {:?}", &newest[..3]);
    assert!(!server.city.close("nope", when));
}

#[tokio::test]
async fn services_definitions_single_requests_and_discovery() {
    let server = preset("spec", 20).await;
    let (_, services) = json(&server, "services.json").await;
    assert_eq!(services[0]["service_code"], "001");
    let (status, definition) = json(&server, "services/001.json").await;
    assert_eq!(status, 200);
    assert_eq!(definition["attributes"][1]["datatype"], "singlevaluelist");
    assert_eq!(definition["attributes"][1]["values"][2]["key"], "L");
    assert_eq!(json(&server, "services/002.json").await.0, 404);
    let xml = get(&server, "services/003.xml").await.text().await.unwrap();
    assert!(xml.contains("<datatype>multivaluelist</datatype>"), "{xml}");
    let (status, missing) = json(&server, "requests/999.json").await;
    assert_eq!((status, missing[0]["code"].as_u64()), (404, Some(404)));
    let (_, discovery) = json(&server, "discovery.json").await;
    assert_eq!(discovery["endpoints"][0]["url"], server.url().as_str());
    assert_eq!(get(&server, "nothing.json").await.status().as_u16(), 404);
}

#[tokio::test]
async fn simulation_writes_loadable_jurisdiction_files() {
    let dir = tempfile::tempdir().unwrap();
    let cities = vec!["spec".to_string(), "mark-a-spot".to_string(), "spec".to_string()];
    let args =
        SimulateArgs { seed: 3, records: 20, cities, port: 0, jurisdictions_out: Some(dir.path().to_path_buf()) };
    let simulation = start_simulation(&args).await.unwrap();
    let registry = fed311::registry::Registry::load(dir.path()).unwrap();
    let mut found: Vec<(String, String)> = registry.iter().map(|j| (j.id.clone(), j.endpoint.to_string())).collect();
    found.sort();
    let mut expected: Vec<(String, String)> =
        simulation.cities.iter().map(|c| (c.id.clone(), c.server.url())).collect();
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(
        expected.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["sim-mark-a-spot", "sim-spec", "sim-spec-2"]
    );
    assert_eq!(json(&simulation.cities[1].server, "requests.json?limit=5").await.1.as_array().unwrap().len(), 5);
    let unknown = SimulateArgs { cities: vec!["nonesuch".to_string()], jurisdictions_out: None, ..args };
    assert!(start_simulation(&unknown).await.err().unwrap().to_string().contains("nonesuch"));
}

/// Loopback throughput over a million records; prints the rate, never asserts it:
/// `cargo test --release --test fed311 simulate:: -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "benchmark: a million records, run in release"]
async fn serves_a_million_records_fast() {
    let started = Instant::now();
    let city = tokio::task::spawn_blocking(|| SimCity::generate(1, 1_000_000, ZONE)).await.unwrap();
    let rss = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = rss.lines().find(|l| l.starts_with("VmRSS")).unwrap_or("").to_string();
    eprintln!("generated 1M records in {:?} ({rss})", started.elapsed());
    let behaviour = Behaviour { paging: SimPaging::PageSize { first: 1 }, ..Behaviour::default() };
    let server = spawn(city, behaviour).await.unwrap();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..4u32 {
        let (client, url) = (client.clone(), server.url());
        workers.push(tokio::spawn(async move {
            let mut served = 0;
            for page in (1 + worker..=1000).step_by(4) {
                let body = client.get(format!("{url}requests.json?page={page}&page_size=1000")).send().await.unwrap();
                served += body.json::<Vec<Value>>().await.unwrap().len();
            }
            served
        }));
    }
    let mut served = 0;
    for worker in workers {
        served += worker.await.unwrap();
    }
    let rate = served as f64 / started.elapsed().as_secs_f64();
    eprintln!("served {served} records in {:?}: {rate:.0} records/s", started.elapsed());
    assert_eq!(served, 1_000_000);
}
