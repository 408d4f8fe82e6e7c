//! A request's observed past, field by field: every change the harvester saw (status, its raw
//! word, notes, updated time, description) with when it was seen, oldest first. The record
//! endpoint shows it so researchers can tell when a city really closed something, not just
//! its last state.

use jiff::Timestamp;

use super::{Result, Store};
use crate::domain::Status;

/// One observed change of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// When fed311 saw the change.
    pub seen_at: Timestamp,
    /// `created`, or the changed fields, comma separated (`status,status_notes`).
    pub change: String,
    /// Normalized status after the change.
    pub status: Status,
    /// The city's own status word after the change.
    pub status_raw: Option<String>,
    /// Status notes after the change.
    pub status_notes: Option<String>,
    /// The city's updated time after the change.
    pub updated_at: Option<Timestamp>,
    /// The description after the change.
    pub description: Option<String>,
}

impl Store {
    /// Every observed change of one request, oldest first (empty for an unknown request).
    pub fn history_entries(&self, jurisdiction_id: &str, id: &str) -> Result<Vec<HistoryEntry>> {
        self.backend.history_entries(jurisdiction_id, id)
    }
}
