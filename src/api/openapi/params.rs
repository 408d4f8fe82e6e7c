//! The query parameters of the federation API, as OpenAPI parameters. They are written once
//! here and listed by every route that reads them (`params(Filters, Listing)` in the
//! handlers' `#[utoipa::path]`), so the search, its stats and its feeds document the same
//! filters. These types are never built: they only carry names, types and descriptions
//! (`tests/fed311/openapi.rs` checks the server knows every name, and documents every name it knows).

#![allow(dead_code)]

use utoipa::{IntoParams, ToSchema};

/// The filters of a federation search (`/api/v1/requests`, `stats`, feeds).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// Only these jurisdictions: a comma list of ids from `/api/v1/jurisdictions`.
    jurisdiction_id: Option<String>,
    /// Full text over description, service name, address and status notes; every word must
    /// appear (`"a phrase"`, `a OR b`, `-word`).
    q: Option<String>,
    /// Only these canonical categories (a comma list; see `/api/v1/categories`).
    category: Option<String>,
    /// Only these service codes (a comma list).
    service_code: Option<String>,
    /// Only these statuses: `open`, `closed` (a comma list).
    status: Option<String>,
    /// Requested at or after (W3C datetime, e.g. `2024-01-31T12:00:00Z`).
    #[param(format = DateTime)]
    start_date: Option<String>,
    /// Requested at or before (W3C datetime).
    #[param(format = DateTime)]
    end_date: Option<String>,
    /// Updated at or after (W3C datetime).
    #[param(format = DateTime)]
    updated_after: Option<String>,
    /// Updated at or before (W3C datetime).
    #[param(format = DateTime)]
    updated_before: Option<String>,
    /// Only points inside the box `west,south,east,north` (decimal degrees).
    #[param(example = "-79.42,43.64,-79.37,43.67")]
    bbox: Option<String>,
    /// Latitude of the circle's centre (decimal degrees; with `long` and `radius`).
    #[param(minimum = -90.0, maximum = 90.0)]
    lat: Option<f64>,
    /// Longitude of the circle's centre (decimal degrees; with `lat` and `radius`).
    #[param(minimum = -180.0, maximum = 180.0)]
    long: Option<f64>,
    /// Only points within this many metres of `lat`, `long`.
    #[param(exclusive_minimum = 0.0)]
    radius: Option<f64>,
}

/// Order, paging and form of `/api/v1/requests`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Listing {
    /// Order: `relevance` (default with `q`), `newest` (default otherwise), `oldest`,
    /// `updated`, or `distance` (needs `lat` and `long`).
    #[param(inline)]
    sort: Option<SortOrder>,
    /// Records per page for JSON (1 to 1000, default 50); for the streamed formats, the most
    /// records streamed.
    #[param(minimum = 1)]
    limit: Option<u64>,
    /// Continue after this cursor: `next_cursor` of the previous page of the same search.
    cursor: Option<String>,
    /// `json` (one page, the default), or every match streamed as `geojson`, `csv` or `ndjson`.
    #[param(inline)]
    format: Option<SearchFormat>,
}

/// The orders of a search.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum SortOrder {
    /// Best text match first.
    Relevance,
    /// Newest requested first.
    Newest,
    /// Oldest requested first.
    Oldest,
    /// Most recently updated first.
    Updated,
    /// Nearest first.
    Distance,
}

/// The forms of a search answer.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum SearchFormat {
    /// One JSON page.
    Json,
    /// An RFC 7946 FeatureCollection.
    GeoJson,
    /// CSV with a header row.
    Csv,
    /// Newline-delimited JSON.
    NdJson,
}

/// How `/api/v1/stats` groups.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Grouping {
    /// Group by any of `jurisdiction`, `category`, `service_code`, `status`, `month` (a comma
    /// list; none: one total).
    group_by: Option<String>,
}

/// The size of a feed.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedSize {
    /// Entries in the feed, the most recently updated first (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u64>,
}
