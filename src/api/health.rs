//! `/healthz`: the process is up and the store answers.

use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;

/// 200 "ok" when the store answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let store = state.store.clone();
    let probe = super::blocking::run(move || store.harvest_state("")).await;
    match probe {
        Ok(_) => (StatusCode::OK, "ok\n"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n"),
    }
}
