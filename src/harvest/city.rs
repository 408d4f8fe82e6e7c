//! One city's harvest pass: services, service definitions, then requests (see `windows`).
//! Progress is saved after every window, so a pass killed half-way resumes where it stopped
//! and loses nothing.

use std::time::Instant;

use jiff::Timestamp;

use super::categorize::Categorizer;
use super::client::{Client, FetchError};
use super::fetch::encode_segment;
use super::profile::{Plan, Profile};
use super::report::CityReport;
use crate::registry::Jurisdiction;
use crate::store::Store;
use crate::wire::read;

/// Why a city's pass failed.
#[derive(Debug, thiserror::Error)]
pub enum CityError {
    /// The network failed after every retry.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The city answered something we cannot use.
    #[error("{url}: HTTP {status}: {detail}")]
    Answer {
        /// What was asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// What the body said.
        detail: String,
    },
    /// The city answered with success, but nothing readable.
    #[error("{url}: unreadable answer: {detail}")]
    Unreadable {
        /// What was asked.
        url: String,
        /// What is wrong with the body.
        detail: String,
    },
    /// The city pages without end: even the narrowest window never finishes.
    #[error("{0}")]
    Endless(String),
    /// Our own store failed.
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// A blocking task died.
    #[error("internal: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// State of one pass over one city.
pub struct CityPass<'a> {
    pub(super) client: &'a Client,
    pub(super) store: &'a Store,
    pub(super) city: &'a Jurisdiction,
    pub(super) profile: Profile,
    pub(super) plan: Plan,
    /// List calls answered 404, and answered otherwise: all 404 means the endpoint is gone.
    pub(super) lists_missing: u32,
    pub(super) lists_found: u32,
    /// Ids seen in this pass, kept on incremental passes to skip them when re-checking.
    pub(super) seen_ids: Option<std::collections::HashSet<String>>,
    /// Service code → canonical category, from this pass's service list.
    pub(super) categorizer: Categorizer,
    /// A terminal progress line, when someone is watching.
    pub progress: Option<indicatif::ProgressBar>,
    /// Counters for the summary.
    pub report: CityReport,
}

impl<'a> CityPass<'a> {
    /// Prepares a pass with what the store remembers of the city.
    pub fn new(client: &'a Client, store: &'a Store, city: &'a Jurisdiction) -> Result<Self, CityError> {
        let state = store.harvest_state(&city.id)?;
        let profile = Profile::from_json(state.profile.as_deref());
        let plan = Plan::new(city, &profile);
        // Until this pass fetches the service list, the stored one categorizes requests.
        let (categorizer, _) = Categorizer::from_services(city, &store.list_services(&city.id)?);
        Ok(CityPass {
            client,
            store,
            city,
            profile,
            plan,
            lists_missing: 0,
            lists_found: 0,
            seen_ids: None,
            categorizer,
            progress: None,
            report: CityReport::new(&city.id),
        })
    }

    /// Runs the pass: services, definitions, requests. `full` rescans from `backfill_from`.
    pub async fn run(&mut self, full: bool) -> Result<(), CityError> {
        let started = Instant::now();
        let c = self.city;
        let store = self.store.clone();
        let (id, name, endpoint, zone) =
            (c.id.clone(), c.name.clone(), c.endpoint.to_string(), c.timezone_name.clone());
        blocking(move || {
            store.sync_jurisdiction(&id, &name, &endpoint, &zone)?;
            store.harvest_started(&id)
        })
        .await?;
        let outcome = self.run_steps(full).await;
        let error = outcome.as_ref().err().map(ToString::to_string);
        let (store, id, profile) = (self.store.clone(), c.id.clone(), self.profile.to_json());
        blocking(move || {
            store.save_profile(&id, &profile)?;
            store.harvest_finished(&id, error.as_deref())
        })
        .await?;
        self.report.elapsed = started.elapsed();
        outcome
    }

    async fn run_steps(&mut self, full: bool) -> Result<(), CityError> {
        self.harvest_services().await?;
        self.harvest_requests(full).await?;
        if self.lists_found == 0 && self.lists_missing > 0 {
            return Err(CityError::Answer {
                url: self.city.endpoint.to_string(),
                status: 404,
                detail: "every list answered 404: has the endpoint moved?".to_string(),
            });
        }
        Ok(())
    }

    async fn harvest_services(&mut self) -> Result<(), CityError> {
        let Some(body) = self.fetch_list("services", &[]).await? else {
            self.report.errors.push("services answered 404: no service list".to_string());
            return Ok(());
        };
        let parsed = read::parse_services(&body).map_err(|e| self.answer_error("services", e))?;
        self.warn_skipped(&parsed.skipped);
        let (store, id, services) = (self.store.clone(), self.city.id.clone(), parsed.items);
        let with_metadata: Vec<String> =
            services.iter().filter(|s| s.metadata).map(|s| s.service_code.clone()).collect();
        let (categorizer, crosswalk) = Categorizer::from_services(self.city, &services);
        self.categorizer = categorizer;
        blocking(move || {
            store.upsert_services(&id, &services)?;
            store.set_service_categories(&id, &crosswalk)
        })
        .await?;
        for code in with_metadata {
            if let Err(e) = self.harvest_definition(&code).await {
                tracing::warn!(jurisdiction = %self.city.id, service_code = %code, error = %e, "Service definition not harvested");
                self.report.errors.push(format!("definition {code}: {e}"));
            }
        }
        Ok(())
    }

    async fn harvest_definition(&mut self, code: &str) -> Result<(), CityError> {
        let resource = format!("services/{}", encode_segment(code));
        let fetched = self.fetch_negotiated(&resource, &[]).await?;
        let body = self.accept(fetched, &resource)?;
        let mut definition = read::parse_service_definition(&body).map_err(|e| self.answer_error(&resource, e))?;
        definition.service_code = code.to_string();
        let (store, id) = (self.store.clone(), self.city.id.clone());
        blocking(move || store.set_service_definition(&id, &definition)).await?;
        Ok(())
    }

    pub(super) fn backfill_origin(&self) -> Timestamp {
        self.city
            .timezone
            .to_timestamp(self.city.backfill_from.to_datetime(jiff::civil::Time::midnight()))
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Refreshes the progress line, if any.
    pub(super) fn show_progress(&self, stage: &str) {
        if let Some(bar) = &self.progress {
            let c = self.report.counts;
            bar.set_message(format!(
                "{stage}: {} calls, {} new, {} changed, {} unchanged",
                self.report.calls, c.inserted, c.changed, c.unchanged
            ));
            bar.tick();
        }
    }

    pub(super) fn warn_skipped(&mut self, skipped: &[String]) {
        for message in skipped {
            tracing::warn!(jurisdiction = %self.city.id, "Skipped record: {message}");
        }
        self.report.skipped += skipped.len() as u64;
    }
}

/// Runs store work off the async threads.
pub(super) async fn blocking<T: Send + 'static, E>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, CityError>
where
    CityError: From<E>,
    E: Send + 'static,
{
    Ok(tokio::task::spawn_blocking(f).await??)
}
