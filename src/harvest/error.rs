//! Why a city's pass, or one of its windows, failed: the network, the city's answer, the
//! pass's own limits, or our store. The sweeps decide what to do next by the kind of failure
//! (narrow the window, leave it for the next round, stop the pass).

use crate::upstream::{CallError, FetchError};

/// Why a city's pass (or one of its windows) failed.
#[derive(Debug, thiserror::Error)]
pub enum CityError {
    /// The network failed after every retry.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The city answered something we cannot use.
    #[error("{url}: HTTP {status}: {detail}")]
    Answer {
        /// What was asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// What the body said.
        detail: String,
    },
    /// The city answered with success, but nothing readable.
    #[error("{url}: unreadable answer: {detail}")]
    Unreadable {
        /// What was asked.
        url: String,
        /// What is wrong with the body.
        detail: String,
    },
    /// A list answered 404 from a city not known to mean "nothing found" by it.
    #[error(
        "{url}: HTTP 404 on a list, from a city that has not answered any list with records: not taken as \
         empty (has the endpoint moved?)"
    )]
    Unconfirmed404 {
        /// What was asked.
        url: String,
    },
    /// One answer held more records than a pass takes at once.
    #[error("{url}: more than {max} records in one answer")]
    TooMany {
        /// What was asked.
        url: String,
        /// The most one answer may hold.
        max: usize,
    },
    /// The city pages without end: even the narrowest window never finishes.
    #[error("{0}")]
    Endless(String),
    /// Windows still failed after every round; what was fetched is kept, and they are
    /// fetched first in the next pass.
    #[error("{windows} window(s) of requests could not be fetched and are left for the next pass; last error: {last}")]
    Incomplete {
        /// Windows left.
        windows: usize,
        /// The last failure.
        last: String,
    },
    /// The pass spent the calls it was given (a probe's budget).
    #[error("the pass spent its budget of {0} calls")]
    Budget(u64),
    /// Our own store failed.
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// A blocking task died.
    #[error("internal: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl CityError {
    /// Whether the failure is ours (store, task), not the city's: such a pass stops at once.
    pub(super) fn is_ours(&self) -> bool {
        matches!(self, CityError::Store(_) | CityError::Join(_) | CityError::Budget(_))
    }

    /// Why the city's host could not be reached at all, when that is why the pass failed.
    pub fn unreachable(&self) -> Option<&str> {
        match self {
            CityError::Fetch(e) => e.unreachable(),
            _ => None,
        }
    }

    /// Whether one answer was too big to take (too many records, or bytes): a narrower
    /// window asks for less.
    pub(super) fn too_big(&self) -> bool {
        matches!(self, CityError::TooMany { .. } | CityError::Fetch(FetchError::TooLarge { .. }))
    }

    /// Whether the city answered, badly (an error status after retries, an unreadable body, a
    /// stall, a cut): a narrower question may go through where this one did not. Not when it
    /// was never reached, or said its lists are not there.
    pub(super) fn city_answered(&self) -> bool {
        match self {
            CityError::Fetch(e) => e.reached(),
            CityError::Answer { .. } | CityError::Unreadable { .. } | CityError::Endless(_) => true,
            _ => false,
        }
    }
}

impl From<CallError> for CityError {
    fn from(e: CallError) -> CityError {
        match e {
            CallError::Fetch(e) => CityError::Fetch(e),
            CallError::Budget(calls) => CityError::Budget(calls),
        }
    }
}
