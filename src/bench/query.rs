//! `fed311 bench query`: builds a store and index of N requests from simulated cities over
//! loopback, serves the API on 127.0.0.1, then measures one client's latency (p50/p99) for
//! text searches, filtered text searches, bounding boxes and filtered list pages, and, when
//! `wrk` is installed, the mixed-search throughput under load. The first 100 paths of each
//! kind warm the server up and are not timed.

use std::time::Duration;

use anyhow::Result;

use super::ingest::{anonymous_memory_mib, peak_memory_mib};
use super::setup::{Bench, Load, run_wrk, time_each};
use crate::store::{Store, StoreLocation};
use crate::upstream::ClientSettings;

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
    #[arg(long, default_value_t = crate::api::federation::search::rendered::CAPACITY)]
    pub record_cache: usize,
    /// Keep the store and index in this folder, and reuse them when it already holds a
    /// benchmark store (same `--cities`): later runs skip the harvest and the indexing.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

/// Paths of each kind requested before timing, so that segment orders and word classes
/// (built once per segment, on first use) are there.
const WARM_UP: usize = 100;

const WORDS: &[&str] =
    &["pothole", "graffiti", "streetlight", "flooding", "tree", "trash", "sidewalk", "noise", "signal", "parking"];

/// Runs the query benchmark and prints its figures.
pub async fn query(args: QueryArgs, store: Option<StoreLocation>, client: ClientSettings) -> Result<()> {
    let bench = Bench::prepare_in(args.records, args.cities, args.dir.as_deref(), store.as_ref(), client).await?;
    let addr = bench.serve(args.record_cache).await?;
    let mut urls = QueryUrls::build(&bench.store, bench.cities().len(), WARM_UP + args.samples)?;
    let warm_up = urls.take_first(WARM_UP);
    for (_, list) in warm_up.kinds() {
        time_each(addr, list).await?;
    }
    for (label, list) in urls.kinds() {
        let timed = time_each(addr, list).await?;
        if let (n @ 1.., Some(first)) = &timed.failed {
            anyhow::bail!("{n} answers failed, the first {first}");
        }
        print_latencies(label, &timed.latencies, timed.mean_total);
    }
    if args.wrk_seconds > 0 {
        let load = Load { threads: 2, connections: 32, seconds: args.wrk_seconds };
        println!("mixed search load: wrk {}", load.args(&bench.work.join("mixed.lua"), addr).join(" "));
        match run_wrk(addr, &urls.mixed(), &load, &bench.work, "mixed")? {
            Some(run) => println!(
                "  Requests/sec: {:.2}   latency p50 {:.2} ms, p99 {:.2} ms{}",
                run.per_second.unwrap_or(0.0),
                run.p50_ms.unwrap_or(0.0),
                run.p99_ms.unwrap_or(0.0),
                run.failed.map(|f| format!("   {f}")).unwrap_or_default()
            ),
            None => println!("  wrk is not installed (apt-get install wrk); skipped"),
        }
    }
    println!(
        "peak memory (whole process, simulators included): {} MiB resident, mapped store pages included; \
         {} MiB of heap at the end",
        peak_memory_mib().unwrap_or(0),
        anonymous_memory_mib().unwrap_or(0)
    );
    bench.finish().await;
    Ok(())
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

    /// The first `n` paths of each kind, taken out.
    fn take_first(&mut self, n: usize) -> QueryUrls {
        let take = |paths: &mut Vec<String>| paths.drain(..n.min(paths.len())).collect();
        QueryUrls {
            text: take(&mut self.text),
            filtered_text: take(&mut self.filtered_text),
            bbox: take(&mut self.bbox),
            list: take(&mut self.list),
            georeport: take(&mut self.georeport),
        }
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
