//! Getting data out of the store for people. [`record`] is the one record writer (every
//! output form, provenance optional) that the federation API, its OpenAPI schema and the
//! command line all use; it sits below the API, which imports it. From the command line (no
//! server needed): `fed311 export` writes every stored record (all jurisdictions or the named
//! ones) as CSV, NDJSON or GeoJSON with its provenance, and `fed311 categories` prints the
//! category crosswalk as a table for review (`crosswalk`).
//!
//! An export pages through the store in key order, [`BATCH`] keys at a time, and writes each
//! record as it is read, so memory stays bounded however large the store is; each request
//! comes once even while a harvest writes. A file is written beside its name and renamed
//! into place at the end, so a failed export leaves no half file behind.

mod crosswalk;
pub mod record;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::store::{RequestKey, Store, StoreLocation};
pub use crosswalk::{CategoriesArgs, categories};
pub use record::Format;
use record::RecordWriter;

/// Keys read from the store per batch.
pub const BATCH: usize = 5_000;

/// Options of `fed311 export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Only this jurisdiction (repeatable); all by default.
    #[arg(long = "jurisdiction", value_name = "ID")]
    pub only: Vec<String>,
    /// Output form.
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: Format,
    /// File to write, or `-` for standard output.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub output: PathBuf,
}

/// `fed311 export`: writes the records of the store at `location`; prints a summary on stderr.
pub async fn export(location: &StoreLocation, args: ExportArgs) -> Result<()> {
    let store = open_existing(location)?;
    let written = tokio::task::spawn_blocking(move || write_output(&store, &args)).await??;
    eprintln!("exported {written} records");
    Ok(())
}

/// The store at `location`, which must exist (a typo in `--data` must not read as "no
/// records"; a PostgreSQL URL names its database, which connecting checks).
fn open_existing(location: &StoreLocation) -> Result<Store> {
    if let StoreLocation::Sqlite(data) = location {
        if !Store::exists_in(data) {
            bail!("no fed311 store in {} (give --data the folder `fed311 harvest` wrote)", data.display());
        }
    }
    Store::connect(location).with_context(|| format!("opening the store at {location}"))
}

fn write_output(store: &Store, args: &ExportArgs) -> Result<u64> {
    if args.output.as_os_str() == "-" {
        let stdout = std::io::stdout().lock();
        return export_to(store, &args.only, args.format, stdout);
    }
    let partial = partial_path(&args.output);
    let file = std::fs::File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
    let written = export_to(store, &args.only, args.format, file)
        .and_then(|n| std::fs::rename(&partial, &args.output).map(|()| n).context("moving the export into place"));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    output.with_file_name(name)
}

/// Writes every record of `only` (all when empty) to `out` in `format`; returns how many.
pub fn export_to(store: &Store, only: &[String], format: Format, out: impl std::io::Write) -> Result<u64> {
    let endpoints = store.jurisdiction_endpoints().context("reading jurisdictions")?;
    if let Some(unknown) = only.iter().find(|id| !endpoints.contains_key(*id)) {
        let known: Vec<&str> = endpoints.keys().map(String::as_str).collect();
        bail!("jurisdiction `{unknown}` is not in the store (known: {})", known.join(", "));
    }
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, out);
    let mut writer = RecordWriter::with_provenance(format, endpoints);
    let mut buffer = Vec::with_capacity(4096);
    writer.head(&mut buffer);
    out.write_all(&buffer).context("writing the export")?;
    let mut after: Option<RequestKey> = None;
    loop {
        let keys = store.request_keys_after(only, after.as_ref(), BATCH).context("reading the store")?;
        for (jid, id) in &keys {
            if let Some(stored) = store.get_request(jid, id).context("reading the store")? {
                buffer.clear();
                writer.record(&mut buffer, &stored)?;
                out.write_all(&buffer).context("writing the export")?;
            }
        }
        match keys.into_iter().last() {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    buffer.clear();
    writer.tail(&mut buffer);
    out.write_all(&buffer).context("writing the export")?;
    out.flush().context("writing the export")?;
    Ok(writer.written())
}
