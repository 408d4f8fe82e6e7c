//! Grid cells: the index's coarse "where". Every point is indexed under three cells (1°,
//! 0.1° and 0.01° squares of longitude/latitude), so a box becomes a union of a few cell
//! terms: posting lists that intersect cheaply with text and other terms, where fast-field
//! ranges on `lat`/`long` would scan whole columns. Cells over-cover; the collector then
//! checks the box (and any circle or polygon) exactly on the `lat`/`long` fast fields.

use super::area::Bbox;

/// Cell sizes in degrees, coarsest first; the index of each is its level.
const SIZES: [f64; 3] = [1.0, 0.1, 0.01];
/// Most cells a box may become; bigger boxes get no prefilter (they hold most data anyway).
const MAX_CELLS: usize = 128;

/// The cells holding a point, one per level.
pub fn of_point(lat: f64, long: f64) -> [u64; 3] {
    let mut cells = [0; 3];
    for (level, size) in SIZES.iter().enumerate() {
        cells[level] = id(level, lat_index(lat, *size), long_index(long, *size));
    }
    cells
}

/// The cells covering a box at the finest level needing at most [`MAX_CELLS`]; `None` when
/// even the coarsest needs more.
pub fn covering(b: &Bbox) -> Option<Vec<u64>> {
    (0..SIZES.len()).rev().find_map(|level| covering_at(b, level))
}

/// The 1° cells covering a box and the share of their area the box covers.
pub fn coarse(b: &Bbox) -> Option<(Vec<u64>, f64)> {
    let cells = covering_at(b, 0)?;
    let area = (b.north - b.south) * b.long_spans().iter().map(|(w, e)| e - w).sum::<f64>();
    let share = (area / (cells.len() as f64 * SIZES[0] * SIZES[0])).clamp(0.0, 1.0);
    Some((cells, share))
}

fn covering_at(b: &Bbox, level: usize) -> Option<Vec<u64>> {
    let size = SIZES[level];
    let rows = lat_index(b.south, size)..=lat_index(b.north, size);
    let columns: Vec<u64> =
        b.long_spans().iter().flat_map(|(west, east)| long_index(*west, size)..=long_index(*east, size)).collect();
    let count = (rows.end() - rows.start() + 1) as usize * columns.len();
    if count > MAX_CELLS {
        return None;
    }
    Some(rows.flat_map(|row| columns.iter().map(move |column| id(level, row, *column))).collect())
}

fn id(level: usize, row: u64, column: u64) -> u64 {
    (level as u64) << 48 | row << 24 | column
}

/// Row of a latitude: monotonic in `lat`, so a point in a box lies between its edges' rows.
fn lat_index(lat: f64, size: f64) -> u64 {
    let last = (180.0 / size).round() - 1.0;
    ((lat + 90.0) / size).floor().clamp(0.0, last) as u64
}

fn long_index(long: f64, size: f64) -> u64 {
    let last = (360.0 / size).round() - 1.0;
    ((long + 180.0) / size).floor().clamp(0.0, last) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_in_a_box_is_in_a_covering_cell() {
        let b = Bbox { west: -79.41, south: 43.64, east: -79.38, north: 43.66 };
        let cells = covering(&b).unwrap();
        assert!(cells.len() <= MAX_CELLS && cells.iter().all(|c| c >> 48 == 2), "finest level: {}", cells.len());
        for (lat, long) in [(43.64, -79.41), (43.66, -79.38), (43.6512, -79.3999)] {
            assert!(of_point(lat, long).iter().any(|c| cells.contains(c)), "{lat},{long}");
        }
        assert!(!of_point(43.70, -79.40).iter().any(|c| cells.contains(c)));
        let wrapped = Bbox { west: 179.5, south: 0.0, east: -179.5, north: 0.5 };
        assert!(of_point(0.2, -179.9).iter().any(|c| covering(&wrapped).unwrap().contains(c)));
        assert!(covering(&Bbox::WORLD).is_none());
    }
}
