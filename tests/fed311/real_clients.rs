//! Existing Open311 clients work unchanged: the `georeport` package from PyPI lists services,
//! reads a definition, lists and reads requests through fed311 in JSON and XML, and a posted
//! request arrives at the city. `.ci/run` installs the package and sets
//! `FED311_REQUIRE_CLIENTS=1`, so there the test cannot skip.

#![allow(clippy::disallowed_methods, reason = "this module reads its switch: FED311_REQUIRE_CLIENTS")]

use crate::common;

use std::time::Duration;

use common::fake_city::{FakeCity, Mode};
use common::*;
use fed311::harvest::harvest_city;
use fed311::registry::Registry;
use fed311::simulate::{Behaviour, SimCity, spawn as spawn_sim};
use fed311::store::Store;
use fed311::upstream::Client;

fn georeport_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import georeport, requests"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var("FED311_REQUIRE_CLIENTS").is_err(), "georeport is required here but not installed");
        eprintln!("skipping: python3 with the georeport package is not installed (pip install georeport==0.3.1)");
    }
    ok
}

#[tokio::test]
async fn the_georeport_library_works_unchanged() {
    if !georeport_available() {
        return;
    }
    // One city with requests and definitions (simulated), one that takes posts (fake).
    let sim = spawn_sim(SimCity::generate(3, 60, "America/Toronto"), Behaviour::default()).await.unwrap();
    let town = FakeCity::new(Mode::Accept);
    let town_addr = town.serve("127.0.0.1:0".parse().unwrap()).await;
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "sim", &format!("http://{}/", sim.addr), "");
    write_city(jurisdictions.path(), "town", &format!("http://{town_addr}/"), "format = \"json\"");
    let data = tempfile::tempdir().unwrap();
    let registry = Registry::load(jurisdictions.path()).unwrap();
    let store = Store::open(data.path()).unwrap();
    let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(2)).unwrap();
    for id in ["sim", "town"] {
        assert!(harvest_city(&client, &store, registry.get(id).unwrap(), false).await.succeeded());
    }
    let (api, _stop) = spawn_fed311_forwarding(jurisdictions.path(), data.path()).await;

    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/georeport_client.py");
    let root = format!("http://{api}/open311/v2");
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .args([root.as_str(), "sim", "town", TEST_KEY])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();

    let mut codes: Vec<String> = store.list_services("sim").unwrap().into_iter().map(|s| s.service_code).collect();
    codes.sort();
    for fmt in ["json", "xml"] {
        let v = &seen[fmt];
        assert_eq!(v["service_codes"], serde_json::json!(codes), "{fmt}");
        assert!(v["attribute_count"].as_u64().unwrap() > 0, "{fmt}");
        let ids = v["request_ids"].as_array().unwrap();
        assert_eq!(ids.len(), 60, "{fmt}: every request since the start_date asked for (at most 1,000 without paging)");
        let one = &v["one"];
        let stored = store.get_request("sim", one["service_request_id"].as_str().unwrap()).unwrap().unwrap();
        assert_eq!(one["status"], stored.request.status.as_str());
        assert_eq!(one["service_code"].as_str(), stored.request.service_code.as_deref());
    }
    assert_eq!(seen["post"]["status"], 200, "{}", seen["post"]);
    assert_eq!(seen["post"]["answer"][0]["service_request_id"], "C-1");
    let posts = town.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 1, "the request arrived at the city once");
    assert!(posts[0].iter().any(|(k, v)| k == "description" && v.contains("georeport test")));
}
