//! The HTTP misbehaviour of a simulated server, as one middleware in front of every route:
//! counts each call, then (by call number, so tests can predict it) answers 429 over the rate,
//! 500 on every Nth call, stalls, cuts the body off mid-way (the connection dropped, or a
//! 200 whose body and `Content-Length` both stop half-way), and stamps its `Date` with the
//! city's own clock.

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
    let b = state.behaviour();
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
    let mut response = next.run(request).await;
    if b.clock_offset != 0 {
        stamp_date(&mut response, b.clock_offset);
    }
    match cut {
        Some(cut) if hits(b.truncate_every, call) => cut_in_half(response, &cut).await,
        _ if hits(b.short_body_every, call) => short_body(response).await,
        _ => response,
    }
}

/// The city's clock in the `Date` header.
fn stamp_date(response: &mut Response, offset: i64) {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(offset);
    let Ok(text) = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&at) else { return };
    if let Ok(value) = axum::http::HeaderValue::from_str(&text) {
        response.headers_mut().insert(header::DATE, value);
    }
}

/// A 200 whose body stops half-way, announced as complete.
async fn short_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            let half = bytes.slice(..bytes.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(half))
        }
        Err(_) => render::html_error(StatusCode::INTERNAL_SERVER_ERROR),
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
