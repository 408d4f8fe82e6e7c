//! The map grid (`/api/v1/requests/grid`) and the page's files, over plain HTTP: the grid
//! counts exactly what `/api/v1/requests` finds in its box, under every filter, at every
//! zoom; its cells nest from zoom to zoom; bad parameters are problems naming them; it is
//! documented; and the page's shell and files are served with their types and headers.

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use fed311::harvest::harvest_once;
use fed311::registry::Registry;
use fed311::simulate::{SimulateArgs, Simulation, start_simulation};
use fed311::store::Store;
use fed311::upstream::Client;
use serde_json::Value;

struct World {
    addr: SocketAddr,
    _simulation: Simulation,
    _jurisdictions: tempfile::TempDir,
    _data: tempfile::TempDir,
}

/// Three simulated cities (Toronto, Chicago, Berlin), harvested and served in process.
async fn world() -> World {
    let jurisdictions = tempfile::tempdir().unwrap();
    let args = SimulateArgs {
        seed: 9,
        records: 700,
        cities: vec!["spec".into(), "connected-bits".into(), "mark-a-spot".into()],
        port: 0,
        jurisdictions_out: Some(jurisdictions.path().to_path_buf()),
    };
    let simulation = start_simulation(&args).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).unwrap();
    let registry = Registry::load(jurisdictions.path()).unwrap();
    let client = Client::with_settings(Duration::from_millis(10), Duration::from_secs(2)).unwrap();
    let reports = harvest_once(&client, &store, registry.iter().cloned().collect(), false, None).await;
    assert!(reports.iter().all(|r| r.succeeded()));
    let addr = spawn_fed311(jurisdictions.path(), data.path()).await;
    World { addr, _simulation: simulation, _jurisdictions: jurisdictions, _data: data }
}

impl World {
    async fn get(&self, path: &str) -> (u16, Value) {
        get_json(&format!("http://{}{path}", self.addr)).await
    }

    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
}

fn inside(bounds: &Value, lat: f64, long: f64) -> bool {
    let [west, south, east, north] = [0, 1, 2, 3].map(|i| bounds[i].as_f64().unwrap());
    (south - 1e-6..=north + 1e-6).contains(&lat) && (west - 1e-6..=east + 1e-6).contains(&long)
}

#[tokio::test]
async fn the_grid_counts_exactly_what_the_search_finds() {
    let w = world().await;
    let filters = [
        "",
        "status=open",
        "q=pothole",
        "q=graffiti%20OR%20trash&status=closed",
        "jurisdiction_id=sim-spec",
        "jurisdiction_id=sim-spec,sim-mark-a-spot&category=pothole",
        "service_code=001",
        "start_date=2018-01-01&end_date=2021-06-30T23:59:59Z",
        "updated_after=2020-01-01&status=closed",
        "lat=43.65&long=-79.38&radius=4000",
        "q=street&jurisdiction_id=sim-connected-bits&start_date=2015-01-01",
    ];
    let boxes =
        ["-180,-90,180,90", "-80,43,-79,44", "-79.45,43.6,-79.3,43.7", "-88,41.7,-87.5,42.1", "170,-10,-170,10"];
    let mut compared = 0;
    for filter in filters {
        for bbox in boxes {
            let search = w.ok(&format!("/api/v1/requests?{filter}&bbox={bbox}&limit=1")).await;
            for zoom in [2, 7, 11, 14] {
                let (status, grid) = w.get(&format!("/api/v1/requests/grid?{filter}&bbox={bbox}&zoom={zoom}")).await;
                if status == 400 {
                    assert_eq!(grid["parameter"], "zoom", "only too many cells are refused: {grid}");
                    continue;
                }
                assert_eq!(status, 200, "{filter} {bbox} {zoom}: {grid}");
                assert_eq!(grid["total"], search["total"], "{filter} in {bbox} at zoom {zoom}");
                let cells = grid["cells"].as_array().unwrap();
                let summed: u64 = cells.iter().map(|c| c["count"].as_u64().unwrap()).sum();
                assert_eq!(Some(summed), grid["total"].as_u64(), "the cells add up to the total");
                for c in cells {
                    let (lat, long) = (c["lat"].as_f64().unwrap(), c["long"].as_f64().unwrap());
                    assert!(c["count"].as_u64().unwrap() > 0 && inside(&c["bounds"], lat, long), "{c}");
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 150, "{compared}");
    let all = w.ok("/api/v1/requests?limit=1").await;
    let world = w.ok("/api/v1/requests/grid?zoom=1").await;
    assert!(
        world["total"].as_u64().unwrap() < all["total"].as_u64().unwrap(),
        "requests without a point are not on the map"
    );
}

#[tokio::test]
async fn cells_split_into_four_at_the_next_zoom() {
    let w = world().await;
    let bbox = "-80,43,-79,44";
    for zoom in [8, 9, 10, 11] {
        let coarse = w.ok(&format!("/api/v1/requests/grid?bbox={bbox}&zoom={zoom}")).await;
        let fine = w.ok(&format!("/api/v1/requests/grid?bbox={bbox}&zoom={}", zoom + 1)).await;
        let side = coarse["cell_degrees"].as_f64().unwrap();
        assert!((side / fine["cell_degrees"].as_f64().unwrap() - 2.0).abs() < 1e-9 || side <= 0.005 + 1e-12);
        for cell in coarse["cells"].as_array().unwrap() {
            let within: u64 = fine["cells"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| inside(&cell["bounds"], f["lat"].as_f64().unwrap(), f["long"].as_f64().unwrap()))
                .map(|f| f["count"].as_u64().unwrap())
                .sum();
            assert_eq!(Some(within), cell["count"].as_u64(), "zoom {zoom}: {cell}");
        }
    }
}

#[tokio::test]
async fn bad_grid_parameters_are_named() {
    let w = world().await;
    for (query, parameter) in [
        ("", "zoom"),
        ("zoom=23", "zoom"),
        ("zoom=x", "zoom"),
        ("zoom=22", "zoom"),
        ("zoom=3&limit=5", "limit"),
        ("zoom=3&sort=newest", "sort"),
        ("zoom=3&bbox=1,2,3", "bbox"),
        ("zoom=3&status=pending", "status"),
        ("zoom=3&jurisdiction_id=nowhere", "jurisdiction_id"),
        ("zoom=3&colour=red", "colour"),
        ("zoom=3&q=%22%22", "q"),
    ] {
        let (status, problem) = w.get(&format!("/api/v1/requests/grid?{query}")).await;
        assert_eq!((status, problem["parameter"].as_str()), (400, Some(parameter)), "{query}: {problem}");
    }
    let doc = w.ok("/api/v1/openapi.json").await;
    let op = &doc["paths"]["/api/v1/requests/grid"]["get"];
    let names: Vec<&str> = op["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in ["zoom", "bbox", "q", "jurisdiction_id", "category", "status", "start_date", "radius"] {
        assert!(names.contains(&name), "the grid documents `{name}`: {names:?}");
    }
}

#[tokio::test]
async fn the_page_and_its_files_are_served() {
    let w = world().await;
    for path in ["/", "/cities", "/compare", "/report", "/requests/sim-spec/1", "/tokens/f311-x"] {
        let response = reqwest::get(format!("http://{}{path}", w.addr)).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "text/html; charset=utf-8", "{path}");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"), "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<html lang=\"en\">") && html.contains("/web/app.js?v="), "{path}");
    }
    let html = reqwest::get(format!("http://{}/", w.addr)).await.unwrap().text().await.unwrap();
    let version = html.split("/web/app.js?v=").nth(1).unwrap().split('"').next().unwrap().to_string();
    for (path, kind) in [
        ("/web/app.js", "text/javascript"),
        ("/web/app.css", "text/css"),
        ("/web/leaflet.js", "text/javascript"),
        ("/web/leaflet.css", "text/css"),
        ("/web/leaflet-LICENSE.txt", "text/plain"),
        ("/web/icon.svg", "image/svg+xml"),
    ] {
        let response = reqwest::get(format!("http://{}{path}?v={version}", w.addr)).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"), "{path}");
        assert!(html.contains(&format!("{path}?v={version}")) || path.ends_with(".txt"), "the shell names {path}");
    }
    let config = w.ok("/web/config.json").await;
    assert_eq!(config["reports"], false, "reports from the page are off by default");
    assert!(config["tiles"].as_str().unwrap().starts_with("https://tile.openstreetmap.org/"), "{config}");
    assert!(config["attribution"].as_str().unwrap().contains("OpenStreetMap"), "the attribution OSM asks for");
    let areas = w.ok("/web/boundaries.json").await;
    assert_eq!(areas["features"].as_array().unwrap().len(), 3, "each city's derived area");
    let (status, _) = w.get("/web/nothing.js").await;
    assert_eq!(status, 404);
}
