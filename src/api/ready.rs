//! `/readyz` and the index lag. Right after `serve` starts (or after the index folder was
//! deleted) the index catches up with the store for a while, and until then searches find
//! less than the store holds. `/readyz` answers 503 with the lag until the index has caught
//! up once, then 200 (a load balancer can wait for it); every answer the index helps make
//! says its lag in `X-Index-Lag`: store changes (by `seq`) not yet searchable. The store's
//! newest `seq` is asked for at most every quarter second ([`NewestSeq`]): on PostgreSQL
//! that is a round trip, which would otherwise come with every search.

use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// The header naming the lag.
pub const LAG_HEADER: &str = "x-index-lag";

/// How long the store's newest `seq` is taken as known.
const NEWEST_FOR: Duration = Duration::from_millis(250);

/// The store's newest `seq` as last asked for, and when.
#[derive(Debug, Default)]
pub struct NewestSeq(Mutex<Option<(i64, Instant)>>);

impl NewestSeq {
    fn fresh(&self) -> Option<i64> {
        let known = *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known.filter(|(_, at)| at.elapsed() < NEWEST_FOR).map(|(seq, _)| seq)
    }

    fn set(&self, seq: i64) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((seq, Instant::now()));
    }
}

/// Store changes not yet searchable (as of at most a quarter second ago); `None` without an
/// index or when the store cannot say.
pub async fn index_lag(s: &AppState) -> Option<i64> {
    let index = s.index.clone()?;
    let newest = match s.newest_seq.fresh() {
        Some(seq) => seq,
        None => {
            let store = s.store.clone();
            let seq = super::blocking::run(move || store.max_seq()).await.ok()?;
            s.newest_seq.set(seq);
            seq
        }
    };
    let lag = (newest - index.searchable_seq()).max(0);
    if lag == 0 {
        s.ready.store(true, Ordering::Relaxed);
    }
    Some(lag)
}

/// `GET /readyz`: 200 once the index has caught up with the store, else 503 with the lag.
pub async fn readyz(State(s): State<AppState>) -> Response {
    let lag = index_lag(&s).await;
    let text = match lag {
        None if s.index.is_none() => {
            return (StatusCode::SERVICE_UNAVAILABLE, "no search index is open\n").into_response();
        }
        None => return (StatusCode::SERVICE_UNAVAILABLE, "the store does not answer\n").into_response(),
        Some(lag) => format!("index lag: {lag} store changes not yet searchable\n"),
    };
    let status = if s.ready.load(Ordering::Relaxed) { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = if status == StatusCode::OK { "ready" } else { "catching up" };
    (status, format!("{word}; {text}")).into_response()
}

/// Middleware for the answers the index helps make: adds `X-Index-Lag`.
pub async fn say_lag(State(s): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Some(lag) = index_lag(&s).await {
        response.headers_mut().insert(LAG_HEADER, HeaderValue::from(lag));
    }
    response
}
