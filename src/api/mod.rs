//! The HTTP API (axum): GeoReport v2 under `/open311/v2/` (and under
//! `/jurisdictions/{id}/open311/v2/`, where `jurisdiction_id` is implied), the federation API
//! under `/api/v1/` (registry and health so far), plus `/healthz`.
//! Handlers read the store through `spawn_blocking`; every client mistake is answered with a
//! spec `errors` body, never a 500.

mod error;
mod georeport;
mod health;
mod jurisdictions;
mod params;
mod problem;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

pub use error::GeoError;

use crate::registry::Registry;
use crate::store::Store;

/// Default listening address of `fed311 serve`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8311";

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The source of truth.
    pub store: Store,
    /// The jurisdictions served.
    pub registry: Arc<Registry>,
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/v1/jurisdictions", get(jurisdictions::list))
        .route("/api/v1/jurisdictions/{id}", get(jurisdictions::one))
        .merge(georeport::routes())
        .fallback(|| async { GeoError::not_found("no such resource: see /open311/v2/discovery.json") })
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
