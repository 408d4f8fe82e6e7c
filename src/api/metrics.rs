//! `/metrics` in Prometheus text format: HTTP requests by route and status (a middleware),
//! harvest calls by city and outcome (counted where they happen), and, computed at scrape
//! time from the store, the outbox depth and each city's lag and failure count. Every metric
//! has a `# HELP` line; request latency is a histogram (buckets from 0.5 ms to 10 s), so
//! percentiles can be aggregated across instances.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;

/// The process-wide recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let latency = Matcher::Full("fed311_http_request_seconds".to_string());
        let builder = match builder.set_buckets_for_metric(latency, LATENCY_BUCKETS) {
            Ok(with_buckets) => with_buckets,
            Err(_) => PrometheusBuilder::new(),
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (tests); then ours only renders nothing.
        if metrics::set_global_recorder(recorder).is_ok() {
            describe();
        }
        handle
    })
}

/// Request latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The `# HELP` text of every metric fed311 writes.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("fed311_http_requests_total", "HTTP requests answered, by matched route, method and status");
    describe_histogram!(
        "fed311_http_request_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by matched route"
    );
    describe_counter!(
        "fed311_harvest_calls_total",
        "Calls to cities' GeoReport endpoints, by jurisdiction and outcome"
    );
    describe_gauge!(
        "fed311_harvest_lag_seconds",
        Unit::Seconds,
        "Age of the newest updated time held per jurisdiction"
    );
    describe_gauge!("fed311_harvest_consecutive_failures", "Harvest passes failed in a row, per jurisdiction");
    describe_gauge!("fed311_outbox_depth", "Submissions accepted and not yet delivered or refused");
    describe_counter!(
        "fed311_connections_refused_total",
        "Connections turned away: server full or address over its cap"
    );
    describe_counter!("fed311_connections_expired_total", "Connections closed by the header or idle timeout");
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
    let _ = super::blocking::run(move || -> crate::store::Result<()> {
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
        Ok(())
    })
    .await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
