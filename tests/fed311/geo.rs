//! The geo layer end to end: the shipped boundary files, every GeoJSON shape a boundary file
//! may take, clear errors for bad files, hulls derived from harvested points in a real
//! SQLite store, and `/api/v1/locate` on a real fed311 over loopback.

use crate::common;

use std::path::{Path, PathBuf};

use fed311::domain::ServiceRequest;
use fed311::geo::GeoLayer;
use fed311::registry::Registry;
use fed311::store::Store;

const ENDPOINT: &str = "https://example.invalid/open311/v2/";
const MISSION: (f64, f64) = (37.7599, -122.4148);
const OAKLAND: (f64, f64) = (37.8044, -122.2712);
const PACIFIC: (f64, f64) = (30.0, -140.0);

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("jurisdictions")
}

fn layer_of(dir: &Path) -> GeoLayer {
    GeoLayer::load(&Registry::load(dir).expect("registry loads")).expect("boundaries load")
}

/// A city in `dir` whose boundary file `boundaries/<id>.geojson` holds `geojson`.
fn city_with_boundary(dir: &Path, id: &str, geojson: &str) {
    std::fs::create_dir_all(dir.join("boundaries")).unwrap();
    std::fs::write(dir.join(format!("boundaries/{id}.geojson")), geojson).unwrap();
    common::write_city(dir, id, ENDPOINT, &format!("boundary = \"boundaries/{id}.geojson\""));
}

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}"#;

#[test]
fn shipped_boundaries_locate_their_cities() {
    let layer = layer_of(&shipped());
    assert_eq!(layer.locate(MISSION.0, MISSION.1), vec!["san-francisco"]);
    assert!(!layer.locate(OAKLAND.0, OAKLAND.1).contains(&"san-francisco".to_string()));
    assert!(layer.locate(PACIFIC.0, PACIFIC.1).is_empty());
    let landmarks = [
        ("washington-dc", 38.8977, -77.0365),
        ("baltimore", 39.2904, -76.6122),
        ("philadelphia", 39.9526, -75.1652),
        ("st-louis", 38.6368, -90.2854),
        ("alexandria", 38.8200, -77.0900),
        ("newport-news", 37.0871, -76.4730),
        ("seeclickfix-macon", 32.8407, -83.6324),
    ];
    for (id, lat, long) in landmarks {
        assert_eq!(layer.locate(lat, long), vec![id], "{id}");
        let boundary = layer.boundary(id).expect("has a boundary");
        assert!(!boundary.approximate && boundary.source.contains("us-atlas"), "{id}: {}", boundary.source);
    }
}

#[test]
fn feature_collection_feature_and_bare_geometry_all_load() {
    let dir = tempfile::tempdir().unwrap();
    let feature = format!(r#"{{"type":"Feature","properties":{{"source":"drawn by hand"}},"geometry":{SQUARE}}}"#);
    let collection = format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#);
    let multi = SQUARE.replace("\"Polygon\"", "\"MultiPolygon\"").replace("[[[", "[[[[").replace("]]]", "]]]]");
    city_with_boundary(dir.path(), "bare", SQUARE);
    city_with_boundary(dir.path(), "feature", &feature);
    city_with_boundary(dir.path(), "collection", &collection);
    city_with_boundary(dir.path(), "multi", &multi);
    let layer = layer_of(dir.path());
    assert_eq!(layer.locate(10.5, 10.5), vec!["bare", "collection", "feature", "multi"]);
    assert!(layer.locate(12.0, 10.5).is_empty(), "outside the square");
    assert!(layer.locate(10.5, 12.0).is_empty(), "latitude and longitude are not swapped");
    let feature = layer.boundary("feature").expect("loaded");
    assert!(!feature.approximate && feature.source.contains("drawn by hand"), "{}", feature.source);
}

#[test]
fn bad_boundary_files_give_errors_naming_the_file() {
    let cases = [
        (r#"{"type":"LineString","coordinates":[[10,10],[11,11]]}"#, "LineString"),
        ("{ not json", "not GeoJSON"),
        (r#"{"type":"FeatureCollection","features":[]}"#, "no polygon"),
        (r#"{"type":"Polygon","coordinates":[[[10,100],[11,100],[11,101],[10,100]]]}"#, "longitude, latitude"),
    ];
    for (text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        city_with_boundary(dir.path(), "broken", text);
        let registry = Registry::load(dir.path()).expect("registry loads");
        let error = GeoLayer::load(&registry).err().expect("a bad boundary is refused").to_string();
        assert!(error.contains("broken.geojson") && error.contains(expected), "{error}");
    }
}

fn request(id: usize, lat: f64, long: f64) -> ServiceRequest {
    ServiceRequest { lat: Some(lat), long: Some(long), ..ServiceRequest::new(format!("r{id}")) }
}

/// 150 points scattered over a city around (45.4, -75.7), plus one far-off mistake.
fn harvested_points() -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = (0..150)
        .map(|i| {
            let (a, b) = ((i * 37 % 101) as f64 / 100.0, (i * 53 % 97) as f64 / 96.0);
            (45.35 + 0.1 * a, -75.75 + 0.1 * b * (0.5 + a))
        })
        .collect();
    points.push((-33.9, 151.2));
    points
}

fn store_points(data: &Path, id: &str, points: &[(f64, f64)]) -> Store {
    let store = Store::open(data).expect("store opens");
    let requests: Vec<ServiceRequest> =
        points.iter().enumerate().map(|(i, &(lat, long))| request(i, lat, long)).collect();
    store.upsert_requests(id, &requests).expect("requests stored");
    store
}

#[test]
fn derived_hulls_contain_harvested_points_and_are_approximate() {
    let (dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::write_city(dir.path(), "derived", ENDPOINT, "");
    common::write_city(dir.path(), "empty", ENDPOINT, "");
    let points = harvested_points();
    let store = store_points(data.path(), "derived", &points);
    let layer = layer_of(dir.path());
    assert!(layer.boundary("derived").is_none(), "nothing derived before a refresh");
    assert_eq!(layer.refresh_derived(&store).expect("derives"), 1);
    let (city, outlier) = points.split_at(points.len() - 1);
    for &(lat, long) in city {
        assert_eq!(layer.locate(lat, long), vec!["derived"], "({lat}, {long})");
    }
    assert!(layer.locate(outlier[0].0, outlier[0].1).is_empty(), "the far-off point is dropped");
    assert!(layer.locate(45.2, -75.7).is_empty(), "south of every point");
    let boundary = layer.boundary("derived").expect("derived");
    assert!(boundary.approximate && boundary.source.contains("concave hull"), "{}", boundary.source);
    assert!(layer.boundary("empty").is_none(), "no points, no area");
}

async fn fed311_with_sf_and_derived() -> (std::net::SocketAddr, tempfile::TempDir, tempfile::TempDir) {
    let (dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sf = std::fs::read_to_string(shipped().join("boundaries/san-francisco.geojson")).unwrap();
    city_with_boundary(dir.path(), "san-francisco", &sf);
    common::write_city(dir.path(), "derived", ENDPOINT, "");
    drop(store_points(data.path(), "derived", &harvested_points()));
    (common::spawn_fed311(dir.path(), data.path()).await, dir, data)
}

#[tokio::test]
async fn locate_api_names_cities_and_their_boundaries() {
    let (addr, _dir, _data) = fed311_with_sf_and_derived().await;
    let base = format!("http://{addr}/api/v1");
    let (status, body) = common::get_json(&format!("{base}/locate?lat={}&long={}", MISSION.0, MISSION.1)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["jurisdictions"],
        serde_json::json!([{"id": "san-francisco", "name": "san-francisco test city", "approximate": false}])
    );
    let (_, body) = common::get_json(&format!("{base}/locate?lat={}&long={}", OAKLAND.0, OAKLAND.1)).await;
    assert_eq!(body["jurisdictions"], serde_json::json!([]));
    let (_, body) = common::get_json(&format!("{base}/locate?lat=45.40&long=-75.70")).await;
    assert_eq!(body["jurisdictions"][0]["id"], "derived");
    assert_eq!(body["jurisdictions"][0]["approximate"], true);
    let (_, sf) = common::get_json(&format!("{base}/jurisdictions/san-francisco")).await;
    assert_eq!(sf["boundary"]["approximate"], false, "{sf}");
    let (_, derived) = common::get_json(&format!("{base}/jurisdictions/derived")).await;
    assert_eq!(derived["boundary"]["approximate"], true, "{derived}");
}

#[tokio::test]
async fn locate_api_refuses_bad_coordinates_naming_the_parameter() {
    let (addr, _dir, _data) = fed311_with_sf_and_derived().await;
    let cases = [
        ("lat=abc&long=-122.4", "lat"),
        ("lat=95&long=-122.4", "lat"),
        ("lat=NaN&long=-122.4", "lat"),
        ("lat=37.7&long=181", "long"),
        ("lat=37.7", "long"),
        ("long=-122.4", "lat"),
    ];
    for (query, parameter) in cases {
        let url = format!("http://{addr}/api/v1/locate?{query}");
        let (status, content_type, body) = common::get(&url).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(content_type.starts_with("application/problem+json"), "{query}: {content_type}");
        let problem: serde_json::Value = serde_json::from_str(&body).expect("JSON problem");
        assert_eq!(problem["parameter"], parameter, "{query}: {body}");
    }
}
