//! Sweeping a span in date windows, oldest first: for servers that do not answer newest first
//! (uReport shuffles its lists) and for the `updated_after` axis, where no order helps. Each
//! window is paged (when the city pages: pages are stored as they come, so a window may be as
//! wide as the span) or narrowed while its answer may have been cut by a cap; the cap itself
//! is learned by splitting a suspicious answer in two and seeing whether the halves hold more.
//! Unpaged windows are sized by the density just seen, so calls stay close to records / cap,
//! and grow fast over empty years. A window that fails is left in the work list and the sweep
//! goes on with the next one.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};

use super::city::CityPass;
use super::error::CityError;
use super::lists::{ListAnswer, MAX_ANSWER_RECORDS};
use super::settings::SPEC_CAP;
use super::spans::{Axis, Span};
use crate::domain::ServiceRequest;
use crate::registry::Paging;
use crate::upstream::Param;

/// The narrowest window fed311 splits down to.
pub(super) const MIN_WINDOW: SignedDuration = SignedDuration::from_mins(1);
/// The widest window before a server is known to answer wide ranges whole: the spec's limit.
const SPEC_WINDOW: SignedDuration = SignedDuration::from_hours(24 * 90);
/// The widest window once it is (a bound, not a goal: windows are sized by density).
const WIDEST_WINDOW: SignedDuration = SignedDuration::from_hours(24 * 366 * 20);
/// A gap this long before a window's oldest record is worth one probe.
const GAP_WORTH_PROBING: SignedDuration = SignedDuration::from_hours(24);
/// Pages per window before giving up on a server that never stops.
const MAX_PAGES: u32 = 10_000;
/// Answers smaller than this are never suspected of being capped.
pub(super) const SMALLEST_CAP: usize = 10;

/// The records of one window not yet stored (a paged window stores its pages as they come),
/// how many the server sent (skipped ones included), and the oldest requested time in it.
pub(super) struct Answer {
    records: Vec<ServiceRequest>,
    size: usize,
    oldest: Option<Timestamp>,
    /// Paging stopped at [`MAX_PAGES`] with more to come, or one answer held more records
    /// than a pass takes at once.
    overflowed: bool,
}

impl Answer {
    /// The records.
    pub(super) fn into_records(self) -> Vec<ServiceRequest> {
        self.records
    }
}

enum Verdict {
    /// The answer is complete: store it.
    Keep(Vec<ServiceRequest>),
    /// The answer may be cut: retry with this window.
    Narrow(SignedDuration),
}

impl CityPass<'_> {
    /// Sweeps `span` in windows from its start; failed windows are left in the work list.
    pub(super) async fn sweep_up(&mut self, span: Span) -> Result<(), CityError> {
        let mut window = self.max_window();
        let mut from = span.start();
        let end = span.end();
        while from < end {
            if span.axis == Axis::Requested && self.profile.ignores_dates {
                self.work.current = None; // one download of everything follows the sweeps
                return self.flush_store().await;
            }
            let to = (from + window).min(end);
            let answer = match self.fetch_window(span.axis, from, to).await {
                Ok(answer) => answer,
                Err(e) if e.is_ours() => return Err(e),
                Err(e) if self.narrowed_after_refusal(&e, from, to) => {
                    window = self.max_window();
                    continue;
                }
                Err(e) => {
                    self.window_failed(Span::new(span.axis, from, to), e).await?;
                    from = to;
                    self.work.current = Some(span.from(from));
                    continue;
                }
            };
            let size = answer.size;
            match self.judge(span.axis, from, to, answer).await {
                Ok(Verdict::Narrow(narrower)) => window = narrower.max(MIN_WINDOW),
                Ok(Verdict::Keep(records)) => {
                    self.work.current = Some(span.from(to));
                    let stage = format!("up to {}", to.strftime("%Y-%m-%d"));
                    self.queue_store(records, &stage).await?;
                    from = to;
                    window = self.next_window(window, size);
                }
                Err(e) if e.is_ours() => return Err(e),
                Err(e) => {
                    self.window_failed(Span::new(span.axis, from, to), e).await?;
                    from = to;
                    self.work.current = Some(span.from(from));
                }
            }
        }
        self.work.current = None;
        self.flush_store().await
    }

    /// Leaves a window that failed in the work list, for the next round or pass.
    pub(super) async fn window_failed(&mut self, window: Span, e: CityError) -> Result<(), CityError> {
        tracing::warn!(jurisdiction = %self.city.id, from = %window.start(), to = %window.end(), error = %e,
            "Window not fetched; left for the next round");
        self.work.current = None;
        self.work.failed.push((window, e.to_string()));
        self.save_work().await
    }

    /// A server that refuses (400/422) a window wider than the spec's 90 days, before anything
    /// was learned of its range: windows of 90 days from now on. True when so narrowed.
    pub(super) fn narrowed_after_refusal(&mut self, e: &CityError, from: Timestamp, to: Timestamp) -> bool {
        let refused = matches!(e, CityError::Answer { status: 400 | 422, .. });
        let wide = to.duration_since(from) > SPEC_WINDOW;
        if refused && wide && self.profile.max_window_days.is_none() && self.city.window_days.is_none() {
            tracing::info!(jurisdiction = %self.city.id, "Server refuses wide date ranges: 90-day windows");
            self.profile.max_window_days = Some(90);
            return true;
        }
        false
    }

    /// Decides whether a window's answer is complete, learning caps on the way.
    async fn judge(
        &mut self,
        axis: Axis,
        from: Timestamp,
        to: Timestamp,
        answer: Answer,
    ) -> Result<Verdict, CityError> {
        let span = to.duration_since(from);
        if answer.overflowed {
            // A quarter at a time: each overflow refetches what it throws away. A server that
            // ignores dates will page the same way in any window.
            if span > MIN_WINDOW && !self.profile.ignores_dates {
                return Ok(Verdict::Narrow(span / 4));
            }
            return Err(CityError::Endless(format!(
                "{}: more than {MAX_PAGES} pages, or one answer of more than {} records, in one {}-second \
                 window from {from}: the server pages without end",
                self.city.id,
                MAX_ANSWER_RECORDS,
                span.as_secs()
            )));
        }
        if axis == Axis::Requested {
            if let Some(oldest) = oldest_in(&answer.records, from, to) {
                self.profile.saw_range(to, oldest);
            }
        }
        let windows_matter = self.plan.paging == Paging::None && !self.profile.ignores_dates && span > MIN_WINDOW;
        if windows_matter {
            let below_any_cap = self.cap_threshold().is_some_and(|threshold| answer.size < threshold);
            if let Some(cap) = self.known_cap() {
                if answer.size >= cap {
                    return Ok(Verdict::Narrow(span / 2));
                }
            } else if !below_any_cap && self.suspicious(answer.size) {
                if self.probe_paging(axis, from, to, &answer).await? {
                    return Ok(Verdict::Narrow(span)); // the same window again, paged
                }
                if !self.verify_complete(axis, from, to, &answer).await? {
                    return Ok(Verdict::Narrow(span / 2));
                }
            }
        }
        if axis == Axis::Requested && !self.profile.window_checked && !self.profile.ignores_dates {
            if let Some(limit) = self.probe_window_limit(from, to, &answer).await? {
                return Ok(Verdict::Narrow(limit));
            }
        }
        Ok(Verdict::Keep(answer.records))
    }

    /// Probes paging now, over `[from, to]`, where nothing is known of it yet but a cap: what
    /// `fed311 add-city` needs before it writes a first page's number into a file.
    pub(super) async fn probe_paging_now(&mut self, from: Timestamp, to: Timestamp) -> Result<(), CityError> {
        let Some(cap) = self.profile.cap else { return Ok(()) };
        let first = self.fetch_window(Axis::Requested, from, to).await?;
        if first.size >= cap as usize {
            self.probe_paging(Axis::Requested, from, to, &first).await?;
        }
        Ok(())
    }

    /// Once per endpoint whose file says nothing of paging: does a suspicious answer have a
    /// page 2? New records there prove both the cut and the paging; then page 1 tells where
    /// numbering starts, and an `offset` is tried where `page` is not read. True when the
    /// server pages (the plan now pages it).
    async fn probe_paging(
        &mut self,
        axis: Axis,
        from: Timestamp,
        to: Timestamp,
        first: &Answer,
    ) -> Result<bool, CityError> {
        if self.plan.paging_fixed || self.profile.paging_probed || self.plan.paging != Paging::None {
            return Ok(false);
        }
        self.profile.paging_probed = true;
        let size = first.size.to_string();
        let size_name = self.plan.size_param.map_or("page_size", |p| p.name());
        let seen = ids(&first.records);
        let probe = |extra: Vec<Param>| {
            let mut params = self.window_params(axis, from, to);
            params.push((size_name, size.clone()));
            params.extend(extra);
            params
        };
        let (page_two, page_one) = (probe(vec![("page", "2".into())]), probe(vec![("page", "1".into())]));
        let offset = probe(vec![("offset", size.clone())]);
        let second = self.fetch_requests(&page_two).await?;
        let (paging, first_page) = if new_records(&seen, &second.records) {
            let one = self.fetch_requests(&page_one).await?;
            let style = match self.plan.size_param {
                Some(crate::upstream::SizeParam::Limit) => Paging::Limit,
                _ => Paging::PageSize,
            };
            (style, if new_records(&seen, &one.records) { 0 } else { 1 })
        } else if new_records(&seen, &self.fetch_requests(&offset).await?.records) {
            (Paging::Offset, 0)
        } else {
            return Ok(false);
        };
        tracing::info!(jurisdiction = %self.city.id, ?paging, first_page, page_size = first.size, "Learned how the server pages");
        (self.profile.paging, self.profile.first_page) = (Some(paging), Some(first_page));
        self.profile.cap = u32::try_from(first.size).ok();
        (self.plan.paging, self.plan.first_page) = (paging, first_page);
        (self.plan.page_size, self.plan.page_size_known) = (first.size.try_into().unwrap_or(u32::MAX), true);
        Ok(true)
    }

    /// Splits a suspicious answer in two: more records in the halves means the server caps
    /// answers at `answer.size` (learned); the same records mean the answer was whole.
    async fn verify_complete(
        &mut self,
        axis: Axis,
        from: Timestamp,
        to: Timestamp,
        answer: &Answer,
    ) -> Result<bool, CityError> {
        let mid = from + to.duration_since(from) / 2;
        let first = self.fetch_window(axis, from, mid).await?;
        let second = self.fetch_window(axis, mid, to).await?;
        let whole: HashSet<&str> = ids(&answer.records);
        let halves: HashSet<&str> = ids(&first.records).union(&ids(&second.records)).copied().collect();
        if halves.is_subset(&whole) {
            if first.size == answer.size && second.size == answer.size && !whole.is_empty() {
                tracing::info!(jurisdiction = %self.city.id, "Server ignores date filters");
                self.profile.ignores_dates = true;
            }
            let n = u32::try_from(answer.size).unwrap_or(u32::MAX);
            self.profile.complete_answer = Some(self.profile.complete_answer.map_or(n, |m| m.max(n)));
            return Ok(true);
        }
        tracing::info!(jurisdiction = %self.city.id, cap = answer.size, "Learned the server's cap");
        self.profile.cap = Some(u32::try_from(answer.size).unwrap_or(u32::MAX));
        Ok(false)
    }

    /// Once per endpoint: is there data before the oldest record of a non-empty answer that
    /// the server left out? If so, it silently limits the date range; returns the limit.
    async fn probe_window_limit(
        &mut self,
        from: Timestamp,
        to: Timestamp,
        answer: &Answer,
    ) -> Result<Option<SignedDuration>, CityError> {
        let Some(oldest) = answer.oldest else {
            return Ok(None);
        };
        if oldest.duration_since(from) < GAP_WORTH_PROBING {
            return Ok(None);
        }
        let probe = self.fetch_window(Axis::Requested, from, oldest - SignedDuration::from_secs(1)).await?;
        let before = probe.records.iter().filter_map(|r| r.requested_datetime).any(|t| t >= from && t < oldest);
        self.profile.window_checked = true;
        if !before {
            return Ok(None);
        }
        let days = (to.duration_since(oldest).as_secs() / 86_400).max(1);
        tracing::info!(jurisdiction = %self.city.id, days, "Learned the server's date range limit");
        self.profile.max_window_days = Some(u32::try_from(days).unwrap_or(u32::MAX));
        Ok(Some(SignedDuration::from_hours(24 * days)))
    }

    /// Every record of one window: all pages, or the one answer.
    pub(super) async fn fetch_window(
        &mut self,
        axis: Axis,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Answer, CityError> {
        let window = self.window_params(axis, from, to);
        if self.plan.paging == Paging::None {
            let mut params = window;
            params.extend(self.first_page_params());
            return self.fetch_answer(&params).await;
        }
        // Page 1 is held until page 2 shows the server pages; every page after is stored as
        // it comes, so a window's size bounds no memory.
        let mut all = Answer { records: Vec::new(), size: 0, oldest: None, overflowed: true };
        let mut previous: HashSet<String> = HashSet::new();
        let stage = format!("paging {}", from.strftime("%Y-%m-%d"));
        for page in 0..MAX_PAGES {
            let mut params = window.clone();
            params.extend(self.page_params(page));
            let answer = self.fetch_answer(&params).await?;
            if answer.overflowed {
                return Ok(answer);
            }
            let page_ids: HashSet<String> = answer.records.iter().map(|r| r.service_request_id.clone()).collect();
            let replayed = !previous.is_empty() && page_ids.is_subset(&previous);
            if replayed && page == 1 && all.size >= SMALLEST_CAP && !self.plan.page_size_known {
                // Page 2 repeats page 1: paging is ignored here; narrow windows instead.
                tracing::info!(jurisdiction = %self.city.id, "Server ignores paging, narrowing windows instead");
                self.plan.paging = Paging::None;
                return Ok(Answer { overflowed: false, ..all });
            }
            if answer.size == 0 || replayed {
                all.overflowed = false;
                break;
            }
            if page == 1 && !self.plan.page_size_known && all.size < self.plan.page_size as usize {
                self.learn_page_cap(all.size);
            }
            let short = self.plan.page_size_known && answer.size < self.plan.page_size as usize;
            all.size += answer.size;
            all.oldest = all.oldest.into_iter().chain(answer.oldest).min();
            if page >= 1 {
                let held = std::mem::take(&mut all.records);
                self.queue_store(held.into_iter().chain(answer.records).collect(), &stage).await?;
            } else {
                all.records = answer.records;
            }
            if short {
                all.overflowed = false;
                break;
            }
            previous = page_ids;
        }
        Ok(all)
    }

    async fn fetch_answer(&mut self, params: &[Param]) -> Result<Answer, CityError> {
        match self.fetch_requests(params).await {
            Ok(ListAnswer { records, size }) => {
                let oldest = records.iter().filter_map(|r| r.requested_datetime).min();
                Ok(Answer { records, size, oldest, overflowed: false })
            }
            Err(CityError::TooMany { .. }) => {
                Ok(Answer { records: Vec::new(), size: 0, oldest: None, overflowed: true })
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn window_params(&self, axis: Axis, from: Timestamp, to: Timestamp) -> Vec<Param> {
        let (after, before) = match axis {
            Axis::Requested => ("start_date", "end_date"),
            Axis::Updated => ("updated_after", "updated_before"),
        };
        vec![
            (after, self.endpoint.format_time(from)),
            (before, self.endpoint.format_time(to)),
            ("status", "open,closed".to_string()),
        ]
    }

    /// The parameters of a first (or only) page: the size the server reads, where known, and
    /// the first page's number where the file says how it pages.
    pub(super) fn first_page_params(&self) -> Vec<Param> {
        match self.plan.paging {
            Paging::None => {
                self.plan.size_param.map(|p| (p.name(), self.plan.page_size.to_string())).into_iter().collect()
            }
            _ => self.page_params(0),
        }
    }

    fn page_params(&self, page: u32) -> Vec<Param> {
        let size = self.plan.page_size.to_string();
        let number = (page + self.plan.first_page).to_string();
        match self.plan.paging {
            Paging::None => Vec::new(),
            Paging::PageSize => vec![("page", number), ("page_size", size)],
            Paging::Limit => vec![("page", number), ("limit", size)],
            Paging::Offset => {
                vec![("offset", (u64::from(page) * u64::from(self.plan.page_size)).to_string()), ("limit", size)]
            }
        }
    }

    /// Page 2 held more after a page 1 shorter than asked for: the server caps pages there.
    fn learn_page_cap(&mut self, cap: usize) {
        let cap = u32::try_from(cap).unwrap_or(u32::MAX);
        tracing::info!(jurisdiction = %self.city.id, cap, "Learned the server's page size");
        self.profile.cap = Some(cap);
        self.plan.page_size = cap;
        self.plan.page_size_known = true;
    }

    /// The cap, when the file says it or a split proved it.
    fn known_cap(&self) -> Option<usize> {
        let from_file = self.plan.page_size_known.then_some(self.plan.page_size);
        from_file.or(self.profile.cap).map(|c| c as usize)
    }

    /// An answer is suspect when it is at least as large as any answer proven whole: a window
    /// that held exactly the cap splits into halves with nothing more, yet the next window
    /// of that size may well be cut.
    fn suspicious(&self, size: usize) -> bool {
        size >= SMALLEST_CAP && self.profile.complete_answer.is_none_or(|n| size >= n as usize)
    }

    /// The widest window: the file's, or the limit learned, or the widest range the server
    /// was seen to answer (at least the spec's 90 days), or no limit once the probe found none.
    fn max_window(&self) -> SignedDuration {
        let days = self.city.window_days.or(self.profile.max_window_days);
        match days {
            Some(days) => SignedDuration::from_hours(24 * i64::from(days.max(1))),
            None if self.profile.window_checked => WIDEST_WINDOW,
            None => {
                let answered = SignedDuration::from_hours(24 * i64::from(self.profile.answered_days.unwrap_or(0)));
                SPEC_WINDOW.max(answered).min(WIDEST_WINDOW)
            }
        }
    }

    /// The next window: as wide as allowed when paging (pages are stored as they come) or
    /// when the server ignores dates; otherwise sized by the density just seen to hold about
    /// 90% of the cap. Empty windows grow fourfold.
    fn next_window(&self, window: SignedDuration, size: usize) -> SignedDuration {
        let max = self.max_window();
        if self.profile.ignores_dates || self.plan.paging != Paging::None {
            return max;
        }
        let target = 0.9 * self.known_cap().unwrap_or(SPEC_CAP as usize) as f64;
        let factor = if size == 0 { 4.0 } else { (target / size as f64).clamp(0.25, 4.0) };
        window.mul_f64(factor).clamp(MIN_WINDOW, max)
    }
}

/// The oldest requested time among records inside a window.
pub(super) fn oldest_in(records: &[ServiceRequest], from: Timestamp, to: Timestamp) -> Option<Timestamp> {
    records.iter().filter_map(|r| r.requested_datetime).filter(|t| *t >= from && *t <= to).min()
}

/// Whether an answer holds records not among `seen`.
fn new_records(seen: &HashSet<&str>, records: &[ServiceRequest]) -> bool {
    records.iter().any(|r| !seen.contains(r.service_request_id.as_str()))
}

fn ids(records: &[ServiceRequest]) -> HashSet<&str> {
    records.iter().map(|r| r.service_request_id.as_str()).collect()
}
