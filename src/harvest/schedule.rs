//! The scheduler inside `fed311 serve`: each city on its own interval, with jitter so cities
//! sharing a host do not line up, and failing cities backed off (interval × 2^failures, at
//! most a day). Once every city has been tried since the last time, one line says how the
//! round went (harvested, unreachable and why, failing). Shutdown is cooperative: a city
//! finishes the window in hand, then stops.
//!
//! Nodes sharing a store share the schedule: a city is harvested by the node that claims it
//! in the store once it is due ([`Store::claim_city`]), which renews its lease while the pass
//! runs and writes when the city is next due at the end. Two nodes make the calls one would;
//! a node that dies gives its cities up when its leases run out, and the next holder resumes
//! from the work list the pass kept in the store.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::{CityReport, Client, harvest_city, summary_line};
use crate::registry::Jurisdiction;
use crate::store::{CityClaim, Node, Store, StoreError};

/// Longest wait between attempts for a failing city.
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Longest sleep before a city is asked for again when the store cannot be read.
const RETRY_STORE: Duration = Duration::from_secs(30);

/// Runs every city's loop as `node` until `shutdown` turns true.
pub async fn run_scheduler(
    client: Client,
    store: Store,
    cities: Vec<Jurisdiction>,
    node: Node,
    shutdown: watch::Receiver<bool>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    let (reports, received) = mpsc::channel(cities.len().max(1));
    tokio::spawn(summarize_rounds(cities.len(), received));
    for (i, city) in cities.into_iter().enumerate() {
        let (client, store, shutdown, reports) = (client.clone(), store.clone(), shutdown.clone(), reports.clone());
        // Spread first passes over the first minute.
        let first_delay = Duration::from_millis((i as u64 * 997) % 60_000);
        tasks.spawn(city_loop(client, store, city, node.clone(), first_delay, shutdown, reports));
    }
    while tasks.join_next().await.is_some() {}
}

/// Logs one line per round: once every city has reported since the last line.
async fn summarize_rounds(cities: usize, mut reports: mpsc::Receiver<CityReport>) {
    let mut round: BTreeMap<String, CityReport> = BTreeMap::new();
    while let Some(report) = reports.recv().await {
        round.insert(report.jurisdiction_id.clone(), report);
        if round.len() >= cities {
            let reports: Vec<CityReport> = std::mem::take(&mut round).into_values().collect();
            tracing::info!("Harvest round: {}", summary_line(&reports));
        }
    }
}

async fn city_loop(
    client: Client,
    store: Store,
    city: Jurisdiction,
    node: Node,
    first_delay: Duration,
    mut shutdown: watch::Receiver<bool>,
    reports: mpsc::Sender<CityReport>,
) {
    let interval = Duration::from_secs(60 * u64::from(city.interval_minutes));
    let mut wait = first_delay;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        let failures = match on_store(&store, &city.id, &node, |s, id, n| s.claim_city(id, &n.name, n.city_lease)).await
        {
            Ok(CityClaim::Ours { failures }) => failures,
            Ok(CityClaim::Wait(until)) => {
                wait = until.min(interval) + jitter(Duration::from_secs(2));
                continue;
            }
            Err(e) => {
                tracing::warn!(jurisdiction = %city.id, error = %e, "Could not claim the city in the store");
                wait = RETRY_STORE;
                continue;
            }
        };
        let report = tokio::select! {
            report = harvest_city(&client, &store, &city, false) => report,
            () = hold_lease(&store, &city.id, &node) => {
                tracing::warn!(jurisdiction = %city.id, "Another node took the city over (this node's lease ran out): pass stopped");
                wait = interval;
                continue;
            }
            _ = wait_for_shutdown(shutdown.clone()) => {
                let _ = on_store(&store, &city.id, &node, |s, id, n| s.release_city(id, &n.name)).await;
                return;
            }
        };
        let failures = if report.succeeded() { 0 } else { failures.saturating_add(1) };
        wait = next_wait(interval, failures);
        let finished =
            on_store(&store, &city.id, &node, move |s, id, n| s.finish_city(id, &n.name, wait, failures)).await;
        if let Err(e) = finished {
            tracing::warn!(jurisdiction = %city.id, error = %e, "Could not record the end of the pass");
        }
        let _ = reports.send(report).await;
    }
}

/// Renews the node's lease on the city every third of it; returns only when the lease is
/// lost (another node holds the city).
async fn hold_lease(store: &Store, city: &str, node: &Node) {
    loop {
        tokio::time::sleep(node.city_lease / 3).await;
        match on_store(store, city, node, |s, id, n| s.renew_city(id, &n.name, n.city_lease)).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!(jurisdiction = %city, error = %e, "Could not renew the city's lease"),
        }
    }
}

/// A lease call on the city by the node, off the async threads.
async fn on_store<T: Send + 'static>(
    store: &Store,
    city: &str,
    node: &Node,
    call: impl FnOnce(&Store, &str, &Node) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let (city, node) = (city.to_string(), node.clone());
    store.off_thread(move |s| call(s, &city, &node)).await
}

/// Up to `most`, from the clock's nanoseconds.
fn jitter(most: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    most.mul_f64(f64::from(nanos % 1000) / 1000.0)
}

async fn wait_for_shutdown(mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        if shutdown.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The interval, doubled per consecutive failure (capped), ±10% jitter.
fn next_wait(interval: Duration, failures: u32) -> Duration {
    let backed_off = interval.saturating_mul(1 << failures.min(10)).min(MAX_BACKOFF.max(interval));
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    backed_off.mul_f64(0.9 + f64::from(nanos % 1000) / 5000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_cities_back_off_up_to_a_day() {
        let ten = Duration::from_secs(600);
        assert!(next_wait(ten, 0) <= Duration::from_secs(660));
        assert!(next_wait(ten, 2) >= Duration::from_secs(2160));
        assert!(next_wait(ten, 30) <= Duration::from_secs(24 * 3600 * 11 / 10));
    }
}
