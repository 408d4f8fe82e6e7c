//! `fed311 bench ingest` serves a simulated city of N records on 127.0.0.1, harvests it into a fresh
//! store (first pass), then harvests it again in full (nothing changed), and prints records/s,
//! peak memory and upstream calls per record against the ideal (records / page cap).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::harvest::{CityReport, Client, harvest_city};
use crate::registry::Registry;
use crate::simulate::{Behaviour, SimCity, SimPaging, spawn};
use crate::store::Store;

/// Options of `fed311 bench ingest`.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// Records in the simulated city.
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// Simulated dialect (see `fed311 simulate --help`).
    #[arg(long, default_value = "spec")]
    pub dialect: String,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Runs the ingest benchmark and prints its figures.
pub async fn ingest(args: IngestArgs) -> Result<()> {
    let behaviour = Behaviour::dialect(&args.dialect).with_context(|| format!("unknown dialect `{}`", args.dialect))?;
    let cap = behaviour.cap;
    let paging = paging_keys(&behaviour.paging);
    println!("generating {} records ({} dialect, cap {cap})…", args.records, args.dialect);
    let server = spawn(SimCity::generate(args.seed, args.records, "UTC"), behaviour).await?;
    let work = tempfile_dir()?;
    let jurisdictions = work.join("jurisdictions");
    std::fs::create_dir_all(&jurisdictions)?;
    let file = format!(
        "id = \"bench\"\nname = \"Benchmark city\"\nendpoint = \"http://{}/\"\ntimezone = \"UTC\"\nbackfill_from = 2011-01-01\nrate_limit = \"100000/s\"\n{paging}",
        server.addr
    );
    std::fs::write(jurisdictions.join("bench.toml"), file)?;
    let registry = Registry::load(&jurisdictions).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let city = registry.get("bench").context("bench city")?.clone();
    let store = Store::open(&work.join("data"))?;
    let client = Client::new()?;

    let (first, first_time) = timed(harvest_city(&client, &store, &city, false)).await;
    print_pass("first harvest", &first, first_time, args.records, cap);
    let (again, again_time) = timed(harvest_city(&client, &store, &city, true)).await;
    print_pass("full pass, unchanged data", &again, again_time, args.records, cap);
    println!(
        "peak memory (whole process, simulator included): {} MiB resident, mapped store pages included; \
         {} MiB of heap at the end",
        peak_memory_mib().unwrap_or(0),
        anonymous_memory_mib().unwrap_or(0)
    );
    std::fs::remove_dir_all(&work).ok();
    Ok(())
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

fn print_pass(label: &str, report: &CityReport, took: Duration, records: usize, cap: usize) {
    let c = report.counts;
    let seconds = took.as_secs_f64();
    let ideal = records.div_ceil(cap.max(1)).max(1);
    println!(
        "{label}: {:.1} s, {:.0} records/s, {} new, {} changed, {} unchanged, {} calls ({:.4} per record, {:.2}× the ideal {ideal}){}",
        seconds,
        records as f64 / seconds,
        c.inserted,
        c.changed,
        c.unchanged,
        report.calls,
        report.calls as f64 / records as f64,
        report.calls as f64 / ideal as f64,
        report.failure.as_ref().map(|f| format!(" FAILED: {f}")).unwrap_or_default(),
    );
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
