//! Coverage areas derived from harvested request locations, for jurisdictions that ship no
//! boundary file: a concave hull of a sample of their stored coordinates, after dropping
//! far-off outliers (geocoding mistakes, swapped pairs). Always marked approximate.

use geo::concave_hull::ConcaveHullOptions;
use geo::{Area, ConcaveHull, ConvexHull, Coord, Intersects, MultiPoint, MultiPolygon, Point, Polygon};

use super::Boundary;

/// Most locations read per jurisdiction: plenty for a city's shape, cheap even at 1M rows.
pub const SAMPLE: usize = 20_000;
/// Fewer distinct locations than this say too little about a city's extent to route by.
pub const MIN_POINTS: usize = 10;
/// The outlier box spans these percentiles of each axis…
const LOW: f64 = 0.01;
const HIGH: f64 = 0.99;
/// …widened on each side by this share of its span, so a city's real edge is kept while
/// points far outside it are dropped.
const MARGIN: f64 = 0.1;
/// Lower is more concave; 2 follows the shape of a city without splitting it into spikes.
const CONCAVITY: f64 = 2.0;
/// Hull edges shorter than this (degrees, about 300 m) are not drilled into any further.
const LENGTH_THRESHOLD: f64 = 0.003;

/// The derived area of jurisdiction `id` from `(long, lat)` points, or `None` when there are
/// too few distinct points or they enclose no area.
pub fn hull(id: &str, points: &[(f64, f64)]) -> Option<Boundary> {
    let kept = distinct(trim_outliers(points));
    if kept.len() < MIN_POINTS {
        return None;
    }
    let shape = cover(&kept)?;
    let source = format!(
        "concave hull of {} distinct harvested request locations (sample of at most {SAMPLE}; \
         points outside the 1st-99th percentile box, widened by {}%, dropped)",
        kept.len(),
        MARGIN * 100.0
    );
    Some(Boundary { id: id.to_string(), shape: MultiPolygon(vec![shape]), approximate: true, source })
}

/// A concave hull holding every point; the convex hull in the rare case it would not.
fn cover(coords: &[Coord<f64>]) -> Option<Polygon<f64>> {
    let points: MultiPoint<f64> = coords.iter().map(|&c| Point(c)).collect();
    let options = ConcaveHullOptions { concavity: CONCAVITY, length_threshold: LENGTH_THRESHOLD };
    let concave = points.concave_hull_with_options(options);
    let shape = if coords.iter().all(|c| concave.intersects(c)) { concave } else { points.convex_hull() };
    (shape.unsigned_area() > 0.0).then_some(shape)
}

/// The finite points inside the widened percentile box of both axes.
fn trim_outliers(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
    let finite: Vec<Coord<f64>> =
        points.iter().filter(|(x, y)| x.is_finite() && y.is_finite()).map(|&(x, y)| Coord { x, y }).collect();
    let (Some((x0, x1)), Some((y0, y1))) = (range(finite.iter().map(|c| c.x)), range(finite.iter().map(|c| c.y)))
    else {
        return Vec::new();
    };
    finite.into_iter().filter(|c| (x0..=x1).contains(&c.x) && (y0..=y1).contains(&c.y)).collect()
}

/// The widened percentile range of one axis (`None` when there are no values).
fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut sorted: Vec<f64> = values.collect();
    sorted.sort_by(f64::total_cmp);
    let last = sorted.len().checked_sub(1)?;
    let at = |p: f64| sorted[((last as f64) * p).round() as usize];
    let (low, high) = (at(LOW), at(HIGH));
    let margin = (high - low) * MARGIN;
    Some((low - margin, high + margin))
}

/// The points without repeats (many requests share a spot).
fn distinct(mut coords: Vec<Coord<f64>>) -> Vec<Coord<f64>> {
    coords.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    coords.dedup();
    coords
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_box_drops_far_points_only() {
        let mut points: Vec<(f64, f64)> =
            (0..200).map(|i| (f64::from(i % 20) * 0.01, f64::from(i / 20) * 0.01)).collect();
        points.push((50.0, 50.0));
        let kept = trim_outliers(&points);
        assert_eq!(kept.len(), 200);
        assert!(kept.iter().all(|c| c.x < 1.0));
    }

    #[test]
    fn hull_follows_a_concave_city_and_holds_every_point() {
        let grid = (0..900).map(|i| (f64::from(i % 30) * 0.01, f64::from(i / 30) * 0.01));
        let l_shape: Vec<(f64, f64)> = grid.filter(|&(x, y)| x < 0.1 || y < 0.1).collect();
        let area = hull("l", &l_shape).expect("an area");
        assert!(area.approximate);
        assert!(l_shape.iter().all(|&(x, y)| area.shape.intersects(&Coord { x, y })));
        assert!(
            !area.shape.intersects(&Coord { x: 0.15, y: 0.15 }),
            "the notch (inside the convex hull) is not covered"
        );
    }

    #[test]
    fn too_few_or_collinear_points_give_no_area() {
        assert!(hull("x", &[(1.0, 1.0); 50]).is_none());
        let line: Vec<(f64, f64)> = (0..30).map(|i| (f64::from(i), 0.0)).collect();
        assert!(hull("x", &line).is_none());
    }
}
