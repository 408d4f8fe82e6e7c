//! Store and index work off the async threads (SQLite and tantivy block), its failures in
//! the caller's dialect: a bad parameter found on the way is a 400 naming it, work cut off
//! because the server is shutting down a 503, anything else a 500 with the cause logged.

use axum::http::StatusCode;
use tokio::task::JoinError;

use super::GeoError;
use super::problem::Problem;
use crate::search::SearchError;

/// Runs `work` on the blocking pool for the federation API.
pub async fn for_problem<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
) -> Result<T, Problem> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(problem_of(e)),
        Err(e) if e.is_cancelled() => Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, SHUTTING_DOWN)),
        Err(e) => Err(Problem::internal(&e)),
    }
}

/// Runs `work` on the blocking pool for the GeoReport API (errors in JSON; the caller puts
/// them in the format asked for).
pub async fn for_georeport<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, GeoError>
where
    T: Send + 'static,
    E: Into<SearchError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => match e.into() {
            SearchError::Invalid { detail, .. } => Err(GeoError::bad_request(detail)),
            other => Err(GeoError::internal(&other)),
        },
        Err(e) => Err(unfinished(e)),
    }
}

/// A search failure as a problem: a bad parameter is a 400 naming it, anything else a logged
/// 500.
pub fn problem_of(e: SearchError) -> Problem {
    match e {
        SearchError::Invalid { parameter, detail } => Problem::bad_parameter(parameter, detail),
        other => Problem::internal(&other),
    }
}

const SHUTTING_DOWN: &str = "the server is shutting down: try again shortly";

fn unfinished(e: JoinError) -> GeoError {
    if e.is_cancelled() {
        GeoError::new(StatusCode::SERVICE_UNAVAILABLE, SHUTTING_DOWN)
    } else {
        GeoError::internal(&e)
    }
}
