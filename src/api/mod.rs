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
mod submit;

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
    /// Keys clients must send to post (`FED311_API_KEYS`, a comma list).
    pub api_keys: Arc<Vec<String>>,
    /// Wakes the forwarder when a submission is accepted.
    pub wake_forwarder: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// State over a store and registry, with client keys read from `FED311_API_KEYS`.
    pub fn new(store: Store, registry: Arc<Registry>) -> AppState {
        let keys = std::env::var("FED311_API_KEYS").unwrap_or_default();
        let api_keys = keys.split(',').map(str::trim).filter(|k| !k.is_empty()).map(String::from).collect();
        AppState { store, registry, api_keys: Arc::new(api_keys), wake_forwarder: Arc::default() }
    }
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
