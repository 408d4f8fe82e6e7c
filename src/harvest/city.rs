//! One city's harvest pass: services, service definitions, then requests (see `requests`).
//! A pass works over the city's [`CityEndpoint`] (which counts its calls and keeps its clock)
//! and reads each resource through `fetch`.
//! The pass keeps its work list in the store as it goes, so a pass killed half-way resumes
//! where it stopped and loses nothing; at the end it saves what it learned of the endpoint
//! and its own figures (calls by outcome, skipped records, duplicate ids) for the city's health.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use jiff::Timestamp;

use super::batches::Storing;
use super::categorize::Categorizer;
use super::error::CityError;
use super::fetch::{On404, fetch_read};
use super::report::CityReport;
use super::settings::Plan;
use super::spans::WorkList;
use crate::registry::Jurisdiction;
use crate::store::Store;
use crate::upstream::{CityEndpoint, Client, Param, Profile, Resource};
use crate::wire::read::{self, Skipped, WireError};

/// State of one pass over one city.
pub struct CityPass<'a> {
    /// The city's endpoint: every call goes through it.
    pub(super) endpoint: CityEndpoint<'a>,
    pub(super) store: &'a Store,
    pub(super) city: &'a Jurisdiction,
    pub(super) profile: Profile,
    pub(super) plan: Plan,
    /// The spans to sweep, as they stand.
    pub(super) work: WorkList,
    /// The store write under way, and what the writes found.
    pub(super) storing: Storing,
    /// Ids seen in this pass, kept on incremental passes to skip them when re-checking.
    pub(super) seen_ids: Option<HashSet<String>>,
    /// Records dropped in this pass, by reason (each record once, however often it came).
    skipped_by_reason: BTreeMap<&'static str, u64>,
    /// The records dropped so far, by fingerprint.
    skipped_seen: HashSet<u64>,
    /// Service code → canonical category and name, from this pass's service list.
    pub(super) categorizer: Categorizer,
    /// A terminal progress line, when someone is watching.
    pub(super) progress: Option<indicatif::ProgressBar>,
    /// Counters for the summary.
    pub(super) report: CityReport,
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
            endpoint: CityEndpoint::new(client, city, profile.format).counted(),
            store,
            city,
            profile,
            plan,
            work: WorkList::default(),
            storing: Storing::default(),
            seen_ids: None,
            skipped_by_reason: BTreeMap::new(),
            skipped_seen: HashSet::new(),
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
        self.finish_report(started);
        let error = outcome.as_ref().err().map(ToString::to_string);
        let (store, id, profile) = (self.store.clone(), c.id.clone(), self.profile.to_json());
        let (offset, figures) = (self.endpoint.clock_offset(), self.report.figures_json());
        blocking(move || {
            store.save_learned(&id, &profile, offset, &figures)?;
            store.harvest_finished(&id, error.as_deref())
        })
        .await?;
        outcome
    }

    async fn run_steps(&mut self, full: bool) -> Result<(), CityError> {
        self.harvest_services().await?;
        self.harvest_requests(full).await
    }

    async fn harvest_services(&mut self) -> Result<(), CityError> {
        let Some(parsed) = self.read(Resource::Services, &[], On404::Absent, read::parse_services).await? else {
            self.report.errors.push("services answered 404: no service list".to_string());
            return Ok(());
        };
        self.note_skipped(&parsed.skipped);
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
        // A probe (with a budget of calls) learns the endpoint, not each service's questions.
        let definitions = if self.endpoint.budget().is_some() { Vec::new() } else { with_metadata };
        for code in definitions {
            if let Err(e) = self.harvest_definition(&code).await {
                tracing::warn!(jurisdiction = %self.city.id, service_code = %code, error = %e, "Service definition not harvested");
                self.report.errors.push(format!("definition {code}: {e}"));
            }
        }
        Ok(())
    }

    async fn harvest_definition(&mut self, code: &str) -> Result<(), CityError> {
        let resource = Resource::Definition(code);
        let definition = self.read(resource, &[], On404::Error, read::parse_service_definition).await?;
        let Some(mut definition) = definition else { return Ok(()) };
        definition.service_code = code.to_string();
        let (store, id) = (self.store.clone(), self.city.id.clone());
        blocking(move || store.set_service_definition(&id, &definition)).await?;
        Ok(())
    }

    /// Reads one resource through the endpoint (see `fetch`).
    async fn read<T>(
        &mut self,
        resource: Resource<'_>,
        params: &[Param],
        on_404: On404,
        parse: impl Fn(&[u8]) -> Result<T, WireError>,
    ) -> Result<Option<T>, CityError> {
        fetch_read(&mut self.endpoint, &mut self.profile, resource, params, on_404, parse).await
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
                self.endpoint.tally().attempts(),
                c.inserted,
                c.changed,
                c.unchanged
            ));
            bar.tick();
        }
    }

    /// Counts and logs the records a list dropped (each once per pass).
    pub(super) fn note_skipped(&mut self, skipped: &[Skipped]) {
        for record in skipped.iter().filter(|r| self.skipped_seen.insert(r.fingerprint)) {
            tracing::warn!(jurisdiction = %self.city.id, "Skipped record: {record}");
            *self.skipped_by_reason.entry(record.reason.label()).or_default() += 1;
            self.report.skipped += 1;
        }
    }

    /// Fills the report's figures from the pass's own counts.
    fn finish_report(&mut self, started: Instant) {
        let r = &mut self.report;
        r.elapsed = started.elapsed();
        r.calls = self.endpoint.tally().attempts();
        r.outcomes = self.endpoint.tally().by_label();
        r.duplicate_ids = self.storing.duplicates() as u64;
        r.skipped_by_reason = self.skipped_by_reason.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        r.cap = self
            .profile
            .cap
            .or(self.profile.largest_answer)
            .or(self.plan.page_size_known.then_some(self.plan.page_size));
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
