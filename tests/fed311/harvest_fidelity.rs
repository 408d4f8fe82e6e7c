//! Every record and every change from every city: the harvest loop against hostile cities
//! (real servers on 127.0.0.1) that copy real server families, one test per way a city used
//! to lose data silently: cut-off answers, requests entered late, transient 404s, two reports
//! under one id, id lists cut short, wasted calls, self-provoked 429s, huge pages, trimmed
//! text, odd dates and absent values, absurd fields.

use crate::common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::harness::{Harness, assert_same};
use fed311::domain::Status;
use fed311::harvest::{PassKind, harvest_city};
use fed311::registry::Registry;
use fed311::simulate::Behaviour;
use fed311::store::Store;
use fed311::upstream::Client;
use jiff::{SignedDuration, Timestamp};

fn preset(name: &str) -> Behaviour {
    Behaviour::dialect(name).unwrap_or_else(|| panic!("no preset {name}"))
}

fn days_ago(days: i64) -> Timestamp {
    Timestamp::now() - SignedDuration::from_hours(24 * days)
}

/// A city answering fixed documents (whatever the query), from files written to a folder,
/// harvested into a fresh store.
struct Recorded {
    store: Store,
    registry: Registry,
    _dirs: (tempfile::TempDir, tempfile::TempDir, tempfile::TempDir),
}

impl Recorded {
    async fn serve(files: &[(&str, &str)], format: &str) -> Recorded {
        let site = tempfile::tempdir().unwrap();
        for (name, body) in files {
            std::fs::write(site.path().join(name), body).unwrap();
        }
        let server = common::spawn_static(site.path().to_path_buf()).await;
        let jurisdictions = tempfile::tempdir().unwrap();
        common::write_city(
            jurisdictions.path(),
            "rec",
            &format!("http://{server}/"),
            &format!("format = \"{format}\""),
        );
        let data = tempfile::tempdir().unwrap();
        let store = Store::open(data.path()).unwrap();
        let registry = Registry::load(jurisdictions.path()).unwrap();
        Recorded { store, registry, _dirs: (site, jurisdictions, data) }
    }

    async fn harvest(&self, full: bool) -> fed311::harvest::CityReport {
        let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(2)).unwrap();
        harvest_city(&client, &self.store, self.registry.get("rec").unwrap(), full).await
    }

    fn request(&self, id: &str) -> fed311::domain::ServiceRequest {
        self.store.get_request("rec", id).unwrap().unwrap_or_else(|| panic!("{id} not stored")).request
    }
}

// 1. A 200 cut off mid-document is retried like a 5xx; failed windows never cost the rest.

#[tokio::test]
async fn an_unreliable_city_ends_with_every_record_after_one_pass() {
    // A quarter of calls answer 500, one in twenty a 200 cut in half, and it allows 10 calls a
    // second while its file says 1,000.
    let h = Harness::new(3, 2_500, preset("unreliable"), "").await;
    let report = h.harvest(false).await;
    h.assert_store_equals_city();
    assert!(report.outcomes.get("server_error").copied().unwrap_or(0) > 0, "{:?}", report.outcomes);
    assert!(report.outcomes.get("unreadable").copied().unwrap_or(0) > 0, "{:?}", report.outcomes);
}

#[tokio::test]
async fn harvest_once_on_an_unreliable_city_ends_with_every_record() {
    let h = Harness::new(4, 2_500, preset("unreliable"), "").await;
    let (j, d) = (h.dirs.0.path().to_path_buf(), h.dirs.1.path().to_path_buf());
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fed311"))
            .args(["--jurisdictions"])
            .arg(&j)
            .args(["--data"])
            .arg(&d)
            .args(["--index"])
            .arg(d.join("index"))
            .args(["harvest", "--once"])
            .env("RUST_LOG", "warn")
            .env("FED311_BACKOFF_MS", "5")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap();
    assert!(ok, "{stdout}{stderr}");
    h.assert_store_equals_city();
}

#[tokio::test]
async fn a_window_that_keeps_failing_keeps_the_rest_and_comes_first_next_pass() {
    // The city answers 500 to every list whose window holds a day two years ago (a record
    // there breaks its serializer, say): every other record is kept, the pass says what is
    // left, and the next pass (the city healed) takes the failed window first.
    let h = Harness::new(5, 1_200, preset("connected-bits"), "").await;
    let bad_day = days_ago(730);
    let proxy = common::failing_proxy(h.server.addr, move |query| {
        let at = |name: &str| query.get(name).and_then(|t| t.parse::<Timestamp>().ok());
        matches!((at("start_date"), at("end_date")), (Some(s), Some(e)) if s <= bad_day && bad_day <= e)
    })
    .await;
    let file = std::fs::read_to_string(h.dirs.0.path().join("sim.toml")).unwrap();
    let file = file.replace(&h.server.addr.to_string(), &proxy.addr.to_string());
    std::fs::write(h.dirs.0.path().join("sim.toml"), file).unwrap();
    let city = Registry::load(h.dirs.0.path()).unwrap().get("sim").unwrap().clone();

    let first = harvest_city(&h.client, &h.store, &city, false).await;
    let failure = first.failure.clone().expect("the pass says windows are left");
    assert!(failure.contains("left for the next pass") && failure.contains("500"), "{failure}");
    let held = h.store.count_requests("sim").unwrap() as usize;
    assert!(held > 1_000 && held < 1_200, "every record outside the bad window kept: {held} of 1200");
    let state = h.store.harvest_state("sim").unwrap();
    assert!(state.pending.as_deref().is_some_and(|p| p.contains("requested")), "{:?}", state.pending);

    proxy.heal();
    let second = harvest_city(&h.client, &h.store, &city, false).await;
    assert!(second.succeeded(), "{:?}", second.failure);
    assert_eq!(second.kind, PassKind::Incremental);
    h.assert_store_equals_city();
    assert_eq!(h.store.harvest_state("sim").unwrap().pending.as_deref(), Some("[]"));
}

// 2. Requests entered late are seen within a stated bound.

#[tokio::test]
async fn requests_entered_late_are_seen_by_the_daily_and_weekly_rescans() {
    let h = Harness::new(6, 600, preset("spec"), "").await;
    h.harvest(false).await;
    let within_week = h.server.city.add_at(2, days_ago(3));
    let within_90_days = h.server.city.add_at(2, days_ago(40));
    let long_ago = h.server.city.add_at(2, days_ago(400));
    let held = |ids: &[String]| ids.iter().filter(|id| h.store.get_request("sim", id).unwrap().is_some()).count();

    h.harvest(false).await;
    assert_eq!(held(&within_week), 2, "the trailing week");
    assert_eq!(held(&within_90_days), 0, "not yet: the last 90 days are rescanned once a day");

    let day_ago = Timestamp::now().as_second() - 86_401;
    h.sql(&format!("UPDATE harvest_state SET recent_rescan_at = {day_ago}"));
    h.harvest(false).await;
    assert_eq!(held(&within_90_days), 2, "the daily rescan of 90 days");
    assert_eq!(held(&long_ago), 0, "not yet: everything is rescanned once a week");

    let week_ago = Timestamp::now().as_second() - 7 * 86_400 - 1;
    h.sql(&format!("UPDATE harvest_state SET full_rescan_at = {week_ago}"));
    let weekly = h.harvest(false).await;
    assert_eq!(weekly.kind, PassKind::Full);
    assert_eq!(held(&long_ago), 2, "the weekly rescan of everything");
    h.assert_store_equals_city();
}

#[tokio::test]
async fn the_trailing_week_follows_a_city_whose_clock_is_behind() {
    // The city's clock is ten days behind ours: what it receives now is stamped ten days ago,
    // older than a week by our clock.
    let behind = Behaviour { clock_offset: -10 * 86_400, ..preset("connected-bits") };
    let h = Harness::new(7, 500, behind, "").await;
    h.harvest(false).await;
    let offset = h.store.harvest_state("sim").unwrap().clock_offset.expect("the city's clock, from its Date header");
    assert!((offset + 10 * 86_400).abs() <= 5, "{offset}");
    let fresh = h.server.city.add_at(3, days_ago(10));
    h.harvest(false).await;
    for id in &fresh {
        assert!(h.store.get_request("sim", id).unwrap().is_some(), "{id} missed");
    }
}

// 3. A 404 on every list is not "no records" for good.

#[tokio::test]
async fn a_transient_404_on_every_list_is_not_taken_as_empty() {
    let mut b = preset("mark-a-spot");
    b.lists_not_found = true;
    let h = Harness::new(8, 400, b.clone(), "").await;
    let first = h.try_harvest(false).await;
    assert!(!first.succeeded(), "a city whose lists all answer 404 is not harvested");
    assert!(first.failure.as_deref().is_some_and(|f| f.contains("404")), "{:?}", first.failure);
    assert_eq!(h.store.count_requests("sim").unwrap(), 0);

    h.server.set_behaviour(Behaviour { lists_not_found: false, ..b });
    h.harvest(false).await;
    h.assert_store_equals_city();
}

// 4. Two reports under one id.

fn two_under_one_id(first_older: bool) -> String {
    let older = r#"{"service_request_id":"A-173374","status":"open","service_code":"11","description":"Sperrmüll",
        "requested_datetime":"2024-03-01T10:00:00+01:00","updated_datetime":"2024-03-02T10:00:00+01:00"}"#;
    let newer = r#"{"service_request_id":"A-173374","status":"closed","service_code":"27","description":"Schlagloch",
        "requested_datetime":"2024-05-01T10:00:00+02:00","updated_datetime":"2024-06-02T10:00:00+02:00"}"#;
    let other = r#"{"service_request_id":"A-1","status":"open","service_code":"11",
        "requested_datetime":"2024-04-01T10:00:00+02:00","updated_datetime":"2024-04-01T10:00:00+02:00"}"#;
    if first_older { format!("[{older},{other},{newer}]") } else { format!("[{newer},{other},{older}]") }
}

#[tokio::test]
async fn two_reports_under_one_id_keep_the_newest_without_flips() {
    for first_older in [true, false] {
        let city =
            Recorded::serve(&[("services.json", "[]"), ("requests.json", &two_under_one_id(first_older))], "json")
                .await;
        for pass in 0..3 {
            let report = city.harvest(pass > 0).await;
            assert!(report.succeeded(), "{:?}", report.failure);
            assert_eq!(report.duplicate_ids, 1, "pass {pass}");
        }
        let kept = city.request("A-173374");
        assert_eq!((kept.service_code.as_deref(), kept.status), (Some("27"), Status::Closed), "the newest updated");
        let history = city.store.history_entries("rec", "A-173374").unwrap();
        assert_eq!(history.len(), 1, "no flip is a change: {history:?}");
        let last_pass = city.store.harvest_state("rec").unwrap().last_pass.unwrap();
        assert!(last_pass.contains("\"duplicate_ids\":1"), "{last_pass}");
    }
}

// 5. Open requests re-checked by id, whatever the server cuts id lists to.

#[tokio::test]
async fn every_close_is_seen_on_servers_answering_20_or_25_at_once() {
    let cities = [
        Behaviour { cap: 1_000, default_page_size: Some(25), ..Behaviour::default() },
        preset("seeclickfix"),
        preset("mark-a-spot"),
    ];
    for (seed, behaviour) in (30..).zip(cities) {
        let behaviour = Behaviour { rate_limit_per_sec: None, ..behaviour };
        let h = Harness::new(seed, 1_500, behaviour, "").await;
        h.harvest(false).await;
        // Forget what was learned of id lists, so lists of 50 go out and come back cut.
        h.sql("UPDATE harvest_state SET profile = json_set(profile, '$.cap', NULL, '$.id_list_cap', NULL)");
        let open: Vec<String> = h
            .server
            .city
            .requests()
            .into_iter()
            .filter(|r| r.status == Status::Open && r.requested_datetime.unwrap() < days_ago(365))
            .map(|r| r.service_request_id)
            .take(45)
            .collect();
        assert_eq!(open.len(), 45);
        for id in &open {
            h.server.city.close(id, Timestamp::now());
        }
        h.harvest(false).await;
        let closed =
            open.iter().filter(|id| h.store.get_request("sim", id).unwrap().unwrap().request.status == Status::Closed);
        assert_eq!(closed.count(), 45, "seed {seed}");
        h.assert_store_equals_city();
    }
}

// 6. Close to the ideal number of calls, from files holding only the four required keys.

#[tokio::test]
async fn calls_stay_close_to_the_ideal_for_six_dialects() {
    let dialects = ["spec", "connected-bits", "mark-a-spot", "ureport", "fixmystreet", "klarschiff"];
    let (mut first_calls, mut full_calls, mut ideal) = (0, 0, 0);
    for (seed, dialect) in (40..).zip(dialects) {
        let h = Harness::new(seed, 20_000, preset(dialect), "").await;
        let first = h.harvest(false).await;
        h.assert_store_equals_city();
        let full = h.harvest(true).await;
        let ideal_calls = first.ideal_calls().unwrap();
        println!("{dialect}: first {} full {} ideal {ideal_calls}", first.list_calls, full.list_calls);
        assert!(first.list_calls as f64 <= 1.3 * ideal_calls as f64 + 2.0, "{dialect} first pass {}", first.list_calls);
        assert!(full.list_calls as f64 <= 1.1 * ideal_calls as f64 + 1.0, "{dialect} full pass {}", full.list_calls);
        (first_calls, full_calls, ideal) =
            (first_calls + first.list_calls, full_calls + full.list_calls, ideal + ideal_calls);
    }
    assert!(first_calls as f64 <= 1.3 * ideal as f64, "first passes: {first_calls} for {ideal}");
    assert!(full_calls as f64 <= 1.1 * ideal as f64, "full passes: {full_calls} for {ideal}");
}

#[tokio::test]
async fn a_server_ignoring_dates_is_downloaded_once_per_pass() {
    let h = Harness::new(9, 300, Behaviour { ignores_dates: true, ..Behaviour::default() }, "").await;
    h.harvest(false).await;
    h.assert_store_equals_city();
    let again = h.harvest(false).await;
    assert!(again.list_calls <= 1, "one download: {} list calls", again.list_calls);
}

// 7. The same limiter for every host, slowed by 429s.

#[tokio::test]
async fn this_machine_gets_the_default_limit_like_any_city() {
    // A city allowing 5 calls a second (the issue's), harvested with no rate_limit in its
    // file (the default of 4 a second): not one 429.
    let h = Harness::new(10, 160, Behaviour { cap: 20, rate_limit_per_sec: Some(5), ..Behaviour::default() }, "").await;
    let file =
        std::fs::read_to_string(h.dirs.0.path().join("sim.toml")).unwrap().replace("rate_limit = \"1000/s\"\n", "");
    std::fs::write(h.dirs.0.path().join("sim.toml"), file).unwrap();
    let city = Registry::load(h.dirs.0.path()).unwrap().get("sim").unwrap().clone();
    assert!(city.rate_limit.is_none());
    let report = harvest_city(&h.client, &h.store, &city, false).await;
    assert!(report.succeeded(), "{:?}", report.failure);
    assert!(report.calls >= 10, "{} calls", report.calls);
    assert_eq!(report.rate_limited(), 0, "{:?}", report.outcomes);
}

#[tokio::test]
async fn a_city_allowing_fewer_calls_than_its_file_says_sees_a_handful_of_429s() {
    let b = Behaviour { cap: 20, rate_limit_per_sec: Some(5), ..Behaviour::default() };
    let h = Harness::new(11, 1_000, b, "").await;
    let file = std::fs::read_to_string(h.dirs.0.path().join("sim.toml")).unwrap().replace("1000/s", "50/s");
    std::fs::write(h.dirs.0.path().join("sim.toml"), file).unwrap();
    let city = Registry::load(h.dirs.0.path()).unwrap().get("sim").unwrap().clone();
    let report = harvest_city(&h.client, &h.store, &city, false).await;
    assert!(report.succeeded(), "{:?}", report.failure);
    assert!(report.calls >= 50, "{} calls", report.calls);
    assert!(report.rate_limited() <= 6, "{} 429s in {} calls", report.rate_limited(), report.calls);
    h.assert_store_equals_city();
}

// 8. Every call counted by outcome; a city that never succeeded has a lag series.

#[tokio::test]
async fn metrics_count_every_call_by_outcome() {
    let h = Harness::new(12, 800, preset("unreliable"), "").await;
    common::write_city(h.dirs.0.path(), "dead", "http://127.0.0.1:9/", "");
    let api = common::spawn_fed311(h.dirs.0.path(), h.dirs.1.path()).await;
    common::get(&format!("http://{api}/metrics")).await; // the recorder, installed by the first scrape
    h.harvest(false).await;
    let dead = Registry::load(h.dirs.0.path()).unwrap().get("dead").unwrap().clone();
    assert!(!harvest_city(&h.client, &h.store, &dead, false).await.succeeded());
    let (status, _, text) = common::get(&format!("http://{api}/metrics")).await;
    assert_eq!(status, 200);
    for outcome in ["ok", "server_error", "unreadable"] {
        let series = format!("fed311_harvest_calls_total{{jurisdiction=\"sim\",outcome=\"{outcome}\"}}");
        assert!(text.contains(&series), "{series} missing:\n{text}");
    }
    assert!(text.contains("fed311_harvest_calls_total{jurisdiction=\"dead\",outcome=\"transport\"}"), "{text}");
    // Infinitely behind (Prometheus reads `inf` as +Inf).
    let lag = text.lines().find(|l| l.starts_with("fed311_harvest_lag_seconds{jurisdiction=\"dead\"}"));
    assert!(lag.is_some_and(|l| l.ends_with(" inf") || l.ends_with(" +Inf")), "{text}");
}

// 9. Memory bounded per answer.

#[tokio::test]
async fn a_content_length_past_the_body_limit_is_refused_at_once() {
    let addr = common::trickling_city(200 * 1024 * 1024).await;
    let jurisdictions = tempfile::tempdir().unwrap();
    common::write_city(jurisdictions.path(), "huge", &format!("http://{addr}/"), "format = \"json\"");
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).unwrap();
    let city = Registry::load(jurisdictions.path()).unwrap().get("huge").unwrap().clone();
    let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(60)).unwrap();
    let started = Instant::now();
    let report = harvest_city(&client, &store, &city, false).await;
    let failure = report.failure.expect("refused");
    assert!(failure.contains("larger than"), "{failure}");
    assert!(started.elapsed() < Duration::from_secs(20), "refused from its headers, not after reading a trickle");
}

#[tokio::test]
async fn an_answer_of_more_records_than_a_pass_takes_at_once_is_narrowed() {
    // The server answers everything asked for in one page (no cap); asked for all its history
    // at once, it sends 110,000 records, more than one answer may hold.
    let h = Harness::new(13, 110_000, Behaviour { cap: 1_000_000, ..Behaviour::default() }, "").await;
    let patient = Client::with_settings(Duration::from_millis(5), Duration::from_secs(120)).unwrap();
    let report = harvest_city(&patient, &h.store, &h.city, false).await;
    assert!(report.succeeded(), "{:?}", report.failure);
    assert_eq!(h.store.count_requests("sim").unwrap(), 110_000);
    assert!(report.list_calls >= 3, "the window was narrowed: {} calls", report.list_calls);
}

// 10–12. Fields as sent, odd dates and absent values, absurd sizes.

#[tokio::test]
async fn free_text_is_stored_exactly_as_sent() {
    let body = r#"[{"service_request_id":"T-1","status":"open","service_code":"POT",
        "description":"  Pothole on Main St.  \r\n\r\n","status_notes":"Crew sent.\r\n",
        "requested_datetime":"2024-05-01T10:00:00Z"}]"#;
    let city = Recorded::serve(&[("services.json", "[]"), ("requests.json", body)], "json").await;
    assert!(city.harvest(false).await.succeeded());
    let r = city.request("T-1");
    assert_eq!(r.description.as_deref(), Some("  Pothole on Main St.  \r\n\r\n"));
    assert_eq!(r.status_notes.as_deref(), Some("Crew sent.\r\n"));
    assert_eq!(r.service_code.as_deref(), Some("POT"));
}

#[tokio::test]
async fn twitter_dates_python_none_and_missing_service_names() {
    let services = r#"<services><service><service_code>7</service_code><service_name>Streetlight</service_name>
        <metadata>false</metadata></service></services>"#;
    let requests = r#"<service_requests>
        <request><service_request_id>P-1</service_request_id><status>open</status><service_code>7</service_code>
          <requested_datetime>Wed Feb 01 16:48:16 +0000 2012</requested_datetime>
          <updated_datetime>None</updated_datetime><description>None</description><zipcode>None</zipcode></request>
        <request><service_request_id>P-2</service_request_id><status>closed</status><service_code>7</service_code>
          <service_name>Lamp out</service_name><requested_datetime>Thu Feb 02 08:00:00 +0100 2012</requested_datetime>
          <description>None</description></request>
      </service_requests>"#;
    let city = Recorded::serve(&[("services.xml", services), ("requests.xml", requests)], "xml").await;
    assert!(city.harvest(false).await.succeeded());
    let p1 = city.request("P-1");
    assert_eq!(p1.requested_datetime, Some("2012-02-01T16:48:16Z".parse().unwrap()));
    assert_eq!((p1.updated_datetime, p1.updated_text.as_deref(), p1.zipcode.as_deref()), (None, None, None));
    assert_eq!(p1.description, None, "a record writing None for absent values: its free text None too");
    assert_eq!(p1.service_name.as_deref(), Some("Streetlight"), "filled from the service list");
    assert!(p1.raw.contains("None"), "the raw record keeps what was sent: {}", p1.raw);
    let p2 = city.request("P-2");
    assert_eq!(p2.requested_datetime, Some("2012-02-02T07:00:00Z".parse().unwrap()));
    assert_eq!(p2.description.as_deref(), Some("None"), "no other None: someone wrote it");
    assert_eq!(p2.service_name.as_deref(), Some("Lamp out"), "the city's own name is kept");
}

#[tokio::test]
async fn fields_of_absurd_size_skip_their_record_with_a_counted_reason() {
    let huge_id = "9".repeat(1 << 20);
    let huge_code = "c".repeat(100 * 1024);
    let body = format!(
        r#"[{{"service_request_id":"ok-1","status":"open","requested_datetime":"2024-05-01T10:00:00Z"}},
           {{"service_request_id":"{huge_id}","status":"open"}},
           {{"service_request_id":"ok-2","service_code":"{huge_code}","status":"open"}},
           {{"service_request_id":"ok-3","status":"closed","requested_datetime":"2024-05-02T10:00:00Z"}}]"#
    );
    let city = Recorded::serve(&[("services.json", "[]"), ("requests.json", &body)], "json").await;
    let report = city.harvest(false).await;
    assert!(report.succeeded(), "{:?}", report.failure);
    assert_eq!(report.skipped_by_reason.get("oversized"), Some(&2), "{:?}", report.skipped_by_reason);
    let held: HashSet<String> = ["ok-1", "ok-3"].iter().map(|s| s.to_string()).collect();
    assert_eq!(city.store.count_requests("rec").unwrap(), 2);
    for id in &held {
        city.request(id);
    }
    let last_pass = city.store.harvest_state("rec").unwrap().last_pass.unwrap();
    assert!(last_pass.contains("\"oversized\":2"), "{last_pass}");
}

// Done means: one pass gives every city its truth, one incremental pass carries every change.

#[tokio::test]
async fn one_incremental_pass_carries_every_change_on_small_pages() {
    for (seed, dialect) in (50..).zip(["unreliable", "mark-a-spot", "seeclickfix"]) {
        let b = Behaviour { rate_limit_per_sec: None, ..preset(dialect) };
        let h = Harness::new(seed, 1_000, b, "").await;
        h.harvest(false).await;
        h.assert_store_equals_city();
        let old_open: Vec<String> = h
            .server
            .city
            .requests()
            .into_iter()
            .filter(|r| r.status == Status::Open && r.requested_datetime.unwrap() < days_ago(200))
            .map(|r| r.service_request_id)
            .take(30)
            .collect();
        for id in &old_open {
            h.server.city.close(id, Timestamp::now());
        }
        h.server.city.add(20);
        h.server.city.add_at(5, days_ago(4));
        h.harvest(false).await;
        h.assert_store_equals_city();
        for id in &old_open {
            let want = h.server.city.requests().into_iter().find(|r| &r.service_request_id == id).unwrap();
            assert_same(&h.store.get_request("sim", id).unwrap().unwrap().request, &want);
        }
    }
}
