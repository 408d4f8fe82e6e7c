//! The JSON body of `POST /api/v1/requests/search`: the GET parameters as fields (strings,
//! numbers, or arrays for the comma lists and `bbox`) plus `polygon`, a GeoJSON Polygon or
//! MultiPolygon geometry. Fields become the same named pairs as a query string.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::form::{self, Pairs, Search};
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

fn pairs(fields: Map<String, Value>) -> Result<Pairs, Problem> {
    let mut pairs = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let text = match &value {
            Value::Null => continue,
            Value::Array(items) => items.iter().map(|v| scalar(&name, v)).collect::<Result<Vec<_>, _>>()?.join(","),
            other => scalar(&name, other)?,
        };
        pairs.push((name, text.trim().to_string()));
    }
    Ok(crate::api::params::Params(pairs))
}

fn scalar(name: &str, value: &Value) -> Result<String, Problem> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(Problem::bad_parameter(name, format!("{name} must be a string, a number or a list of them"))),
    }
}

/// The polygon field as an area.
fn area(value: Value) -> Result<geo::MultiPolygon<f64>, Problem> {
    let bad = |detail: String| Problem::bad_parameter("polygon", detail);
    let geometry: geojson::Geometry =
        serde_json::from_value(value).map_err(|e| bad(format!("polygon is not a GeoJSON geometry: {e}")))?;
    let shape = geo::Geometry::<f64>::try_from(&geometry.value)
        .map_err(|e| bad(format!("polygon is not a usable geometry: {e}")))?;
    let area = match shape {
        geo::Geometry::Polygon(p) => geo::MultiPolygon(vec![p]),
        geo::Geometry::MultiPolygon(m) => m,
        _ => return Err(bad("polygon must be a GeoJSON Polygon or MultiPolygon".to_string())),
    };
    let inside = |c: &geo::Coord<f64>| (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y);
    let coords = area.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    if !coords.flat_map(|ring| ring.0.iter()).all(inside) {
        return Err(bad("polygon coordinates must be [longitude, latitude] within ±180, ±90".to_string()));
    }
    if area.0.iter().all(|p| p.exterior().0.len() < 4) {
        return Err(bad("polygon needs a ring of at least four positions".to_string()));
    }
    Ok(area)
}
