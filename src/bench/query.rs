//! `fed311 bench query`: builds a store and index of N requests from simulated cities over
//! loopback, serves the API on 127.0.0.1, then measures one client's latency (p50/p99) for
//! text searches, filtered text searches, bounding boxes and filtered list pages, and, when
//! `wrk` is installed, the mixed-search throughput under load.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::ingest::{anonymous_memory_mib, peak_memory_mib, tempfile_dir};
use crate::api::search::rendered::RenderedRecords;
use crate::api::{AppState, router};
use crate::harvest::{Client, harvest_once};
use crate::registry::Registry;
use crate::search::SearchIndex;
use crate::simulate::{Behaviour, SimCity, SimServer, spawn};
use crate::store::Store;

/// Options of `fed311 bench query`.
#[derive(Debug, Clone, clap::Args)]
pub struct QueryArgs {
    /// Requests in all, spread over the simulated cities.
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// Simulated cities.
    #[arg(long, default_value_t = 4)]
    pub cities: usize,
    /// Requests timed per kind of query.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Seconds of mixed load under wrk (0 skips it).
    #[arg(long, default_value_t = 10)]
    pub wrk_seconds: u32,
    /// Record versions the API keeps rendered (0: render every record of every answer).
    #[arg(long, default_value_t = crate::api::search::rendered::CAPACITY)]
    pub record_cache: usize,
    /// Keep the store and index in this folder, and reuse them when it already holds a
    /// benchmark store (same `--cities`): later runs skip the harvest and the indexing.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

const WORDS: &[&str] =
    &["pothole", "graffiti", "streetlight", "flooding", "tree", "trash", "sidewalk", "noise", "signal", "parking"];
const ZONES: &[&str] =
    &["America/Toronto", "America/Chicago", "Europe/Berlin", "Europe/Helsinki", "America/Denver", "Europe/Madrid"];

/// Runs the query benchmark and prints its figures.
pub async fn query(args: QueryArgs) -> Result<()> {
    let work = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => tempfile_dir()?,
    };
    let reuse = args.dir.is_some() && work.join("data").exists();
    let (store, index, registry) = if reuse {
        println!("reusing the store and index in {}", work.display());
        let registry = Registry::load(&work.join("jurisdictions")).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let (store, index) = (Store::open(&work.join("data"))?, SearchIndex::open(&work.join("index"))?);
        let started = Instant::now();
        let (i, s) = (index.clone(), store.clone());
        let indexed = tokio::task::spawn_blocking(move || i.catch_up(&s)).await??;
        if indexed > 0 {
            let took = started.elapsed().as_secs_f64();
            println!("indexed {indexed} documents in {took:.1} s ({:.0} docs/s)", indexed as f64 / took);
        }
        (store, index, registry)
    } else {
        build(&args, &work).await?
    };
    settle(&index).await?;
    let cities = registry.iter().count();
    let mut state = AppState::new(store.clone(), Arc::new(registry)).with_index(index);
    state.rendered = Arc::new(RenderedRecords::with_capacity(args.record_cache));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    let urls = QueryUrls::build(&store, cities, args.samples)?;
    for (label, list) in urls.kinds() {
        let (latencies, matches) = time_each(addr, list).await?;
        print_latencies(label, &latencies, matches);
    }
    if args.wrk_seconds > 0 {
        run_wrk(addr, &urls.mixed(), args.wrk_seconds, &work)?;
    }
    println!(
        "peak memory (whole process, simulators included): {} MiB resident, mapped store pages included; \
         {} MiB of heap at the end",
        peak_memory_mib().unwrap_or(0),
        anonymous_memory_mib().unwrap_or(0)
    );
    if args.dir.is_none() {
        std::fs::remove_dir_all(&work).ok();
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

/// Harvests the simulated cities into a new store in `work` and indexes it.
async fn build(args: &QueryArgs, work: &Path) -> Result<(Store, SearchIndex, Registry)> {
    let (servers, registry) = start_cities(args, work).await?;
    let store = Store::open(&work.join("data"))?;
    let started = Instant::now();
    let cities: Vec<_> = registry.iter().cloned().collect();
    let reports = harvest_once(&Client::new()?, &store, cities, false, None).await;
    let harvested: u64 = reports.iter().map(|r| r.counts.inserted).sum();
    println!("harvested {harvested} records from {} cities in {:.1} s", reports.len(), started.elapsed().as_secs_f64());
    drop(servers);
    let index = SearchIndex::open(&work.join("index"))?;
    let started = Instant::now();
    let (i, s) = (index.clone(), store.clone());
    let indexed = tokio::task::spawn_blocking(move || i.catch_up(&s)).await??;
    let took = started.elapsed().as_secs_f64();
    println!("indexed {indexed} documents in {took:.1} s ({:.0} docs/s)", indexed as f64 / took);
    Ok((store, index, registry))
}

async fn start_cities(args: &QueryArgs, work: &Path) -> Result<(Vec<SimServer>, Registry)> {
    let dir = work.join("jurisdictions");
    std::fs::create_dir_all(&dir)?;
    let per_city = args.records.div_ceil(args.cities.max(1));
    let mut servers = Vec::new();
    for i in 0..args.cities.max(1) {
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

/// The URL paths timed, by kind.
struct QueryUrls {
    text: Vec<String>,
    filtered_text: Vec<String>,
    bbox: Vec<String>,
    list: Vec<String>,
    georeport: Vec<String>,
}

impl QueryUrls {
    fn build(store: &Store, cities: usize, samples: usize) -> Result<QueryUrls> {
        let cities = cities.max(1);
        let points: Vec<(f64, f64)> =
            (0..cities).flat_map(|i| store.points(&format!("city-{i}"), 500).unwrap_or_default()).collect();
        anyhow::ensure!(!points.is_empty(), "no points to query around");
        let mut urls = QueryUrls { text: vec![], filtered_text: vec![], bbox: vec![], list: vec![], georeport: vec![] };
        for n in 0..samples {
            let word = WORDS[n % WORDS.len()];
            let city = format!("city-{}", n % cities);
            let (long, lat) = points[(n * 7919) % points.len()];
            let year = 2013 + (n % 12);
            urls.text.push(format!("/api/v1/requests?q={word}&limit=20"));
            urls.filtered_text.push(format!("/api/v1/requests?q={word}&jurisdiction_id={city}&status=open&limit=20"));
            urls.bbox.push(format!(
                "/api/v1/requests?bbox={},{},{},{}&limit=50",
                long - 0.01,
                lat - 0.01,
                long + 0.01,
                lat + 0.01
            ));
            urls.list.push(format!(
                "/api/v1/requests?jurisdiction_id={city}&status=closed&start_date={year}-01-01&end_date={year}-06-30&limit=50"
            ));
            urls.georeport.push(format!(
                "/open311/v2/requests.json?jurisdiction_id={city}&status=open&page_size=50&page={}",
                1 + n % 5
            ));
        }
        Ok(urls)
    }

    fn kinds(&self) -> [(&'static str, &[String]); 5] {
        [
            ("text search", &self.text[..]),
            ("text + jurisdiction + status", &self.filtered_text[..]),
            ("bbox (0.02°)", &self.bbox[..]),
            ("filtered list page (/api/v1)", &self.list[..]),
            ("filtered list page (GeoReport)", &self.georeport[..]),
        ]
    }

    /// Every timed path of the four search kinds (the GeoReport page is not a search).
    fn mixed(&self) -> Vec<String> {
        [&self.text[..], &self.filtered_text[..], &self.bbox[..], &self.list[..]].concat()
    }
}

/// Each path's latency, and the mean of the `total` matches the answers report (`None` for
/// answers without one).
async fn time_each(addr: std::net::SocketAddr, paths: &[String]) -> Result<(Vec<Duration>, Option<u64>)> {
    let client = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(paths.len());
    let mut totals = Vec::with_capacity(paths.len());
    for path in paths {
        let started = Instant::now();
        let response = client.get(format!("http://{addr}{path}")).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(status.is_success(), "{path}: HTTP {status}");
        let answer: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        totals.extend(answer.as_ref().and_then(|a| a.get("total")).and_then(serde_json::Value::as_u64));
    }
    let mean = (!totals.is_empty()).then(|| totals.iter().sum::<u64>() / totals.len() as u64);
    Ok((latencies, mean))
}

fn print_latencies(label: &str, latencies: &[Duration], matches: Option<u64>) {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)].as_secs_f64() * 1000.0;
    let matches = matches.map(|m| format!(", {m} matches on average")).unwrap_or_default();
    println!(
        "{label:<32} p50 {:>6.2} ms   p99 {:>6.2} ms   ({} requests, one client, HTTP included{matches})",
        at(0.5),
        at(0.99),
        sorted.len()
    );
}

/// Mixed searches under `wrk` (if installed): 2 threads, 32 connections.
fn run_wrk(addr: std::net::SocketAddr, paths: &[String], seconds: u32, work: &Path) -> Result<()> {
    let list = paths.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(",\n");
    let script = format!(
        "local paths = {{\n{list}\n}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n"
    );
    let script_path = work.join("mixed.lua");
    std::fs::write(&script_path, script)?;
    let url = format!("http://{addr}");
    let args = ["-t2", "-c32", &format!("-d{seconds}s"), "-s", &script_path.to_string_lossy(), &url];
    println!("mixed search load: wrk {}", args.join(" "));
    match std::process::Command::new("wrk").args(args).output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            for line in
                text.lines().filter(|l| l.contains("Requests/sec") || l.contains("Latency") || l.contains("Non-2xx"))
            {
                println!("  {}", line.trim());
            }
        }
        Err(_) => println!("  wrk is not installed (apt-get install wrk); skipped"),
    }
    Ok(())
}
