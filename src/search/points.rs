//! Each segment's points in a sorted grid, built from its `lat`/`long` columns the first
//! time a query asks where, and kept with the segment's columns. The points are sorted by
//! 0.005° cell (about 500 m), so the points of a box are a few contiguous runs: those of
//! cells wholly inside it are taken without a look, those of its edge cells are checked
//! exactly. No coordinate is read from the index per candidate, and counting the points of
//! the covered cells estimates a box for the planner before any of them is touched.

use tantivy::{DocId, SegmentReader};

use super::area::Bbox;
use super::bits::{SegmentBits, words_for};
use super::columns::SegmentColumns;

/// Cell size, in degrees.
pub(super) const CELL: f64 = 0.005;

/// A segment's points, sorted by cell.
pub struct SegmentPoints {
    /// The cells holding points, ascending (`row << 32 | column`).
    cells: Vec<u64>,
    /// Where each cell's points start in `points` (one more entry: the end).
    starts: Vec<u32>,
    /// `(lat, long, doc)`, grouped by cell.
    points: Vec<(f64, f64, DocId)>,
}

impl SegmentPoints {
    /// Reads every document's point from the columns.
    pub fn build(columns: &SegmentColumns, max_doc: DocId) -> SegmentPoints {
        let points = (0..max_doc).filter_map(|doc| Some((columns.lat.first(doc)?, columns.long.first(doc)?, doc)));
        SegmentPoints::new(points)
    }

    /// Sorts `(lat, long, doc)` points by cell.
    fn new(points: impl Iterator<Item = (f64, f64, DocId)>) -> SegmentPoints {
        let mut keyed: Vec<(u64, f64, f64, DocId)> =
            points.map(|(lat, long, doc)| (key(row(lat), column(long)), lat, long, doc)).collect();
        keyed.sort_unstable_by_key(|(key, _, _, doc)| (*key, *doc));
        let (mut cells, mut starts) = (Vec::new(), Vec::new());
        for (i, (key, ..)) in keyed.iter().enumerate() {
            if cells.last() != Some(key) {
                cells.push(*key);
                starts.push(i as u32);
            }
        }
        starts.push(keyed.len() as u32);
        let points = keyed.into_iter().map(|(_, lat, long, doc)| (lat, long, doc)).collect();
        SegmentPoints { cells, starts, points }
    }

    /// How many points the cells covering the box hold (a little more than the box holds).
    pub fn estimate(&self, b: &Bbox) -> u64 {
        let mut held = 0u64;
        self.visit(b, |first, last, _| held += u64::from(self.starts[last + 1] - self.starts[first]));
        held
    }

    /// The documents whose point lies in the box (edges included), one bit each.
    fn inside(&self, b: &Bbox, max_doc: DocId) -> Vec<u64> {
        let mut words = vec![0u64; words_for(max_doc)];
        let mut set = |doc: DocId| words[(doc / 64) as usize] |= 1 << (doc % 64);
        self.visit(b, |first, last, interior| {
            let run = &self.points[self.starts[first] as usize..self.starts[last + 1] as usize];
            for &(lat, long, doc) in run {
                if interior || b.contains(lat, long) {
                    set(doc);
                }
            }
        });
        words
    }

    /// Calls `each(cell, points, interior)` for each cell holding points that the box
    /// touches (`cell` is `row << 32 | column`; `interior` when the cell lies wholly inside
    /// the box, so its points need no look): the grid counts (`grid.rs`) walk these.
    pub(super) fn each_cell_in(&self, b: &Bbox, mut each: impl FnMut(u64, &[(f64, f64, DocId)], bool)) {
        self.visit(b, |first, last, interior| {
            for cell in first..=last {
                let run = &self.points[self.starts[cell] as usize..self.starts[cell + 1] as usize];
                each(self.cells[cell], run, interior);
            }
        });
    }

    /// Calls `visit(first, last, interior)` for each run of cells `first..=last` (indexes
    /// into `cells`) that lies in one row of the box; `interior` when the run's cells lie
    /// wholly inside it (then so do their points).
    fn visit(&self, b: &Bbox, mut visit: impl FnMut(usize, usize, bool)) {
        let (south, north) = (row(b.south), row(b.north));
        let spans = b.long_spans();
        for (west, east) in spans.iter().map(|(w, e)| (column(*w), column(*e))) {
            for r in south..=north {
                let from = self.cells.partition_point(|c| *c < key(r, west));
                let to = self.cells.partition_point(|c| *c <= key(r, east));
                if from >= to {
                    continue;
                }
                let edge_row = r == south || r == north;
                // Edge columns need a look; the columns between them do not (unless the row does).
                let inner_from = self.cells[from..to].partition_point(|c| (*c as u32) <= west) + from;
                let inner_to = self.cells[from..to].partition_point(|c| (*c as u32) < east) + from;
                if edge_row || inner_from >= inner_to {
                    visit(from, to - 1, false);
                    continue;
                }
                if inner_from > from {
                    visit(from, inner_from - 1, false);
                }
                visit(inner_from, inner_to - 1, true);
                if to > inner_to {
                    visit(inner_to, to - 1, false);
                }
            }
        }
    }
}

/// The grid row of a latitude.
pub(super) fn row(lat: f64) -> u32 {
    ((lat + 90.0) / CELL).floor().clamp(0.0, 180.0 / CELL) as u32
}

/// The grid column of a longitude.
pub(super) fn column(long: f64) -> u32 {
    ((long + 180.0) / CELL).floor().clamp(0.0, 360.0 / CELL) as u32
}

fn key(row: u32, column: u32) -> u64 {
    u64::from(row) << 32 | u64::from(column)
}

/// Documents whose point lies in a box.
#[derive(Debug, Clone)]
pub struct InBox(pub Bbox);

impl SegmentBits for InBox {
    fn words(&self, segment: &SegmentColumns, reader: &SegmentReader) -> tantivy::Result<Vec<u64>> {
        Ok(segment.points(reader.max_doc()).inside(&self.0, reader.max_doc()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic scatter of points around `(lat, long)`, some on cell edges.
    fn scatter(lat: f64, long: f64, n: u32) -> Vec<(f64, f64, DocId)> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..n)
            .map(|doc| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let (a, b) = ((x % 10_000) as f64 / 10_000.0 - 0.5, ((x >> 20) % 10_000) as f64 / 10_000.0 - 0.5);
                let snap = |v: f64| if doc % 7 == 0 { (v / CELL).round() * CELL } else { v };
                (snap(lat + a * 0.08), snap(long + b * 0.08), doc)
            })
            .collect()
    }

    fn found(points: &SegmentPoints, b: &Bbox, max_doc: DocId) -> Vec<DocId> {
        let words = points.inside(b, max_doc);
        (0..max_doc).filter(|d| words[(d / 64) as usize] >> (d % 64) & 1 == 1).collect()
    }

    #[test]
    fn a_box_finds_exactly_the_points_inside_it() {
        let mut all = scatter(43.65, -79.38, 4000);
        all.extend(scatter(0.0, 179.98, 1000).into_iter().map(|(lat, long, doc)| {
            let long = if long > 180.0 { long - 360.0 } else { long };
            (lat, long, doc + 4000)
        }));
        let points = SegmentPoints::new(all.iter().copied());
        let boxes = [
            Bbox { west: -79.40, south: 43.64, east: -79.37, north: 43.66 },
            Bbox { west: -79.3975, south: 43.6325, east: -79.3625, north: 43.6675 },
            Bbox { west: -79.38, south: 43.65, east: -79.38, north: 43.65 },
            Bbox { west: 179.99, south: -0.01, east: -179.99, north: 0.02 },
            Bbox::WORLD,
        ];
        for b in boxes {
            let want: Vec<DocId> = all.iter().filter(|(lat, long, _)| b.contains(*lat, *long)).map(|p| p.2).collect();
            assert_eq!(found(&points, &b, 5000), want, "{b:?}");
            assert!(points.estimate(&b) >= want.len() as u64, "{b:?}: the estimate covers the box");
        }
    }
}
