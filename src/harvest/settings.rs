//! The effective settings of one pass over a city: its file first, then what was learned of
//! the endpoint (the [`Profile`]), then the spec's defaults. (The format spoken is the
//! endpoint's: see [`crate::upstream::CityEndpoint`].)

use crate::registry::{Jurisdiction, Paging};
use crate::upstream::{Profile, SizeParam};

/// The effective settings for one pass: file first, then learned facts, then defaults.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Paging style.
    pub paging: Paging,
    /// Records per page to ask for, and the cap that means "maybe more".
    pub page_size: u32,
    /// Whether the page size is known (from the file, or learned) rather than assumed.
    pub page_size_known: bool,
    /// First page number.
    pub first_page: u32,
    /// The parameter asking for `page_size` records per call, when the server reads one.
    pub size_param: Option<SizeParam>,
    /// Whether the file says how the server pages (nothing to probe).
    pub paging_fixed: bool,
}

/// The spec's default cap ("90 days or the first 1000 requests").
pub const SPEC_CAP: u32 = 1000;

impl Plan {
    /// Combines a jurisdiction's file with what was learned.
    pub fn new(j: &Jurisdiction, learned: &Profile) -> Plan {
        let c = &j.config;
        let paging = c.paging.or(learned.paging).unwrap_or(Paging::None);
        let size_param = match paging {
            Paging::PageSize => Some(SizeParam::PageSize),
            Paging::Limit | Paging::Offset => Some(SizeParam::Limit),
            Paging::None => learned.size_param,
        };
        Plan {
            paging,
            page_size: c.page_size.or(learned.cap).unwrap_or(SPEC_CAP),
            page_size_known: c.page_size.or(learned.cap).is_some(),
            first_page: c.first_page.or(learned.first_page).unwrap_or(1),
            size_param,
            paging_fixed: c.paging.is_some() || c.page_size.is_some(),
        }
    }
}
