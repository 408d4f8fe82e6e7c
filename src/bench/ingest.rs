//! `fed311 bench ingest` serves simulated cities of N records on 127.0.0.1, one dialect after
//! another, harvests each into a fresh store (first pass), then again in full (nothing
//! changed), and prints records/s, memory, and the request-list calls against the ideal
//! (records ÷ the most one call answers) with the 429s the city answered. Jurisdiction files
//! hold only the four required keys, as a new user writes them (`--hints` adds the paging keys
//! the dialect's documentation would give).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::harvest::{CityReport, harvest_city};
use crate::registry::Registry;
use crate::simulate::{Behaviour, SimCity, SimPaging, spawn};
use crate::store::{ScratchDatabase, Store, StoreLocation};
use crate::upstream::{Client, ClientSettings};

/// The dialects `--dialect six` runs: the server families a harvester meets most.
const SIX: &[&str] = &["spec", "connected-bits", "mark-a-spot", "ureport", "fixmystreet", "klarschiff"];

/// Options of `fed311 bench ingest`.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// Records in each simulated city.
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// Simulated dialects, comma separated (see `fed311 simulate --help`); `six` runs the six
    /// most common ones.
    #[arg(long, default_value = "spec")]
    pub dialect: String,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write the dialect's paging keys into the jurisdiction file (default: only the four
    /// required keys, and fed311 learns the rest).
    #[arg(long)]
    pub hints: bool,
}

/// One dialect's figures.
struct Row {
    dialect: String,
    first: CityReport,
    full: CityReport,
}

/// Runs the ingest benchmark and prints its figures: into a fresh SQLite store per dialect,
/// or with `store` a PostgreSQL URL, into a fresh database beside the one it names.
pub async fn ingest(args: IngestArgs, store: Option<StoreLocation>, client: ClientSettings) -> Result<()> {
    let dialects: Vec<String> = if args.dialect == "six" {
        SIX.iter().map(|d| d.to_string()).collect()
    } else {
        args.dialect.split(',').map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect()
    };
    let mut rows = Vec::new();
    for dialect in &dialects {
        rows.push(run_dialect(&args, dialect, store.as_ref(), client).await?);
    }
    print_table(&rows);
    println!(
        "peak memory (whole process, simulators included): {} MiB resident, mapped store pages included; \
         {} MiB of heap at the end",
        peak_memory_mib().unwrap_or(0),
        anonymous_memory_mib().unwrap_or(0)
    );
    Ok(())
}

async fn run_dialect(
    args: &IngestArgs,
    dialect: &str,
    location: Option<&StoreLocation>,
    settings: ClientSettings,
) -> Result<Row> {
    let behaviour = Behaviour::dialect(dialect).with_context(|| format!("unknown dialect `{dialect}`"))?;
    let paging = if args.hints { paging_keys(&behaviour.paging) } else { String::new() };
    println!("{dialect}: generating {} records (cap {})…", args.records, behaviour.cap);
    let server = spawn(SimCity::generate(args.seed, args.records, "UTC"), behaviour).await?;
    let work = tempfile_dir()?.join(dialect);
    let jurisdictions = work.join("jurisdictions");
    std::fs::create_dir_all(&jurisdictions)?;
    let file = format!(
        "id = \"bench\"\nname = \"Benchmark city\"\nendpoint = \"http://{}/\"\ntimezone = \"UTC\"\nrate_limit = \"100000/s\"\n{paging}",
        server.addr
    );
    std::fs::write(jurisdictions.join("bench.toml"), file)?;
    let registry = Registry::load(&jurisdictions).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let city = registry.get("bench").context("bench city")?.clone();
    let (store, _scratch) = fresh_store(location, &work).await?;
    let client = Client::build(settings)?;

    let (first, first_time) = timed(harvest_city(&client, &store, &city, false)).await;
    print_pass(dialect, "first harvest", &first, first_time, args.records);
    let (full, full_time) = timed(harvest_city(&client, &store, &city, true)).await;
    print_pass(dialect, "full pass, unchanged data", &full, full_time, args.records);
    // The store's connections close before a scratch database is dropped.
    drop(store);
    std::fs::remove_dir_all(&work).ok();
    Ok(Row { dialect: dialect.to_string(), first, full })
}

/// A fresh store: SQLite in `work/data`, or a scratch database on the server `location`
/// names (kept while the second value lives).
pub(super) async fn fresh_store(
    location: Option<&StoreLocation>,
    work: &Path,
) -> Result<(Store, Option<ScratchDatabase>)> {
    let at = location.cloned();
    let data = work.join("data");
    tokio::task::spawn_blocking(move || match at {
        Some(StoreLocation::Postgres(url)) => {
            let scratch = ScratchDatabase::create(&url, "fed311_bench")?;
            println!("storing in PostgreSQL: {}", scratch.location());
            Ok((Store::connect(scratch.location())?, Some(scratch)))
        }
        Some(StoreLocation::Sqlite(dir)) => Ok((Store::open(&dir)?, None)),
        None => Ok((Store::open(&data)?, None)),
    })
    .await?
}

fn paging_keys(paging: &SimPaging) -> String {
    match paging {
        SimPaging::None => String::new(),
        SimPaging::PageSize { first } => format!("paging = \"page_size\"\nfirst_page = {first}\n"),
        SimPaging::Limit { first } => format!("paging = \"limit\"\nfirst_page = {first}\n"),
        SimPaging::Offset => "paging = \"offset\"\n".to_string(),
    }
}

async fn timed<T>(work: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = work.await;
    (out, started.elapsed())
}

fn print_pass(dialect: &str, label: &str, report: &CityReport, took: Duration, records: usize) {
    let c = report.counts;
    let seconds = took.as_secs_f64();
    println!(
        "{dialect} {label}: {:.1} s, {:.0} records/s, {} new, {} changed, {} unchanged, {} calls ({} for lists){}",
        seconds,
        records as f64 / seconds,
        c.inserted,
        c.changed,
        c.unchanged,
        report.calls,
        report.list_calls,
        report.failure.as_ref().map(|f| format!(" FAILED: {f}")).unwrap_or_default(),
    );
}

/// The calls table: per dialect, list calls against the ideal and 429s, then the totals.
fn print_table(rows: &[Row]) {
    println!("\n{:<16} {:>6} {:>24} {:>24}", "dialect", "cap", "first pass (×ideal, 429s)", "full pass (×ideal, 429s)");
    let cell = |r: &CityReport| {
        let ideal = r.ideal_calls().unwrap_or(0);
        format!("{}/{ideal} {:.2}× {}", r.list_calls, r.calls_per_ideal().unwrap_or(0.0), r.rate_limited())
    };
    let (mut calls, mut ideal) = ([0u64; 2], [0u64; 2]);
    for row in rows {
        println!(
            "{:<16} {:>6} {:>24} {:>24}",
            row.dialect,
            row.first.cap.unwrap_or(0),
            cell(&row.first),
            cell(&row.full)
        );
        for (i, r) in [&row.first, &row.full].into_iter().enumerate() {
            calls[i] += r.list_calls;
            ideal[i] += r.ideal_calls().unwrap_or(0);
        }
    }
    if rows.len() > 1 {
        let ratio = |i: usize| calls[i] as f64 / ideal[i].max(1) as f64;
        println!(
            "{:<16} {:>6} {:>24} {:>24}",
            "all",
            "",
            format!("{}/{} {:.2}×", calls[0], ideal[0], ratio(0)),
            format!("{}/{} {:.2}×", calls[1], ideal[1], ratio(1))
        );
    }
}

pub(super) fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("fed311-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Peak resident memory of this process (Linux), in MiB.
pub(super) fn peak_memory_mib() -> Option<u64> {
    status_mib("VmHWM:")
}

/// Resident memory of this process not backed by a file (its heap and stacks), in MiB: the
/// peak above also counts the pages of the store file that readers have mapped, which the
/// kernel can drop at any time.
pub(super) fn anonymous_memory_mib() -> Option<u64> {
    status_mib("RssAnon:")
}

fn status_mib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(Path::new("/proc/self/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
