//! What a pass sweeps. The first pass (and `--full`) sweeps everything from `backfill_from`;
//! later passes sweep what may have changed: pending spans first (windows that failed, the rest
//! of a killed pass), then `updated_after` from the newest update seen where the city supports
//! it, and a trailing week of requested times. Requests can appear late at a city (entered
//! after the fact, published in batches, a city whose clock is behind ours), so the trailing
//! week is anchored on the city's own clock, and deeper rescans come on a slower cadence: the
//! last 90 days once a day, everything once every `full_rescan_days` (default 7). A late
//! request is so seen within one pass when requested within a week of the city's clock,
//! within a day when within 90 days, and within `full_rescan_days` otherwise.

use jiff::{SignedDuration, Timestamp};

use super::city::CityPass;
use super::report::PassKind;
use super::spans::{self, Axis, Span};
use crate::store::HarvestState;

/// Span rescanned on every incremental pass, back from the city's clock.
const TRAILING: SignedDuration = SignedDuration::from_hours(24 * 7);
/// Span rescanned once a day, back from the city's clock.
const RECENT: SignedDuration = SignedDuration::from_hours(24 * 90);
/// How often the recent past is rescanned.
const RECENT_EVERY: SignedDuration = SignedDuration::from_hours(24);
/// Overlap when continuing from the newest updated time seen.
const UPDATED_MARGIN: SignedDuration = SignedDuration::from_hours(1);
/// Sweeps end this far past the later of the two clocks, for requests stamped a little ahead.
const END_MARGIN: SignedDuration = SignedDuration::from_hours(1);
/// Without a `Date` header, the newest request held stands for the city's clock, but no
/// further back than this (a quiet city is not a city whose clock stopped).
const QUIET: SignedDuration = SignedDuration::from_hours(24 * 30);

/// A pass's plan.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Planned {
    /// What kind of pass it is.
    pub kind: PassKind,
    /// The spans to sweep, pending ones first.
    pub spans: Vec<Span>,
    /// Where the sweeps end (unix seconds): the new `backfilled_until`.
    pub end: i64,
    /// Whether the plan rescans the last 90 days.
    pub recent: bool,
}

/// What a plan is made from.
pub(super) struct Inputs<'a> {
    pub state: &'a HarvestState,
    pub full: bool,
    pub now: Timestamp,
    /// The city's clock minus ours, when its answers said.
    pub clock_offset: Option<i64>,
    /// The newest requested time held (unix seconds).
    pub newest_requested: Option<i64>,
    pub origin: Timestamp,
    pub updated_after: bool,
    /// Days between rescans of everything (0: never).
    pub full_rescan_days: u32,
}

/// Plans a pass.
pub(super) fn plan(i: &Inputs<'_>) -> Planned {
    let state = i.state;
    let at = |s: i64| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH);
    let city_now = i.clock_offset.map(|o| i.now + SignedDuration::from_secs(o));
    let end = i.now.max(city_now.unwrap_or(i.now)) + END_MARGIN;
    let pending = spans::from_json(state.pending.as_deref());
    let due = |last: Option<i64>, every: SignedDuration| last.is_none_or(|t| i.now.duration_since(at(t)) >= every);
    let full_every = SignedDuration::from_hours(24 * i64::from(i.full_rescan_days));
    let full_due = i.full_rescan_days > 0 && due(state.full_rescan_at, full_every);
    let kind = match state.backfilled_until {
        None => PassKind::First,
        Some(_) if i.full || full_due => PassKind::Full,
        Some(_) => PassKind::Incremental,
    };
    let mut planned = Planned { kind, spans: pending, end: end.as_second(), recent: kind != PassKind::Incremental };
    if kind != PassKind::Incremental {
        planned.spans.push(Span::new(Axis::Requested, i.origin, end));
        planned.spans = spans::merged(planned.spans);
        return planned;
    }
    // The city's clock: its Date header, else its newest request (if not long ago), and
    // never later than where the last pass ended.
    let clock = city_now.or_else(|| i.newest_requested.map(at).map(|t| t.max(i.now - QUIET)));
    let last_end = state.backfilled_until.map_or(i.now, at);
    let anchor = clock.map_or(last_end, |c| c.min(last_end));
    planned.recent = due(state.recent_rescan_at, RECENT_EVERY);
    let back = if planned.recent { RECENT } else { TRAILING };
    if i.updated_after {
        let newest = state.newest_updated.map(at).unwrap_or(last_end);
        planned.spans.push(Span::new(Axis::Updated, (newest - UPDATED_MARGIN).max(i.origin), end));
    }
    planned.spans.push(Span::new(Axis::Requested, (anchor - back).max(i.origin), end));
    planned.spans = spans::merged(planned.spans);
    planned
}

impl CityPass<'_> {
    /// The inputs of this pass's plan.
    pub(super) fn plan_inputs<'s>(
        &self,
        state: &'s HarvestState,
        full: bool,
        newest_requested: Option<i64>,
    ) -> Inputs<'s> {
        Inputs {
            state,
            full,
            now: Timestamp::now(),
            clock_offset: self.endpoint.clock_offset().or(state.clock_offset),
            newest_requested,
            origin: self.backfill_origin(),
            updated_after: self.city.config.updated_after == Some(true),
            full_rescan_days: self.city.full_rescan_days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn inputs(state: &HarvestState, offset: Option<i64>) -> Inputs<'_> {
        Inputs {
            state,
            full: false,
            now: Timestamp::from_second(1_000 * DAY).unwrap(),
            clock_offset: offset,
            newest_requested: None,
            origin: Timestamp::from_second(10 * DAY).unwrap(),
            updated_after: false,
            full_rescan_days: 7,
        }
    }

    fn harvested(at_day: i64) -> HarvestState {
        HarvestState {
            backfilled_until: Some(at_day * DAY),
            recent_rescan_at: Some(at_day * DAY),
            full_rescan_at: Some(at_day * DAY),
            ..HarvestState::default()
        }
    }

    #[test]
    fn a_first_pass_sweeps_everything() {
        let plan = plan(&inputs(&HarvestState::default(), None));
        assert_eq!(plan.kind, PassKind::First);
        assert_eq!(plan.spans, vec![Span { axis: Axis::Requested, from: 10 * DAY, to: 1_000 * DAY + 3_600 }]);
    }

    #[test]
    fn the_trailing_week_follows_a_city_clock_that_is_behind() {
        let state = harvested(1_000);
        let on_time = plan(&inputs(&state, None));
        assert_eq!(on_time.kind, PassKind::Incremental);
        assert_eq!(on_time.spans[0].from, 993 * DAY);
        let behind = plan(&inputs(&state, Some(-10 * DAY)));
        assert_eq!(behind.spans[0].from, 983 * DAY, "a week back from the city's clock");
    }

    #[test]
    fn deeper_rescans_come_daily_and_weekly() {
        let mut state = harvested(1_000);
        state.recent_rescan_at = Some(999 * DAY);
        let daily = plan(&inputs(&state, None));
        assert!(daily.recent);
        assert_eq!(daily.spans[0].from, 910 * DAY);
        state.full_rescan_at = Some(993 * DAY);
        let weekly = plan(&inputs(&state, None));
        assert_eq!(weekly.kind, PassKind::Full);
        assert_eq!(weekly.spans[0].from, 10 * DAY);
    }

    #[test]
    fn pending_spans_come_first() {
        let mut state = harvested(1_000);
        state.pending = Some(spans::to_json(&[Span { axis: Axis::Requested, from: 100 * DAY, to: 200 * DAY }]));
        let plan = plan(&inputs(&state, None));
        assert_eq!(plan.spans[0], Span { axis: Axis::Requested, from: 100 * DAY, to: 200 * DAY });
        assert_eq!(plan.spans[1].from, 993 * DAY);
    }
}
