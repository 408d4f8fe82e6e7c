//! What fed311 learns about an endpoint at run time, kept in the store between passes.
//! Keys in the jurisdiction file always win over what was learned.

use serde::{Deserialize, Serialize};

use crate::registry::Paging;
use crate::wire::WireFormat;

/// The order a server answers a list in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Newest requested first (most servers): swept newest first, each answer's oldest record
    /// bounding the next call.
    NewestFirst,
    /// Any other order (uReport shuffles): swept in date windows narrowed below the cap.
    Unsorted,
}

/// The parameter a server reads as the number of records to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeParam {
    /// `page_size` (Connected Bits, uReport, SeeClickFix).
    PageSize,
    /// `limit` (Mark-a-Spot, Accela adapters).
    Limit,
}

impl SizeParam {
    /// The query parameter's name.
    pub fn name(self) -> &'static str {
        match self {
            SizeParam::PageSize => "page_size",
            SizeParam::Limit => "limit",
        }
    }
}

/// Facts learned about one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// The format that worked.
    pub format: Option<WireFormat>,
    /// The answer size at which the server cuts lists (seen twice in a row, or proven by a split).
    pub cap: Option<u32>,
    /// The largest answer proven whole (a split found nothing more).
    pub complete_answer: Option<u32>,
    /// The largest list answer ever received: the cap is at least this.
    pub largest_answer: Option<u32>,
    /// The order lists come in.
    pub order: Option<Order>,
    /// The parameter that makes the server answer more per call, once probed.
    pub size_param: Option<SizeParam>,
    /// Whether the size parameters have been probed.
    pub size_probed: bool,
    /// How the server pages, when a probe found out (the file's `paging` wins).
    pub paging: Option<Paging>,
    /// The number of its first page, found with `paging`.
    pub first_page: Option<u32>,
    /// Whether paging has been probed.
    pub paging_probed: bool,
    /// The server silently answers only this many days of a date range.
    pub max_window_days: Option<u32>,
    /// Whether the date-range probe has been done.
    pub window_checked: bool,
    /// The widest date range the server was seen to answer (a record this many days before
    /// the end of the window it answered): windows this wide are safe.
    pub answered_days: Option<u32>,
    /// Whether the server ignores `start_date`/`end_date`.
    pub ignores_dates: bool,
    /// Whether a `service_request_id` list gets only its first id answered (kept from older
    /// profiles; what is learned now is `id_list_cap`).
    pub lists_only_first_id: bool,
    /// Most ids a `service_request_id` list is answered for (learned when more were cut).
    pub id_list_cap: Option<u32>,
    /// Whether the server has answered a request list with records: only then is a 404 on a
    /// list taken as "nothing found".
    pub answers_lists: bool,
    /// Whether a list query answered 404 for "nothing found".
    pub not_found_means_empty: bool,
}

impl Profile {
    /// Reads a stored profile; an unreadable one is treated as nothing learned.
    pub fn from_json(json: Option<&str>) -> Profile {
        json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }

    /// JSON for the store.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Notes how far back from a window's end an answer reached.
    pub fn saw_range(&mut self, upper: jiff::Timestamp, oldest: jiff::Timestamp) {
        let days = u32::try_from(upper.duration_since(oldest).as_secs() / 86_400).unwrap_or(u32::MAX);
        self.answered_days = Some(self.answered_days.map_or(days, |d| d.max(days)));
    }

    /// Notes the size of a list answer.
    pub fn saw_answer(&mut self, size: usize) {
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        self.largest_answer = Some(self.largest_answer.map_or(size, |n| n.max(size)));
    }
}
