//! Which records one `requests` call answers, and in what order: the id list (overriding
//! everything), else the date window found by binary search (so a call costs the size of its
//! window at most, and only the page itself when no record filter applies), the record
//! filters, the order (newest first, or a stable shuffle), the page and the cap.

use std::ops::Range;

use jiff::{SignedDuration, Timestamp};

use crate::domain::Status;

use super::behaviour::Behaviour;
use super::city::CityData;
use super::query::ListQuery;
use super::record::Record;
use super::rng::mix;

/// The records answered, in answer order.
pub(crate) fn select<'a>(
    data: &'a CityData,
    q: &ListQuery,
    b: &Behaviour,
    seed: u64,
    now: Timestamp,
) -> Vec<&'a Record> {
    if let Some(ids) = &q.ids {
        let ids = if b.multi_id_first_only { &ids[..ids.len().min(1)] } else { &ids[..] };
        return ids.iter().filter_map(|id| data.find(id)).take(q.take).collect();
    }
    let window = window(&data.records, q, b, now);
    let filter = Filter::new(data, q);
    if b.unsorted {
        let mut all: Vec<&Record> = window.iter().filter(|r| filter.keeps(r)).collect();
        all.sort_by_key(|r| mix(seed ^ r.serial));
        return all[page_range(all.len(), q, b)].to_vec();
    }
    if filter.keeps_all() {
        let newest = |k: usize| &window[window.len() - 1 - k];
        return page_range(window.len(), q, b).map(newest).collect();
    }
    let skip = usize::try_from(q.skip).unwrap_or(usize::MAX);
    let found: Vec<&Record> = window.iter().rev().filter(|r| filter.keeps(r)).skip(skip).take(q.take).collect();
    if found.is_empty() && b.replays_last_page && skip > 0 {
        let all: Vec<&Record> = window.iter().rev().filter(|r| filter.keeps(r)).collect();
        return all[page_range(all.len(), q, b)].to_vec();
    }
    found
}

/// Positions of the page `q` asks for in an answer of `len` records (the last page again,
/// past the end, when the behaviour replays it).
fn page_range(len: usize, q: &ListQuery, b: &Behaviour) -> Range<usize> {
    let mut start = usize::try_from(q.skip).unwrap_or(usize::MAX);
    if start >= len && b.replays_last_page && len > 0 && q.take > 0 {
        start = (len - 1) / q.take * q.take;
    }
    let start = start.min(len);
    start..len.min(start.saturating_add(q.take))
}

/// The records whose requested time falls in the (possibly capped) window, both ends included.
fn window<'a>(records: &'a [Record], q: &ListQuery, b: &Behaviour, now: Timestamp) -> &'a [Record] {
    let mut start = q.start;
    if let Some(days) = b.max_window_days {
        let span = SignedDuration::from_hours(24 * i64::from(days));
        let earliest = q.end.unwrap_or(now).saturating_sub(span).unwrap_or(Timestamp::MIN);
        start = Some(start.map_or(earliest, |s| s.max(earliest)));
    }
    let lo = start.map_or(0, |s| records.partition_point(|r| r.requested < s));
    let hi = q.end.map_or(records.len(), |e| records.partition_point(|r| r.requested <= e));
    &records[lo..hi.max(lo)]
}

/// The per-record filters of one call.
struct Filter<'q> {
    q: &'q ListQuery,
    /// Service indices asked for by `service_code`.
    services: Option<Vec<u16>>,
}

impl<'q> Filter<'q> {
    fn new(data: &CityData, q: &'q ListQuery) -> Filter<'q> {
        let services = q.codes.as_ref().map(|codes| {
            let wanted = |code: &str| codes.iter().any(|c| c == code);
            (0u16..).zip(&data.services).filter(|(_, s)| wanted(&s.service_code)).map(|(i, _)| i).collect()
        });
        Filter { q, services }
    }

    fn keeps_all(&self) -> bool {
        self.q.statuses == (true, true)
            && self.services.is_none()
            && self.q.updated_after.is_none()
            && self.q.updated_before.is_none()
    }

    fn keeps(&self, r: &Record) -> bool {
        let status = match r.status {
            Status::Open => self.q.statuses.0,
            Status::Closed => self.q.statuses.1,
        };
        status
            && self.q.updated_after.is_none_or(|t| r.updated >= t)
            && self.q.updated_before.is_none_or(|t| r.updated <= t)
            && self.services.as_ref().is_none_or(|s| s.contains(&r.service))
    }
}
