//! The JSON body of `POST /api/v1/requests/search`: the GET parameters as fields (strings,
//! numbers, or arrays for the comma lists and `bbox`) plus `polygon`, a GeoJSON Polygon or
//! MultiPolygon geometry. Fields become the same named pairs as a query string.

use std::sync::Arc;

use geo::CoordsIter;
use serde_json::{Map, Value};

use super::form::{self, Search};
use crate::api::params::Params;
use crate::api::problem::Problem;
use crate::registry::Registry;

/// Reads and checks a search posted as JSON.
pub fn parse(body: &[u8], registry: &Registry) -> Result<Search, Problem> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Problem::bad_parameter("body", format!("the body is not JSON: {e}")))?;
    let Value::Object(mut fields) = value else {
        return Err(Problem::bad_parameter("body", "the body must be a JSON object"));
    };
    let polygon = fields.remove("polygon").filter(|v| !v.is_null()).map(area).transpose()?;
    let mut search = form::parse(&pairs(fields)?, registry)?;
    search.query.polygon = polygon.map(Arc::new);
    Ok(search)
}

fn pairs(fields: Map<String, Value>) -> Result<Params, Problem> {
    let mut pairs = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let text = match &value {
            Value::Null => continue,
            Value::Array(items) => items.iter().map(|v| scalar(&name, v)).collect::<Result<Vec<_>, _>>()?.join(","),
            other => scalar(&name, other)?,
        };
        pairs.push((name, text.trim().to_string()));
    }
    Ok(Params(pairs))
}

fn scalar(name: &str, value: &Value) -> Result<String, Problem> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(Problem::bad_parameter(name, format!("{name} must be a string, a number or a list of them"))),
    }
}

/// Most positions a polygon may hold, and most polygons in a MultiPolygon: what one search
/// may cost in point-in-polygon tests.
const MAX_POSITIONS: usize = 100_000;
const MAX_POLYGONS: usize = 1_000;

/// The polygon field as an area: a Polygon or MultiPolygon of closed rings in longitude,
/// latitude order. Rings are taken as drawn: a self-crossing ring is not refused (checking
/// that costs the square of its length), and its area is the one point-in-polygon gives.
fn area(value: Value) -> Result<geo::MultiPolygon<f64>, Problem> {
    let bad = |detail: String| Problem::bad_parameter("polygon", detail);
    let geometry: geojson::Geometry =
        serde_json::from_value(value).map_err(|e| bad(format!("polygon is not a GeoJSON geometry: {e}")))?;
    if !matches!(geometry.value, geojson::GeometryValue::Polygon { .. } | geojson::GeometryValue::MultiPolygon { .. }) {
        return Err(bad("polygon must be a GeoJSON Polygon or MultiPolygon".to_string()));
    }
    let area = geo::MultiPolygon(crate::geo::polygons_of(&geometry).map_err(|e| bad(format!("polygon: {e}")))?);
    crate::geo::check_shape(&area).map_err(|e| bad(format!("polygon {e}")))?;
    if area.0.len() > MAX_POLYGONS || area.coords_count() > MAX_POSITIONS {
        return Err(bad(format!("polygon may hold at most {MAX_POLYGONS} polygons and {MAX_POSITIONS} positions")));
    }
    Ok(area)
}
