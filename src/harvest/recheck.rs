//! Re-checking requests we hold as open, for cities without `updated_after`: a request opened
//! a year ago and closed yesterday is outside any trailing window, so it is asked for by id,
//! in comma-list batches (one by one where the server answers only the first of a list).

use super::city::{CityError, CityPass, blocking};
use super::fetch::encode_segment;

/// Ids per `service_request_id` list.
const BATCH: usize = 50;

impl CityPass<'_> {
    /// Fetches every open request not already seen in this pass, and stores what changed.
    pub(super) async fn recheck_open(&mut self) -> Result<(), CityError> {
        let (store, id) = (self.store.clone(), self.city.id.clone());
        let open = blocking(move || store.open_request_ids(&id)).await?;
        let seen = self.seen_ids.take().unwrap_or_default();
        let stale: Vec<String> = open.into_iter().filter(|id| !seen.contains(id)).collect();
        for batch in stale.chunks(BATCH) {
            let records = if self.profile.lists_only_first_id { Vec::new() } else { self.fetch_batch(batch).await? };
            let records = if self.profile.lists_only_first_id { self.fetch_one_by_one(batch).await? } else { records };
            self.store_records(records, None).await?;
        }
        Ok(())
    }

    async fn fetch_batch(&mut self, batch: &[String]) -> Result<Vec<crate::domain::ServiceRequest>, CityError> {
        let params = [("service_request_id", batch.join(","))];
        let (records, _) = self.fetch_requests(&params).await?;
        if batch.len() > 1 && records.len() == 1 {
            tracing::info!(jurisdiction = %self.city.id, "Server answers only the first id of a list");
            self.profile.lists_only_first_id = true;
            let missing: Vec<String> =
                batch.iter().filter(|id| **id != records[0].service_request_id).cloned().collect();
            let mut rest = self.fetch_one_by_one(&missing).await?;
            rest.extend(records);
            return Ok(rest);
        }
        Ok(records)
    }

    async fn fetch_one_by_one(&mut self, ids: &[String]) -> Result<Vec<crate::domain::ServiceRequest>, CityError> {
        let mut records = Vec::new();
        for id in ids {
            let resource = format!("requests/{}", encode_segment(id));
            let Some(body) = self.fetch_list(&resource, &[]).await? else { continue };
            let parsed = crate::wire::read::parse_requests(&body, &self.city.timezone)
                .map_err(|e| self.answer_error(&resource, e))?;
            records.extend(parsed.items.into_iter().filter(|r| &r.service_request_id == id));
        }
        Ok(records)
    }
}
