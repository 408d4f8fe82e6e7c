//! One jurisdiction's boundary, and reading it from a GeoJSON file: a bare geometry, a
//! Feature or a FeatureCollection whose geometries are all Polygons or MultiPolygons (in
//! longitude, latitude order, as GeoJSON says). Anything else is refused with an error that
//! names the file, so `fed311 serve` refuses to start on a wrong file instead of misrouting.

use std::path::Path;

use geo::{Area, CoordsIter, MultiPolygon, Polygon};
use geojson::{Feature, GeoJson, Geometry, GeometryValue, Position};

use super::GeoError;

/// What makes a geometry unusable as an area, in words that follow the file's name (or the
/// request's `polygon`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShapeError {
    /// A feature without a geometry.
    #[error("feature {0} has no geometry")]
    NoGeometry(usize),
    /// A point, a line or a collection.
    #[error("a {0} geometry cannot be a boundary: use Polygon or MultiPolygon")]
    NotPolygon(&'static str),
    /// The geometry could not be converted.
    #[error("unreadable {kind}: {detail}")]
    Unreadable {
        /// The geometry's type.
        kind: &'static str,
        /// Why.
        detail: String,
    },
    /// A position with fewer than two numbers.
    #[error("position {0:?} needs a longitude and a latitude")]
    ShortPosition(Vec<f64>),
    /// A ring of fewer than four positions.
    #[error("a ring needs at least four positions, not {0}")]
    ShortRing(usize),
    /// A ring that does not close.
    #[error("a ring must end at the position it starts from")]
    OpenRing,
    /// No polygon at all.
    #[error("holds no polygon")]
    Empty,
    /// A coordinate beyond ±180 or ±90.
    #[error("coordinate ({x}, {y}) is not a longitude, latitude pair (GeoJSON order is longitude first)")]
    OutOfRange {
        /// The first number (longitude).
        x: f64,
        /// The second (latitude).
        y: f64,
    },
    /// Polygons of no area.
    #[error("the polygons enclose no area")]
    NoArea,
}

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
    let unusable = |e: ShapeError| invalid(e.to_string());
    let text = std::fs::read_to_string(path).map_err(|source| GeoError::Read { file: path.to_path_buf(), source })?;
    let geojson: GeoJson = text.parse().map_err(|e: geojson::Error| invalid(format!("not GeoJSON: {e}")))?;
    let (geometries, stated) = geometries(geojson).map_err(unusable)?;
    let mut polygons = Vec::new();
    for geometry in &geometries {
        polygons.extend(polygons_of(geometry).map_err(unusable)?);
    }
    let shape = MultiPolygon(polygons);
    check_shape(&shape).map_err(unusable)?;
    let source = match stated {
        Some(stated) => format!("{shown} ({stated})"),
        None => shown.to_string(),
    };
    Ok(Boundary { id: id.to_string(), shape, approximate: false, source })
}

/// The geometries of a GeoJSON document, and the `source` property of its first feature.
fn geometries(geojson: GeoJson) -> Result<(Vec<Geometry>, Option<String>), ShapeError> {
    let features = match geojson {
        GeoJson::Geometry(geometry) => return Ok((vec![geometry], None)),
        GeoJson::Feature(feature) => vec![feature],
        GeoJson::FeatureCollection(collection) => collection.features,
    };
    let stated = features.iter().find_map(stated_source);
    let mut geometries = Vec::with_capacity(features.len());
    for (n, feature) in features.into_iter().enumerate() {
        let geometry = feature.geometry.ok_or(ShapeError::NoGeometry(n))?;
        geometries.push(geometry);
    }
    Ok((geometries, stated))
}

fn stated_source(feature: &Feature) -> Option<String> {
    feature.property("source").and_then(|v| v.as_str()).map(str::to_string)
}

/// The polygons of one geometry; other geometry types, and rings that are not closed
/// rings of longitude, latitude positions, are an error.
pub fn polygons_of(geometry: &Geometry) -> Result<Vec<Polygon<f64>>, ShapeError> {
    let value = &geometry.value;
    check_rings(value)?;
    let converted = match value {
        GeometryValue::Polygon { .. } => Polygon::try_from(value).map(|p| vec![p]),
        GeometryValue::MultiPolygon { .. } => MultiPolygon::try_from(value).map(|m| m.0),
        other => return Err(ShapeError::NotPolygon(other.type_name())),
    };
    converted.map_err(|e| ShapeError::Unreadable { kind: value.type_name(), detail: e.to_string() })
}

/// RFC 7946's rules for a ring, checked before conversion (which indexes positions without
/// looking): every position a longitude and a latitude, at least four positions, the last
/// one the first.
fn check_rings(value: &GeometryValue) -> Result<(), ShapeError> {
    let rings: Vec<&Vec<Position>> = match value {
        GeometryValue::Polygon { coordinates } => coordinates.iter().collect(),
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().flatten().collect(),
        _ => Vec::new(),
    };
    for ring in rings {
        if let Some(short) = ring.iter().find(|p| p.len() < 2) {
            return Err(ShapeError::ShortPosition(short.as_slice().to_vec()));
        }
        if ring.len() < 4 {
            return Err(ShapeError::ShortRing(ring.len()));
        }
        if ring.first().map(Position::as_slice) != ring.last().map(Position::as_slice) {
            return Err(ShapeError::OpenRing);
        }
    }
    Ok(())
}

/// A usable shape: some polygon, some area, every coordinate a real longitude and latitude.
pub fn check_shape(shape: &MultiPolygon<f64>) -> Result<(), ShapeError> {
    if shape.0.is_empty() {
        return Err(ShapeError::Empty);
    }
    let out_of_range = shape.coords_iter().find(|c| !(c.x.abs() <= 180.0 && c.y.abs() <= 90.0));
    if let Some(c) = out_of_range {
        return Err(ShapeError::OutOfRange { x: c.x, y: c.y });
    }
    if shape.unsigned_area() <= 0.0 {
        return Err(ShapeError::NoArea);
    }
    Ok(())
}
