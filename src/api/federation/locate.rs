//! `GET /api/v1/locate?lat=&long=`: the jurisdictions whose area holds a point, from the geo
//! layer (boundary files first, then areas derived from harvested locations, flagged
//! `approximate`). A missing, unreadable or out-of-range coordinate is a 400 naming it.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use crate::api::AppState;
use crate::api::openapi;
use crate::api::params::Params;
use crate::api::problem::Problem;

/// The jurisdictions holding the point: `{"jurisdictions": [{"id", "name", "approximate"}]}`.
#[utoipa::path(
    get,
    path = "/api/v1/locate",
    operation_id = "locate",
    tag = "registry",
    params(
        ("lat" = f64, Query, description = "Latitude in decimal degrees", minimum = -90.0, maximum = 90.0),
        ("long" = f64, Query, description = "Longitude in decimal degrees", minimum = -180.0, maximum = 180.0),
    ),
    responses(
        (status = 200, description = "`{\"jurisdictions\": [{\"id\", \"name\", \"approximate\"}]}`", body = Object),
        (status = 400, description = "A missing or bad coordinate, named", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
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
    let value: f64 = text.parse().map_err(|_| {
        Problem::bad_parameter(name, format!("`{name}` must be a number of decimal degrees, not `{text}`"))
    })?;
    if !value.is_finite() || value.abs() > limit {
        return Err(Problem::bad_parameter(
            name,
            format!("`{name}` must be between -{limit} and {limit}, not `{text}`"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(query: &str, name: &str, limit: f64) -> Result<f64, String> {
        coordinate(&Params::parse(Some(query)), name, limit).map_err(|p| serde_json::to_string(&p).unwrap_or_default())
    }

    #[test]
    fn reads_decimal_degrees_within_range() {
        assert_eq!(read("lat=37.76&long=-122.42", "lat", 90.0), Ok(37.76));
        assert_eq!(read("lat=37.76&long=-122.42", "long", 180.0), Ok(-122.42));
        assert_eq!(read("lat=-90", "lat", 90.0), Ok(-90.0));
    }

    #[test]
    fn names_the_parameter_and_the_fault() {
        let bad = |query: &str, name: &str, limit: f64| read(query, name, limit).err().unwrap_or_default();
        assert!(bad("lat=abc", "lat", 90.0).contains("\"parameter\":\"lat\""));
        assert!(bad("lat=90.5", "lat", 90.0).contains("between -90 and 90"));
        assert!(bad("lat=inf", "lat", 90.0).contains("between"));
        assert!(bad("lon=1", "long", 180.0).contains("spelled `long`"));
    }
}
