//! Many nodes on one store: real `fed311 serve` processes sharing a store harvest each city
//! once (the calls one node would make), take over a city whose node was killed mid-pass,
//! and deliver every report once whichever node took it and however often nodes die.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::fake_city::{FakeCity, Mode};
use common::*;
use fed311::harvest::harvest_city;
use fed311::registry::Registry;
use fed311::simulate::{Behaviour, DIALECTS, SimCity, SimServer, spawn};
use fed311::store::Store;
use fed311::upstream::Client;

/// Records per simulated city.
const RECORDS: usize = 1200;

/// Simulated cities of every dialect, each with a jurisdiction file in `dir`.
async fn cities_of_every_dialect(dir: &Path) -> Vec<SimServer> {
    let mut servers = Vec::new();
    for (i, dialect) in DIALECTS.iter().enumerate() {
        let behaviour = Behaviour::dialect(dialect).expect("a known dialect");
        let server = spawn(SimCity::generate(70 + i as u64, RECORDS, "America/Chicago"), behaviour).await.unwrap();
        write_city(dir, &format!("city-{i}"), &server.url(), "");
        servers.push(server);
    }
    servers
}

/// Each city's records and calls after one node's first pass, in this process.
async fn one_node_alone() -> (HashMap<String, u64>, u64) {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let servers = cities_of_every_dialect(jurisdictions.path()).await;
    let registry = Registry::load(jurisdictions.path()).unwrap();
    let store = Store::open(data.path()).unwrap();
    let client = Client::with_settings(Duration::from_millis(10), Duration::from_secs(10)).unwrap();
    let mut records = HashMap::new();
    for city in registry.iter() {
        let report = harvest_city(&client, &store, city, false).await;
        assert!(report.succeeded(), "{}: {:?}", city.id, report.failure);
        records.insert(city.id.clone(), store.count_requests(&city.id).unwrap());
    }
    (records, servers.iter().map(|s| s.city.calls()).sum())
}

/// A node of the cluster: the real binary on the shared store, with its own index.
async fn node(jurisdictions: &Path, data: &Path, name: &str, roles: &str, env: &[(&str, &str)]) -> ServeProcess {
    let index = data.join(format!("index-{name}"));
    let args = ["--node-id", name, "--roles", roles, "--city-lease", "2", "--submission-claim", "5"];
    ServeProcess::start_indexed(jurisdictions, data, &index, &args, env, None).await
}

/// Waits (up to two minutes) until every city in `ids` has finished a successful pass.
async fn wait_for_passes(store: &Store, ids: &[String], nodes: &mut [&mut ServeProcess]) {
    let started = Instant::now();
    loop {
        let done = store.last_successes().unwrap();
        if ids.iter().all(|id| done.contains_key(id)) {
            return;
        }
        for n in nodes.iter_mut() {
            if let Ok(Some(status)) = n.child.try_wait() {
                panic!("a node exited ({status}): {}", n.log_text());
            }
        }
        assert!(started.elapsed() < Duration::from_secs(120), "passes not finished: {done:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn three_nodes_on_one_store_harvest_every_record_once_with_the_calls_of_one() {
    let (alone, alone_calls) = one_node_alone().await;

    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let servers = cities_of_every_dialect(jurisdictions.path()).await;
    let mut nodes = Vec::new();
    for name in ["n1", "n2", "n3"] {
        nodes.push(node(jurisdictions.path(), data.path(), name, "api,harvest", &[]).await);
    }
    let store = Store::open(data.path()).unwrap();
    let ids: Vec<String> = alone.keys().cloned().collect();
    wait_for_passes(&store, &ids, &mut nodes.iter_mut().collect::<Vec<_>>()).await;

    for (id, count) in &alone {
        assert_eq!(store.count_requests(id).unwrap(), *count, "{id}: every record, once");
    }
    let calls: u64 = servers.iter().map(|s| s.city.calls()).sum();
    println!("calls: three nodes {calls}, one node {alone_calls}");
    assert!(calls as f64 <= alone_calls as f64 * 1.1, "three nodes made {calls} calls, one alone {alone_calls}");
    // Each node's index follows the shared store: a search on any node finds every record.
    let total: u64 = alone.values().sum();
    for n in &nodes {
        let url = format!("http://{}/api/v1/requests?limit=1", n.addr);
        let started = Instant::now();
        loop {
            let (status, page) = get_json(&url).await;
            if status == 200 && page["total"].as_u64() == Some(total) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(90), "{} searches {page}", n.addr);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn a_city_whose_node_is_killed_mid_pass_is_finished_by_another() {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A slow city: every call waits, so the pass is long enough to be cut.
    let slow = Behaviour { cap: 50, stall_every: Some(1), stall: Duration::from_millis(120), ..Behaviour::default() };
    let city = spawn(SimCity::generate(90, 2000, "America/Chicago"), slow).await.unwrap();
    write_city(jurisdictions.path(), "slow", &city.url(), "");
    let store = Store::open(data.path()).unwrap();

    let mut first = node(jurisdictions.path(), data.path(), "first", "harvest", &[]).await;
    let started = Instant::now();
    while store.count_requests("slow").unwrap() < 300 {
        assert!(started.elapsed() < Duration::from_secs(60), "the first node never got going: {}", first.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(store.city_holder("slow").unwrap().as_deref(), Some("first"));
    first.kill9();
    let killed_at = Instant::now();
    let partial = store.count_requests("slow").unwrap();
    assert!(partial < 2000, "killed mid-pass: {partial} of 2000");

    let mut second = node(jurisdictions.path(), data.path(), "second", "harvest", &[]).await;
    let taken = loop {
        if store.city_holder("slow").unwrap().as_deref() == Some("second") {
            break killed_at.elapsed();
        }
        assert!(killed_at.elapsed() < Duration::from_secs(30), "never taken over: {}", second.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!("taken over {:.1} s after the kill (lease 2 s)", taken.as_secs_f64());
    wait_for_passes(&store, &["slow".to_string()], &mut [&mut second]).await;
    assert_eq!(store.count_requests("slow").unwrap(), 2000, "every record, nothing lost");
}

#[tokio::test]
async fn reports_posted_to_different_nodes_reach_the_city_once_across_kills() {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let port = free_addr().port();
    write_city(jurisdictions.path(), "town", &format!("http://127.0.0.1:{port}/"), "format = \"json\"");
    let env = [("FED311_API_KEYS", TEST_KEY)];
    let start = |name: &'static str| {
        let (j, d) = (jurisdictions.path().to_path_buf(), data.path().to_path_buf());
        async move { node(&j, &d, name, "api,forward", &env).await }
    };
    let (mut a, mut b) = (start("a").await, start("b").await);

    // The city is down: every report waits in the shared outbox.
    let mut tokens = Vec::new();
    for i in 0..8 {
        let api = if i % 2 == 0 { a.addr } else { b.addr };
        let form = [
            ("api_key", TEST_KEY),
            ("jurisdiction_id", "town"),
            ("service_code", "POT"),
            ("description", &format!("Report {i}: pothole by the school")),
            ("lat", "43.65"),
            ("long", "-79.38"),
        ];
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("http://{api}/open311/v2/requests.json"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(answer[0]["token"].as_str().expect("a token").to_string());
    }
    a.kill9();
    b.kill9();

    let city = FakeCity::new(Mode::Accept);
    city.serve(std::net::SocketAddr::from(([127, 0, 0, 1], port))).await;
    let (a, b) = (start("a").await, start("b").await);
    for token in &tokens {
        for api in [a.addr, b.addr] {
            let url = format!("http://{api}/open311/v2/tokens/{token}.json");
            let started = Instant::now();
            loop {
                let (status, body) = get_json(&url).await;
                if status == 200 && body[0]["service_request_id"].is_string() {
                    break;
                }
                assert!(started.elapsed() < Duration::from_secs(60), "{token} on {api}: {status} {body}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let posted: Vec<String> = city
        .posts
        .lock()
        .unwrap()
        .iter()
        .filter_map(|form| form.iter().find(|(k, _)| k == "description").map(|(_, v)| v.clone()))
        .collect();
    for i in 0..8 {
        let n = posted.iter().filter(|d| d.starts_with(&format!("Report {i}:"))).count();
        assert_eq!(n, 1, "report {i} reached the city {n} times: {posted:?}");
    }
}
