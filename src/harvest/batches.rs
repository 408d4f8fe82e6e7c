//! Storing what a sweep fetched: each batch is upserted off the async threads while the next
//! answer is fetched and parsed, and the pass's work list is saved with it, in the same
//! transaction, so a crash never records progress past what is stored. Requests sent without a
//! `service_name` get their service's name from the city's service list (the raw record
//! keeps what the city sent).

use std::collections::HashSet;

use tokio::task::JoinHandle;

use super::city::CityPass;
use super::error::CityError;
use crate::domain::ServiceRequest;
use crate::store::{Progress, StoreError, Upserted};

/// A pass's storing: the write under way, and what the writes found.
#[derive(Default)]
pub(super) struct Storing {
    /// The store write under way, while the next answer is fetched.
    pending: Option<PendingStore>,
    /// Ids the city used for two different reports in this pass.
    duplicate_ids: HashSet<String>,
}

impl Storing {
    /// How many ids the city used for two different reports in this pass.
    pub(super) fn duplicates(&self) -> usize {
        self.duplicate_ids.len()
    }
}

/// A store write under way.
struct PendingStore {
    task: JoinHandle<Result<Upserted, StoreError>>,
    stage: String,
}

impl CityPass<'_> {
    /// Stores records now, with the work list as it stands.
    pub(super) async fn store_records(&mut self, records: Vec<ServiceRequest>) -> Result<(), CityError> {
        self.queue_store(records, "re-checking").await?;
        self.flush_store().await
    }

    /// Stores records in the background while the next answer is fetched, with the work list
    /// as it stands (the caller has already moved it past these records). The store before
    /// is finished first, so batches and progress are written in order.
    pub(super) async fn queue_store(&mut self, records: Vec<ServiceRequest>, stage: &str) -> Result<(), CityError> {
        self.flush_store().await?;
        self.storing.pending = Some(self.start_store(records, stage));
        Ok(())
    }

    /// Waits for the store under way, if any.
    pub(super) async fn flush_store(&mut self) -> Result<(), CityError> {
        let pending = self.storing.pending.take();
        self.finish_store(pending).await
    }

    fn start_store(&mut self, mut records: Vec<ServiceRequest>, stage: &str) -> PendingStore {
        if let Some(seen) = self.seen_ids.as_mut() {
            seen.extend(records.iter().map(|r| r.service_request_id.clone()));
        }
        self.categorizer.fill_names(&mut records);
        let newest = records.iter().filter_map(|r| r.updated_datetime).max().map(|t| t.as_second());
        let (store, id, categorizer) = (self.store.clone(), self.city.id.clone(), self.categorizer.clone());
        let pending = self.work.pending_json();
        let task = tokio::task::spawn_blocking(move || {
            let categories = categorizer.categories(&records);
            store.upsert_with_progress(
                &id,
                &records,
                &categories,
                Progress { pending: &pending, newest_updated: newest },
            )
        });
        PendingStore { task, stage: stage.to_string() }
    }

    /// Waits for a store write and counts what it did.
    async fn finish_store(&mut self, pending: Option<PendingStore>) -> Result<(), CityError> {
        let Some(pending) = pending else { return Ok(()) };
        let done = pending.task.await??;
        self.report.counts += done.counts;
        self.storing.duplicate_ids.extend(done.duplicate_ids);
        self.show_progress(&pending.stage);
        Ok(())
    }

    /// Saves the work list alone (a window failed, a span was finished with nothing to store),
    /// after the store under way.
    pub(super) async fn save_work(&mut self) -> Result<(), CityError> {
        self.flush_store().await?;
        let (store, id, pending) = (self.store.clone(), self.city.id.clone(), self.work.pending_json());
        super::city::blocking(move || store.harvest_progress(&id, Progress { pending: &pending, newest_updated: None }))
            .await
    }
}
