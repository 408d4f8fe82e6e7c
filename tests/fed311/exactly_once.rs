//! Exactly once across crashes: the real `fed311 serve` is killed with SIGKILL twice while a
//! slow city is answering its posts. That city keeps reports as cities do, not as sent: it
//! trims and collapses whitespace and cuts long descriptions, snaps points to four decimals,
//! and its clock (its `Date` header, its times and its date filters) runs five hours ahead.
//! Every report must reach it once: a post whose answer was lost is found in its list on its
//! clock, never sent again.

use crate::common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

/// How far ahead the city's clock runs.
const SKEW: SignedDuration = SignedDuration::from_hours(5);
/// How long the city takes to answer a post (after keeping it).
const SLOW: Duration = Duration::from_millis(1500);
const REPORTS: usize = 12;

/// One report as the city keeps it.
#[derive(Clone)]
struct Kept {
    description: String,
    lat: f64,
    long: f64,
    requested: Timestamp,
}

#[derive(Clone, Default)]
struct SlowCity {
    kept: Arc<Mutex<Vec<Kept>>>,
    /// Posts being answered right now.
    answering: Arc<AtomicUsize>,
}

impl SlowCity {
    async fn serve(&self) -> SocketAddr {
        let app = Router::new().route("/requests.json", get(list).post(take)).with_state(self.clone());
        spawn(app).await
    }
}

fn city_now() -> Timestamp {
    Timestamp::now() + SKEW
}

fn dated(body: serde_json::Value) -> Response {
    let date = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&city_now()).unwrap();
    ([(header::DATE, date)], axum::Json(body)).into_response()
}

/// Keeps the report its own way, then answers slowly.
async fn take(State(city): State<SlowCity>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let trimmed = field("description").split_whitespace().collect::<Vec<_>>().join(" ");
    let description = if trimmed.chars().count() > 40 {
        format!("{}…", trimmed.chars().take(40).collect::<String>())
    } else {
        trimmed
    };
    let snap = |v: String| (v.parse::<f64>().unwrap() * 1e4).round() / 1e4;
    let kept = Kept { description, lat: snap(field("lat")), long: snap(field("long")), requested: city_now() };
    city.answering.fetch_add(1, Ordering::SeqCst);
    let id = {
        let mut all = city.kept.lock().unwrap();
        all.push(kept);
        format!("S-{}", all.len())
    };
    tokio::time::sleep(SLOW).await;
    city.answering.fetch_sub(1, Ordering::SeqCst);
    dated(json!([{"service_request_id": id}]))
}

/// Its list, filtered by its own clock.
async fn list(State(city): State<SlowCity>, RawQuery(q): RawQuery) -> Response {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let bound = |name: &str| pairs.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<Timestamp>().ok());
    let (start, end) = (bound("start_date"), bound("end_date"));
    let all = city.kept.lock().unwrap().clone();
    let listed: Vec<serde_json::Value> = all
        .iter()
        .enumerate()
        .filter(|(_, k)| start.is_none_or(|s| k.requested >= s) && end.is_none_or(|e| k.requested <= e))
        .map(|(i, k)| {
            json!({"service_request_id": format!("S-{}", i + 1), "status": "open", "service_code": "POT",
                   "description": k.description, "lat": k.lat, "long": k.long,
                   "requested_datetime": fed311::domain::time::format_utc(k.requested)})
        })
        .collect();
    dated(json!(listed))
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn two_kill_9s_during_a_slow_skewed_city_deliver_every_report_once() {
    let city = SlowCity::default();
    let addr = city.serve().await;
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_city(jurisdictions.path(), "town", &format!("http://{addr}/"), "format = \"json\"");
    let env = [("FED311_API_KEYS", TEST_KEY), ("RUST_LOG", "warn,fed311::submit=info")];
    let start = || ServeProcess::start(jurisdictions.path(), data.path(), &["--no-harvest"], &env, None);
    let mut served = start().await;
    let api = served.addr;
    let posts: Vec<_> = (0..REPORTS)
        .map(|i| {
            let description = format!(
                "  Report {i:02}:   a DEEP pothole\n by the school crossing, about {i} metres from the corner "
            );
            let (lat, long) = (format!("{:.6}", 43.651234 + i as f64 * 0.001), format!("{:.6}", -79.381234));
            tokio::spawn(async move {
                let form = [
                    ("api_key", TEST_KEY),
                    ("jurisdiction_id", "town"),
                    ("service_code", "POT"),
                    ("description", description.as_str()),
                    ("lat", lat.as_str()),
                    ("long", long.as_str()),
                ];
                let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
                let answer = reqwest::Client::new()
                    .post(format!("http://{api}/open311/v2/requests.json"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), 200);
                answer.json::<serde_json::Value>().await.unwrap()[0].clone()
            })
        })
        .collect();
    let mut receipts = Vec::new();
    for post in posts {
        receipts.push(post.await.unwrap());
    }
    // Twice: kill fed311 while the city is in the middle of answering a post, then restart.
    for _ in 0..2 {
        // A post this fed311 made: the city may still be answering one the last (killed) made.
        let kept_before = city.kept.lock().unwrap().len();
        wait_until("the city is answering a post of this fed311", || {
            city.answering.load(Ordering::SeqCst) > 0 && city.kept.lock().unwrap().len() > kept_before
        })
        .await;
        served.kill9();
        served = start().await;
    }
    let mut ids = Vec::new();
    for receipt in &receipts {
        let id = match receipt["token"].as_str() {
            Some(token) => {
                let url = format!("http://{}/open311/v2/tokens/{token}.json", served.addr);
                let mut id = None;
                for _ in 0..1500 {
                    let (status, body) = get_json(&url).await;
                    assert_eq!(status, 200, "{body}");
                    if let Some(found) = body[0]["service_request_id"].as_str() {
                        id = Some(found.to_string());
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                id.unwrap_or_else(|| panic!("token {token} never resolved: {}", served.log_text()))
            }
            None => receipt["service_request_id"].as_str().unwrap().to_string(),
        };
        ids.push(id);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kept = city.kept.lock().unwrap().clone();
    let mut descriptions: Vec<&str> = kept.iter().map(|k| k.description.as_str()).collect();
    println!("{} reports, {} kept by the city: {descriptions:?}", REPORTS, kept.len());
    descriptions.sort_unstable();
    descriptions.dedup();
    assert_eq!(descriptions.len(), REPORTS, "every report reached the city");
    assert_eq!(kept.len(), REPORTS, "and none twice");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), REPORTS, "each token resolved to its own city id");
    // Both lost answers were looked for on the city's clock (five hours ahead of ours).
    let logs: String = std::fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let looked = logs.matches("Looking for a submission on the city's clock").count();
    assert!(looked >= 2, "{looked} lookups on the city's clock: {logs}");
    assert!(logs.contains("17999") || logs.contains("18000"), "the skew (5 h) read from its Date header: {logs}");
}
