//! Many nodes on one store: real `fed311 serve` processes sharing a store harvest each city
//! once (the calls one node would make), take over a city whose node was killed mid-pass,
//! and deliver every report once whichever node took it and however often nodes die. Each
//! test runs on a shared SQLite file, then on PostgreSQL when the tests have a server
//! (`FED311_TEST_POSTGRES`, see [`common::test_postgres`]).

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::fake_city::{FakeCity, Mode};
use common::*;
use fed311::harvest::harvest_city;
use fed311::registry::Registry;
use fed311::simulate::{Behaviour, DIALECTS, SimCity, SimServer, spawn};
use fed311::store::{ScratchDatabase, Store, StoreLocation};
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

/// The store the nodes share: a SQLite file in a folder, or a fresh PostgreSQL database.
struct Shared {
    location: StoreLocation,
    /// The jurisdiction files, and each node's index and log.
    jurisdictions: tempfile::TempDir,
    data: tempfile::TempDir,
    _database: Option<ScratchDatabase>,
}

impl Shared {
    fn sqlite() -> Shared {
        let data = tempfile::tempdir().unwrap();
        let location = StoreLocation::Sqlite(data.path().to_path_buf());
        Shared { location, jurisdictions: tempfile::tempdir().unwrap(), data, _database: None }
    }

    fn postgres(test: &str) -> Option<Shared> {
        let database = ScratchDatabase::create(&test_postgres(test)?, "fed311_c").expect("a scratch database");
        let location = database.location().clone();
        let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        Some(Shared { location, jurisdictions, data, _database: Some(database) })
    }

    /// A handle on the store, as the test's own eyes.
    fn store(&self) -> Store {
        Store::connect(&self.location).expect("the shared store opens")
    }

    /// A node: the real binary on the shared store, with its own index.
    async fn node(&self, name: &str, roles: &str, env: &[(&str, &str)]) -> ServeProcess {
        let (jurisdictions, data) = (self.jurisdictions.path(), self.data.path());
        let index = data.join(format!("index-{name}"));
        let mut args = vec!["--node-id", name, "--roles", roles, "--city-lease", "2", "--submission-claim", "5"];
        let url;
        if let StoreLocation::Postgres(u) = &self.location {
            url = u.clone();
            args.extend(["--store", url.as_str()]);
        }
        ServeProcess::start_indexed(jurisdictions, data, &index, &args, env, None).await
    }
}

/// Runs `body` on a shared SQLite file, then on PostgreSQL when there is a server.
async fn on_both<F: std::future::Future<Output = ()>>(test: &str, body: impl Fn(Shared) -> F) {
    body(Shared::sqlite()).await;
    if let Some(shared) = Shared::postgres(test) {
        body(shared).await;
    }
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
    on_both("three_nodes", three_nodes).await;
}

async fn three_nodes(shared: Shared) {
    let (alone, alone_calls) = one_node_alone().await;
    let servers = cities_of_every_dialect(shared.jurisdictions.path()).await;
    let mut nodes = Vec::new();
    for name in ["n1", "n2", "n3"] {
        nodes.push(shared.node(name, "api,harvest", &[]).await);
    }
    let store = shared.store();
    let ids: Vec<String> = alone.keys().cloned().collect();
    wait_for_passes(&store, &ids, &mut nodes.iter_mut().collect::<Vec<_>>()).await;

    for (id, count) in &alone {
        assert_eq!(store.count_requests(id).unwrap(), *count, "{id}: every record, once");
    }
    let calls: u64 = servers.iter().map(|s| s.city.calls()).sum();
    println!("{}: calls: three nodes {calls}, one node {alone_calls}", shared.location);
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
    // Stats on every node equal the store: a count per city, the same answer everywhere.
    let mut answers = Vec::new();
    for n in &nodes {
        let (status, stats) = get_json(&format!("http://{}/api/v1/stats?group_by=jurisdiction,status", n.addr)).await;
        assert_eq!(status, 200, "{stats}");
        for (id, count) in &alone {
            let counted: u64 = stats["groups"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|g| g["jurisdiction_id"] == id.as_str())
                .map(|g| g["count"].as_u64().unwrap())
                .sum();
            assert_eq!(counted, *count, "{}: stats of {id}", n.addr);
        }
        answers.push(stats);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "every node's stats agree: {answers:?}");
}

#[tokio::test]
async fn a_city_whose_node_is_killed_mid_pass_is_finished_by_another() {
    on_both("killed_mid_pass", killed_mid_pass).await;
}

async fn killed_mid_pass(shared: Shared) {
    // A slow city: every call waits, so the pass is long enough to be cut.
    let slow = Behaviour { cap: 50, stall_every: Some(1), stall: Duration::from_millis(120), ..Behaviour::default() };
    let city = spawn(SimCity::generate(90, 2000, "America/Chicago"), slow).await.unwrap();
    write_city(shared.jurisdictions.path(), "slow", &city.url(), "");
    let store = shared.store();

    let mut first = shared.node("first", "harvest", &[]).await;
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

    let mut second = shared.node("second", "harvest", &[]).await;
    let taken = loop {
        if store.city_holder("slow").unwrap().as_deref() == Some("second") {
            break killed_at.elapsed();
        }
        assert!(killed_at.elapsed() < Duration::from_secs(30), "never taken over: {}", second.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!("{}: taken over {:.1} s after the kill (lease 2 s)", shared.location, taken.as_secs_f64());
    wait_for_passes(&store, &["slow".to_string()], &mut [&mut second]).await;
    assert_eq!(store.count_requests("slow").unwrap(), 2000, "every record, nothing lost");
}

#[tokio::test]
async fn reports_posted_to_different_nodes_reach_the_city_once_across_kills() {
    on_both("reports_once", reports_once).await;
}

async fn reports_once(shared: Shared) {
    let port = free_addr().port();
    write_city(shared.jurisdictions.path(), "town", &format!("http://127.0.0.1:{port}/"), "format = \"json\"");
    let env = [("FED311_API_KEYS", TEST_KEY)];
    let (mut a, mut b) = (shared.node("a", "api,forward", &env).await, shared.node("b", "api,forward", &env).await);

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
    let (a, b) = (shared.node("a", "api,forward", &env).await, shared.node("b", "api,forward", &env).await);
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
