//! The OpenAPI document against the live server (fed311 on 127.0.0.1 over a real store with
//! one simulated city's records): it is OpenAPI 3.x JSON, lists every federation route with
//! documented parameters, every route it lists is served, the query parameters it documents
//! are exactly those the server reads, and its schemas match real answers.

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;

/// Every federation route, as (method, OpenAPI path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/jurisdictions"),
    ("get", "/api/v1/jurisdictions/{id}"),
    ("get", "/api/v1/locate"),
    ("get", "/api/v1/requests"),
    ("post", "/api/v1/requests/search"),
    ("get", "/api/v1/requests/{jurisdiction_id}/{service_request_id}"),
    ("get", "/api/v1/stats"),
    ("get", "/api/v1/categories"),
    ("get", "/api/v1/feeds/requests.atom"),
    ("get", "/api/v1/feeds/requests.rss"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/open311/v2/discovery.{format}"),
    ("get", "/open311/v2/services.{format}"),
    ("get", "/open311/v2/services/{service_code}.{format}"),
    ("get", "/open311/v2/requests.{format}"),
    ("post", "/open311/v2/requests.{format}"),
    ("get", "/open311/v2/requests/{service_request_id}.{format}"),
    ("get", "/open311/v2/tokens/{token}.{format}"),
    ("get", "/jurisdictions/{jurisdiction_id}/open311/v2/requests.{format}"),
    ("post", "/jurisdictions/{jurisdiction_id}/open311/v2/requests.{format}"),
    ("get", "/jurisdictions/{jurisdiction_id}/open311/v2/services/{service_code}.{format}"),
];

/// A served fed311 with one city (`alpha`) holding a few records, and its document.
struct Served {
    base: String,
    doc: Value,
    record_id: String,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn serve() -> Served {
    let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::write_city(jurisdictions.path(), "alpha", "http://127.0.0.1:9/", "");
    let city = fed311::simulate::SimCity::generate(7, 5, "America/Toronto");
    let requests = city.requests();
    let store = fed311::store::Store::open(data.path()).unwrap();
    store.upsert_requests("alpha", &requests).unwrap();
    store.upsert_services("alpha", &city.services()).unwrap();
    let addr = common::spawn_fed311(jurisdictions.path(), data.path()).await;
    let base = format!("http://{addr}");
    let (status, kind, body) = common::get(&format!("{base}/api/v1/openapi.json")).await;
    assert_eq!((status, kind.as_str()), (200, "application/json"), "{body}");
    let doc: Value = serde_json::from_str(&body).expect("the document is JSON");
    let record_id = requests[0].service_request_id.clone();
    Served { base, doc, record_id, _dirs: (jurisdictions, data) }
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let paths = doc["paths"].as_object().expect("paths");
    let each = paths.iter().flat_map(|(path, item)| {
        item.as_object().into_iter().flatten().map(move |(method, op)| (method.clone(), path.clone(), op.clone()))
    });
    each.collect()
}

/// The names of an operation's query parameters.
fn query_names(op: &Value) -> BTreeSet<String> {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    params.iter().filter(|p| p["in"] == "query").map(|p| p["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn document_lists_every_federation_route_with_documented_parameters() {
    let Served { doc, .. } = serve().await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "OpenAPI 3.x: {}", doc["openapi"]);
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    for (method, path) in ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is documented");
    }
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        assert!(ids.insert(id.clone()), "{method} {path}: operationId `{id}` is unique");
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path} has a summary");
        assert!(op["responses"]["200"]["description"].is_string(), "{method} {path} documents its answer");
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for p in &params {
            let name = &p["name"];
            assert!(p["description"].as_str().is_some_and(|d| !d.is_empty()), "{path} {name} is described");
            assert!(p["schema"]["type"].is_string() || p["schema"]["$ref"].is_string(), "{path} {name} has a type");
        }
        let in_path: BTreeSet<String> =
            path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(n, _)| n.into()).collect();
        let declared: BTreeSet<String> =
            params.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap().into()).collect();
        assert_eq!(declared, in_path, "{path}: path parameters declared");
    }
}

/// A GeoReport route's answer: 200, or its own 404 in spec errors (an unknown token, a
/// service without a definition), never the fallback's "no such resource".
async fn check_georeport_route(base: &str, path: &str, record_id: &str) {
    let mut url = format!("{base}{path}")
        .replace("{format}", "json")
        .replace("{jurisdiction_id}", "alpha")
        .replace("{service_request_id}", record_id)
        .replace("{token}", "f311-unknown")
        .replace("{service_code}", "001");
    if path.starts_with("/open311/") {
        url.push_str("?jurisdiction_id=alpha");
    }
    let (status, _, body) = common::get(&url).await;
    let errors = fed311::wire::read::parse_errors(body.as_bytes());
    match status {
        200 => {}
        404 => {
            let errors = errors.unwrap_or_else(|| panic!("{url}: spec errors: {body}"));
            assert!(!errors[0].description.starts_with("no such resource"), "{url} is routed: {body}");
        }
        other => panic!("{url}: {other} {body}"),
    }
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let Served { base, doc, record_id, .. } = serve().await;
    for (method, path, _) in operations(&doc).into_iter().filter(|(m, _, _)| m == "get") {
        if path.contains("/open311/v2/") {
            check_georeport_route(&base, &path, &record_id).await;
            continue;
        }
        let url = format!("{base}{path}")
            .replace("{id}", "alpha")
            .replace("{jurisdiction_id}", "alpha")
            .replace("{service_request_id}", &record_id);
        let (status, kind, body) = common::get(&url).await;
        assert!(status != 404 && status < 500, "{method} {path}: {status} {body}");
        if path.contains('{') {
            assert_eq!(status, 200, "{url}: {body}");
            let (missing, kind, _) = common::get(&url.replace("alpha", "nowhere")).await;
            assert_eq!((missing, kind.as_str()), (404, "application/problem+json"), "{path}: the route's own 404");
        } else if status == 400 {
            assert_eq!(kind, "application/problem+json", "{path}: {body}");
        }
    }
}

/// Whether the server calls `name` unknown on this route.
async fn unknown(base: &str, path: &str, name: &str) -> Option<String> {
    let (status, _, body) = common::get(&format!("{base}{path}?{name}=1")).await;
    let problem: Value = serde_json::from_str(&body).unwrap_or_default();
    let detail = problem["detail"].as_str().unwrap_or_default().to_string();
    (status == 400 && problem["parameter"] == name).then_some(detail)
}

#[tokio::test]
async fn documented_query_parameters_are_those_the_server_reads() {
    let Served { base, doc, .. } = serve().await;
    let mut compared = 0;
    for (_, path, op) in operations(&doc).into_iter().filter(|(m, p, _)| m == "get" && !p.contains('{')) {
        let documented = query_names(&op);
        for name in &documented {
            let said = unknown(&base, &path, name).await.unwrap_or_default();
            assert!(!said.starts_with("unknown parameter"), "{path} documents `{name}` but the server says: {said}");
        }
        let Some(said) = unknown(&base, &path, "fed311_probe").await else { continue };
        let Some((_, known)) = said.split_once("known: ") else { continue };
        for name in known.split(", ").filter(|n| !documented.contains(*n)) {
            let why = unknown(&base, &path, name).await.unwrap_or_default();
            assert!(why.contains("does not apply"), "{path} reads `{name}`, which is not documented ({why})");
        }
        compared += 1;
    }
    assert!(compared >= 4, "requests, stats, categories and both feeds list what they know: {compared}");
}

#[tokio::test]
async fn record_and_problem_schemas_match_real_answers() {
    let Served { base, doc, .. } = serve().await;
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    let names =
        |value: &Value| value.as_object().map(|o| o.keys().cloned().collect::<BTreeSet<_>>()).unwrap_or_default();
    let strings =
        |value: &Value| value.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(String::from)).collect();

    let (status, page) = common::get_json(&format!("{base}/api/v1/requests?limit=1")).await;
    assert_eq!(status, 200, "{page}");
    let record = schema("Record");
    assert_eq!(names(&page["requests"][0]), names(&record["properties"]), "Record lists every field written");
    assert_eq!(names(&page["requests"][0]), strings(&record["required"]));
    let page_schema = schema("RequestsPage");
    assert_eq!(names(&page), names(&page_schema["properties"]));

    let (status, problem) = common::get_json(&format!("{base}/api/v1/requests?colour=red")).await;
    assert_eq!(status, 400);
    let problem_schema = schema("Problem");
    assert_eq!(names(&problem), names(&problem_schema["properties"]), "Problem lists every field written");
    assert!(strings(&problem_schema["required"]).is_subset(&names(&problem)));
}

#[tokio::test]
async fn georeport_health_forms_and_the_search_body_are_described() {
    let Served { base, doc, .. } = serve().await;
    let form = &doc["paths"]["/open311/v2/requests.{format}"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        ["schema"];
    let required: BTreeSet<&str> = form["required"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(required.contains("api_key") && required.contains("service_code"), "{form}");
    assert!(form["patternProperties"].as_object().unwrap().keys().any(|k| k.contains("attribute")), "{form}");

    // The posted search's schema is closed, and names exactly the fields the server reads.
    let body = &doc["paths"]["/api/v1/requests/search"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["additionalProperties"], false, "{body}");
    let documented: BTreeSet<String> = body["properties"].as_object().unwrap().keys().cloned().collect();
    let probe = reqwest::Client::new()
        .post(format!("{base}/api/v1/requests/search"))
        .json(&serde_json::json!({"fed311_probe": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 400);
    let detail = probe.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_string();
    let mut known: BTreeSet<String> = detail.split_once("known: ").unwrap().1.split(", ").map(String::from).collect();
    known.insert("polygon".into());
    assert_eq!(documented, known);
    assert_eq!(body["dependentRequired"]["radius"], serde_json::json!(["lat", "long"]));

    // radius needs lat and long, as documented and as served.
    for path in ["/api/v1/requests", "/open311/v2/requests.{format}"] {
        let op = &doc["paths"][path]["get"];
        assert_eq!(op["x-parameter-dependencies"]["radius"], serde_json::json!(["lat", "long"]), "{path}");
    }
    let (status, _, _) = common::get(&format!("{base}/api/v1/requests?radius=100")).await;
    assert_eq!(status, 400);
    let (status, _, body) =
        common::get(&format!("{base}/open311/v2/requests.json?jurisdiction_id=alpha&radius=100")).await;
    assert_eq!(status, 400, "{body}");

    let answer = reqwest::get(format!("{base}/api/v1/")).await.unwrap();
    assert!(answer.headers()["link"].to_str().unwrap().contains("</api/v1/openapi.json>; rel=\"service-desc\""));
    assert_eq!(answer.json::<Value>().await.unwrap()["openapi"], "/api/v1/openapi.json");

    common::get(&format!("{base}/metrics")).await;
    common::get(&format!("{base}/healthz")).await;
    let (_, _, metrics) = common::get(&format!("{base}/metrics")).await;
    assert!(metrics.contains("# HELP fed311_http_requests_total"), "{metrics}");
    assert!(metrics.contains("# TYPE fed311_http_request_seconds histogram"), "{metrics}");
    assert!(metrics.contains("fed311_http_request_seconds_bucket{"), "{metrics}");
}
