//! The HTTP API (axum), split by dialect:
//! - [`georeport`]: GeoReport v2 under `/open311/v2/` and under `/jurisdictions/{id}/open311/v2/`
//!   (where `jurisdiction_id` is implied); errors are the spec's `errors` body.
//! - [`federation`]: the federation API under `/api/v1/` (registry and health, locate, search
//!   and its streamed exports, records with history, stats, categories, feeds, the map grid);
//!   errors are problem documents.
//! - [`web`]: the web page for people at `/`.
//!
//! Shared by both dialects, here: the OpenAPI document describing both ([`openapi`]), the
//! query parameter parser ([`params`]), store and index work off the async threads
//! ([`blocking`]), both error bodies ([`georeport_errors`], [`problem`]), the response cache, the server's
//! origin, paging links, `/healthz`, `/readyz` and `/metrics`. Every client mistake is
//! answered in its caller's dialect, never with a 500.
//!
//! Around the routes, from the outside in: traces (keys redacted, [`redact`]), CORS
//! ([`cors`]), compression (gzip, brotli), the client's address ([`client_ip`]), caching
//! headers and `304`s ([`http_cache`]), errors in the caller's dialect ([`shape`]), metrics,
//! panics caught. Under them, [`server`] holds the connections.

mod blocking;
mod cache;
pub mod client_ip;
pub mod cors;
pub(crate) mod federation;
mod freshness;
mod georeport;
mod georeport_errors;
mod health;
mod http_cache;
mod metrics;
mod openapi;
mod origin;
mod paging;
mod params;
mod problem;
mod ready;
mod redact;
pub mod server;
mod shape;
pub mod web;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::http::HeaderValue;
use axum::routing::get;
use ipnet::IpNet;
use tokio::net::TcpListener;

pub use georeport_errors::GeoReportErrors;
pub use server::ConnectionLimits;

use crate::registry::Registry;
use crate::store::Store;
use crate::submit::{ApiKeys, Secrets};

/// HTTP settings an operator chooses (`fed311 serve` flags).
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Proxies whose `Forwarded` / `X-Forwarded-For` name the client (`--trusted-proxies`).
    pub trusted_proxies: Vec<IpNet>,
    /// Browser origins that may POST (`--cors-origins`); any origin may GET.
    pub cors_origins: Vec<HeaderValue>,
}

/// Default listening address of `fed311 serve`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8311";

/// What the API is built from; [`crate::app::App`] assembles it from the settings.
pub struct StateParts {
    /// The source of truth.
    pub store: Store,
    /// The jurisdictions served.
    pub registry: Arc<Registry>,
    /// The search index; `None`: searches answer 503.
    pub index: Option<crate::search::SearchIndex>,
    /// Every jurisdiction's area.
    pub geo: crate::geo::GeoLayer,
    /// Keys clients must send to post.
    pub api_keys: ApiKeys,
    /// Trusted proxies and CORS origins.
    pub http: HttpSettings,
    /// The web page's base map and report form.
    pub web: web::WebSettings,
    /// How many rendered record versions search pages keep.
    pub record_cache: usize,
}

/// What every handler can reach, built once by [`AppState::new`].
#[derive(Clone)]
pub struct AppState {
    /// The source of truth.
    pub(crate) store: Store,
    /// The jurisdictions served.
    pub(crate) registry: Arc<Registry>,
    /// Keys clients must send to post.
    pub(crate) api_keys: Arc<ApiKeys>,
    /// Wakes the forwarder when a submission is accepted.
    pub(crate) wake_forwarder: Arc<tokio::sync::Notify>,
    /// Rendered answers kept until the store changes.
    pub(crate) cache: Arc<cache::ResponseCache>,
    /// Rendered record versions for search pages, by seq.
    pub(crate) rendered: Arc<federation::search::rendered::RenderedRecords>,
    /// The search index (finds keys; records come from the store); `None`: searches answer 503.
    pub(crate) index: Option<crate::search::SearchIndex>,
    /// Every jurisdiction's area, for `locate` and routing by location.
    pub(crate) geo: crate::geo::GeoLayer,
    /// Trusted proxies and CORS origins.
    pub(crate) http: Arc<HttpSettings>,
    /// Every key fed311 holds, scrubbed from what cities say before it is relayed.
    pub(crate) secrets: Arc<Secrets>,
    /// Set once the index has caught up with the store (`/readyz`).
    pub(crate) ready: Arc<AtomicBool>,
    /// The store's newest `seq`, as last asked for (the index lag).
    pub(crate) newest_seq: Arc<ready::NewestSeq>,
    /// When each city was last harvested, for `X-Last-Harvest`.
    pub(crate) harvest_marks: Arc<freshness::HarvestMarks>,
    /// The web page's base map and report form.
    pub(crate) web: Arc<web::WebSettings>,
}

impl AppState {
    /// The state over these parts: the keys to scrub are every city's and every client's.
    pub fn new(parts: StateParts) -> AppState {
        let secrets = Secrets::from_env(&parts.registry, &parts.api_keys);
        AppState {
            store: parts.store,
            registry: parts.registry,
            api_keys: Arc::new(parts.api_keys),
            wake_forwarder: Arc::default(),
            cache: Arc::default(),
            rendered: Arc::new(federation::search::rendered::RenderedRecords::with_capacity(parts.record_cache)),
            index: parts.index,
            geo: parts.geo,
            http: Arc::new(parts.http),
            secrets: Arc::new(secrets),
            ready: Arc::default(),
            newest_seq: Arc::default(),
            harvest_marks: Arc::default(),
            web: Arc::new(parts.web),
        }
    }

    /// The store the API reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The jurisdictions served.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// What wakes the forwarder when a submission is accepted.
    pub fn forwarder_wake(&self) -> Arc<tokio::sync::Notify> {
        self.wake_forwarder.clone()
    }

    /// Every key fed311 holds, for the forwarder to scrub.
    pub fn secrets(&self) -> Arc<Secrets> {
        self.secrets.clone()
    }

    /// The same state, taking posts with one more client key (the web page's own).
    pub(crate) fn with_client_key(self, key: String) -> AppState {
        let keys = self.api_keys.and(key);
        let secrets = Secrets::from_env(&self.registry, &keys);
        AppState { api_keys: Arc::new(keys), secrets: Arc::new(secrets), ..self }
    }
}

/// Inbound limit per client address: `per_second` calls on average, bursts of `burst`.
#[derive(Debug, Clone, Copy)]
pub struct ClientLimit {
    /// Sustained calls per second per client.
    pub per_second: u32,
    /// Calls allowed at once before the limit bites.
    pub burst: u32,
}

/// The whole router, each client address limited on everything but `/healthz` and
/// `/readyz` (the server must be started with connect info, as [`serve`] does).
pub fn limited_router(state: AppState, limit: ClientLimit) -> Router {
    let period = std::time::Duration::from_secs(1) / limit.per_second.max(1);
    let config = tower_governor::governor::GovernorConfigBuilder::default()
        .period(period)
        .burst_size(limit.burst.max(1))
        .key_extractor(client_ip::ClientKey)
        .finish();
    let apis = match config {
        Some(config) => apis(&state).layer(tower_governor::GovernorLayer::new(config).error_handler(too_many)),
        None => apis(&state),
    };
    finish(apis, state)
}

fn too_many(error: tower_governor::GovernorError) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wait = match error {
        tower_governor::GovernorError::TooManyRequests { wait_time, .. } => wait_time.max(1),
        _ => 1,
    };
    // Shaped into the caller's dialect by `shape::shape_errors`, Retry-After kept.
    let mut response = GeoReportErrors::new(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        format!("too many requests: retry in {wait} s"),
    )
    .into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

/// The whole router, unlimited.
pub fn router(state: AppState) -> Router {
    finish(apis(&state), state)
}

/// The GeoReport and federation APIs, the OpenAPI document describing both, the web page,
/// and the metrics (which read the store).
fn apis(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics::render))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/", get(openapi::index))
        .route("/api/v1", get(openapi::index))
        .merge(georeport::routes())
        .merge(federation::routes(state))
        .merge(web::routes())
}

/// The APIs plus health, an answer for every unknown path, panics caught, metrics and traces
/// of every call, and every error in its caller's dialect.
fn finish(apis: Router<AppState>, state: AppState) -> Router {
    let compression =
        tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(4));
    let traces = tower_http::trace::TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
        tracing::debug_span!("request", method = %request.method(), uri = %redact::uri(request.uri()))
    });
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(ready::readyz))
        .merge(apis)
        .fallback(|| async { GeoReportErrors::not_found("no such resource: see /open311/v2/discovery.json") })
        // A bug in a handler answers 500 (counted, and in the caller's dialect) instead of
        // cutting the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(shape::shape_errors))
        .layer(axum::middleware::from_fn(http_cache::conditional))
        .layer(axum::middleware::from_fn_with_state(state.http.clone(), client_ip::resolve))
        .layer(compression)
        .layer(cors::layer(&state.http.cors_origins))
        .layer(traces)
        .with_state(state)
}

/// How [`serve`] runs: the per-client rate limit and the connection limits.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServeOptions {
    /// Calls per client address (`None`: unlimited).
    pub limit: Option<ClientLimit>,
    /// Timeouts and connection caps.
    pub connections: ConnectionLimits,
    /// Serve only `/healthz`, `/readyz` and `/metrics`: a node without the `api` role, which
    /// its load balancer and orchestrator still watch.
    pub operations_only: bool,
}

/// Serves the API on `listener` until `shutdown` completes, limiting each client when asked.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::handle();
    let proxies = state.http.trusted_proxies.clone();
    let app = match options.limit {
        _ if options.operations_only => finish(Router::new().route("/metrics", get(metrics::render)), state),
        Some(limit) => limited_router(state, limit),
        None => router(state),
    };
    server::run(listener, app, options.connections, proxies, shutdown).await
}
