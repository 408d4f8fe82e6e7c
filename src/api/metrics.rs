//! `/metrics` in Prometheus text format: HTTP requests by route and status (a middleware),
//! harvest calls by city and outcome (counted where they happen), and, computed at scrape
//! time from the store, the outbox depth and each city's lag and failure count.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;

/// The process-wide recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (tests); then ours only renders nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Counts every request by matched route and status, and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("fed311_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("fed311_http_request_seconds", "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn render(State(s): State<AppState>) -> Response {
    // Installed first: what is set below must reach the recorder on the first scrape too.
    let handle = handle();
    let (store, registry) = (s.store.clone(), s.registry.clone());
    let _ = tokio::task::spawn_blocking(move || {
        if let Ok(depth) = store.outbox_depth() {
            metrics::gauge!("fed311_outbox_depth").set(depth as f64);
        }
        let now = jiff::Timestamp::now().as_second();
        for city in registry.iter().filter(|j| j.enabled) {
            let Ok(state) = store.harvest_state(&city.id) else { continue };
            let id = city.id.clone();
            // A city never harvested is infinitely behind, not absent from the graph.
            let lag = state.newest_updated.map_or(f64::INFINITY, |newest| (now - newest) as f64);
            metrics::gauge!("fed311_harvest_lag_seconds", "jurisdiction" => id.clone()).set(lag);
            metrics::gauge!("fed311_harvest_consecutive_failures", "jurisdiction" => id)
                .set(state.consecutive_failures as f64);
        }
    })
    .await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
