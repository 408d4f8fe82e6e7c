//! A newcomer's first run, through the real binary: `check` reports every problem of a file
//! (an unknown key no longer hides the rest), an endpoint without its trailing `/` is
//! normalized with a warning, a busy port fails before any folder is made, and a missing
//! jurisdiction folder names the flag and the variable that set it.

mod common;

use common::*;

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
