//! The one home of store and index work off the async threads (SQLite and tantivy block):
//! [`run`] takes the work to the blocking pool and says how it ended, and each dialect answers
//! a [`Failed`] its own way: a bad parameter found on the way is a 400 naming it, work cut off
//! because the server is shutting down a 503, anything else a 500 with the cause logged (when
//! the answer is made, so probes that ignore failures log nothing). The one exception is a
//! streamed search, whose producer runs beside its answer for as long as the stream lasts.

use axum::http::StatusCode;

use super::GeoReportErrors;
use super::params::BadParameter;
use super::problem::Problem;
use crate::search::SearchError;

/// Why work on the blocking pool gave no value.
#[derive(Debug)]
pub enum Failed {
    /// The work found a parameter wrong (a search's, say).
    Invalid(BadParameter),
    /// The server is shutting down: the work was cut off.
    ShuttingDown,
    /// Anything else; the cause is logged, not shown.
    Internal(String),
}

/// Runs `work` on the blocking pool.
pub async fn run<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, Failed>
where
    T: Send + 'static,
    E: Into<SearchError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(Failed::from(e.into())),
        Err(e) if e.is_cancelled() => Err(Failed::ShuttingDown),
        Err(e) => Err(Failed::Internal(e.to_string())),
    }
}

impl From<SearchError> for Failed {
    fn from(e: SearchError) -> Failed {
        match e {
            SearchError::Invalid { parameter, detail } => Failed::Invalid(BadParameter::new(parameter, detail)),
            other => Failed::Internal(other.to_string()),
        }
    }
}

const SHUTTING_DOWN: &str = "the server is shutting down: try again shortly";

/// On the federation API: a problem.
impl From<Failed> for Problem {
    fn from(failed: Failed) -> Problem {
        match failed {
            Failed::Invalid(bad) => bad.into(),
            Failed::ShuttingDown => Problem::new(StatusCode::SERVICE_UNAVAILABLE, SHUTTING_DOWN),
            Failed::Internal(cause) => Problem::internal(&cause),
        }
    }
}

/// A search's own failure (a query that does not hold together) as a problem.
impl From<SearchError> for Problem {
    fn from(e: SearchError) -> Problem {
        Failed::from(e).into()
    }
}

/// On the GeoReport API: the spec's errors (in JSON; the call puts them in its format).
impl From<Failed> for GeoReportErrors {
    fn from(failed: Failed) -> GeoReportErrors {
        match failed {
            Failed::Invalid(bad) => bad.into(),
            Failed::ShuttingDown => GeoReportErrors::new(StatusCode::SERVICE_UNAVAILABLE, SHUTTING_DOWN),
            Failed::Internal(cause) => GeoReportErrors::internal(&cause),
        }
    }
}
