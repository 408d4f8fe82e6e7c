//! Counts by area, for maps: how many requests a search selects in each cell of a grid laid
//! over a box, at a map zoom. A map showing a million markers is unusable and slow; at low
//! zoom it shows these counts instead.
//!
//! The grid's cells are whole multiples of the index's point cells (0.005°, `points.rs`),
//! a power of two of them a side, so each point cell falls in exactly one grid cell and a
//! grid cell at one zoom splits into four at the next. A segment's points are walked cell by
//! cell within the box (cells wholly inside it without a look, edge cells checked exactly);
//! each point counts when its document passes the search's filters: the id filters'
//! bitsets (`filter.rs`), the text's matches as a bitset, and the exact checks of times,
//! circle and polygon (`checks.rs`); without filters or deletions a cell inside the box
//! counts whole. Counts are exact: the sum of the cells is the `total` of the same search
//! with the box as `bbox`. A cell's point (where a map draws its count) is the mean of its
//! matches' point cells, each cell's centre weighted by its matches: no coordinate is summed
//! per match.

use std::collections::BTreeMap;
use std::sync::Arc;

use tantivy::query::EnableScoring;
use tantivy::{DocId, Searcher, SegmentReader};

use super::area::Bbox;
use super::bits::words_for;
use super::checks::Checks;
use super::columns::SegmentColumns;
use super::filter::{IdFilter, SegmentFilter};
use super::index::SearchIndex;
use super::points::{CELL, column, row};
use super::query::SearchQuery;
use super::{Result, SearchError};

/// Highest zoom (web map tiles stop at about 22).
pub const MAX_ZOOM: u8 = 22;
/// Most grid cells a box may span at its zoom: a viewport spans a few hundred.
pub const MAX_CELLS: u64 = 40_000;
/// Grid cells per 256-pixel map tile side: cells of 64 pixels, a thumb's width.
const CELLS_PER_TILE: f64 = 4.0;

/// The counts of one search over a box.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The map zoom asked for.
    pub zoom: u8,
    /// The side of a cell, in degrees.
    pub cell_degrees: f64,
    /// The box counted.
    pub bbox: Bbox,
    /// Every match in the box (the sum of the cells).
    pub total: u64,
    /// The cells holding matches, south to north, then west to east.
    pub cells: Vec<GridCell>,
}

/// The matches in one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCell {
    /// The cell's edges (it may reach beyond the box; only matches inside the box count).
    pub bounds: Bbox,
    /// Matches in the cell and the box.
    pub count: u64,
    /// Where a map draws the count: the mean latitude of the matches' point cells (0.005°),
    /// each cell's centre weighted by its matches.
    pub lat: f64,
    /// The mean longitude, likewise.
    pub long: f64,
}

/// Running sums of one cell.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    count: u64,
    lat: f64,
    long: f64,
}

/// A grid's geometry: `side` point cells a grid cell side.
#[derive(Debug, Clone, Copy)]
struct Layout {
    side: u32,
}

impl Layout {
    /// The grid for a zoom: cells of about a quarter of a map tile, in whole powers of two
    /// of the index's point cells.
    fn for_zoom(zoom: u8) -> Layout {
        let tile_degrees = 360.0 / f64::from(1u32 << zoom.min(MAX_ZOOM));
        let wanted = tile_degrees / CELLS_PER_TILE / CELL;
        let mut side = 1u32;
        while f64::from(side) * 2.0 <= wanted {
            side *= 2;
        }
        Layout { side }
    }

    fn degrees(self) -> f64 {
        f64::from(self.side) * CELL
    }

    /// The grid cell of a point cell key (`row << 32 | column`).
    fn of_key(self, key: u64) -> (u32, u32) {
        ((key >> 32) as u32 / self.side, key as u32 / self.side)
    }

    /// How many grid cells the box spans.
    fn cells_spanned(self, b: &Bbox) -> u64 {
        let rows = u64::from(row(b.north) / self.side - row(b.south) / self.side + 1);
        let columns: u64 = b
            .long_spans()
            .iter()
            .map(|(west, east)| u64::from(column(*east) / self.side - column(*west) / self.side + 1))
            .sum();
        rows.saturating_mul(columns)
    }

    fn bounds(self, (grid_row, grid_column): (u32, u32)) -> Bbox {
        let size = self.degrees();
        let south = f64::from(grid_row) * size - 90.0;
        let west = f64::from(grid_column) * size - 180.0;
        Bbox { west, south, east: (west + size).min(180.0), north: (south + size).min(90.0) }
    }
}

impl SearchIndex {
    /// Counts the matches of `q` in each grid cell of its box (the world without one) at
    /// `zoom`. Its sort, limit, offset and cursor play no part.
    pub fn grid(&self, q: &SearchQuery, zoom: u8) -> Result<Grid> {
        q.validate()?;
        if zoom > MAX_ZOOM {
            return Err(SearchError::Invalid {
                parameter: "zoom",
                detail: format!("zoom must be from 0 to {MAX_ZOOM}"),
            });
        }
        let bbox = q.bbox.unwrap_or(Bbox::WORLD);
        let layout = Layout::for_zoom(zoom);
        let spanned = layout.cells_spanned(&bbox);
        if spanned > MAX_CELLS {
            let detail = format!(
                "the box spans {spanned} cells at zoom {zoom} (at most {MAX_CELLS}): zoom out or send a smaller bbox"
            );
            return Err(SearchError::Invalid { parameter: "zoom", detail });
        }
        let searcher = self.inner.reader.searcher();
        let columns = self.inner.columns.for_searcher(&searcher)?;
        let text = self.text_matches(q, &searcher)?;
        let (requested, updated) = q.time_ranges();
        let checks = Checks { bbox: None, circle: q.radius, area: q.polygon.clone(), requested, updated };
        let ids = IdFilter { filters: self.id_filters(q), words: Vec::new(), text: self.inner.fields.text };
        let mut sums: BTreeMap<(u32, u32), Sums> = BTreeMap::new();
        for (ordinal, (reader, segment)) in searcher.segment_readers().iter().zip(&columns).enumerate() {
            let deleted = segment.deleted_bits(reader);
            let everything = deleted.is_none() && ids.filters.is_empty() && text.is_none() && checks.is_empty();
            let pass = Pass {
                everything,
                ids: SegmentFilter::new(&ids, segment, reader, deleted)?,
                text: text.as_ref().map(|t| t[ordinal].as_slice()),
                checks: (!checks.is_empty()).then(|| checks.for_segment(segment, false)),
            };
            count_segment(reader, segment, &bbox, layout, &pass, &mut sums);
        }
        let cells: Vec<GridCell> = sums
            .into_iter()
            .filter(|(_, s)| s.count > 0)
            .map(|(at, s)| GridCell {
                bounds: layout.bounds(at),
                count: s.count,
                lat: s.lat / s.count as f64,
                long: s.long / s.count as f64,
            })
            .collect();
        let total = cells.iter().map(|c| c.count).sum();
        Ok(Grid { zoom, cell_degrees: layout.degrees(), bbox, total, cells })
    }

    /// The text's matches in each segment (by ordinal), one bit a document; `None` without
    /// text.
    fn text_matches(&self, q: &SearchQuery, searcher: &Searcher) -> Result<Option<Vec<Vec<u64>>>> {
        let Some(text) = &q.text else { return Ok(None) };
        let query = self.text_query(text)?;
        let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
        let mut all = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let mut words = vec![0u64; words_for(reader.max_doc())];
            weight.for_each_no_score(reader, &mut |docs| {
                for doc in docs {
                    words[(doc / 64) as usize] |= 1 << (doc % 64);
                }
            })?;
            all.push(words);
        }
        Ok(Some(all))
    }
}

/// What a document of one segment must pass to count.
struct Pass<'a> {
    /// Every document counts (no filter, nothing deleted): a cell inside the box counts whole.
    everything: bool,
    ids: SegmentFilter,
    text: Option<&'a [u64]>,
    checks: Option<super::checks::SegmentChecks>,
}

impl Pass<'_> {
    #[inline]
    fn holds(&self, doc: DocId, lat: f64, long: f64) -> bool {
        self.ids.holds(doc)
            && self.text.is_none_or(|bits| bits[(doc / 64) as usize] >> (doc % 64) & 1 == 1)
            && self.checks.as_ref().is_none_or(|checks| checks.accepts(doc, Some((lat, long))))
    }
}

/// Adds one segment's matches in the box to the sums, by grid cell.
fn count_segment(
    reader: &SegmentReader,
    segment: &Arc<SegmentColumns>,
    bbox: &Bbox,
    layout: Layout,
    pass: &Pass<'_>,
    sums: &mut BTreeMap<(u32, u32), Sums>,
) {
    let points = segment.points(reader.max_doc());
    // Point cells come in key order, so consecutive ones often share a grid cell.
    let mut current: Option<((u32, u32), Sums)> = None;
    points.each_cell_in(bbox, |key, run, interior| {
        let at = layout.of_key(key);
        if current.as_ref().is_none_or(|(held, _)| *held != at) {
            if let Some((held, sum)) = current.take() {
                add(sums, held, sum);
            }
            current = Some((at, Sums::default()));
        }
        let Some((_, sum)) = current.as_mut() else { return };
        let counted = match (pass.everything, interior) {
            (true, true) => run.len(),
            (true, false) => run.iter().filter(|&&(lat, long, _)| bbox.contains(lat, long)).count(),
            (false, _) => run
                .iter()
                .filter(|&&(lat, long, doc)| (interior || bbox.contains(lat, long)) && pass.holds(doc, lat, long))
                .count(),
        } as u64;
        // Where a map draws the count: the mean of its point cells' centres, each weighted
        // by its matches (within a point cell, 250 m, of the matches' own mean).
        let (lat, long) = centre(key);
        sum.count += counted;
        sum.lat += lat * counted as f64;
        sum.long += long * counted as f64;
    });
    if let Some((held, sum)) = current {
        add(sums, held, sum);
    }
}

/// The centre of a point cell (`row << 32 | column`).
fn centre(key: u64) -> (f64, f64) {
    let (row, column) = ((key >> 32) as u32, key as u32);
    ((f64::from(row) + 0.5) * CELL - 90.0, (f64::from(column) + 0.5) * CELL - 180.0)
}

fn add(sums: &mut BTreeMap<(u32, u32), Sums>, at: (u32, u32), sum: Sums) {
    if sum.count == 0 {
        return;
    }
    let kept = sums.entry(at).or_default();
    kept.count += sum.count;
    kept.lat += sum.lat;
    kept.long += sum.long;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_nest_from_zoom_to_zoom_and_stop_at_the_point_cell() {
        let sides: Vec<u32> = (0..=MAX_ZOOM).map(|z| Layout::for_zoom(z).side).collect();
        assert_eq!(sides[0], 16_384, "a quarter tile of 90° holds 16,384 cells of 0.005°");
        assert!(sides.windows(2).all(|w| w[0] == w[1] * 2 || (w[0] == 1 && w[1] == 1)), "{sides:?}");
        assert_eq!(sides[MAX_ZOOM as usize], 1);
        let layout = Layout::for_zoom(10);
        let b = layout.bounds(layout.of_key(u64::from(row(43.65)) << 32 | u64::from(column(-79.38))));
        assert!(b.contains(43.65, -79.38) && (b.north - b.south - layout.degrees()).abs() < 1e-9, "{b:?}");
    }

    #[test]
    fn a_box_spans_its_cells_across_the_antimeridian() {
        let layout = Layout::for_zoom(3);
        let across = Bbox { west: 170.0, south: -10.0, east: -170.0, north: 10.0 };
        let spanned = layout.cells_spanned(&across);
        assert!((2..=20).contains(&spanned), "{spanned}");
        assert!(Layout::for_zoom(22).cells_spanned(&Bbox::WORLD) > MAX_CELLS);
    }
}
