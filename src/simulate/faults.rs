//! The HTTP misbehaviour of a simulated server, as one middleware in front of every route:
//! counts each call, then (by call number, so tests can predict it) answers 429 over the rate,
//! 500 on every Nth call, stalls, or cuts the body off mid-way.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cut::CutHandle;
use super::render;
use super::server::ServerState;

/// Calls answered within the last second, for the rate limit.
#[derive(Debug, Default)]
pub(crate) struct RateWindow(Mutex<VecDeque<Instant>>);

impl RateWindow {
    /// Whether one more call now exceeds `limit` calls per second (rejected calls do not count).
    fn over(&self, limit: u32) -> bool {
        let now = Instant::now();
        let mut recent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        while recent.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            recent.pop_front();
        }
        let over = recent.len() >= limit as usize;
        if !over {
            recent.push_back(now);
        }
        over
    }
}

/// Whether call number `call` is one of every `every`th.
fn hits(every: Option<u32>, call: u64) -> bool {
    every.is_some_and(|n| n > 0 && call % u64::from(n) == 0)
}

/// The middleware: counting, then the behaviour's faults, then the route.
pub(crate) async fn faults(State(state): State<Arc<ServerState>>, request: Request, next: Next) -> Response {
    let call = state.city.count_call();
    let b = &state.behaviour;
    if b.rate_limit_per_sec.is_some_and(|limit| state.rate.over(limit)) {
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], "Too many requests\n").into_response();
    }
    if hits(b.fail_every, call) {
        return render::html_error(StatusCode::INTERNAL_SERVER_ERROR);
    }
    if hits(b.stall_every, call) {
        tokio::time::sleep(b.stall).await;
    }
    let cut = request.extensions().get::<ConnectInfo<CutHandle>>().map(|c| c.0.clone());
    let response = next.run(request).await;
    match cut {
        Some(cut) if hits(b.truncate_every, call) => cut_in_half(response, &cut).await,
        _ => response,
    }
}

/// Buffers the response so its full length is announced, and arms the cut at half the body.
async fn cut_in_half(response: Response, cut: &CutHandle) -> Response {
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            cut.arm(bytes.len() / 2);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => render::html_error(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
