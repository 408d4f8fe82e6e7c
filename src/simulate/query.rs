//! Reading a list request's query string the way the behaviour says: spec filters with
//! lenient dates in the city's zone, the behaviour's paging parameters, and a clear message
//! (answered as HTTP 400) for anything malformed. Ignored parameters are not even checked.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::Status;
use crate::domain::time::parse_lenient;

use super::behaviour::{Behaviour, SimPaging};

/// The filters and page of one `requests` call.
#[derive(Debug, Default)]
pub(crate) struct ListQuery {
    /// `service_request_id` list; overrides everything else.
    pub ids: Option<Vec<String>>,
    pub codes: Option<Vec<String>>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// Statuses answered: (open, closed).
    pub statuses: (bool, bool),
    pub updated_after: Option<Timestamp>,
    pub updated_before: Option<Timestamp>,
    /// Records to skip and most records to answer.
    pub skip: u64,
    pub take: usize,
}

/// A parameter was malformed: the message for the 400 answer.
pub(crate) type BadRequest = String;

/// Parses `raw` (the query string, without `?`).
pub(crate) fn parse(raw: &str, behaviour: &Behaviour, zone: &TimeZone) -> Result<ListQuery, BadRequest> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim());
    let date = |name: &str| {
        get(name).map(|t| parse_lenient(t, zone).ok_or(format!("{name} is not a datetime: {t}"))).transpose()
    };
    let mut q = ListQuery {
        ids: get("service_request_id").map(list),
        codes: get("service_code").map(list),
        ..ListQuery::default()
    };
    if !behaviour.ignores_dates {
        q.start = date("start_date")?;
        q.end = date("end_date")?;
        if let (Some(s), Some(e)) = (q.start, q.end)
            && s > e
        {
            return Err("start_date is after end_date".to_string());
        }
    }
    if behaviour.updated_after {
        q.updated_after = date("updated_after")?;
        q.updated_before = date("updated_before")?;
    }
    q.statuses = statuses(get("status"), behaviour)?;
    (q.skip, q.take) = page(&get, behaviour)?;
    Ok(q)
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn statuses(text: Option<&str>, behaviour: &Behaviour) -> Result<(bool, bool), BadRequest> {
    let Some(text) = text.filter(|_| !behaviour.ignores_status) else {
        return Ok((true, behaviour.ignores_status || !behaviour.status_defaults_open));
    };
    let mut wanted = (false, false);
    for word in list(text) {
        match Status::parse_spec(&word) {
            Some(Status::Open) => wanted.0 = true,
            Some(Status::Closed) => wanted.1 = true,
            None => return Err(format!("status must be open and/or closed, not {word}")),
        }
    }
    Ok(wanted)
}

/// `(skip, take)` from the paging parameters the behaviour reads.
fn page<'a>(get: &impl Fn(&str) -> Option<&'a str>, behaviour: &Behaviour) -> Result<(u64, usize), BadRequest> {
    let cap = behaviour.cap;
    let default = behaviour.default_page_size.unwrap_or(cap).min(cap);
    let (size_name, first) = match behaviour.paging {
        SimPaging::None => return Ok((0, default)),
        SimPaging::PageSize { first } => ("page_size", first),
        SimPaging::Limit { first } => ("limit", first),
        SimPaging::Offset => ("limit", 0),
    };
    let size = match number(get, size_name)? {
        Some(0) => return Err(format!("{size_name} must be at least 1")),
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(cap),
        None => default,
    };
    let skip = if behaviour.paging == SimPaging::Offset {
        number(get, "offset")?.unwrap_or(0)
    } else {
        number(get, "page")?.unwrap_or(u64::from(first)).saturating_sub(u64::from(first)).saturating_mul(size as u64)
    };
    Ok((skip, size))
}

fn number<'a>(get: &impl Fn(&str) -> Option<&'a str>, name: &str) -> Result<Option<u64>, BadRequest> {
    get(name).map(|t| t.parse::<u64>().map_err(|_| format!("{name} must be a whole number, not {t}"))).transpose()
}
