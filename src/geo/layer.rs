//! One immutable snapshot of every boundary, with an R-tree over their bounding boxes: the
//! tree narrows a point to a few candidates, an exact point-in-polygon test decides.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{BoundingRect, Coord, Intersects};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::Boundary;

/// A boundary's bounding box, carrying its position in [`Layer::boundaries`].
type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Boundaries, exact ones first then by id, and the tree over them.
pub(super) struct Layer {
    boundaries: Vec<Arc<Boundary>>,
    by_id: HashMap<String, usize>,
    tree: RTree<Entry>,
}

impl Default for Layer {
    fn default() -> Layer {
        Layer::new(Vec::new())
    }
}

impl Layer {
    /// Indexes `boundaries` (at most one per jurisdiction id).
    pub(super) fn new(mut boundaries: Vec<Arc<Boundary>>) -> Layer {
        boundaries.sort_by(|a, b| (a.approximate, &a.id).cmp(&(b.approximate, &b.id)));
        let by_id = boundaries.iter().enumerate().map(|(i, b)| (b.id.clone(), i)).collect();
        let entries = boundaries.iter().enumerate().filter_map(|(i, b)| entry(i, b)).collect();
        Layer { boundaries, by_id, tree: RTree::bulk_load(entries) }
    }

    /// The boundaries holding the point (edges included): exact ones first, then by id.
    pub(super) fn locate(&self, x: f64, y: f64) -> Vec<Arc<Boundary>> {
        let point = Coord { x, y };
        let mut hits: Vec<usize> = self
            .tree
            .locate_all_at_point(&[x, y])
            .map(|e| e.data)
            .filter(|&i| self.boundaries[i].shape.intersects(&point))
            .collect();
        hits.sort_unstable();
        hits.into_iter().map(|i| self.boundaries[i].clone()).collect()
    }

    /// One jurisdiction's boundary.
    pub(super) fn get(&self, id: &str) -> Option<Arc<Boundary>> {
        self.by_id.get(id).map(|&i| self.boundaries[i].clone())
    }

    /// The exact (file) boundaries, for rebuilding with new derived ones.
    pub(super) fn exact(&self) -> Vec<Arc<Boundary>> {
        self.boundaries.iter().filter(|b| !b.approximate).cloned().collect()
    }
}

fn entry(i: usize, boundary: &Boundary) -> Option<Entry> {
    let rect = boundary.shape.bounding_rect()?;
    let (min, max) = (rect.min(), rect.max());
    Some(GeomWithData::new(Rectangle::from_corners([min.x, min.y], [max.x, max.y]), i))
}
