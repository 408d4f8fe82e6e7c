//! Sweeping a span newest first, for servers that answer newest first (most do). Each call
//! asks for everything from the span's start up to a moving upper bound; when the answer may
//! have been cut by the server's cap, its oldest record becomes the next upper bound (that
//! second included, so ties are never lost), and when it is shorter than the cap, everything
//! down to the start has been seen. So every call brings new records, the cap needs no
//! learning before the sweep, and the years before a city's first request cost one call.
//!
//! Along the way the sweep learns: the cap (two cut answers of one size), the parameter that
//! makes the server answer more per call (`page_size` or `limit`, tried once each when a cap
//! shows), a server that ignores the dates (records far outside the window), one that does not
//! answer newest first (the rest of the span goes to date windows), and a silent limit on the
//! date range (one probe of the time before the oldest record, once per endpoint).

use jiff::{SignedDuration, Timestamp};

use super::city::CityPass;
use super::error::CityError;
use super::lists::ListAnswer;
use super::spans::{Axis, Span};
use super::windows::{MIN_WINDOW, SMALLEST_CAP, oldest_in};
use crate::upstream::{Order, SizeParam};

/// How far outside its window a record may be before the server is taken to ignore dates
/// (servers filtering in local time are off by hours at the edges).
const OUTSIDE: SignedDuration = SignedDuration::from_hours(48);
/// A gap this long before the oldest record is worth one probe for a date-range limit.
const GAP_WORTH_PROBING: SignedDuration = SignedDuration::from_hours(24);
/// The records per call asked for when probing a size parameter.
const PROBE_SIZE: u32 = 1000;

/// What one answer of the sweep says.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Everything from the window's start up to the bound was answered.
    Complete,
    /// The answer may have been cut: continue below this bound.
    Cut(Timestamp),
    /// Records far outside the window: the server ignores dates.
    IgnoresDates,
    /// The answer is not newest first.
    Unsorted,
    /// A cut answer whose records all share the bound's second: no progress possible.
    Stuck,
}

impl CityPass<'_> {
    /// Sweeps `span` (requested axis) newest first; failures are left in the work list.
    pub(super) async fn sweep_down(&mut self, span: Span) -> Result<(), CityError> {
        let start = span.start();
        let mut upper = span.end();
        let mut last_cut: Option<usize> = None;
        let mut probe = self.size_to_probe();
        // Narrowed below the usual window after an answer held too many records.
        let mut narrowed: Option<SignedDuration> = None;
        loop {
            let from = match narrowed {
                Some(width) => self.window_start(start, upper).max(upper - width),
                None => self.window_start(start, upper),
            };
            let threshold = self.cap_threshold();
            let answer = match self.fetch_once(Axis::Requested, from, upper, probe).await {
                Ok(answer) => answer,
                Err(e) if e.is_ours() => return Err(e),
                Err(e) if probe.is_some() && matches!(e, CityError::Answer { status: 400..=499, .. }) => {
                    // The server refuses the size parameter: never send it again.
                    self.profile.size_probed = true;
                    probe = None;
                    continue;
                }
                Err(e) if e.too_big() && upper.duration_since(from) > MIN_WINDOW => {
                    narrowed = Some(upper.duration_since(from) / 4);
                    continue;
                }
                Err(e) if self.narrowed_after_refusal(&e, from, upper) => continue,
                Err(e) if e.city_answered() => {
                    // The city fails this question: ask narrower ones, window by window, so
                    // that one bad window costs only itself.
                    tracing::info!(jurisdiction = %self.city.id, error = %e, "Newest-first call failed: date windows for the rest");
                    self.work.current = Some(span.until(upper));
                    return self.sweep_up(span.until(upper)).await;
                }
                Err(e) => return self.window_failed(span.until(upper), e).await,
            };
            if let Some(param) = probe.take() {
                probe = self.learn_size(param, answer.size);
                if self.plan.size_param.is_some() {
                    last_cut = None; // answers are larger from now on: the cap is learned anew
                }
            }
            let verdict = judge(from, upper, &answer, threshold);
            if let Some(oldest) = oldest_in(&answer.records, from, upper) {
                self.profile.saw_range(upper, oldest);
            }
            let (next, rest) = match verdict {
                Verdict::Complete if from <= start => match self.probe_range_limit(start, upper, &answer).await? {
                    Some(older) => (Some(older), Some(span.until(older))),
                    None => (None, None),
                },
                Verdict::Complete => (Some(from), Some(span.until(from))),
                Verdict::Cut(below) => {
                    if last_cut == Some(answer.size) && self.profile.cap.is_none() {
                        tracing::info!(jurisdiction = %self.city.id, cap = answer.size, "Learned the server's cap");
                        self.profile.cap = u32::try_from(answer.size).ok();
                        probe = self.size_to_probe();
                    }
                    last_cut = Some(answer.size);
                    (Some(below), Some(span.until(below)))
                }
                Verdict::IgnoresDates => {
                    tracing::info!(jurisdiction = %self.city.id, "Server ignores date filters");
                    self.profile.ignores_dates = true;
                    self.work.current = None;
                    return self.store_records(answer.records).await;
                }
                Verdict::Unsorted => {
                    tracing::info!(jurisdiction = %self.city.id, "Server does not answer newest first: date windows");
                    self.profile.order = Some(Order::Unsorted);
                    self.work.current = Some(span.until(upper));
                    self.store_records(answer.records).await?;
                    return self.sweep_up(span.until(upper)).await;
                }
                Verdict::Stuck => {
                    let e = CityError::Endless(format!(
                        "{}: more than {} records share the requested time {upper}: the server must page to give them all",
                        self.city.id, answer.size
                    ));
                    return self.window_failed(span.until(upper), e).await;
                }
            };
            if self.profile.order.is_none() && answer.records.len() >= 2 {
                self.profile.order = Some(Order::NewestFirst);
            }
            self.work.current = rest;
            let stage = format!("down to {}", next.unwrap_or(from).strftime("%Y-%m-%d"));
            self.queue_store(answer.records, &stage).await?;
            match next {
                Some(below) => upper = below,
                None => return self.flush_store().await,
            }
        }
    }

    /// The earliest start a window ending at `upper` may have: the span's start, unless the
    /// server (or the file) limits the date range.
    pub(super) fn window_start(&self, start: Timestamp, upper: Timestamp) -> Timestamp {
        let days = self.city.window_days.or(self.profile.max_window_days);
        match days {
            Some(days) => start.max(upper - SignedDuration::from_hours(24 * i64::from(days.max(1)))),
            None => start,
        }
    }

    /// Below this many records, an answer cannot have been cut: the server has answered more
    /// (or the file says its page size). `None` when nothing is known yet.
    pub(super) fn cap_threshold(&self) -> Option<usize> {
        let file = self.plan.page_size_known.then_some(self.plan.page_size);
        [self.profile.cap, self.profile.largest_answer, file].into_iter().flatten().max().map(|c| c as usize)
    }

    /// The size parameter to try on the next call: once a cap shows, on a server whose file
    /// says nothing of paging and which has not been probed.
    fn size_to_probe(&self) -> Option<SizeParam> {
        let worth = self.profile.cap.is_some()
            && !self.profile.size_probed
            && !self.plan.paging_fixed
            && self.plan.size_param.is_none();
        worth.then_some(SizeParam::PageSize)
    }

    /// After a call that carried `param`: a larger answer than the cap means the server reads
    /// it. Returns the next parameter to try, if any.
    fn learn_size(&mut self, param: SizeParam, size: usize) -> Option<SizeParam> {
        let cap = self.profile.cap.unwrap_or(0) as usize;
        if size > cap {
            tracing::info!(jurisdiction = %self.city.id, param = param.name(), size, "Server answers more when asked");
            self.profile.size_param = Some(param);
            self.profile.size_probed = true;
            self.profile.cap = None;
            self.plan.size_param = Some(param);
            self.plan.page_size = PROBE_SIZE;
            return None;
        }
        match param {
            SizeParam::PageSize => Some(SizeParam::Limit),
            SizeParam::Limit => {
                self.profile.size_probed = true;
                None
            }
        }
    }

    /// One call for a window, with the size parameter being probed (if any).
    async fn fetch_once(
        &mut self,
        axis: Axis,
        from: Timestamp,
        to: Timestamp,
        probe: Option<SizeParam>,
    ) -> Result<ListAnswer, CityError> {
        let mut params = self.window_params(axis, from, to);
        match probe {
            Some(param) => params.push((param.name(), PROBE_SIZE.to_string())),
            None => params.extend(self.first_page_params()),
        }
        self.fetch_requests(&params).await
    }

    /// Once per endpoint, at the end of a sweep: is there data before the oldest record that
    /// the server left out? If so it silently limits the date range: the limit is learned and
    /// the sweep goes on below. Returns where to go on from.
    async fn probe_range_limit(
        &mut self,
        start: Timestamp,
        upper: Timestamp,
        answer: &ListAnswer,
    ) -> Result<Option<Timestamp>, CityError> {
        if self.profile.window_checked || self.profile.ignores_dates || self.city.window_days.is_some() {
            return Ok(None);
        }
        let oldest = oldest_in(&answer.records, start, upper).unwrap_or(upper);
        if oldest.duration_since(start) < GAP_WORTH_PROBING {
            return Ok(None);
        }
        let probe = match self.fetch_once(Axis::Requested, start, oldest - SignedDuration::from_secs(1), None).await {
            Ok(probe) => probe,
            Err(e) if e.is_ours() => return Err(e),
            Err(e) => {
                tracing::debug!(jurisdiction = %self.city.id, error = %e, "Date-range probe failed; tried again next pass");
                return Ok(None);
            }
        };
        self.profile.window_checked = true;
        let before = probe.records.iter().filter_map(|r| r.requested_datetime).any(|t| t >= start && t < oldest);
        if !before {
            return Ok(None);
        }
        let days = (upper.duration_since(oldest).as_secs() / 86_400).max(1);
        tracing::info!(jurisdiction = %self.city.id, days, "Learned the server's date range limit");
        self.profile.max_window_days = Some(u32::try_from(days).unwrap_or(u32::MAX));
        Ok(Some(oldest))
    }
}

/// Reads one answer of the sweep; `threshold` is the size below which no answer is cut.
fn judge(from: Timestamp, upper: Timestamp, answer: &ListAnswer, threshold: Option<usize>) -> Verdict {
    let times: Vec<Timestamp> = answer.records.iter().filter_map(|r| r.requested_datetime).collect();
    let far_outside = |t: &Timestamp| *t < from - OUTSIDE || *t > upper + OUTSIDE;
    if times.iter().any(far_outside) {
        return Verdict::IgnoresDates;
    }
    if times.windows(2).any(|w| w[0] < w[1]) {
        return Verdict::Unsorted;
    }
    if answer.size < SMALLEST_CAP || threshold.is_some_and(|cap| answer.size < cap) {
        return Verdict::Complete;
    }
    let Some(oldest) = oldest_in(&answer.records, from, upper) else {
        return Verdict::Unsorted; // a full answer with no times to move by: date windows
    };
    // The oldest record's whole second stays in the next window: ties are never lost, even
    // where the server reads `end_date` as exclusive.
    let below = Timestamp::from_second(oldest.as_second() + 1).unwrap_or(oldest);
    if below >= upper { Verdict::Stuck } else { Verdict::Cut(below) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ServiceRequest;

    fn answer(seconds: &[i64]) -> ListAnswer {
        let records = seconds
            .iter()
            .enumerate()
            .map(|(i, s)| ServiceRequest {
                requested_datetime: Timestamp::from_second(*s).ok(),
                ..ServiceRequest::new(i.to_string())
            })
            .collect::<Vec<_>>();
        ListAnswer { size: records.len(), records }
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn a_full_answer_moves_the_bound_to_its_oldest_second() {
        let times: Vec<i64> = (0..20).map(|i| 1_000_000 - i * 10).collect();
        assert_eq!(judge(at(0), at(2_000_000), &answer(&times), None), Verdict::Cut(at(999_811)));
        assert_eq!(judge(at(0), at(2_000_000), &answer(&times), Some(25)), Verdict::Complete, "below the cap");
        assert_eq!(judge(at(0), at(2_000_000), &answer(&times[..5]), None), Verdict::Complete, "tiny");
    }

    #[test]
    fn disorder_and_records_far_outside_are_told_apart() {
        let mut times: Vec<i64> = (0..20).map(|i| 1_000_000 - i * 10).collect();
        times.swap(3, 4);
        assert_eq!(judge(at(0), at(2_000_000), &answer(&times), None), Verdict::Unsorted);
        assert_eq!(judge(at(0), at(500_000), &answer(&[900_000; 12]), None), Verdict::IgnoresDates);
        assert_eq!(judge(at(0), at(900_000), &answer(&[900_000; 12]), None), Verdict::Stuck);
    }
}
