//! What fed311 learns about an endpoint at run time, kept in the store between passes.
//! Keys in the jurisdiction file always win over what was learned.

use serde::{Deserialize, Serialize};

use crate::registry::{Jurisdiction, Paging, WireFormat};

/// Facts learned about one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// The format that worked.
    pub format: Option<WireFormat>,
    /// The answer size at which the server cuts lists (proven by a split).
    pub cap: Option<u32>,
    /// The largest answer proven whole (a split found nothing more).
    pub complete_answer: Option<u32>,
    /// The server silently answers only this many days of a date range.
    pub max_window_days: Option<u32>,
    /// Whether the date-range probe has been done.
    pub window_checked: bool,
    /// Whether the server ignores `start_date`/`end_date`.
    pub ignores_dates: bool,
    /// Whether a `service_request_id` list gets only its first id answered.
    pub lists_only_first_id: bool,
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
}

/// The effective settings for one pass: file first, then learned facts, then defaults.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Format to ask for first.
    pub format: WireFormat,
    /// Whether the format is fixed by the file (no fallback).
    pub format_fixed: bool,
    /// Paging style.
    pub paging: Paging,
    /// Records per page to ask for, and the cap that means "maybe more".
    pub page_size: u32,
    /// Whether the page size is known (from the file, or learned) rather than assumed.
    pub page_size_known: bool,
    /// First page number.
    pub first_page: u32,
}

/// The spec's default cap ("90 days or the first 1000 requests").
pub const SPEC_CAP: u32 = 1000;

impl Plan {
    /// Combines a jurisdiction's file with what was learned.
    pub fn new(j: &Jurisdiction, learned: &Profile) -> Plan {
        let c = &j.config;
        Plan {
            format: c.format.or(learned.format).unwrap_or(WireFormat::Json),
            format_fixed: c.format.is_some(),
            paging: c.paging.unwrap_or(Paging::None),
            page_size: c.page_size.or(learned.cap).unwrap_or(SPEC_CAP),
            page_size_known: c.page_size.or(learned.cap).is_some(),
            first_page: c.first_page.unwrap_or(1),
        }
    }
}
