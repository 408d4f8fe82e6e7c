//! `fed311 bench search`: the query kinds of issue 12 side by side on one store (by default
//! a million requests, four cities of 250,000): a full-text search of one or two common
//! words in one city (20 rows, by relevance), a box of one square kilometre (20 rows), a
//! city's newest-updated list (50 rows), and lists of one to three cities, newest, oldest or
//! latest updated first, with or without a status and dates (50 rows). Each kind's
//! parameters are drawn from a seed. For each kind it prints one client's p50/p99 (every
//! sample in turn, HTTP included, on an otherwise idle server: every kind is timed so
//! before any load runs) and the requests/s and p50/p99 of a wrk load over the same samples. Before each kind, 100 samples of another seed warm the server up: a segment
//! builds its time orders and a word's classes once, on first use, and the timed samples'
//! records are still to be read from the store.

use anyhow::Result;

use super::ingest::{anonymous_memory_mib, peak_memory_mib};
use super::setup::{Bench, Load, Timed, WrkRun, quantile_ms, run_wrk, time_each};
use crate::simulate::rng::Rng;
use crate::store::Store;
use crate::upstream::ClientSettings;

/// Options of `fed311 bench search`.
#[derive(Debug, Clone, clap::Args)]
pub struct SearchArgs {
    /// Requests in all, spread over the simulated cities.
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// Simulated cities.
    #[arg(long, default_value_t = 4)]
    pub cities: usize,
    /// Seeded queries of each kind.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Seed of the queries.
    #[arg(long, default_value_t = 12)]
    pub seed: u64,
    /// Seconds of wrk load per kind (0 skips it).
    #[arg(long, default_value_t = 10)]
    pub wrk_seconds: u32,
    /// wrk connections.
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// wrk threads.
    #[arg(long, default_value_t = 2)]
    pub threads: u32,
    /// Record versions the API keeps rendered (0: render every record of every answer).
    #[arg(long, default_value_t = crate::api::federation::search::rendered::CAPACITY)]
    pub record_cache: usize,
    /// Keep the store and index in this folder, and reuse them when it already holds a
    /// benchmark store: later runs skip the harvest and the indexing.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Also print each kind's slowest samples from one client.
    #[arg(long)]
    pub slowest: bool,
}

/// Words in at least 5% of the simulated requests (from 5% for `signal` to all for `the`).
const COMMON_WORDS: &[&str] = &[
    "the",
    "before",
    "street",
    "night",
    "pothole",
    "graffiti",
    "streetlight",
    "park",
    "storm",
    "weeks",
    "crew",
    "school",
    "winter",
    "cars",
    "bus",
    "corner",
    "dangerous",
    "repaired",
    "main",
    "avenue",
    "sidewalk",
    "signal",
    "flooding",
    "trash",
];
/// Half a kilometre, in degrees of latitude.
const HALF_KM_LAT: f64 = 0.5 / 111.32;

/// Samples drawn to warm the server up (from another seed than the timed ones).
const WARM_UP: usize = 100;

/// One kind of query, its seeded samples and the samples that warm the server up.
struct Kind {
    label: &'static str,
    paths: Vec<String>,
    warm_up: Vec<String>,
}

/// Runs the benchmark and prints its figures.
pub async fn search(args: SearchArgs, client: ClientSettings) -> Result<()> {
    let bench = Bench::prepare(args.records, args.cities, args.dir.as_deref(), client).await?;
    let addr = bench.serve(args.record_cache).await?;
    let kinds = seeded_kinds(&bench.store, &bench.cities(), args.samples, args.seed)?;
    let warm_ups = seeded_kinds(&bench.store, &bench.cities(), WARM_UP, !args.seed)?;
    let kinds = kinds.into_iter().zip(warm_ups).map(|(kind, warm)| Kind { warm_up: warm.paths, ..kind });
    let load = Load { threads: args.threads, connections: args.connections, seconds: args.wrk_seconds };
    println!("load average before: {}", load_average());
    println!(
        "{} samples of each kind (seed {}); one client: each sample once, in turn; load: wrk {}",
        args.samples,
        args.seed,
        load.args(&bench.work.join("KIND.lua"), addr).join(" ")
    );
    let kinds: Vec<Kind> = kinds.collect();
    let mut timings = Vec::with_capacity(kinds.len());
    for kind in &kinds {
        time_each(addr, &kind.warm_up).await?;
        timings.push(time_each(addr, &kind.paths).await?);
    }
    for (kind, timed) in kinds.iter().zip(&timings) {
        let run = match args.wrk_seconds {
            0 => None,
            _ => run_wrk(addr, &kind.paths, &load, &bench.work, &file_name(kind.label))?,
        };
        print_kind(kind, timed, run.as_ref(), args.wrk_seconds > 0, args.slowest);
    }
    println!("load average after: {}", load_average());
    println!(
        "peak memory (whole process): {} MiB resident, mapped store pages included; {} MiB of heap at the end",
        peak_memory_mib().unwrap_or(0),
        anonymous_memory_mib().unwrap_or(0)
    );
    bench.finish().await;
    Ok(())
}

/// The seeded samples of every kind.
fn seeded_kinds(store: &Store, cities: &[String], samples: usize, seed: u64) -> Result<Vec<Kind>> {
    anyhow::ensure!(!cities.is_empty(), "no cities");
    let points: Vec<(f64, f64)> = cities.iter().flat_map(|c| store.points(c, 2000).unwrap_or_default()).collect();
    anyhow::ensure!(!points.is_empty(), "no points to query around");
    let mut rng = Rng::new(seed);
    let city = |rng: &mut Rng| rng.pick(cities).clone();
    let text = (0..samples).map(|_| {
        let mut words = vec![*rng.pick(COMMON_WORDS)];
        if rng.chance(0.5) {
            words.push(*rng.pick(COMMON_WORDS));
        }
        format!("/api/v1/requests?q={}&jurisdiction_id={}&limit=20", words.join("+"), city(&mut rng))
    });
    let text = text.collect();
    let boxes = (0..samples).map(|_| {
        let (long, lat) = *rng.pick(&points);
        let half_long = HALF_KM_LAT / lat.to_radians().cos();
        let (west, east) = (long - half_long, long + half_long);
        let (south, north) = (lat - HALF_KM_LAT, lat + HALF_KM_LAT);
        format!("/api/v1/requests?bbox={west:.6},{south:.6},{east:.6},{north:.6}&limit=20")
    });
    let boxes = boxes.collect();
    let updated =
        (0..samples).map(|_| format!("/api/v1/requests?jurisdiction_id={}&sort=updated&limit=50", city(&mut rng)));
    let updated = updated.collect();
    let lists = (0..samples).map(|_| varied_list(&mut rng, cities)).collect();
    Ok(vec![
        Kind { label: "text + city (20, relevance)", paths: text, warm_up: Vec::new() },
        Kind { label: "bbox of 1 km² (20)", paths: boxes, warm_up: Vec::new() },
        Kind { label: "city, newest updated (50)", paths: updated, warm_up: Vec::new() },
        Kind { label: "lists: cities, sorts, filters (50)", paths: lists, warm_up: Vec::new() },
    ])
}

/// A list of one to three cities, newest, oldest or latest updated first, with a status
/// half the time and a half-year of requested or updated dates half the time.
fn varied_list(rng: &mut Rng, cities: &[String]) -> String {
    let count = 1 + rng.below(3.min(cities.len()) as u64) as usize;
    let mut ids: Vec<&str> = Vec::new();
    while ids.len() < count {
        let id = rng.pick(cities).as_str();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let sort = *rng.pick(&["newest", "oldest", "updated"]);
    let mut path = format!("/api/v1/requests?jurisdiction_id={}&sort={sort}&limit=50", ids.join(","));
    if rng.chance(0.5) {
        path.push_str(&format!("&status={}", rng.pick(&["open", "closed"])));
    }
    if rng.chance(0.5) {
        let (year, half) = (2013 + rng.below(13), rng.below(2));
        let (from, to) = if half == 0 { ("01-01", "06-30") } else { ("07-01", "12-31") };
        let (after, before) = *rng.pick(&[("start_date", "end_date"), ("updated_after", "updated_before")]);
        path.push_str(&format!("&{after}={year}-{from}&{before}={year}-{to}T23:59:59Z"));
    }
    path
}

/// The machine's load averages (1, 5 and 15 minutes), to tell a quiet run from a shared one.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let averages: Vec<&str> = text.split_whitespace().take(3).collect();
    if averages.is_empty() { "unknown".to_string() } else { averages.join(" ") }
}

fn file_name(label: &str) -> String {
    label.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

fn print_kind(kind: &Kind, timed: &Timed, run: Option<&WrkRun>, wrk: bool, slowest: bool) {
    let matches = timed.mean_total.map(|m| format!(", {m} matches on average")).unwrap_or_default();
    println!("{}{matches}", kind.label);
    let latencies = &timed.latencies;
    println!(
        "  one client   p50 {:>7.2} ms   p99 {:>7.2} ms",
        quantile_ms(latencies, 0.5),
        quantile_ms(latencies, 0.99)
    );
    if let (n @ 1.., Some(first)) = &timed.failed {
        println!("  {n} answers failed, the first {first}");
    }
    if slowest {
        let mut by_latency: Vec<(&std::time::Duration, &String)> = latencies.iter().zip(&kind.paths).collect();
        by_latency.sort_by(|a, b| b.0.cmp(a.0));
        for (latency, path) in by_latency.iter().take(12) {
            println!("    {:>7.2} ms  {path}", latency.as_secs_f64() * 1000.0);
        }
    }
    match run {
        Some(run) => println!(
            "  under wrk    {:>9.0} requests/s   p50 {:>7.2} ms   p99 {:>7.2} ms{}",
            run.per_second.unwrap_or(0.0),
            run.p50_ms.unwrap_or(0.0),
            run.p99_ms.unwrap_or(0.0),
            run.failed.as_ref().map(|f| format!("   {f}")).unwrap_or_default()
        ),
        None if wrk => println!("  under wrk    wrk is not installed (apt-get install wrk); skipped"),
        None => {}
    }
}
