//! Submissions through fed311: routed, validated against the service definition, kept in the
//! durable outbox, delivered exactly once (even across a restart while the city is down, and
//! after an answer that never came back), with a city's refusal surfaced on the token.

use crate::common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use common::fake_city::{FakeCity, Mode};
use common::*;
use fed311::harvest::harvest_city;
use fed311::registry::Registry;
use fed311::store::Store;
use fed311::upstream::Client;

struct Setup {
    jurisdictions: tempfile::TempDir,
    data: tempfile::TempDir,
}

/// A registry with the fake city at `city`, its services harvested into a fresh store.
async fn setup(city: SocketAddr, serving: bool) -> Setup {
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(
        jurisdictions.path(),
        "town",
        &format!("http://{city}/"),
        "format = \"json\"\napi_key_env = \"CARGO_PKG_NAME\"",
    );
    let data = tempfile::tempdir().unwrap();
    if serving {
        let registry = Registry::load(jurisdictions.path()).unwrap();
        let store = Store::open(data.path()).unwrap();
        let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(2)).unwrap();
        let report = harvest_city(&client, &store, registry.get("town").unwrap(), false).await;
        assert!(report.succeeded(), "{:?}", report.failure);
    }
    Setup { jurisdictions, data }
}

async fn post(addr: SocketAddr, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let response = reqwest::Client::new()
        .post(format!("http://{addr}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn pothole<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("api_key", TEST_KEY),
        ("jurisdiction_id", "town"),
        ("service_code", "POT"),
        ("lat", "43.65"),
        ("long", "-79.38"),
        ("description", "Deep pothole by the school"),
        ("attribute[SIZE]", "large"),
        ("attribute[WHERE][]", "lane"),
        ("attribute[WHERE][]", "curb"),
    ];
    form.extend_from_slice(extra);
    form
}

async fn wait_for_id(api: SocketAddr, token: &str) -> serde_json::Value {
    let url = format!("http://{api}/open311/v2/tokens/{token}.json");
    for _ in 0..400 {
        let (status, body) = get_json(&url).await;
        assert_eq!(status, 200, "{body}");
        if body[0]["service_request_id"].is_string() {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("token {token} never resolved");
}

#[tokio::test]
async fn a_submission_arrives_at_the_city_with_its_key_and_answers() {
    let city = FakeCity::new(Mode::Accept);
    let addr = city.serve("127.0.0.1:0".parse().unwrap()).await;
    let s = setup(addr, true).await;
    let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer[0]["service_request_id"], "C-1");
    assert_eq!(answer[0]["service_notice"], "Thank you");
    let posts = city.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 1);
    let sent = &posts[0];
    let has = |k: &str, v: &str| sent.iter().any(|(a, b)| a == k && b == v);
    assert!(has("api_key", "fed311"), "the city's own key is sent: {sent:?}");
    assert!(!has("api_key", TEST_KEY), "the client's key is never forwarded");
    assert!(has("attribute[SIZE]", "large") && has("attribute[WHERE][]", "lane") && has("attribute[WHERE][]", "curb"));
    assert!(has("description", "Deep pothole by the school"));

    let (status, xml) = post(
        api,
        "/jurisdictions/town/open311/v2/requests.xml",
        &pothole(&[])[..1].iter().chain(&pothole(&[])[2..]).cloned().collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<service_request_id>C-2</service_request_id>"), "{xml}");
}

#[tokio::test]
async fn bad_submissions_get_spec_errors_and_reach_nobody() {
    let city = FakeCity::new(Mode::Accept);
    let addr = city.serve("127.0.0.1:0".parse().unwrap()).await;
    let s = setup(addr, true).await;
    let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let without = |name: &str| pothole(&[]).into_iter().filter(|(k, _)| *k != name).collect::<Vec<_>>();
    let replace = |name: &'static str, value: &'static str| {
        let mut f = without(name);
        f.push((name, value));
        f
    };
    // (form, expected status, words the answer must name)
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (without("api_key"), 403, "api_key"),
        (replace("api_key", "stolen"), 403, "api_key"),
        (replace("service_code", "NOPE"), 400, "service_code"),
        (without("service_code"), 400, "service_code"),
        (without("attribute[SIZE]"), 400, "attribute[SIZE] is required"),
        (replace("attribute[SIZE]", "huge"), 400, "not one of"),
        (replace("lat", "north"), 400, "lat"),
        (without("long"), 400, "lat and long"),
        (replace("jurisdiction_id", "atlantis"), 404, "atlantis"),
    ];
    for (form, want, mentions) in cases {
        let (status, body) = post(api, "/open311/v2/requests.json", &form).await;
        assert_eq!(status, want, "{body}");
        let errors: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("spec errors body: {body}"));
        assert_eq!(errors[0]["code"], want);
        assert!(errors[0]["description"].as_str().unwrap().contains(mentions), "{body}");
    }
    let (status, xml) = post(api, "/open311/v2/requests.xml", &without("api_key")).await;
    assert_eq!(status, 403);
    assert!(xml.contains("<errors><error><code>403</code>"), "{xml}");

    // A report in another body type is refused as such, not read as an empty form.
    let url = format!("http://{api}/open311/v2/requests.json");
    let as_json = serde_json::json!({"api_key": TEST_KEY, "jurisdiction_id": "town", "service_code": "POT"});
    let posted = reqwest::Client::new().post(&url).json(&as_json).send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 415);
    assert!(posted.text().await.unwrap().contains("application/x-www-form-urlencoded"));
    let form = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pothole(&[])).finish();
    let mut not_utf8 = form.into_bytes();
    not_utf8.extend_from_slice(b"&description=%ff\xff");
    let posted = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(not_utf8)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 400);
    assert!(posted.text().await.unwrap().contains("not UTF-8"));
    assert_eq!(city.post_count(), 0, "nothing invalid reached the city");
}

/// What a robustness campaign sent: each is a 400 in the spec `errors` format naming the field,
/// and none reaches the city.
#[tokio::test]
async fn hostile_submissions_are_refused_naming_the_field() {
    let city = FakeCity::new(Mode::Accept);
    let addr = city.serve("127.0.0.1:0".parse().unwrap()).await;
    let s = setup(addr, true).await;
    let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let huge = "x".repeat(1_500_000);
    let long = "x".repeat(5000);
    let answer_100k = "x".repeat(100_000);
    let with = |extra: Vec<(&'static str, &'static str)>| pothole(&extra);
    let without_where: Vec<(&str, &str)> =
        pothole(&[]).into_iter().filter(|(k, _)| *k != "attribute[WHERE][]").collect();
    let graffiti: Vec<(&str, &str)> = pothole(&[])
        .into_iter()
        .filter(|(k, _)| !k.starts_with("attribute") && *k != "service_code")
        .chain([("service_code", "GRF"), ("attribute[X]", "1")])
        .collect();
    let unknown_keys: Vec<String> = (0..20_000).map(|n| format!("attribute[X{n}]")).collect();
    let flood: Vec<(&str, &str)> =
        pothole(&[]).into_iter().chain(unknown_keys.iter().map(|k| (k.as_str(), "1"))).collect();
    // (what it is, form, words the answer must name)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, String);
    let mut cases: Vec<Case> = vec![
        // 1. Numbers must be finite.
        ("NaN", with(vec![("attribute[DEPTH]", "NaN")]), "attribute[DEPTH] `NaN` is not a finite number".into()),
        ("inf", with(vec![("attribute[DEPTH]", "inf")]), "attribute[DEPTH] `inf`".into()),
        ("1e999", with(vec![("attribute[DEPTH]", "1e999")]), "attribute[DEPTH] `1e999`".into()),
        // 2. Length limits.
        ("huge first_name", pothole(&[("first_name", &huge)]), "first_name is longer than 200 characters".into()),
        (
            "huge attribute",
            pothole(&[("attribute[COMMENT]", &answer_100k)]),
            "attribute[COMMENT] is longer than 4000".into(),
        ),
        ("flood of pairs", flood, "at most 200".into()),
        // 3. Email and media_url.
        ("bad email", with(vec![("email", "not-an-email")]), "email `not-an-email`".into()),
        ("script media_url", with(vec![("media_url", "javascript:alert(1)")]), "media_url".into()),
        // 4. Only the definition's questions.
        ("unknown attribute", with(vec![("attribute[BOGUS]", "1")]), "attribute[BOGUS] is not a question".into()),
        (
            "informational attribute",
            with(vec![("attribute[NOTE]", "ok")]),
            "attribute[NOTE] is information only".into(),
        ),
        ("attribute without a definition", graffiti, "attribute[X]".into()),
        // 5. Control characters.
        (
            "NUL in description",
            with(vec![("description", "pot\0hole")]),
            "description contains the control character U+0000".into(),
        ),
        // 6. A multivaluelist answer given twice.
        (
            "repeated list answer",
            without_where
                .iter()
                .copied()
                .chain([("attribute[WHERE][]", "lane"), ("attribute[WHERE][]", "lane")])
                .collect(),
            "attribute[WHERE] `lane` is given twice".into(),
        ),
    ];
    let limits = [
        ("last_name", 200),
        ("email", 254),
        ("phone", 100),
        ("address_string", 1000),
        ("address_id", 200),
        ("device_id", 200),
        ("account_id", 200),
        ("media_url", 2048),
        ("zipcode", 32),
    ];
    for (field, max) in limits {
        cases.push((field, pothole(&[(field, &long)]), format!("{field} is longer than {max} characters")));
    }
    for (what, form, mentions) in cases {
        let (status, body) = post(api, "/open311/v2/requests.json", &form).await;
        assert_eq!(status, 400, "{what}: {}", &body[..body.len().min(300)]);
        let errors: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("{what}: spec errors body: {body}"));
        assert_eq!(errors[0]["code"], 400, "{what}");
        assert!(errors[0]["description"].as_str().unwrap().contains(&mentions), "{what}: {body}");
    }
    let (status, xml) = post(api, "/open311/v2/requests.xml", &with(vec![("attribute[BOGUS]", "1")])).await;
    assert_eq!(status, 400);
    assert!(xml.contains("<errors><error><code>400</code><description>attribute[BOGUS]"), "{xml}");
    assert_eq!(city.post_count(), 0, "nothing refused reached the city");
    // Within the limits, the same fields are taken and forwarded.
    let fine = pothole(&[
        ("attribute[DEPTH]", "12.5"),
        ("attribute[COMMENT]", "By the crossing"),
        ("first_name", "Ada"),
        ("email", "ada@example.org"),
        ("media_url", "https://example.org/pothole.jpg"),
        ("description", "Two lines\r\nwith\ta tab"),
    ]);
    let (status, body) = post(api, "/open311/v2/requests.json", &fine).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(city.post_count(), 1);
}

#[tokio::test]
async fn accepted_while_the_city_is_down_arrives_exactly_once_after_a_restart() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let up = FakeCity::new(Mode::Accept);
    let first = up.serve("127.0.0.1:0".parse().unwrap()).await;
    // Harvest services from a live copy, then point the registry at a port where nothing listens.
    let s = setup(first, true).await;
    write_city(
        s.jurisdictions.path(),
        "town",
        &format!("http://{port}/"),
        "format = \"json\"\napi_key_env = \"CARGO_PKG_NAME\"",
    );
    let (api, stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = answer[0]["token"].as_str().expect("a token while the city is down").to_string();
    let (_, pending) = get_json(&format!("http://{api}/open311/v2/tokens/{token}.json")).await;
    assert!(pending[0]["service_request_id"].is_null());
    stop.send(true).unwrap();

    let city = FakeCity::new(Mode::Accept);
    city.serve(port).await;
    let (restarted, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let resolved = wait_for_id(restarted, &token).await;
    assert_eq!(resolved[0]["service_request_id"], "C-1");
    assert_eq!(resolved[0]["token"], token.as_str());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(city.post_count(), 1, "delivered exactly once");
    let _: PathBuf = s.data.path().to_path_buf();
}

#[tokio::test]
async fn an_answer_lost_in_transit_is_found_not_resent() {
    let city = FakeCity::new(Mode::Accept);
    let addr = city.serve("127.0.0.1:0".parse().unwrap()).await;
    let s = setup(addr, true).await;
    *city.mode.lock().unwrap() = Mode::StallOnce;
    let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    // The reconciliation may finish while the client still waits (an id) or after (a token).
    let id = match answer[0]["token"].as_str() {
        Some(token) => wait_for_id(api, token).await[0]["service_request_id"].clone(),
        None => answer[0]["service_request_id"].clone(),
    };
    assert_eq!(id, "C-1");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(city.post_count(), 1, "the stalled submission was found in the city's list, not sent again");
}

#[tokio::test]
async fn a_city_refusal_is_surfaced_on_the_answer_and_the_token() {
    let city = FakeCity::new(Mode::Accept);
    let addr = city.serve("127.0.0.1:0".parse().unwrap()).await;
    let s = setup(addr, true).await;
    *city.mode.lock().unwrap() = Mode::Refuse;
    let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Address outside city limits"), "{body}");
}

/// A refusal is the client's (400) only when the city found the data wrong (400, 422); any
/// other refusal (405 here) is a gateway failure (502), on the post and on the token, in the
/// format asked for, with the city's words.
#[tokio::test]
async fn a_city_refusal_is_the_clients_only_when_the_data_was_wrong() {
    let city = FakeCity::new(Mode::Accept);
    let addr = city.serve("127.0.0.1:0".parse().unwrap()).await;
    let s = setup(addr, true).await;
    let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    for (refused_with, want) in [(405, 502), (404, 502), (401, 502), (403, 502), (400, 400), (422, 400)] {
        *city.mode.lock().unwrap() = Mode::RefuseWith(refused_with);
        let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
        assert_eq!(status, want, "city said {refused_with}: {body}");
        let errors: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(errors[0]["code"], want);
        let words = errors[0]["description"].as_str().unwrap();
        assert!(words.contains(&format!("HTTP {refused_with}")), "{words}");
        assert!(words.contains(&format!("Refused with {refused_with}")), "the city's own words: {words}");
    }
    *city.mode.lock().unwrap() = Mode::RefuseWith(405);
    let (status, xml) = post(api, "/open311/v2/requests.xml", &pothole(&[])).await;
    assert_eq!(status, 502, "{xml}");
    assert!(xml.contains("<errors><error><code>502</code>"), "{xml}");
    assert!(xml.contains("the city refused it (HTTP 405)"), "{xml}");
    assert_eq!(city.post_count(), 0);
}

/// A submission taken while the city was down and refused later: the token answers as the post
/// would have.
#[tokio::test]
async fn a_later_refusal_on_the_token_follows_the_same_rule() {
    for (refused_with, want) in [(405, 502), (400, 400)] {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let up = FakeCity::new(Mode::Accept);
        let s = setup(up.serve("127.0.0.1:0".parse().unwrap()).await, true).await;
        let settings = "format = \"json\"\napi_key_env = \"CARGO_PKG_NAME\"";
        write_city(s.jurisdictions.path(), "town", &format!("http://{port}/"), settings);
        let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
        let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
        assert_eq!(status, 200, "{body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        let token = answer[0]["token"].as_str().expect("a token while the city is down").to_string();
        FakeCity::new(Mode::RefuseWith(refused_with)).serve(port).await;
        let url = format!("http://{api}/open311/v2/tokens/{token}");
        let (status, body) = poll_until_settled(&format!("{url}.json")).await;
        assert_eq!(status, want, "city said {refused_with}: {body}");
        assert!(
            body.contains(&format!("the city refused it (HTTP {refused_with}): {refused_with} Refused with")),
            "{body}"
        );
        let (status, _, xml) = get(&format!("{url}.xml")).await;
        assert_eq!(status, want);
        assert!(xml.contains(&format!("<errors><error><code>{want}</code>")), "{xml}");
    }
}

/// A submission fed311 itself can no longer forward (its jurisdiction left the registry after
/// the post was taken) is no fault of the client's: 502.
#[tokio::test]
async fn a_report_fed311_can_no_longer_forward_is_a_bad_gateway() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let up = FakeCity::new(Mode::Accept);
    let s = setup(up.serve("127.0.0.1:0".parse().unwrap()).await, true).await;
    let dir = s.jurisdictions.path();
    write_city(dir, "town", &format!("http://{port}/"), "format = \"json\"");
    let (api, stop) = spawn_fed311_forwarding(dir, s.data.path()).await;
    let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = answer[0]["token"].as_str().expect("a token while the city is down").to_string();
    stop.send(true).unwrap();

    std::fs::remove_file(dir.join("town.toml")).unwrap();
    write_city(dir, "village", &format!("http://{port}/"), "format = \"json\"");
    let (restarted, _stop) = spawn_fed311_forwarding(dir, s.data.path()).await;
    let (status, body) = poll_until_settled(&format!("http://{restarted}/open311/v2/tokens/{token}.json")).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("the jurisdiction is no longer served"), "{body}");
}

/// GETs a token until it answers something other than 200 (a refusal); returns status and body.
async fn poll_until_settled(url: &str) -> (u16, String) {
    for _ in 0..400 {
        let (status, _, body) = get(url).await;
        if status != 200 {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{url} was never refused");
}

/// A square boundary file around (lat, long), ± `half` degrees.
fn square(dir: &std::path::Path, name: &str, lat: f64, long: f64, half: f64) -> String {
    let (w, e, s, n) = (long - half, long + half, lat - half, lat + half);
    let geometry = serde_json::json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]});
    let feature = serde_json::json!({"type": "Feature", "properties": {"name": name}, "geometry": geometry});
    std::fs::write(dir.join(format!("{name}.geojson")), feature.to_string()).unwrap();
    format!("boundary = \"{name}.geojson\"")
}

#[tokio::test]
async fn a_point_alone_is_routed_to_the_city_whose_boundary_holds_it() {
    let town = FakeCity::new(Mode::Accept);
    let village = FakeCity::new(Mode::Accept);
    let (town_addr, village_addr) =
        (town.serve("127.0.0.1:0".parse().unwrap()).await, village.serve("127.0.0.1:0".parse().unwrap()).await);
    let s = setup(town_addr, true).await;
    let dir = s.jurisdictions.path();
    let town_extra = square(dir, "town", 43.65, -79.38, 0.05);
    write_city(dir, "town", &format!("http://{town_addr}/"), &format!("format = \"json\"\n{town_extra}"));
    let village_extra = square(dir, "village", 44.0, -79.0, 0.05);
    write_city(dir, "village", &format!("http://{village_addr}/"), &format!("format = \"json\"\n{village_extra}"));
    let (api, _stop) = spawn_fed311_forwarding(dir, s.data.path()).await;

    let no_jurisdiction: Vec<(&str, &str)> =
        pothole(&[]).into_iter().filter(|(k, _)| *k != "jurisdiction_id").collect();
    let (status, body) = post(api, "/open311/v2/requests.json", &no_jurisdiction).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(town.post_count(), 1, "the point 43.65,-79.38 is inside town");
    assert_eq!(village.post_count(), 0);

    let mut far = no_jurisdiction.clone();
    far.retain(|(k, _)| *k != "lat" && *k != "long");
    far.extend([("lat", "10.0"), ("long", "10.0")]);
    let (status, body) = post(api, "/open311/v2/requests.json", &far).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no jurisdiction covers"), "{body}");

    // Overlapping boundaries: the point is in both, so the client must choose.
    let wide = square(dir, "village", 43.65, -79.38, 0.5);
    write_city(dir, "village", &format!("http://{village_addr}/"), &format!("format = \"json\"\n{wide}"));
    let (api, _stop2) = spawn_fed311_forwarding(dir, s.data.path()).await;
    let (status, body) = post(api, "/open311/v2/requests.json", &no_jurisdiction).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("town") && body.contains("village"), "the candidates are named: {body}");
}

/// A city that echoes its posted form (key included) in a 200, a 400 and a 403: the key
/// never reaches the client nor the SQLite file, in any spelling. The real binary, with the
/// city's key and the client's key in its environment.
#[tokio::test]
async fn a_city_echoing_its_key_never_leaks_it() {
    const CITY_KEY: &str = "city K3y/with+odd&chars=";
    const CLIENT_KEY: &str = "client-key-0f1e2d";
    let city = FakeCity::new(Mode::Echo(200));
    let addr = city.serve("127.0.0.1:0".parse().unwrap()).await;
    let s = setup(addr, false).await;
    write_city(
        s.jurisdictions.path(),
        "town",
        &format!("http://{addr}/"),
        "format = \"json\"\napi_key_env = \"TOWN_CITY_KEY\"",
    );
    let env = [("TOWN_CITY_KEY", CITY_KEY), ("FED311_API_KEYS", CLIENT_KEY)];
    let mut served = ServeProcess::start(s.jurisdictions.path(), s.data.path(), &["--no-harvest"], &env, None).await;
    let form_encoded: String = url::form_urlencoded::byte_serialize(CITY_KEY.as_bytes()).collect();
    let spellings = [CITY_KEY, form_encoded.as_str(), CLIENT_KEY];
    let mut form = pothole(&[]);
    form.retain(|(k, _)| *k != "api_key");
    let path = format!("/open311/v2/requests.json?api_key={CLIENT_KEY}");
    for (echo, want) in [(200, 200), (400, 400), (403, 502)] {
        *city.mode.lock().unwrap() = Mode::Echo(echo);
        let (status, body) = post(served.addr, &path, &form).await;
        assert_eq!(status, want, "city answered {echo}: {body}");
        assert!(body.contains("[redacted]"), "the echo is relayed, scrubbed: {body}");
        for key in spellings {
            assert!(!body.contains(key), "city answered {echo}: `{key}` leaked: {body}");
        }
    }
    let (status, xml) = post(served.addr, &path.replace(".json", ".xml"), &form).await;
    assert_eq!(status, 502, "{xml}");
    assert!(!xml.contains("K3y") && !xml.contains(CLIENT_KEY), "{xml}");
    assert_eq!(city.post_count(), 1, "the city took the one it answered 200");
    assert!(
        city.posts.lock().unwrap()[0].iter().any(|(k, v)| k == "api_key" && v == CITY_KEY),
        "the city gets its key"
    );
    served.kill9();
    for entry in std::fs::read_dir(s.data.path()).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with("fed311.sqlite") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for key in spellings {
            let found = bytes.windows(key.len()).any(|w| w == key.as_bytes());
            assert!(!found, "`{key}` is stored in {}", path.display());
        }
    }
}

/// A city fed311 never reached (no harvested service list) still gets its reports: they are
/// queued, and the answer says the service was not verified.
#[tokio::test]
async fn a_report_for_a_city_never_reached_is_queued_unverified() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let s = setup(port, false).await;
    let (api, _stop) = spawn_fed311_forwarding(s.jurisdictions.path(), s.data.path()).await;
    let (status, body) = post(api, "/open311/v2/requests.json", &pothole(&[])).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = answer[0]["token"].as_str().expect("a token while the city cannot be reached").to_string();
    let notice = answer[0]["service_notice"].as_str().unwrap();
    assert!(notice.contains("service_code `POT` is not verified"), "{notice}");
    let (status, xml) = post(api, "/open311/v2/requests.xml", &pothole(&[])).await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("is not verified"), "{xml}");
    // Once the city is up it judges, and has the report.
    let city = FakeCity::new(Mode::Accept);
    city.serve(port).await;
    let resolved = wait_for_id(api, &token).await;
    assert!(resolved[0]["service_request_id"].as_str().is_some_and(|id| id.starts_with("C-")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(city.post_count(), 2);
}
