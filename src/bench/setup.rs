//! What the search benchmarks share: a store and index of N requests from simulated cities
//! (harvested over loopback, or reused from `--dir`), the API served on 127.0.0.1, one
//! client timing each path, and wrk runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::ingest::tempfile_dir;
use crate::app::{App, Roles, Settings};
use crate::harvest::harvest_once;
use crate::registry::Registry;
use crate::search::SearchIndex;
use crate::simulate::{Behaviour, SimCity, SimServer, spawn};
use crate::store::{ScratchDatabase, Store, StoreLocation};
use crate::upstream::{Client, ClientSettings};

const ZONES: &[&str] =
    &["America/Toronto", "America/Chicago", "Europe/Berlin", "Europe/Helsinki", "America/Denver", "Europe/Madrid"];

/// A benchmark store and index, and where they live.
pub struct Bench {
    /// The store.
    pub store: Store,
    /// Its index.
    pub index: SearchIndex,
    /// The simulated cities, `city-0`, `city-1`…
    pub registry: Registry,
    /// The folder holding them.
    pub work: PathBuf,
    /// Whether the folder is kept (`--dir`).
    kept: bool,
    /// The PostgreSQL database made for this run, if the store is there.
    _scratch: Option<ScratchDatabase>,
    /// Switches that stop the API servers started by [`Bench::serve`].
    servers: std::sync::Mutex<Vec<tokio::sync::watch::Sender<bool>>>,
}

impl Bench {
    /// Opens the store and index in `dir` when it holds them (indexing what is missing), or
    /// harvests `records` requests from `cities` simulated cities into a new one (in `dir`,
    /// or in a temporary folder); then waits for segment merges to settle.
    pub async fn prepare(records: usize, cities: usize, dir: Option<&Path>, client: ClientSettings) -> Result<Bench> {
        Bench::prepare_in(records, cities, dir, None, client).await
    }

    /// Like [`Bench::prepare`], with the store at `store` when given: a PostgreSQL URL
    /// harvests into a fresh database beside the one it names (dropped at the end; `--dir`
    /// then keeps only the index and cities, so nothing is reused).
    pub async fn prepare_in(
        records: usize,
        cities: usize,
        dir: Option<&Path>,
        store: Option<&StoreLocation>,
        client: ClientSettings,
    ) -> Result<Bench> {
        let work = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                dir.to_path_buf()
            }
            None => tempfile_dir()?,
        };
        let postgres = matches!(store, Some(StoreLocation::Postgres(_)));
        let bench = if dir.is_some() && work.join("data").exists() && !postgres {
            println!("reusing the store and index in {}", work.display());
            let registry = Registry::load(&work.join("jurisdictions")).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let (store, index) = (Store::open(&work.join("data"))?, SearchIndex::open(&work.join("index"))?);
            index_all(&store, &index).await?;
            Bench { store, index, registry, work, kept: true, _scratch: None, servers: Default::default() }
        } else {
            let (store, scratch) = super::ingest::fresh_store(store, &work).await?;
            let (index, registry) = build(records, cities, &work, &store, client).await?;
            Bench { store, index, registry, work, kept: dir.is_some(), _scratch: scratch, servers: Default::default() }
        };
        settle(&bench.index).await?;
        settle_store(&bench.store).await?;
        Ok(bench)
    }

    /// Serves the API on a free loopback port, keeping `record_cache` rendered records (no
    /// harvesting, no forwarding: the cities are gone once the store is built).
    pub async fn serve(&self, record_cache: usize) -> Result<SocketAddr> {
        let settings = Settings {
            roles: Roles::API,
            record_cache,
            ..Settings::new(&self.work.join("jurisdictions"), &self.work.join("data"), &self.work.join("index"))
        };
        let (store, index, registry) = (self.store.clone(), Some(self.index.clone()), Arc::new(self.registry.clone()));
        let app = App::assemble(settings, registry, store, index).await?;
        let (addr, stop) = app.spawn().await?;
        self.servers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(stop);
        Ok(addr)
    }

    /// The simulated cities' ids.
    pub fn cities(&self) -> Vec<String> {
        self.registry.iter().map(|j| j.id.clone()).collect()
    }

    /// Stops the servers (so that they let go of the store before a PostgreSQL database made
    /// for the run is dropped) and removes the folder unless it is kept.
    pub async fn finish(self) {
        let servers = std::mem::take(&mut *self.servers.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        if !servers.is_empty() {
            for stop in servers {
                stop.send(true).ok();
            }
            // The servers end their connections and background tasks as they stop.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        if !self.kept {
            std::fs::remove_dir_all(&self.work).ok();
        }
    }
}

async fn index_all(store: &Store, index: &SearchIndex) -> Result<()> {
    let started = Instant::now();
    let (i, s) = (index.clone(), store.clone());
    let indexed = tokio::task::spawn_blocking(move || i.catch_up(&s)).await??;
    if indexed > 0 {
        let took = started.elapsed().as_secs_f64();
        println!("indexed {indexed} documents in {took:.1} s ({:.0} docs/s)", indexed as f64 / took);
    }
    Ok(())
}

/// Waits until background segment merges stop changing the index (at most two minutes), so
/// the latencies are those of an index at rest: right after a bulk index of a million
/// documents, merges share the two cores with the queries for some seconds.
async fn settle(index: &SearchIndex) -> Result<()> {
    let started = Instant::now();
    let (mut last, mut steady) = (usize::MAX, 0);
    while steady < 4 && started.elapsed() < Duration::from_secs(120) {
        let i = index.clone();
        let now = tokio::task::spawn_blocking(move || i.segment_count()).await??;
        steady = if now == last { steady + 1 } else { 0 };
        last = now;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!("segment merges settled: {last} segments after {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Brings the store to rest (see [`Store::settle`]), saying how long it took when it had work.
async fn settle_store(store: &Store) -> Result<()> {
    let started = Instant::now();
    store.off_thread(Store::settle).await?;
    if store.path().is_none() {
        println!("store vacuumed and analyzed in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Harvests the simulated cities into `store` (new) and indexes it in `work`.
async fn build(
    records: usize,
    cities: usize,
    work: &Path,
    store: &Store,
    client: ClientSettings,
) -> Result<(SearchIndex, Registry)> {
    let (servers, registry) = start_cities(records, cities, work).await?;
    let started = Instant::now();
    let all: Vec<_> = registry.iter().cloned().collect();
    let reports = harvest_once(&Client::build(client)?, store, all, false, None).await;
    let harvested: u64 = reports.iter().map(|r| r.counts.inserted).sum();
    println!("harvested {harvested} records from {} cities in {:.1} s", reports.len(), started.elapsed().as_secs_f64());
    drop(servers);
    let index = SearchIndex::open(&work.join("index"))?;
    index_all(store, &index).await?;
    Ok((index, registry))
}

async fn start_cities(records: usize, cities: usize, work: &Path) -> Result<(Vec<SimServer>, Registry)> {
    let dir = work.join("jurisdictions");
    std::fs::create_dir_all(&dir)?;
    let per_city = records.div_ceil(cities.max(1));
    let mut servers = Vec::new();
    for i in 0..cities.max(1) {
        let zone = ZONES[i % ZONES.len()];
        let server = spawn(SimCity::generate(100 + i as u64, per_city, zone), Behaviour::default()).await?;
        let file = format!(
            "id = \"city-{i}\"\nname = \"Benchmark city {i}\"\nendpoint = \"http://{}/\"\ntimezone = \"{zone}\"\nbackfill_from = 2011-01-01\nrate_limit = \"100000/s\"\n",
            server.addr
        );
        std::fs::write(dir.join(format!("city-{i}.toml")), file)?;
        servers.push(server);
    }
    let registry = Registry::load(&dir).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok((servers, registry))
}

/// What one client saw, each path in turn.
pub struct Timed {
    /// Each answer's latency, HTTP included.
    pub latencies: Vec<Duration>,
    /// The mean of the `total` matches the answers report (`None` for answers without one).
    pub mean_total: Option<u64>,
    /// Answers that were not a success, with the first one's path and status.
    pub failed: (usize, Option<String>),
}

/// Each path's latency from one client, in turn.
pub async fn time_each(addr: SocketAddr, paths: &[String]) -> Result<Timed> {
    let client = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(paths.len());
    let mut totals = Vec::with_capacity(paths.len());
    let mut failed = (0, None);
    for path in paths {
        let started = Instant::now();
        let response = client.get(format!("http://{addr}{path}")).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        latencies.push(started.elapsed());
        if !status.is_success() {
            failed.0 += 1;
            failed.1.get_or_insert_with(|| format!("{path}: HTTP {status}"));
            continue;
        }
        let answer: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        totals.extend(answer.as_ref().and_then(|a| a.get("total")).and_then(serde_json::Value::as_u64));
    }
    let mean_total = (!totals.is_empty()).then(|| totals.iter().sum::<u64>() / totals.len() as u64);
    Ok(Timed { latencies, mean_total, failed })
}

/// The latency at quantile `q` (0 to 1), in milliseconds.
pub fn quantile_ms(latencies: &[Duration], q: f64) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    sorted
        .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What wrk measured.
#[derive(Debug, Default)]
pub struct WrkRun {
    /// Requests per second.
    pub per_second: Option<f64>,
    /// Median latency, milliseconds.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: Option<f64>,
    /// Answers that were not 2xx or 3xx.
    pub failed: Option<String>,
}

/// Runs `wrk -t{threads} -c{connections} -d{seconds}s --latency` over `paths` in turn
/// (a Lua script in `work`); `None` when wrk is not installed.
pub fn run_wrk(addr: SocketAddr, paths: &[String], load: &Load, work: &Path, name: &str) -> Result<Option<WrkRun>> {
    let list = paths.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(",\n");
    let script = format!(
        "local paths = {{\n{list}\n}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n"
    );
    let script_path = work.join(format!("{name}.lua"));
    std::fs::write(&script_path, script)?;
    let args = load.args(&script_path, addr);
    let Ok(out) = std::process::Command::new("wrk").args(&args).output() else { return Ok(None) };
    let text = String::from_utf8_lossy(&out.stdout);
    let number = |line: &str| line.split_whitespace().nth(1).and_then(parse_ms);
    let mut run = WrkRun::default();
    for line in text.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            run.per_second = rate.trim().parse().ok();
        } else if line.starts_with("50%") {
            run.p50_ms = number(line);
        } else if line.starts_with("99%") {
            run.p99_ms = number(line);
        } else if line.starts_with("Non-2xx") || line.starts_with("Socket errors") {
            run.failed = Some(line.to_string());
        }
    }
    Ok(Some(run))
}

/// The shape of a wrk load.
#[derive(Debug, Clone)]
pub struct Load {
    /// wrk threads.
    pub threads: u32,
    /// Open connections.
    pub connections: u32,
    /// Seconds.
    pub seconds: u32,
}

impl Load {
    /// wrk's arguments for a script against `addr`.
    pub fn args(&self, script: &Path, addr: SocketAddr) -> Vec<String> {
        let Load { threads, connections, seconds } = self;
        let script = script.to_string_lossy().into_owned();
        [
            format!("-t{threads}"),
            format!("-c{connections}"),
            format!("-d{seconds}s"),
            "--latency".into(),
            "-s".into(),
            script,
            format!("http://{addr}"),
        ]
        .to_vec()
    }
}

/// wrk's `1.23ms`, `850.00us` or `1.20s`, in milliseconds.
fn parse_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(value / 1000.0),
        "ms" => Some(value),
        "s" => Some(value * 1000.0),
        "m" => Some(value * 60_000.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_latencies_read_in_milliseconds() {
        assert_eq!(parse_ms("850.00us"), Some(0.85));
        assert_eq!(parse_ms("1.23ms"), Some(1.23));
        assert_eq!(parse_ms("1.20s"), Some(1200.0));
        assert_eq!(parse_ms("fast"), None);
        assert_eq!(quantile_ms(&[Duration::from_millis(3), Duration::from_millis(1)], 0.5), 3.0);
        assert_eq!(quantile_ms(&[], 0.99), 0.0);
    }
}
