//! `GET /api/v1/locate?lat=&long=`: the jurisdictions whose area holds a point, from the geo
//! layer (boundary files first, then areas derived from harvested locations, flagged
//! `approximate`). A missing, unreadable or out-of-range coordinate is a 400 naming it.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::AppState;
use super::params::Params;
use super::problem::Problem;

/// The jurisdictions holding the point: `{"jurisdictions": [{"id", "name", "approximate"}]}`.
pub async fn locate(State(s): State<AppState>, RawQuery(query): RawQuery) -> Result<Json<Value>, Problem> {
    let params = Params::parse(query.as_deref());
    let lat = coordinate(&params, "lat", 90.0)?;
    let long = coordinate(&params, "long", 180.0)?;
    let found: Vec<Value> = s
        .geo
        .locate_boundaries(lat, long)
        .iter()
        .map(|b| {
            let name = s.registry.get(&b.id).map(|j| j.name.as_str());
            json!({ "id": b.id, "name": name, "approximate": b.approximate })
        })
        .collect();
    Ok(Json(json!({ "jurisdictions": found })))
}

/// A decimal-degree parameter within `-limit..=limit`.
fn coordinate(params: &Params, name: &str, limit: f64) -> Result<f64, Problem> {
    let Some(text) = params.get(name) else {
        let hint = if name == "long" && (params.get("lon").is_some() || params.get("lng").is_some()) {
            " (the parameter is spelled `long`)"
        } else {
            ""
        };
        return Err(Problem::bad_parameter(name, format!("`{name}` is required, in decimal degrees{hint}")));
    };
    let value: f64 = text
        .parse()
        .map_err(|_| Problem::bad_parameter(name, format!("`{name}` must be a number of decimal degrees, not `{text}`")))?;
    if !value.is_finite() || value.abs() > limit {
        return Err(Problem::bad_parameter(name, format!("`{name}` must be between -{limit} and {limit}, not `{text}`")));
    }
    Ok(value)
}
