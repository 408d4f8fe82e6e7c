//! `GET /web/boundaries.json`: every jurisdiction's area as one GeoJSON FeatureCollection,
//! for the page's maps (the search map without a base map, each city's small map, the
//! report form). Areas are simplified to about 50 m, plenty at the zooms they are drawn at
//! and a fraction of a boundary file's size; `approximate` marks hulls derived from harvested
//! points.

use axum::Json;
use axum::extract::State;
use geo::{MultiPolygon, Simplify};
use serde_json::{Value, json};

use crate::api::AppState;

/// Simplification tolerance, in degrees (about 50 m).
const TOLERANCE: f64 = 0.0005;

/// Every known area.
pub async fn all(State(s): State<AppState>) -> Json<Value> {
    let features: Vec<Value> = s
        .registry
        .iter()
        .filter_map(|j| {
            let boundary = s.geo.boundary(&j.id)?;
            Some(json!({
                "type": "Feature",
                "properties": { "id": j.id, "name": j.name, "approximate": boundary.approximate },
                "geometry": geometry(&boundary.shape.simplify(TOLERANCE)),
            }))
        })
        .collect();
    Json(json!({ "type": "FeatureCollection", "features": features }))
}

/// A MultiPolygon's GeoJSON geometry, positions rounded to six decimals.
fn geometry(shape: &MultiPolygon<f64>) -> Value {
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let ring = |r: &geo::LineString<f64>| r.coords().map(|c| [round(c.x), round(c.y)]).collect::<Vec<_>>();
    let polygons: Vec<Vec<Vec<[f64; 2]>>> =
        shape.iter().map(|p| std::iter::once(p.exterior()).chain(p.interiors()).map(ring).collect()).collect();
    json!({ "type": "MultiPolygon", "coordinates": polygons })
}
