//! Where: bounding boxes, circles and polygons on WGS84 longitude/latitude. The index
//! prefilters by a box (fast-field ranges on `lat`/`long`); circles and polygons are then
//! checked exactly per point (great-circle distance with geo's Haversine, point in polygon
//! with the boundary included). A box whose west edge is east of its east edge crosses the
//! antimeridian.

use geo::{BoundingRect, Distance, Haversine, Intersects, MultiPolygon, Point};

/// A few centimetres of slack on prefilter boxes, so rounding never drops a point that the
/// exact check would keep.
const SLACK_DEGREES: f64 = 1e-7;

/// A longitude/latitude box, edges included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    /// Western longitude.
    pub west: f64,
    /// Southern latitude.
    pub south: f64,
    /// Eastern longitude (less than `west` when the box crosses the antimeridian).
    pub east: f64,
    /// Northern latitude.
    pub north: f64,
}

/// A circle: every point within `metres` (great-circle) of a centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Radius {
    /// Latitude of the centre.
    pub lat: f64,
    /// Longitude of the centre.
    pub long: f64,
    /// Radius in metres.
    pub metres: f64,
}

/// What is wrong with a `bbox`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BboxError {
    /// Not four comma-separated numbers.
    #[error("bbox `{0}` must be four numbers: west,south,east,north")]
    NotFourNumbers(String),
    /// An edge is not a finite number.
    #[error("bbox edges must be numbers")]
    NotNumbers,
    /// A longitude beyond ±180.
    #[error("bbox longitudes (west, east) must be from -180 to 180")]
    Longitudes,
    /// A latitude beyond ±90.
    #[error("bbox latitudes (south, north) must be from -90 to 90")]
    Latitudes,
    /// The edges in the wrong order.
    #[error("bbox south is above north: the order is west,south,east,north")]
    SouthAboveNorth,
}

/// Largest radius: half the Earth's circumference.
pub const MAX_RADIUS_METRES: f64 = 20_015_087.0;

/// Checks a latitude/longitude pair; the error names `lat` or `long`.
pub fn check_point(lat: f64, long: f64) -> Result<(), (&'static str, String)> {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(("lat", format!("lat {lat} must be from -90 to 90")));
    }
    if !(long.is_finite() && (-180.0..=180.0).contains(&long)) {
        return Err(("long", format!("long {long} must be from -180 to 180")));
    }
    Ok(())
}

/// Great-circle distance in metres between two points.
pub fn distance_metres(lat_a: f64, long_a: f64, lat_b: f64, long_b: f64) -> f64 {
    Haversine.distance(Point::new(long_a, lat_a), Point::new(long_b, lat_b))
}

impl Bbox {
    /// The whole world.
    pub const WORLD: Bbox = Bbox { west: -180.0, south: -90.0, east: 180.0, north: 90.0 };

    /// Reads `west,south,east,north` (decimal degrees) and checks it.
    pub fn parse(text: &str) -> Result<Bbox, BboxError> {
        let not_four = || BboxError::NotFourNumbers(text.to_string());
        let numbers: Vec<f64> =
            text.split(',').map(|v| v.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| not_four())?;
        let [west, south, east, north] = numbers[..] else {
            return Err(not_four());
        };
        let b = Bbox { west, south, east, north };
        b.validate().map(|()| b)
    }

    /// Checks edges: longitudes within ±180, latitudes within ±90, south not above north.
    pub fn validate(&self) -> Result<(), BboxError> {
        let Bbox { west, south, east, north } = *self;
        if ![west, south, east, north].iter().all(|v| v.is_finite()) {
            return Err(BboxError::NotNumbers);
        }
        if ![west, east].iter().all(|v| (-180.0..=180.0).contains(v)) {
            return Err(BboxError::Longitudes);
        }
        if ![south, north].iter().all(|v| (-90.0..=90.0).contains(v)) {
            return Err(BboxError::Latitudes);
        }
        if south > north {
            return Err(BboxError::SouthAboveNorth);
        }
        Ok(())
    }

    /// The longitude spans of the box: one, or two when it crosses the antimeridian.
    pub fn long_spans(&self) -> Vec<(f64, f64)> {
        if self.west <= self.east {
            vec![(self.west, self.east)]
        } else {
            vec![(self.west, 180.0), (-180.0, self.east)]
        }
    }

    /// Whether the point lies in the box (edges included).
    pub fn contains(&self, lat: f64, long: f64) -> bool {
        let within_longs = if self.west <= self.east {
            (self.west..=self.east).contains(&long)
        } else {
            long >= self.west || long <= self.east
        };
        (self.south..=self.north).contains(&lat) && within_longs
    }
}

impl Radius {
    /// Checks the centre and the radius; the error names `lat`, `long` or `radius`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        check_point(self.lat, self.long)?;
        if !(self.metres.is_finite() && self.metres > 0.0 && self.metres <= MAX_RADIUS_METRES) {
            return Err(("radius", format!("radius must be metres above 0 and at most {MAX_RADIUS_METRES}")));
        }
        Ok(())
    }

    /// Whether the point is within the circle.
    pub fn contains(&self, lat: f64, long: f64) -> bool {
        distance_metres(self.lat, self.long, lat, long) <= self.metres
    }

    /// The smallest box holding the circle (with a little slack).
    pub fn bbox(&self) -> Bbox {
        let angle = self.metres / Haversine.radius();
        let reach = angle.to_degrees() + SLACK_DEGREES;
        let (south, north) = (self.lat - reach, self.lat + reach);
        let spread = angle.sin() / self.lat.to_radians().cos();
        if south <= -90.0 || north >= 90.0 || angle >= std::f64::consts::FRAC_PI_2 || spread >= 1.0 {
            return Bbox { south: south.max(-90.0), north: north.min(90.0), ..Bbox::WORLD };
        }
        let wide = spread.asin().to_degrees() + SLACK_DEGREES;
        let (mut west, mut east) = (self.long - wide, self.long + wide);
        if west < -180.0 {
            west += 360.0;
        }
        if east > 180.0 {
            east -= 360.0;
        }
        Bbox { west, south, east, north }
    }
}

/// The bounding box of an area (`None` when it is empty).
pub fn polygon_bbox(area: &MultiPolygon<f64>) -> Option<Bbox> {
    let rect = area.bounding_rect()?;
    let (min, max) = (rect.min(), rect.max());
    let clamp_long = |v: f64| v.clamp(-180.0, 180.0);
    let clamp_lat = |v: f64| v.clamp(-90.0, 90.0);
    Some(Bbox {
        west: clamp_long(min.x - SLACK_DEGREES),
        south: clamp_lat(min.y - SLACK_DEGREES),
        east: clamp_long(max.x + SLACK_DEGREES),
        north: clamp_lat(max.y + SLACK_DEGREES),
    })
}

/// Whether the point lies in the area or on its edge.
pub fn polygon_contains(area: &MultiPolygon<f64>, lat: f64, long: f64) -> bool {
    area.intersects(&Point::new(long, lat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circle_box_holds_the_circle_and_wraps() {
        let r = Radius { lat: 45.0, long: 179.99, metres: 5_000.0 };
        let b = r.bbox();
        assert!(b.west > b.east, "crosses the antimeridian: {b:?}");
        for bearing in 0..360 {
            let p = geo::Destination::destination(&Haversine, Point::new(r.long, r.lat), bearing as f64, 4_999.0);
            assert!(b.contains(p.y(), p.x()), "{bearing}: {p:?} outside {b:?}");
        }
        let polar = Radius { lat: 89.99, long: 0.0, metres: 5_000.0 }.bbox();
        assert_eq!((polar.west, polar.east, polar.north), (-180.0, 180.0, 90.0));
    }

    #[test]
    fn bad_edges_are_refused() {
        assert!(Bbox { west: 0.0, south: 10.0, east: 1.0, north: 5.0 }.validate().is_err());
        assert!(Bbox { west: -200.0, south: 0.0, east: 1.0, north: 5.0 }.validate().is_err());
        assert!(Radius { lat: 0.0, long: 0.0, metres: 0.0 }.validate().is_err());
        assert_eq!(Radius { lat: 91.0, long: 0.0, metres: 1.0 }.validate().unwrap_err().0, "lat");
    }
}
