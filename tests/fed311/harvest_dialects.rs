//! Completeness against every real-world dialect: each simulated city runs as a real HTTP
//! server on 127.0.0.1, is harvested from a jurisdiction file holding only the four required
//! keys, and the store must then equal the city's data field by field.

use crate::common;

use std::time::Duration;

use common::harness::{Harness, ZONE, assert_same};
use fed311::simulate::{Behaviour, SimCity, spawn};
use fed311::store::Store;

async fn harvests_exactly(behaviour: Behaviour, records: usize) -> Harness {
    let h = Harness::new(7, records, behaviour, "").await;
    h.harvest(false).await;
    h.assert_store_equals_city();
    h
}

fn preset(name: &str) -> Behaviour {
    Behaviour::dialect(name).unwrap_or_else(|| panic!("no preset {name}"))
}

#[tokio::test]
async fn well_behaved_spec_server() {
    harvests_exactly(preset("spec"), 400).await;
}

#[tokio::test]
async fn connected_bits_cap_50_with_page_size_paging() {
    let h = harvests_exactly(preset("connected-bits"), 600).await;
    let ideal = 600 / 50;
    assert!(h.server.city.calls() < (ideal * 8) as u64, "calls {}", h.server.city.calls());
}

#[tokio::test]
async fn mark_a_spot_zero_based_limit_and_404_when_empty() {
    harvests_exactly(preset("mark-a-spot"), 400).await;
}

#[tokio::test]
async fn ureport_ignores_status_unsorted_and_replays_pages() {
    harvests_exactly(preset("ureport"), 400).await;
}

#[tokio::test]
async fn fixmystreet_without_paging() {
    harvests_exactly(preset("fixmystreet"), 400).await;
}

#[tokio::test]
async fn seeclickfix_cap_20() {
    harvests_exactly(Behaviour { rate_limit_per_sec: None, ..preset("seeclickfix") }, 200).await;
}

#[tokio::test]
async fn klarschiff_status_defaults_to_open() {
    harvests_exactly(preset("klarschiff"), 300).await;
}

#[tokio::test]
async fn xml_only_server_answering_html_404_for_json() {
    harvests_exactly(preset("xml-only"), 300).await;
}

#[tokio::test]
async fn silent_cap_on_the_date_window() {
    // The spec's own 90-day limit is the default window; a stricter 30-day limit is learned
    // by probing the gap before the oldest record of the first non-empty answer.
    let b = Behaviour { max_window_days: Some(30), ..Behaviour::default() };
    harvests_exactly(b, 3000).await;
}

#[tokio::test]
async fn small_silent_caps_without_paging() {
    for cap in [20, 25, 100] {
        let b = Behaviour { cap, ..Behaviour::default() };
        harvests_exactly(b, 500).await;
    }
}

#[tokio::test]
async fn zoneless_dates_read_in_the_city_zone() {
    harvests_exactly(Behaviour { zoneless_dates: true, ..Behaviour::default() }, 300).await;
}

#[tokio::test]
async fn records_without_ids_are_skipped() {
    let h = Harness::new(11, 300, Behaviour { ids_missing_every: Some(10), ..Behaviour::default() }, "").await;
    let report = h.harvest(false).await;
    assert!(report.skipped > 0);
    h.assert_store_equals_city();
}

#[tokio::test]
async fn a_quarter_of_calls_failing() {
    harvests_exactly(Behaviour { fail_every: Some(4), ..preset("connected-bits") }, 300).await;
}

#[tokio::test]
async fn rate_limited_with_retry_after() {
    harvests_exactly(Behaviour { rate_limit_per_sec: Some(50), ..preset("connected-bits") }, 200).await;
}

#[tokio::test]
async fn truncated_bodies() {
    harvests_exactly(Behaviour { truncate_every: Some(5), ..preset("connected-bits") }, 300).await;
}

#[tokio::test]
async fn stalled_answers_time_out_and_are_retried() {
    let b = Behaviour { stall_every: Some(7), stall: Duration::from_secs(5), ..preset("connected-bits") };
    harvests_exactly(b, 200).await;
}

#[tokio::test]
async fn incremental_pass_catches_closes_additions_and_edits() {
    let h = Harness::new(21, 400, preset("connected-bits"), "").await;
    h.harvest(false).await;
    let truth = h.server.city.requests();
    let old_open: Vec<String> = truth
        .iter()
        .filter(|r| r.status == fed311::domain::Status::Open)
        .filter(|r| {
            r.requested_datetime
                .is_some_and(|t| t < jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 365))
        })
        .take(3)
        .map(|r| r.service_request_id.clone())
        .collect();
    assert_eq!(old_open.len(), 3, "the city has year-old open requests");
    let now = jiff::Timestamp::now();
    for id in &old_open {
        h.server.city.close(id, now);
    }
    let added = h.server.city.add(5);
    let edited = &truth.iter().find(|r| !old_open.contains(&r.service_request_id)).unwrap().service_request_id;
    h.server.city.edit_description(edited, "Edited: the pothole grew", now);

    let report = h.harvest(false).await;
    assert!(report.counts.inserted >= 5 && report.counts.changed >= 3, "{:?}", report.counts);
    for id in old_open.iter().chain(&added) {
        let want = h.server.city.requests().into_iter().find(|r| &r.service_request_id == id).unwrap();
        assert_same(&h.store.get_request("sim", id).unwrap().unwrap().request, &want);
    }
    let history = h.store.history_entries("sim", &old_open[0]).unwrap();
    let statuses: Vec<_> = history.iter().map(|entry| entry.status).collect();
    assert_eq!(statuses, vec![fed311::domain::Status::Open, fed311::domain::Status::Closed]);

    h.harvest(true).await;
    h.assert_store_equals_city();
}

#[tokio::test]
async fn killing_a_harvest_loses_and_duplicates_nothing() {
    // Slow enough (a 40 ms stall every third call, 200 calls) that the kill lands mid-way.
    let slow = Behaviour { stall_every: Some(3), stall: Duration::from_millis(40), ..preset("connected-bits") };
    let server = spawn(SimCity::generate(5, 10_000, ZONE), slow).await.unwrap();
    let jurisdictions = tempfile::tempdir().unwrap();
    common::write_city(jurisdictions.path(), "sim", &format!("http://{}/", server.addr), "");
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fed311"))
        .args(["--jurisdictions"])
        .arg(jurisdictions.path())
        .args(["--data"])
        .arg(data.path())
        .args(["harvest", "--once"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let store = Store::open(data.path()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while store.count_requests("sim").unwrap() < 300 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = store.count_requests("sim").unwrap();
    assert!(partial > 0 && (partial as usize) < 10_000, "killed mid-way: {partial}");

    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let (j, d) = (jurisdictions.path().to_path_buf(), data.path().to_path_buf());
        move || common::fed311(&j, &d, &["harvest", "--once"])
    })
    .await
    .unwrap();
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(store.count_requests("sim").unwrap() as usize, server.city.requests().len());
}
