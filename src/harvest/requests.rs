//! The requests step of a pass: plan the spans (see `plan`), sweep each (newest first where
//! the server answers so, `cursor`; in date windows otherwise, `windows`), come back to the
//! windows that failed in later rounds of the same pass, and leave what still fails for the
//! next pass, first in line. A server that ignores dates is downloaded once per pass, whatever
//! the spans. On incremental passes without `updated_after`, every request held as open is
//! then re-checked by id (`recheck`).

use std::collections::HashSet;
use std::time::Duration;

use jiff::Timestamp;

use super::city::{CityPass, blocking};
use super::error::CityError;
use super::plan;
use super::report::PassKind;
use super::spans::{self, Axis, Span, WorkList};
use crate::store::PlannedSweep;
use crate::upstream::Order;

/// Rounds over the failed windows within one pass (the first included).
const ROUNDS: u32 = 3;

impl CityPass<'_> {
    /// Plans and runs the requests step.
    pub(super) async fn harvest_requests(&mut self, full: bool) -> Result<(), CityError> {
        let (store, id) = (self.store.clone(), self.city.id.clone());
        let (state, newest) =
            blocking(move || Ok::<_, CityError>((store.harvest_state(&id)?, store.newest_requested(&id)?))).await?;
        let planned = plan::plan(&self.plan_inputs(&state, full, newest));
        self.report.kind = planned.kind;
        let now = Timestamp::now().as_second();
        let sweep = PlannedSweep {
            backfilled_until: Some(planned.end),
            pending: spans::to_json(&planned.spans),
            recent_rescan_at: planned.recent.then_some(now),
            full_rescan_at: (planned.kind != PassKind::Incremental).then_some(now),
        };
        let (store, id) = (self.store.clone(), self.city.id.clone());
        blocking(move || store.harvest_planned(&id, &sweep)).await?;
        self.work = WorkList::new(planned.spans);
        let rechecking = planned.kind == PassKind::Incremental && self.city.config.updated_after != Some(true);
        if rechecking {
            self.seen_ids = Some(HashSet::new());
        }
        let swept = self.sweep_all(planned.end).await;
        let rechecked = match &swept {
            Err(e) if e.is_ours() => Ok(()),
            _ if rechecking => self.recheck_open().await,
            _ => Ok(()),
        };
        let (store, id) = (self.store.clone(), self.city.id.clone());
        self.report.records_held = blocking(move || store.count_requests(&id)).await?;
        swept.and(rechecked)
    }

    /// Sweeps the work list in rounds until nothing failed or the rounds are spent.
    async fn sweep_all(&mut self, end: i64) -> Result<(), CityError> {
        let mut downloaded = false;
        for round in 0..ROUNDS {
            if round > 0 {
                if !self.work.next_round() {
                    break;
                }
                tokio::time::sleep(self.round_pause(round)).await;
            }
            while let Some(span) = self.work.todo.pop_front() {
                self.work.current = Some(span);
                if span.axis == Axis::Requested && self.profile.ignores_dates {
                    if !downloaded {
                        let everything = Span::new(Axis::Requested, self.backfill_origin(), span.end().max(at(end)));
                        downloaded = self.download_everything(everything).await?;
                    }
                    self.work.current = None;
                    continue;
                }
                match (span.axis, self.profile.order) {
                    (Axis::Requested, None | Some(Order::NewestFirst)) => self.sweep_down(span).await?,
                    _ => self.sweep_up(span).await?,
                }
                self.work.current = None;
            }
            if self.work.failed.is_empty() {
                break;
            }
        }
        self.save_work().await?;
        match self.work.failed.last() {
            None => Ok(()),
            Some((_, last)) => Err(CityError::Incomplete { windows: self.work.failed.len(), last: last.clone() }),
        }
    }

    /// One download of everything, for a server that ignores dates (paged where it pages).
    /// True when it went through; a failure is left in the work list.
    async fn download_everything(&mut self, span: Span) -> Result<bool, CityError> {
        match self.fetch_window(Axis::Requested, span.start(), span.end()).await {
            Ok(answer) => {
                self.work.current = None;
                let records = answer.into_records();
                self.store_records(records).await?;
                Ok(true)
            }
            Err(e) if e.is_ours() => Err(e),
            Err(e) => {
                self.window_failed(span, e).await?;
                Ok(false)
            }
        }
    }

    /// How long to pause between rounds of failed windows.
    fn round_pause(&self, round: u32) -> Duration {
        self.endpoint.backoff_unit().saturating_mul(4 << round.min(6))
    }
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}
