//! The scheduler inside `fed311 serve`: each city on its own interval, with jitter so cities
//! sharing a host do not line up, and failing cities backed off (interval × 2^failures, at
//! most a day). Once every city has been tried since the last time, one line says how the
//! round went (harvested, unreachable and why, failing). Shutdown is cooperative: a city
//! finishes the window in hand, then stops.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::{CityReport, Client, harvest_city, summary_line};
use crate::registry::Jurisdiction;
use crate::store::Store;

/// Longest wait between attempts for a failing city.
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Runs every city's loop until `shutdown` turns true.
pub async fn run_scheduler(client: Client, store: Store, cities: Vec<Jurisdiction>, shutdown: watch::Receiver<bool>) {
    let mut tasks = tokio::task::JoinSet::new();
    let (reports, received) = mpsc::channel(cities.len().max(1));
    tokio::spawn(summarize_rounds(cities.len(), received));
    for (i, city) in cities.into_iter().enumerate() {
        let (client, store, shutdown, reports) = (client.clone(), store.clone(), shutdown.clone(), reports.clone());
        // Spread first passes over the first minute.
        let first_delay = Duration::from_millis((i as u64 * 997) % 60_000);
        tasks.spawn(city_loop(client, store, city, first_delay, shutdown, reports));
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
    first_delay: Duration,
    mut shutdown: watch::Receiver<bool>,
    reports: mpsc::Sender<CityReport>,
) {
    let interval = Duration::from_secs(60 * u64::from(city.interval_minutes));
    let mut failures: u32 = 0;
    let mut wait = first_delay;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        let report = tokio::select! {
            report = harvest_city(&client, &store, &city, false) => report,
            _ = wait_for_shutdown(shutdown.clone()) => return,
        };
        failures = if report.succeeded() { 0 } else { failures.saturating_add(1) };
        wait = next_wait(interval, failures);
        let _ = reports.send(report).await;
    }
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
