//! The exact per-document checks the collector makes, after the index has narrowed the
//! candidates: circle and polygon (and a box the point grid did not answer) on the
//! `lat`/`long` columns, and the requested/updated time ranges on the decoded times (time
//! periods over-cover a range by up to a block at each end).

use std::sync::Arc;

use tantivy::DocId;
use tantivy::columnar::Column;

use super::area::{Bbox, Radius, polygon_contains};
use super::columns::{SegmentColumns, Times};

/// What every kept document must satisfy; `None` checks nothing.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// Within a box.
    pub bbox: Option<Bbox>,
    /// Within a circle.
    pub circle: Option<Radius>,
    /// Within an area.
    pub area: Option<Arc<geo::MultiPolygon<f64>>>,
    /// Requested time within (unix seconds, inclusive).
    pub requested: Option<(i64, i64)>,
    /// Updated time within (unix seconds, inclusive).
    pub updated: Option<(i64, i64)>,
}

/// The checks with one segment's columns.
pub struct SegmentChecks {
    checks: Checks,
    columns: Arc<SegmentColumns>,
    point: Option<(Column<f64>, Column<f64>)>,
}

impl Checks {
    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        !self.is_spatial() && self.requested.is_none() && self.updated.is_none()
    }

    fn is_spatial(&self) -> bool {
        self.bbox.is_some() || self.circle.is_some() || self.area.is_some()
    }

    /// The columns the checks (and, with `want_point`, the caller) need.
    pub fn for_segment(&self, columns: &Arc<SegmentColumns>, want_point: bool) -> SegmentChecks {
        let point = (want_point || self.is_spatial()).then(|| (columns.lat.clone(), columns.long.clone()));
        SegmentChecks { checks: self.clone(), columns: columns.clone(), point }
    }
}

impl SegmentChecks {
    /// The document's point, when it has one and the columns are open.
    pub fn point(&self, doc: DocId) -> Option<(f64, f64)> {
        self.point.as_ref().and_then(|(lat, long)| lat.first(doc).zip(long.first(doc)))
    }

    /// Whether the document (whose point is `point`) passes every check.
    pub fn accepts(&self, doc: DocId, point: Option<(f64, f64)>) -> bool {
        let c = &self.checks;
        let within = |times: &Times, range: Option<(i64, i64)>| {
            range.is_none_or(|(lo, hi)| times.get(doc).is_some_and(|t| (lo..=hi).contains(&t)))
        };
        if !within(&self.columns.requested, c.requested) || !within(&self.columns.updated, c.updated) {
            return false;
        }
        if !c.is_spatial() {
            return true;
        }
        let Some((lat, long)) = point else { return false };
        c.bbox.is_none_or(|b| b.contains(lat, long))
            && c.circle.is_none_or(|r| r.contains(lat, long))
            && c.area.as_ref().is_none_or(|a| polygon_contains(a, lat, long))
    }
}
