//! A newcomer's first run, through the real binary and the harvester: `check` reports every
//! problem of a file (an unknown key no longer hides the rest), an endpoint without its
//! trailing `/` is normalized with a warning, a busy port fails before any folder is made, a
//! missing jurisdiction folder names the flag and the variable that set it; cities whose host
//! cannot be reached fail together and are summed up in one line with advice, and every
//! city's health says where it stands (pending, harvesting, ok, failing, disabled) so that
//! "never harvested" never looks like an empty city.

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use fed311::harvest::harvest_once;
use fed311::registry::Registry;
use fed311::simulate::{Behaviour, SimCity, spawn};
use fed311::store::Store;
use fed311::upstream::Client;

/// A port on this machine where nothing listens.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn cities_sharing_an_unreachable_host_fail_at_once_and_are_summed_up() {
    let port = closed_port().await;
    let jurisdictions = tempfile::tempdir().unwrap();
    for town in ["town-a", "town-b", "town-c"] {
        write_city(jurisdictions.path(), town, &format!("http://127.0.0.1:{port}/open311/v2/{town}/"), "");
    }
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).unwrap();
    let registry = Registry::load(jurisdictions.path()).unwrap();
    let cities: Vec<_> = registry.iter().cloned().collect();
    // Production backoff (a second, doubling): one town pays for the retries, not three.
    let client = Client::with_settings(Duration::from_secs(1), Duration::from_secs(10)).unwrap();
    let started = Instant::now();
    let reports = harvest_once(&client, &store, cities, false, None).await;
    let took = started.elapsed();
    assert!(reports.iter().all(|r| r.unreachable.as_deref() == Some("connection refused")), "{reports:?}");
    // The host is given up after as many attempts in a row as one call makes (five), whichever
    // towns made them: not five per town, each after the others.
    let attempts: u64 = reports.iter().map(|r| r.calls).sum();
    assert!(attempts <= 5 + 3, "{attempts} attempts: {reports:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    let line = fed311::harvest::summary_line(&reports);
    assert_eq!(line, "0 of 3 cities harvested, 3 unreachable: connection refused");
    let failure = reports[0].failure.as_deref().unwrap();
    assert!(failure.len() < 200 && failure.contains("127.0.0.1") && failure.contains("refused"), "{failure}");
}

#[tokio::test]
async fn harvest_once_prints_one_line_for_the_whole_pass() {
    let city = spawn(SimCity::generate(1, 50, "America/Toronto"), Behaviour::default()).await.unwrap();
    let port = closed_port().await;
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "up", &city.url(), "");
    write_city(jurisdictions.path(), "down", &format!("http://127.0.0.1:{port}/"), "");
    let data = tempfile::tempdir().unwrap();
    let (j, d) = (jurisdictions.path().to_path_buf(), data.path().to_path_buf());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_fed311"))
            .arg("--jurisdictions")
            .arg(&j)
            .arg("--data")
            .arg(&d)
            .arg("--index")
            .arg(d.join("index"))
            .args(["harvest", "--once"])
            .env("RUST_LOG", "info")
            .env("FED311_BACKOFF_MS", "10")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success());
    assert!(stdout.contains("1 of 2 cities harvested, 1 unreachable: connection refused"), "{stdout}");
    assert!(stderr.contains("INFO"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stdout.contains('\u{1b}'),
        "no colour codes when not a terminal: {stderr:?}"
    );
}

#[tokio::test]
async fn health_says_pending_harvesting_ok_failing_or_disabled() {
    let slow = Behaviour { stall_every: Some(1), stall: Duration::from_millis(400), ..Behaviour::default() };
    let city = spawn(SimCity::generate(2, 50, "America/Toronto"), slow).await.unwrap();
    let port = closed_port().await;
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "slow", &city.url(), "");
    write_city(jurisdictions.path(), "down", &format!("http://127.0.0.1:{port}/"), "");
    write_city(jurisdictions.path(), "off", "https://example.org/open311/v2/", "enabled = false\nnote = \"gone\"");
    let data = tempfile::tempdir().unwrap();
    let api = spawn_fed311(jurisdictions.path(), data.path()).await;
    let state = |body: &serde_json::Value, id: &str| {
        let all = body["jurisdictions"].as_array().unwrap();
        let city = all.iter().find(|j| j["id"] == id).unwrap();
        city["health"]["state"].as_str().unwrap().to_string()
    };
    let (_, before) = get_json(&format!("http://{api}/api/v1/jurisdictions")).await;
    assert_eq!(
        (state(&before, "slow"), state(&before, "down"), state(&before, "off")),
        ("pending".into(), "pending".into(), "disabled".into())
    );

    let store = Store::open(data.path()).unwrap();
    let registry = Registry::load(jurisdictions.path()).unwrap();
    let cities: Vec<_> = registry.iter().filter(|j| j.enabled).cloned().collect();
    let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(5)).unwrap();
    let pass = tokio::spawn(async move { harvest_once(&client, &store, cities, false, None).await });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen_harvesting = false;
    while !pass.is_finished() && Instant::now() < deadline {
        let (_, during) = get_json(&format!("http://{api}/api/v1/jurisdictions/slow")).await;
        seen_harvesting |= during["health"]["state"] == "harvesting";
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pass.await.unwrap();
    assert!(seen_harvesting, "a pass under way says harvesting");
    let (_, after) = get_json(&format!("http://{api}/api/v1/jurisdictions")).await;
    assert_eq!((state(&after, "slow"), state(&after, "down")), ("ok".into(), "failing".into()));
}

#[test]
fn check_reports_every_problem_of_a_file() {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let extra = "colour = \"red\"\npage_size = \"many\"";
    write_city(jurisdictions.path(), "town", "http://127.0.0.1:9/", extra);
    let text = std::fs::read_to_string(jurisdictions.path().join("town.toml")).unwrap();
    std::fs::write(jurisdictions.path().join("town.toml"), text.replace("America/Toronto", "Mars/Olympus")).unwrap();
    let (ok, _, stderr) = fed311(jurisdictions.path(), data.path(), &["check"]);
    assert!(!ok);
    for key in ["colour", "page_size", "timezone"] {
        assert!(stderr.contains(&format!("`{key}`")) || stderr.contains(key), "{key} is reported: {stderr}");
    }
    assert!(stderr.contains("3 problem(s)"), "{stderr}");
}

#[test]
fn an_endpoint_without_its_trailing_slash_is_normalized_with_a_warning() {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_city(jurisdictions.path(), "town", "http://127.0.0.1:9/open311/v2", "");
    let (ok, stdout, stderr) = fed311(jurisdictions.path(), data.path(), &["check"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 jurisdictions OK"), "{stdout}");
    assert!(stderr.contains("trailing") && stderr.contains("http://127.0.0.1:9/open311/v2/"), "{stderr}");
}

#[test]
fn a_busy_port_fails_before_any_folder_is_made() {
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "town", "http://127.0.0.1:9/", "");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let addr = busy.local_addr().unwrap().to_string();
    let (ok, _, stderr) = fed311(jurisdictions.path(), &data, &["serve", "--no-harvest", "--addr", &addr]);
    assert!(!ok);
    assert!(stderr.contains(&format!("binding {addr}")), "{stderr}");
    assert!(!data.exists(), "no data folder was made for a server that never started");
}

#[test]
fn a_missing_jurisdiction_folder_names_the_flag_and_the_variable() {
    let data = tempfile::tempdir().unwrap();
    let nowhere = data.path().join("jurisdictions");
    let (ok, _, stderr) = fed311(&nowhere, data.path(), &["check"]);
    assert!(!ok);
    assert!(stderr.contains("--jurisdictions") && stderr.contains("FED311_JURISDICTIONS"), "{stderr}");
}

#[tokio::test]
async fn a_city_never_harvested_says_so_on_its_lists() {
    let city = spawn(SimCity::generate(3, 40, "America/Toronto"), Behaviour::default()).await.unwrap();
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "fresh", &city.url(), "");
    let data = tempfile::tempdir().unwrap();
    let api = spawn_fed311(jurisdictions.path(), data.path()).await;
    let last_harvest = |path: String| async move {
        let response = reqwest::get(format!("http://{api}{path}")).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.headers().get("x-last-harvest").map(|v| v.to_str().unwrap().to_string())
    };
    for path in ["/open311/v2/requests.json?jurisdiction_id=fresh", "/jurisdictions/fresh/open311/v2/services.xml"] {
        assert_eq!(last_harvest(path.to_string()).await.as_deref(), Some("never"), "{path}");
    }
    let store = Store::open(data.path()).unwrap();
    let registry = Registry::load(jurisdictions.path()).unwrap();
    let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(5)).unwrap();
    let report = fed311::harvest::harvest_city(&client, &store, registry.get("fresh").unwrap(), false).await;
    assert!(report.succeeded(), "{:?}", report.failure);
    let after = last_harvest("/open311/v2/requests.json?jurisdiction_id=fresh&page=1".to_string()).await.unwrap();
    assert!(after.ends_with('Z') && after.starts_with("20"), "{after}");
}

#[tokio::test]
async fn serve_starts_with_the_address_to_open_and_the_cities_it_harvests() {
    use std::io::BufRead;
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "one", "http://127.0.0.1:9/", "");
    write_city(jurisdictions.path(), "two", "http://127.0.0.1:9/", "enabled = false\nnote = \"off\"");
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fed311"))
        .arg("--jurisdictions")
        .arg(jurisdictions.path())
        .arg("--data")
        .arg(data.path())
        .arg("--index")
        .arg(data.path().join("index"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stderr).lines().map_while(Result::ok).find(|l| l.contains("fed311 serving"))
    });
    let line = tokio::time::timeout(Duration::from_secs(30), line).await.unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let line = line.expect("a start line");
    assert!(line.contains("http://127.0.0.1:") && line.contains("harvesting 1 of 2 cities"), "{line}");
}
