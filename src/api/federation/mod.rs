//! The federation API: everything under `/api/v1/` that reads across cities — the registry
//! with each city's health ([`jurisdictions`]), which cities hold a point ([`locate`]), the
//! search and its streamed exports ([`search`]), one record with its history
//! ([`record_history`]), counts on a map grid ([`grid`]), statistics ([`stats`]), the
//! category crosswalk ([`categories`]) and feeds of any search ([`feeds`]).
//! Its errors are RFC 9457 problem documents ([`crate::api::problem`]) naming the parameter at
//! fault. The OpenAPI document that describes it is shared ([`crate::api::openapi`]), as it
//! also describes the GeoReport routes.

pub(super) mod categories;
pub(super) mod feeds;
pub(super) mod grid;
pub(super) mod jurisdictions;
pub(super) mod locate;
pub(super) mod record_history;
pub(crate) mod search;
pub(super) mod stats;

use axum::Router;
use axum::routing::get;

use super::AppState;

/// The federation routes. The answers the index helps make say its lag.
pub fn routes(state: &AppState) -> Router<AppState> {
    let indexed = Router::new()
        .route("/api/v1/stats", get(stats::stats))
        .route("/api/v1/feeds/requests.atom", get(feeds::atom))
        .route("/api/v1/feeds/requests.rss", get(feeds::rss))
        .merge(search::routes())
        .merge(grid::routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), super::ready::say_lag));
    Router::new()
        .route("/api/v1/jurisdictions", get(jurisdictions::list))
        .route("/api/v1/jurisdictions/{id}", get(jurisdictions::one))
        .route("/api/v1/locate", get(locate::locate))
        .route("/api/v1/categories", get(categories::list))
        .route("/api/v1/requests/{jurisdiction_id}/{service_request_id}", get(record_history::one))
        .merge(indexed)
}
