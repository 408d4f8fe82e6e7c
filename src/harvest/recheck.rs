//! Re-checking requests we hold as open, for cities without `updated_after`: a request opened
//! a year ago and closed yesterday is outside any trailing window, so it is asked for by id,
//! in `service_request_id` lists no longer than what the server answers at once (its cap, or
//! what it was seen to cut a list to: 25 or 20 on servers with a default page size, one on
//! uReport, which answers only a list's first id), with the size parameter it reads. Every id
//! that does not come back is asked for once more, so a cut list never leaves a status stale.

use std::collections::{HashSet, VecDeque};

use super::city::{CityPass, blocking};
use super::error::CityError;
use crate::domain::ServiceRequest;

/// Most ids per `service_request_id` list.
const BATCH: usize = 50;

impl CityPass<'_> {
    /// Fetches every open request not already seen in this pass, and stores what changed.
    pub(super) async fn recheck_open(&mut self) -> Result<(), CityError> {
        let (store, id) = (self.store.clone(), self.city.id.clone());
        let open = blocking(move || store.open_request_ids(&id)).await?;
        let seen = self.seen_ids.take().unwrap_or_default();
        let mut queue: VecDeque<String> = open.into_iter().filter(|id| !seen.contains(id)).collect();
        let mut size = self.id_batch_size();
        let mut asked_again: HashSet<String> = HashSet::new();
        let (mut came_back, mut failed) = (0usize, None);
        while !queue.is_empty() {
            let batch: Vec<String> = queue.drain(..size.min(queue.len())).collect();
            let answer = match self.fetch_ids(&batch).await {
                Ok(answer) => answer,
                Err(e) if e.is_ours() => return Err(e),
                Err(e) => {
                    tracing::warn!(jurisdiction = %self.city.id, error = %e, "Re-check of open requests failed");
                    failed = Some(e);
                    continue;
                }
            };
            let wanted: HashSet<&str> = batch.iter().map(String::as_str).collect();
            let got: Vec<ServiceRequest> =
                answer.into_iter().filter(|r| wanted.contains(r.service_request_id.as_str())).collect();
            let got_ids: HashSet<&str> = got.iter().map(|r| r.service_request_id.as_str()).collect();
            came_back += batch.iter().filter(|id| asked_again.contains(*id) && got_ids.contains(id.as_str())).count();
            let missing: Vec<String> = batch.iter().filter(|id| !got_ids.contains(id.as_str())).cloned().collect();
            if !missing.is_empty() && !got.is_empty() && got.len() < size {
                // The list was cut: ask for no more at once than the server answered.
                tracing::info!(jurisdiction = %self.city.id, answered = got.len(), asked = batch.len(), "Id list cut");
                size = got.len();
            }
            queue.extend(missing.into_iter().filter(|id| asked_again.insert(id.clone())));
            self.store_records(got).await?;
        }
        if came_back > 0 && size < self.id_batch_size() {
            self.profile.id_list_cap = u32::try_from(size).ok();
        }
        failed.map_or(Ok(()), Err)
    }

    /// Ids per list: no more than the server answers at once.
    fn id_batch_size(&self) -> usize {
        let first_only = self.profile.lists_only_first_id.then_some(1);
        let file = self.plan.page_size_known.then_some(self.plan.page_size);
        let cap = [self.profile.id_list_cap, first_only, self.profile.cap, file].into_iter().flatten().min();
        cap.map_or(BATCH, |c| (c as usize).clamp(1, BATCH))
    }

    /// One `service_request_id` list, with the size the server reads.
    async fn fetch_ids(&mut self, ids: &[String]) -> Result<Vec<ServiceRequest>, CityError> {
        let mut params = vec![("service_request_id", ids.join(","))];
        params.extend(self.first_page_params());
        Ok(self.fetch_requests(&params).await?.records)
    }
}
