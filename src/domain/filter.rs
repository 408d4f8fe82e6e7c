//! Which requests: the filters every way of reading requests shares (a GeoReport list, a
//! search across cities, statistics), so each reads them the same way and the store turns them
//! into SQL in one place.

use jiff::Timestamp;

use super::Status;

/// Filters on a request's own fields. Empty lists mean "any"; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequestFilter {
    /// Only these jurisdictions.
    pub jurisdictions: Vec<String>,
    /// Only these canonical categories.
    pub categories: Vec<String>,
    /// Only these service codes.
    pub service_codes: Vec<String>,
    /// Only these statuses.
    pub statuses: Vec<Status>,
    /// Requested at or after.
    pub start: Option<Timestamp>,
    /// Requested at or before.
    pub end: Option<Timestamp>,
    /// Updated at or after.
    pub updated_after: Option<Timestamp>,
    /// Updated at or before.
    pub updated_before: Option<Timestamp>,
}

impl RequestFilter {
    /// Only the requests of one jurisdiction.
    pub fn of_jurisdiction(jurisdiction_id: &str) -> RequestFilter {
        RequestFilter { jurisdictions: vec![jurisdiction_id.to_string()], ..RequestFilter::default() }
    }

    /// Checks that each time range runs forwards; the error names the parameter that opens
    /// the faulty range and says why.
    pub fn check_ranges(&self) -> Result<(), (&'static str, String)> {
        if matches!((self.start, self.end), (Some(a), Some(b)) if a > b) {
            return Err(("start_date", "start_date is after end_date".to_string()));
        }
        if matches!((self.updated_after, self.updated_before), (Some(a), Some(b)) if a > b) {
            return Err(("updated_after", "updated_after is after updated_before".to_string()));
        }
        Ok(())
    }
}
