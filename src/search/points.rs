//! Each segment's points in an R-tree, built from its `lat`/`long` columns the first time a
//! query asks where, and kept with the segment's columns. A box finds exactly the documents
//! inside it (no over-covering grid, no coordinate reads per candidate); a 0.1° histogram
//! of the points estimates, before any lookup, how many a box holds.

use std::collections::HashMap;
use std::sync::Arc;

use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader};

use super::area::Bbox;
use super::columns::SegmentColumns;
use super::filter::Bits;

/// Histogram cell size, in degrees.
const CELL: f64 = 0.1;

type Point = GeomWithData<[f64; 2], DocId>;

/// A segment's points.
pub struct SegmentPoints {
    tree: RTree<Point>,
    /// Points per 0.1° cell, by (row, column).
    histogram: HashMap<(i32, i32), u32>,
}

impl SegmentPoints {
    /// Reads every document's point from the columns.
    pub fn build(columns: &SegmentColumns, max_doc: DocId) -> SegmentPoints {
        let mut points = Vec::new();
        let mut histogram = HashMap::new();
        for doc in 0..max_doc {
            if let (Some(lat), Some(long)) = (columns.lat.first(doc), columns.long.first(doc)) {
                points.push(Point::new([long, lat], doc));
                *histogram.entry(cell(lat, long)).or_insert(0) += 1;
            }
        }
        SegmentPoints { tree: RTree::bulk_load(points), histogram }
    }

    /// About how many points lie in the box: those of the cells it touches, scaled by the
    /// share of their area it covers.
    pub fn estimate(&self, b: &Bbox) -> f64 {
        let mut held = 0u64;
        let mut cells = 0u64;
        for (west, east) in b.long_spans() {
            let (first, last) = (cell(b.south, west), cell(b.north, east));
            for row in first.0..=last.0 {
                for column in first.1..=last.1 {
                    cells += 1;
                    held += u64::from(self.histogram.get(&(row, column)).copied().unwrap_or(0));
                    if cells > 4096 {
                        return self.tree.size() as f64;
                    }
                }
            }
        }
        let area = (b.north - b.south) * b.long_spans().iter().map(|(w, e)| e - w).sum::<f64>();
        held as f64 * (area / (cells as f64 * CELL * CELL)).clamp(0.0, 1.0)
    }

    /// The documents whose point lies in the box (edges included), one bit each.
    fn inside(&self, b: &Bbox, max_doc: DocId) -> Vec<u64> {
        let mut words = vec![0u64; (max_doc as usize).div_ceil(64)];
        for (west, east) in b.long_spans() {
            let envelope = AABB::from_corners([west, b.south], [east, b.north]);
            for point in self.tree.locate_in_envelope(&envelope) {
                let [long, lat] = *point.geom();
                if b.contains(lat, long) {
                    words[(point.data / 64) as usize] |= 1 << (point.data % 64);
                }
            }
        }
        words
    }
}

fn cell(lat: f64, long: f64) -> (i32, i32) {
    ((lat / CELL).floor() as i32, (long / CELL).floor() as i32)
}

/// Documents whose point lies in a box, all scored alike.
#[derive(Clone)]
pub struct InBox {
    /// The box.
    pub bbox: Bbox,
    /// The searcher's segments (their points), by segment ordinal.
    pub segments: Arc<[Arc<SegmentColumns>]>,
}

impl std::fmt::Debug for InBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InBox").field("bbox", &self.bbox).finish()
    }
}

impl Query for InBox {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for InBox {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let segment = self.segments.iter().find(|s| s.segment_id == reader.segment_id()).ok_or_else(|| {
            tantivy::TantivyError::InternalError(format!("no points for segment {}", reader.segment_id()))
        })?;
        let words = segment.points(reader.max_doc()).inside(&self.bbox, reader.max_doc());
        Ok(Box::new(Bits::new(words, boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} is not in the box")));
        }
        Ok(Explanation::new("in box", scorer.score()))
    }
}
