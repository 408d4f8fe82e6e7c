//! `fed311 bench web`: the web page's budgets. It prints the weight of the page's own files
//! (as served, and gzip-compressed at the server's level; map tiles are not the page's),
//! then times the map grid (`/api/v1/requests/grid`) from one client over the benchmark
//! store (by default a million requests, four cities of 250,000; `--dir` keeps it): the
//! world at zoom 2, a city at zoom 11 (a 1280×800 window's view), the same with filters
//! (status, a city, half a year), with a common word, and a region at zoom 6 with a
//! category. Each kind's samples are drawn from a seed; 100 samples of another seed warm
//! the server up first (a segment sorts its points by cell on first use). The time from
//! opening the page to results on its map is measured in a browser: see `tests/fed311/web.rs`.

use anyhow::Result;

use super::setup::{Bench, Timed, quantile_ms, time_each};
use crate::simulate::rng::Rng;
use crate::store::Store;
use crate::upstream::ClientSettings;

/// The page's own files may weigh this much, compressed.
pub const ASSET_BUDGET_BYTES: usize = 300 * 1000;
/// The grid's p99 at a million records may be this much.
const GRID_BUDGET_MS: f64 = 20.0;
/// Samples that warm the server up.
const WARM_UP: usize = 100;

/// Options of `fed311 bench web`.
#[derive(Debug, Clone, clap::Args)]
pub struct WebBenchArgs {
    /// Requests in all, spread over the simulated cities.
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// Simulated cities.
    #[arg(long, default_value_t = 4)]
    pub cities: usize,
    /// Seeded grid queries of each kind.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Seed of the queries.
    #[arg(long, default_value_t = 14)]
    pub seed: u64,
    /// Keep the store and index in this folder (shared with `bench query` and `bench
    /// search`), and reuse them when it already holds a benchmark store.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Only print the page's weight (no store, no timing).
    #[arg(long)]
    pub assets_only: bool,
}

/// Runs the benchmark and prints its figures.
pub async fn web(args: WebBenchArgs, client: ClientSettings) -> Result<()> {
    print_assets();
    if args.assets_only {
        return Ok(());
    }
    let bench = Bench::prepare(args.records, args.cities, args.dir.as_deref(), client).await?;
    let addr = bench.serve(crate::api::federation::search::rendered::CAPACITY).await?;
    let kinds = grid_kinds(&bench.store, &bench.cities(), args.samples, args.seed)?;
    let warm = grid_kinds(&bench.store, &bench.cities(), WARM_UP, !args.seed)?;
    println!("load average before: {}", load_average());
    println!("{} samples of each kind (seed {}), one client, each sample once, in turn:", args.samples, args.seed);
    let mut all = Vec::new();
    for ((label, paths), (_, warm_up)) in kinds.iter().zip(&warm) {
        time_each(addr, warm_up).await?;
        let timed = time_each(addr, paths).await?;
        print_kind(label, &timed);
        all.extend(timed.latencies);
    }
    let p99 = quantile_ms(&all, 0.99);
    let verdict = if p99 <= GRID_BUDGET_MS { "within" } else { "OVER" };
    println!(
        "grid, every kind: p50 {:.2} ms, p99 {p99:.2} ms ({verdict} the {GRID_BUDGET_MS} ms budget)",
        quantile_ms(&all, 0.5)
    );
    println!("load average after: {}", load_average());
    bench.finish().await;
    Ok(())
}

/// Prints each file's weight and their compressed total.
fn print_assets() {
    let sizes = crate::api::web::asset_sizes();
    println!("the page's own files (as served / gzip at the server's level 4):");
    for (path, raw, gzip) in &sizes {
        println!("  {path:<28} {raw:>9} B {gzip:>9} B");
    }
    let (raw, gzip): (usize, usize) = sizes.iter().fold((0, 0), |(r, g), (_, raw, gzip)| (r + raw, g + gzip));
    let verdict = if gzip <= ASSET_BUDGET_BYTES { "within" } else { "OVER" };
    println!(
        "  {:<28} {raw:>9} B {gzip:>9} B ({verdict} the {} kB budget, tiles excluded)",
        "total",
        ASSET_BUDGET_BYTES / 1000
    );
}

/// The seeded grid queries of every kind: (label, paths).
fn grid_kinds(store: &Store, cities: &[String], samples: usize, seed: u64) -> Result<Vec<(&'static str, Vec<String>)>> {
    anyhow::ensure!(!cities.is_empty(), "no cities");
    let points: Vec<(f64, f64)> = cities.iter().flat_map(|c| store.points(c, 2000).unwrap_or_default()).collect();
    anyhow::ensure!(!points.is_empty(), "no points to look around");
    let mut rng = Rng::new(seed);
    // A 1280×800 window at zoom 11 spans about 0.88° of longitude; at zoom 6, 28°.
    let view = |rng: &mut Rng, long_span: f64, lat_span: f64| {
        let (long, lat) = *rng.pick(&points);
        let (west, east) = ((long - long_span / 2.0).max(-180.0), (long + long_span / 2.0).min(180.0));
        let (south, north) = ((lat - lat_span / 2.0).max(-85.0), (lat + lat_span / 2.0).min(85.0));
        format!("bbox={west:.5},{south:.5},{east:.5},{north:.5}")
    };
    let world = (0..samples).map(|i| match i % 3 {
        0 => "/api/v1/requests/grid?bbox=-180,-85,180,85&zoom=2".to_string(),
        1 => "/api/v1/requests/grid?bbox=-180,-85,180,85&zoom=2&status=open".to_string(),
        _ => "/api/v1/requests/grid?bbox=-180,-85,180,85&zoom=3&status=closed".to_string(),
    });
    let city = (0..samples).map(|_| format!("/api/v1/requests/grid?{}&zoom=11", view(&mut rng, 0.88, 0.55)));
    let city: Vec<String> = city.collect();
    let filtered = (0..samples).map(|_| {
        let (year, half) = (2013 + rng.below(12), rng.below(2));
        let (from, to) = if half == 0 { ("01-01", "06-30") } else { ("07-01", "12-31") };
        let status = *rng.pick(&["open", "closed"]);
        let id = rng.pick(cities).clone();
        format!(
            "/api/v1/requests/grid?{}&zoom=11&jurisdiction_id={id}&status={status}&start_date={year}-{from}&end_date={year}-{to}T23:59:59Z",
            view(&mut rng, 0.88, 0.55)
        )
    });
    let filtered: Vec<String> = filtered.collect();
    let words = ["pothole", "graffiti", "streetlight", "trash", "sidewalk", "park"];
    let text = (0..samples)
        .map(|_| format!("/api/v1/requests/grid?{}&zoom=11&q={}", view(&mut rng, 0.88, 0.55), rng.pick(&words)));
    let text: Vec<String> = text.collect();
    let categories =
        ["pothole", "graffiti", "street_light", "illegal_dumping", "parks_playgrounds", "trees_vegetation"];
    let region = (0..samples).map(|_| {
        format!("/api/v1/requests/grid?{}&zoom=6&category={}", view(&mut rng, 28.0, 17.0), rng.pick(&categories))
    });
    Ok(vec![
        ("world, zoom 2-3, any or one status", world.collect()),
        ("a city's view, zoom 11", city),
        ("a city's view + city, status, half a year", filtered),
        ("a city's view + a common word", text),
        ("a region, zoom 6 + a category", region.collect()),
    ])
}

fn print_kind(label: &str, timed: &Timed) {
    let matches = timed.mean_total.map(|m| format!(", {m} matches in the box on average")).unwrap_or_default();
    println!("{label}{matches}");
    println!(
        "  p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        quantile_ms(&timed.latencies, 0.5),
        quantile_ms(&timed.latencies, 0.99),
        quantile_ms(&timed.latencies, 1.0)
    );
    if let (n @ 1.., Some(first)) = &timed.failed {
        println!("  {n} answers failed, the first {first}");
    }
}

/// The machine's load averages (1, 5 and 15 minutes).
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let averages: Vec<&str> = text.split_whitespace().take(3).collect();
    if averages.is_empty() { "unknown".to_string() } else { averages.join(" ") }
}
