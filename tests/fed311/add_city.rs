//! `fed311 add-city`: one command probes a city (simulated, on 127.0.0.1) and writes a
//! checked jurisdiction file with what it learned; harvesting from that file alone yields
//! every request the city holds.

use crate::common;

use std::path::Path;

use fed311::simulate::{Behaviour, SimCity, spawn};
use fed311::store::Store;

/// Runs the binary off the async threads (the simulated city is served by this runtime).
async fn fed311(jurisdictions: &Path, data: &Path, args: &[&str]) -> (bool, String, String) {
    let (j, d) = (jurisdictions.to_path_buf(), data.to_path_buf());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::fed311(&j, &d, &args)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_probed_city_gets_a_checked_file_that_harvests_it_whole() {
    // Mark-a-Spot: 25 per call unless asked for up to 50 with `limit`, pages from 0, 404 when
    // nothing is found; its requests are in Chicago and its datetimes in UTC.
    let city =
        spawn(SimCity::generate(21, 600, "America/Chicago"), Behaviour::dialect("mark-a-spot").unwrap()).await.unwrap();
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = format!("{}requests.json?status=open", city.url());
    let (ok, stdout, stderr) = fed311(jurisdictions.path(), data.path(), &["add-city", &url, "--id", "masp"]).await;
    assert!(ok, "{stdout}{stderr}");
    let file = std::fs::read_to_string(jurisdictions.path().join("masp.toml")).unwrap();
    for line in [
        format!("endpoint = \"{}\"", city.url()),
        "timezone = \"America/Chicago\"".to_string(),
        "format = \"json\"".to_string(),
        "page_size = 50".to_string(),
        "paging = \"limit\"".to_string(),
        "first_page = 0".to_string(),
    ] {
        assert!(file.lines().any(|l| l.starts_with(&line)), "{line} missing:\n{file}");
    }
    assert!(file.lines().filter(|l| l.contains(" = ")).all(|l| l.contains(" # ")), "a comment per key:\n{file}");
    let (ok, stdout, stderr) = fed311(jurisdictions.path(), data.path(), &["check"]).await;
    assert!(ok, "{stdout}{stderr}");

    let (ok, stdout, stderr) = fed311(jurisdictions.path(), data.path(), &["harvest", "--once"]).await;
    assert!(ok, "{stdout}{stderr}");
    let store = Store::open(data.path()).unwrap();
    assert_eq!(store.count_requests("masp").unwrap() as usize, city.city.requests().len());
}

#[tokio::test]
async fn add_city_refuses_what_it_cannot_probe_or_would_overwrite() {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (ok, _, stderr) =
        fed311(jurisdictions.path(), data.path(), &["add-city", &format!("http://127.0.0.1:{port}/"), "--id", "x"])
            .await;
    assert!(!ok && stderr.contains("does not answer like a GeoReport v2 endpoint"), "{stderr}");
    assert!(!jurisdictions.path().join("x.toml").exists(), "nothing written");

    common::write_city(jurisdictions.path(), "taken", "https://example.org/open311/v2/", "");
    let (ok, _, stderr) =
        fed311(jurisdictions.path(), data.path(), &["add-city", "https://example.org/open311/v2/", "--id", "taken"])
            .await;
    assert!(!ok && stderr.contains("--force"), "{stderr}");
}
