//! Harvesting: from each city's GeoReport endpoint into the store. The loop is written once
//! (`city::CityPass`); cities differ only by data (their file and what was learned).
//! One city failing never stops the others, and one window failing never stops its city.
//!
//! Calls to cities go through [`crate::upstream`] (the client, what is learned of an endpoint).
//!
//! Layout: `city` (one pass, over the city's endpoint), `error` (why it failed), `fetch`
//! (one resource read through the endpoint), `lists` (one list call), `settings` (the pass's effective
//! settings), `plan` and `spans` (what a pass sweeps, and what it leaves), `requests` (the
//! sweeps in rounds), `cursor` and `windows` (the two ways to sweep), `batches` (storing),
//! `recheck` (open requests by id), `report` (the summary).

mod batches;
mod categorize;
mod city;
mod cursor;
mod error;
mod fetch;
mod lists;
mod plan;
mod probe;
mod recheck;
mod report;
mod requests;
mod schedule;
mod settings;
mod spans;
mod windows;

use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;

pub use categorize::Categorizer;
pub use error::CityError;
pub use probe::{Probed, probe};
pub use report::{CityReport, PassKind, summary_line, summary_table};
pub use schedule::run_scheduler;

use crate::registry::{Jurisdiction, Registry};
use crate::store::Store;
use crate::upstream::Client;
use city::CityPass;

/// Cities harvested at the same time (each host is still limited on its own).
const CITIES_AT_ONCE: usize = 8;

/// What to harvest in one pass.
#[derive(Debug, Clone, Default)]
pub struct PassOptions {
    /// Rescan everything from `backfill_from`, not just what may have changed.
    pub full: bool,
    /// Only these jurisdictions (empty: every enabled one). Named ones run even if disabled.
    pub only: Vec<String>,
}

/// Picks the jurisdictions a pass covers; unknown names are an error listing them.
pub fn select<'a>(registry: &'a Registry, only: &[String]) -> Result<Vec<&'a Jurisdiction>, String> {
    if only.is_empty() {
        return Ok(registry.iter().filter(|j| j.enabled).collect());
    }
    let unknown: Vec<&str> = only.iter().filter(|id| registry.get(id).is_none()).map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(format!("unknown jurisdiction: {}", unknown.join(", ")));
    }
    Ok(only.iter().filter_map(|id| registry.get(id)).collect())
}

/// Harvests each selected city once, concurrently, and reports on every one. With `bars`,
/// each city shows a live progress line (for people at a terminal).
pub async fn harvest_once(
    client: &Client,
    store: &Store,
    cities: Vec<Jurisdiction>,
    full: bool,
    bars: Option<&MultiProgress>,
) -> Vec<CityReport> {
    let gate = Arc::new(Semaphore::new(CITIES_AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    for (order, city) in cities.into_iter().enumerate() {
        let (client, store, gate) = (client.clone(), store.clone(), gate.clone());
        let bar = bars.map(|m| m.add(city_bar(&city.id)));
        tasks.spawn(async move {
            let _slot = gate.acquire().await.ok();
            let report = harvest_city_with(&client, &store, &city, full, bar.clone()).await;
            if let Some(bar) = bar {
                bar.finish_with_message(report.failure.clone().map_or("done".to_string(), |f| format!("FAILED: {f}")));
            }
            (order, report)
        });
    }
    let mut reports = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(done) => reports.push(done),
            Err(e) => tracing::error!(error = %e, "Harvest task died"),
        }
    }
    reports.sort_by_key(|(order, _)| *order);
    reports.into_iter().map(|(_, r)| r).collect()
}

fn city_bar(id: &str) -> ProgressBar {
    let style = ProgressStyle::with_template("{spinner} {prefix:<24} {elapsed:>4} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bar = ProgressBar::new_spinner().with_style(style).with_prefix(id.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(150));
    bar
}

/// One city's pass, never failing: problems end up in the report.
pub async fn harvest_city(client: &Client, store: &Store, city: &Jurisdiction, full: bool) -> CityReport {
    harvest_city_with(client, store, city, full, None).await
}

#[tracing::instrument(skip_all, fields(jurisdiction = %city.id))]
async fn harvest_city_with(
    client: &Client,
    store: &Store,
    city: &Jurisdiction,
    full: bool,
    bar: Option<ProgressBar>,
) -> CityReport {
    let mut pass = match CityPass::new(client, store, city) {
        Ok(pass) => pass,
        Err(e) => {
            let mut report = CityReport::new(&city.id);
            report.failure = Some(e.to_string());
            return report;
        }
    };
    pass.progress = bar;
    if let Err(e) = pass.run(full).await {
        match e.unreachable() {
            // Said once for all the cities on that host, in the pass's summary line.
            Some(reason) => {
                tracing::debug!(error = %e, "City unreachable");
                pass.report.unreachable = Some(reason.to_string());
            }
            None => tracing::warn!(error = %e, "City pass failed"),
        }
        pass.report.failure = Some(e.to_string());
    } else {
        let c = pass.report.counts;
        tracing::info!(calls = pass.report.calls, new = c.inserted, changed = c.changed, "City pass done");
    }
    pass.report
}
