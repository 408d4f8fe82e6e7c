//! Requests over date windows, complete whatever the server does. Each window is paged (when
//! the city pages) or narrowed while its answer may have been cut by a cap; the cap itself is
//! learned by splitting a suspicious answer in two and seeing whether the halves hold more.
//! A silent limit on the date range is found by probing the gap before the oldest record of
//! the first non-empty window. Window sizes follow the data's density, so calls stay close
//! to records / cap.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};

use super::city::{CityError, CityPass, blocking};
use super::fetch::Param;
use super::profile::SPEC_CAP;
use crate::domain::ServiceRequest;
use crate::registry::Paging;
use crate::store::{StoreError, UpsertCounts};

/// Trailing span re-read on an incremental pass, to catch late additions near the edge.
const TRAILING: SignedDuration = SignedDuration::from_hours(24 * 7);
/// Overlap when continuing from the newest updated time seen.
const UPDATED_MARGIN: SignedDuration = SignedDuration::from_hours(1);
/// The narrowest window fed311 splits down to.
const MIN_WINDOW: SignedDuration = SignedDuration::from_mins(1);
/// A gap this long before a window's oldest record is worth one probe.
const GAP_WORTH_PROBING: SignedDuration = SignedDuration::from_hours(24);
/// Pages per window before giving up on a server that never stops.
const MAX_PAGES: u32 = 10_000;
/// Records one paged window may hold in memory before it is narrowed: what bounds a pass's
/// memory when a city pages through far more than expected.
const MAX_WINDOW_RECORDS: usize = 100_000;
/// Answers smaller than this are never suspected of being capped.
const SMALLEST_CAP: usize = 10;

/// Which datetime a window filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Axis {
    /// `start_date`/`end_date` (requested time).
    Requested,
    /// `updated_after`/`updated_before`.
    Updated,
}

/// All records of one window, and how many the server sent (skipped ones included).
pub(super) struct Answer {
    records: Vec<ServiceRequest>,
    size: usize,
    /// Paging stopped at [`MAX_WINDOW_RECORDS`] or [`MAX_PAGES`] with more to come.
    overflowed: bool,
}

/// A store write under way.
struct PendingStore {
    task: tokio::task::JoinHandle<Result<UpsertCounts, StoreError>>,
    backfilled_until: Option<Timestamp>,
}

enum Verdict {
    /// The answer is complete: store it.
    Keep(Vec<ServiceRequest>),
    /// The answer may be cut: retry with this window.
    Narrow(SignedDuration),
}

impl CityPass<'_> {
    /// The requests step: a complete sweep on the first (or `--full`) pass, an incremental one
    /// afterwards.
    pub(super) async fn harvest_requests(&mut self, full: bool) -> Result<(), CityError> {
        let (store, id) = (self.store.clone(), self.city.id.clone());
        let state = blocking(move || store.harvest_state(&id)).await?;
        let now = Timestamp::now();
        let done = state.backfilled_until.and_then(|t| Timestamp::from_second(t).ok());
        match done {
            Some(done) if !full => {
                let newest = state.newest_updated.and_then(|t| Timestamp::from_second(t).ok());
                self.incremental(done, newest, now).await
            }
            _ => self.sweep(Axis::Requested, self.backfill_origin(), now).await,
        }
    }

    /// What may have changed since the last pass: by `updated_after` where the city supports
    /// it, otherwise a trailing window plus a re-check of every request we hold as open.
    async fn incremental(
        &mut self,
        done: Timestamp,
        newest: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), CityError> {
        let trailing = (done - TRAILING).max(self.backfill_origin());
        if self.city.config.updated_after == Some(true) {
            let since = newest.unwrap_or(done) - UPDATED_MARGIN;
            self.sweep(Axis::Updated, since.max(self.backfill_origin()), now).await?;
            return self.sweep(Axis::Requested, trailing, now).await;
        }
        self.seen_ids = Some(HashSet::new());
        self.sweep(Axis::Requested, trailing, now).await?;
        self.recheck_open().await
    }

    /// Fetches [start, end) window by window until nothing can be missing.
    pub(super) async fn sweep(&mut self, axis: Axis, start: Timestamp, end: Timestamp) -> Result<(), CityError> {
        let mut window = self.max_window();
        let mut from = start;
        // The previous window is stored while the next one is fetched and parsed.
        let mut storing: Option<PendingStore> = None;
        while from < end {
            let to = (from + window).min(end);
            let answer = self.fetch_window(axis, from, to).await?;
            let size = answer.size;
            match self.judge(axis, from, to, answer).await? {
                Verdict::Narrow(narrower) => window = narrower.max(MIN_WINDOW),
                Verdict::Keep(records) => {
                    self.finish_store(storing.take()).await?;
                    storing = Some(self.start_store(records, (axis == Axis::Requested).then_some(to)));
                    from = to;
                    window = self.next_window(window, size);
                }
            }
        }
        self.finish_store(storing).await
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
                "{}: more than {MAX_WINDOW_RECORDS} records or {MAX_PAGES} pages in one {}-second window \
                 from {from}: the server pages without end",
                self.city.id,
                span.as_secs()
            )));
        }
        let windows_matter = self.plan.paging == Paging::None && !self.profile.ignores_dates && span > MIN_WINDOW;
        if windows_matter {
            if let Some(cap) = self.known_cap() {
                if answer.size >= cap {
                    return Ok(Verdict::Narrow(span / 2));
                }
            } else if self.suspicious(answer.size) && !self.verify_complete(axis, from, to, &answer).await? {
                return Ok(Verdict::Narrow(span / 2));
            }
        }
        if axis == Axis::Requested && !self.profile.window_checked && !self.profile.ignores_dates {
            if let Some(limit) = self.probe_range_limit(from, to, &answer).await? {
                return Ok(Verdict::Narrow(limit));
            }
        }
        Ok(Verdict::Keep(answer.records))
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
    async fn probe_range_limit(
        &mut self,
        from: Timestamp,
        to: Timestamp,
        answer: &Answer,
    ) -> Result<Option<SignedDuration>, CityError> {
        let Some(oldest) = answer.records.iter().filter_map(|r| r.requested_datetime).filter(|t| *t >= from).min()
        else {
            return Ok(None);
        };
        if oldest.duration_since(from) < GAP_WORTH_PROBING {
            return Ok(None);
        }
        let probe = self.fetch_window(Axis::Requested, from, oldest - SignedDuration::from_secs(1)).await?;
        let before = probe.records.iter().filter_map(|r| r.requested_datetime).any(|t| t >= from && t < oldest);
        if !before {
            self.profile.window_checked = true;
            return Ok(None);
        }
        let days = (to.duration_since(oldest).as_secs() / 86_400).max(1);
        tracing::info!(jurisdiction = %self.city.id, days, "Learned the server's date range limit");
        self.profile.max_window_days = Some(u32::try_from(days).unwrap_or(u32::MAX));
        self.profile.window_checked = true;
        Ok(Some(SignedDuration::from_hours(24 * days)))
    }

    /// Every record of one window: all pages, or the one answer.
    async fn fetch_window(&mut self, axis: Axis, from: Timestamp, to: Timestamp) -> Result<Answer, CityError> {
        let window = self.window_params(axis, from, to);
        if self.plan.paging == Paging::None {
            return self.fetch_answer(&window).await;
        }
        let mut all = Answer { records: Vec::new(), size: 0, overflowed: true };
        let mut previous: HashSet<String> = HashSet::new();
        for page in 0..MAX_PAGES {
            let mut params = window.clone();
            params.extend(self.page_params(page));
            let answer = self.fetch_answer(&params).await?;
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
            all.records.extend(answer.records);
            if short {
                all.overflowed = false;
                break;
            }
            if all.records.len() > MAX_WINDOW_RECORDS {
                break;
            }
            previous = page_ids;
        }
        Ok(all)
    }

    async fn fetch_answer(&mut self, params: &[Param]) -> Result<Answer, CityError> {
        let (records, skipped) = self.fetch_requests(params).await?;
        Ok(Answer { size: records.len() + skipped, records, overflowed: false })
    }

    /// Upserts records; on the requested axis, also records how far the sweep got.
    pub(super) async fn store_records(
        &mut self,
        records: Vec<ServiceRequest>,
        backfilled_until: Option<Timestamp>,
    ) -> Result<(), CityError> {
        let pending = self.start_store(records, backfilled_until);
        self.finish_store(Some(pending)).await
    }

    /// Starts storing records in the background (the progress mark is written with them, in
    /// order, so a crash never records progress past what is stored).
    fn start_store(&mut self, records: Vec<ServiceRequest>, backfilled_until: Option<Timestamp>) -> PendingStore {
        if let Some(seen) = self.seen_ids.as_mut() {
            seen.extend(records.iter().map(|r| r.service_request_id.clone()));
        }
        let newest = records.iter().filter_map(|r| r.updated_datetime).max().map(|t| t.as_second());
        let (store, id, categorizer) = (self.store.clone(), self.city.id.clone(), self.categorizer.clone());
        let task = tokio::task::spawn_blocking(move || {
            let categories = categorizer.categories(&records);
            let counts = store.upsert_categorized(&id, &records, &categories)?;
            store.harvest_progress(&id, backfilled_until.map(|t| t.as_second()), newest)?;
            Ok(counts)
        });
        PendingStore { task, backfilled_until }
    }

    async fn finish_store(&mut self, pending: Option<PendingStore>) -> Result<(), CityError> {
        let Some(pending) = pending else { return Ok(()) };
        let counts = pending.task.await??;
        self.report.counts += counts;
        let stage =
            pending.backfilled_until.map_or("re-checking".to_string(), |t| format!("up to {}", t.strftime("%Y-%m-%d")));
        self.show_progress(&stage);
        Ok(())
    }

    fn window_params(&self, axis: Axis, from: Timestamp, to: Timestamp) -> Vec<Param> {
        let (after, before) = match axis {
            Axis::Requested => ("start_date", "end_date"),
            Axis::Updated => ("updated_after", "updated_before"),
        };
        vec![(after, self.format_time(from)), (before, self.format_time(to)), ("status", "open,closed".to_string())]
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

    fn max_window(&self) -> SignedDuration {
        let days = self.profile.max_window_days.map_or(self.city.window_days, |d| d.min(self.city.window_days));
        SignedDuration::from_hours(24 * i64::from(days.max(1)))
    }

    /// The next window, sized by the density just seen: when paging, to hold about half of
    /// [`MAX_WINDOW_RECORDS`]; otherwise about 90% of the cap.
    fn next_window(&self, window: SignedDuration, size: usize) -> SignedDuration {
        let max = self.max_window();
        if self.profile.ignores_dates {
            return max;
        }
        let target = if self.plan.paging != Paging::None {
            (MAX_WINDOW_RECORDS / 2) as f64
        } else {
            0.9 * self.known_cap().unwrap_or(SPEC_CAP as usize) as f64
        };
        let factor = if size == 0 { 4.0 } else { (target / size as f64).clamp(0.25, 4.0) };
        window.mul_f64(factor).clamp(MIN_WINDOW, max)
    }
}

fn ids(records: &[ServiceRequest]) -> HashSet<&str> {
    records.iter().map(|r| r.service_request_id.as_str()).collect()
}
