//! What a search asks ([`SearchQuery`]), and the checks that
//! name the faulty parameter. The query only finds keys; records are read from the store.

use std::sync::Arc;

use super::SearchError;
use super::area::{Bbox, Radius};
use crate::domain::RequestFilter;

/// Default number of keys per page.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page.
pub const MAX_LIMIT: usize = 1000;

/// The order of results. Every order breaks ties by a stable hash of the key, so cursor
/// paging is exact.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Sort {
    /// Best text match first (newest first when there is no text).
    Relevance,
    /// Newest requested first; requests without a requested time last.
    #[default]
    Newest,
    /// Most recently updated first; requests without an updated time last.
    RecentlyUpdated,
    /// Nearest to the point first; requests without coordinates last.
    Distance {
        /// Latitude of the point.
        lat: f64,
        /// Longitude of the point.
        long: f64,
    },
}

/// A search across cities. Empty lists mean "any"; every filter given must hold.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Which requests, by their own fields.
    pub filter: RequestFilter,
    /// Full text over description, service name, address and status notes (every word must
    /// appear; tantivy's query syntax: `"a phrase"`, `a OR b`, `-word`).
    pub text: Option<String>,
    /// Only points inside this box.
    pub bbox: Option<Bbox>,
    /// Only points within this distance.
    pub radius: Option<Radius>,
    /// Only points inside (or on the edge of) this area.
    pub polygon: Option<Arc<geo::MultiPolygon<f64>>>,
    /// Order of the results.
    pub sort: Sort,
    /// Keys per page, `1..=1000`.
    pub limit: usize,
    /// Keys to skip before the page (offset paging, for the GeoReport `page` extension).
    pub offset: usize,
    /// Continue after this cursor (from a previous page with the same filters and sort).
    pub cursor: Option<String>,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            filter: RequestFilter::default(),
            text: None,
            bbox: None,
            radius: None,
            polygon: None,
            sort: Sort::Newest,
            limit: DEFAULT_LIMIT,
            offset: 0,
            cursor: None,
        }
    }
}

impl SearchQuery {
    /// The order actually used: relevance needs text.
    pub fn effective_sort(&self) -> Sort {
        match (self.sort, &self.text) {
            (Sort::Relevance, None) => Sort::Newest,
            (sort, _) => sort,
        }
    }

    /// Checks what the types cannot: limits, ranges and coordinates.
    pub fn validate(&self) -> Result<(), SearchError> {
        let bad = |parameter: &'static str, detail: String| Err(SearchError::Invalid { parameter, detail });
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return bad("limit", format!("limit must be from 1 to {MAX_LIMIT}"));
        }
        self.filter.check_ranges().map_err(|(parameter, detail)| SearchError::Invalid { parameter, detail })?;
        if let Some(b) = &self.bbox {
            b.validate().map_err(|detail| SearchError::Invalid { parameter: "bbox", detail })?;
        }
        if let Some(r) = &self.radius {
            r.validate().map_err(|(parameter, detail)| SearchError::Invalid { parameter, detail })?;
        }
        if let Sort::Distance { lat, long } = self.sort {
            super::area::check_point(lat, long)
                .map_err(|(parameter, detail)| SearchError::Invalid { parameter, detail })?;
        }
        Ok(())
    }
}
