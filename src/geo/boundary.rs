//! One jurisdiction's boundary, and reading it from a GeoJSON file: a bare geometry, a
//! Feature or a FeatureCollection whose geometries are all Polygons or MultiPolygons (in
//! longitude, latitude order, as GeoJSON says). Anything else is refused with an error that
//! names the file, so `fed311 serve` refuses to start on a wrong file instead of misrouting.

use std::path::Path;

use geo::{Area, CoordsIter, MultiPolygon, Polygon};
use geojson::{Feature, GeoJson, Geometry, GeometryValue, Position};

use super::GeoError;

/// The area a jurisdiction covers.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// The jurisdiction's id.
    pub id: String,
    /// The area, in longitude (x) and latitude (y) degrees.
    pub shape: MultiPolygon<f64>,
    /// True when derived from harvested request locations rather than read from a file.
    pub approximate: bool,
    /// Where the shape comes from (the file and its stated source, or how it was derived).
    pub source: String,
}

/// Reads the boundary of jurisdiction `id` from `path`; `shown` is the path as configured
/// (relative to the jurisdiction file), used in the `source` note.
pub fn read_file(id: &str, path: &Path, shown: &str) -> Result<Boundary, GeoError> {
    let invalid = |message: String| GeoError::Invalid { file: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path).map_err(|source| GeoError::Read { file: path.to_path_buf(), source })?;
    let geojson: GeoJson = text.parse().map_err(|e: geojson::Error| invalid(format!("not GeoJSON: {e}")))?;
    let (geometries, stated) = geometries(geojson).map_err(invalid)?;
    let mut polygons = Vec::new();
    for geometry in &geometries {
        polygons.extend(polygons_of(geometry).map_err(invalid)?);
    }
    let shape = MultiPolygon(polygons);
    check_shape(&shape).map_err(invalid)?;
    let source = match stated {
        Some(stated) => format!("{shown} ({stated})"),
        None => shown.to_string(),
    };
    Ok(Boundary { id: id.to_string(), shape, approximate: false, source })
}

/// The geometries of a GeoJSON document, and the `source` property of its first feature.
fn geometries(geojson: GeoJson) -> Result<(Vec<Geometry>, Option<String>), String> {
    let features = match geojson {
        GeoJson::Geometry(geometry) => return Ok((vec![geometry], None)),
        GeoJson::Feature(feature) => vec![feature],
        GeoJson::FeatureCollection(collection) => collection.features,
    };
    let stated = features.iter().find_map(stated_source);
    let mut geometries = Vec::with_capacity(features.len());
    for (n, feature) in features.into_iter().enumerate() {
        let geometry = feature.geometry.ok_or_else(|| format!("feature {n} has no geometry"))?;
        geometries.push(geometry);
    }
    Ok((geometries, stated))
}

fn stated_source(feature: &Feature) -> Option<String> {
    feature.property("source").and_then(|v| v.as_str()).map(str::to_string)
}

/// The polygons of one geometry; other geometry types, and rings that are not closed
/// rings of longitude, latitude positions, are an error.
pub fn polygons_of(geometry: &Geometry) -> Result<Vec<Polygon<f64>>, String> {
    let value = &geometry.value;
    check_rings(value)?;
    let converted = match value {
        GeometryValue::Polygon { .. } => Polygon::try_from(value).map(|p| vec![p]),
        GeometryValue::MultiPolygon { .. } => MultiPolygon::try_from(value).map(|m| m.0),
        other => {
            return Err(format!("a {} geometry cannot be a boundary: use Polygon or MultiPolygon", other.type_name()));
        }
    };
    converted.map_err(|e| format!("unreadable {}: {e}", value.type_name()))
}

/// RFC 7946's rules for a ring, checked before conversion (which indexes positions without
/// looking): every position a longitude and a latitude, at least four positions, the last
/// one the first.
fn check_rings(value: &GeometryValue) -> Result<(), String> {
    let rings: Vec<&Vec<Position>> = match value {
        GeometryValue::Polygon { coordinates } => coordinates.iter().collect(),
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().flatten().collect(),
        _ => Vec::new(),
    };
    for ring in rings {
        if let Some(short) = ring.iter().find(|p| p.len() < 2) {
            return Err(format!("position {:?} needs a longitude and a latitude", short.as_slice()));
        }
        if ring.len() < 4 {
            return Err(format!("a ring needs at least four positions, not {}", ring.len()));
        }
        if ring.first().map(Position::as_slice) != ring.last().map(Position::as_slice) {
            return Err("a ring must end at the position it starts from".into());
        }
    }
    Ok(())
}

/// A usable shape: some polygon, some area, every coordinate a real longitude and latitude.
pub fn check_shape(shape: &MultiPolygon<f64>) -> Result<(), String> {
    if shape.0.is_empty() {
        return Err("holds no polygon".into());
    }
    let out_of_range = shape.coords_iter().find(|c| !(c.x.abs() <= 180.0 && c.y.abs() <= 90.0));
    if let Some(c) = out_of_range {
        return Err(format!(
            "coordinate ({}, {}) is not a longitude, latitude pair (GeoJSON order is longitude first)",
            c.x, c.y
        ));
    }
    if shape.unsigned_area() <= 0.0 {
        return Err("the polygons enclose no area".into());
    }
    Ok(())
}
