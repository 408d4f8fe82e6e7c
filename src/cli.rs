//! The `fed311` command line: `serve`, `harvest --once`, `check`, `export`, `categories`.
//! Global folders come from flags, then environment variables, then defaults beside the
//! working directory.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::app::{App, Roles, Settings};
use crate::harvest;
use crate::registry::Registry;
use crate::store::{Node, StoreLocation};
use crate::submit::ApiKeys;
use crate::upstream::{Client, ClientSettings};

/// One Open311 GeoReport v2 API for every city.
#[derive(Debug, Parser)]
#[command(name = "fed311", version, about)]
pub struct Cli {
    /// Folders fed311 works with.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command shares.
#[derive(Debug, Args)]
pub struct Global {
    /// Folder of jurisdiction files (one TOML per city).
    #[arg(long, global = true, env = "FED311_JURISDICTIONS", default_value = "./jurisdictions")]
    pub jurisdictions: PathBuf,
    /// Folder holding the SQLite store.
    #[arg(long, global = true, env = "FED311_DATA", default_value = "./data")]
    pub data: PathBuf,
    /// Folder holding the search index.
    #[arg(long, global = true, env = "FED311_INDEX", default_value = "./index")]
    pub index: PathBuf,
    /// Where the store lives: `sqlite:FOLDER`, or a PostgreSQL URL
    /// (`postgres://user:password@host/database`) that several nodes may share. Default: SQLite
    /// in `--data`. The password is never printed.
    #[arg(long, global = true, env = "FED311_STORE", hide_env_values = true, value_name = "LOCATION")]
    pub store: Option<StoreLocation>,
    /// The first retry wait of calls to cities, in milliseconds; later ones double (tests
    /// and benchmarks shrink it).
    #[arg(long, global = true, env = "FED311_BACKOFF_MS", default_value_t = 1000, hide = true)]
    pub backoff_ms: u64,
}

impl Global {
    /// Where the store lives (`--store`, else SQLite in `--data`).
    pub fn store(&self) -> StoreLocation {
        self.store.clone().unwrap_or_else(|| StoreLocation::Sqlite(self.data.clone()))
    }

    /// The settings of the HTTP client that calls cities.
    pub fn client_settings(&self) -> ClientSettings {
        ClientSettings { backoff_unit: std::time::Duration::from_millis(self.backoff_ms), ..ClientSettings::default() }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API and the scheduled harvester together (the main job).
    Serve(ServeArgs),
    /// Harvest every enabled city (or the ones named) once, then exit.
    Harvest {
        /// Run one pass and exit (required: scheduled harvesting runs in `serve`).
        #[arg(long)]
        once: bool,
        /// Rescan everything from each city's backfill date.
        #[arg(long)]
        full: bool,
        /// Only this jurisdiction (repeatable).
        #[arg(long = "jurisdiction", value_name = "ID")]
        only: Vec<String>,
    },
    /// Validate every jurisdiction file and print each problem with its file and key.
    Check,
    /// Probe a city's GeoReport v2 endpoint and write its jurisdiction file, with what was
    /// learned and a comment per key, into the jurisdictions folder.
    AddCity(crate::add_city::AddCityArgs),
    /// Run simulated cities on 127.0.0.1 (no network needed) until Ctrl-C.
    Simulate {
        /// Requests per city.
        #[arg(long, default_value_t = 2000)]
        records: usize,
        /// Seed of the generated data (same seed, same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Dialect of a city (repeatable): spec, connected-bits, mark-a-spot, ureport,
        /// fixmystreet, seeclickfix, klarschiff, xml-only, capped-window.
        #[arg(long = "city", value_name = "DIALECT")]
        cities: Vec<String>,
        /// Port of the first city (the others follow); 0 picks free ports.
        #[arg(long, default_value_t = 8400)]
        port: u16,
        /// Write one jurisdiction file per simulated city into this folder.
        #[arg(long, value_name = "DIR")]
        write_jurisdictions: Option<PathBuf>,
    },
    /// Write every stored record (all jurisdictions or the named ones) as CSV, NDJSON or
    /// GeoJSON, with its source endpoint and harvest times.
    Export(crate::export::ExportArgs),
    /// Print the category crosswalk (each city's services → canonical categories) for review.
    Categories(crate::export::CategoriesArgs),
    /// Rebuild the search index (`--index`) from the store: empty it, then index every request.
    Reindex,
    /// Measure fed311 on this machine, over loopback only.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        what: BenchCommand,
    },
}

/// `fed311 serve`'s options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FED311_ADDR", default_value = crate::api::DEFAULT_ADDR)]
    pub addr: String,
    /// Serve what is stored without harvesting (the same as leaving `harvest` out of `--roles`).
    #[arg(long)]
    pub no_harvest: bool,
    /// What this node does, a comma list of `api` (the APIs and the web page; without it only
    /// /healthz, /readyz and /metrics), `harvest` and `forward` (reports to their cities).
    /// Nodes sharing a PostgreSQL store may split them.
    #[arg(long, env = "FED311_ROLES", default_value = "api,harvest,forward")]
    pub roles: Roles,
    /// This node's name in the store, unique among the nodes sharing it (default: the host
    /// name, so a node restarted on its machine takes its claims back at once; two nodes on
    /// one machine sharing a store need names of their own).
    #[arg(long, env = "FED311_NODE_ID")]
    pub node_id: Option<String>,
    /// Seconds a node's claim on a city holds; renewed while its pass runs, so a node that
    /// dies gives its cities up within this time.
    #[arg(long, env = "FED311_CITY_LEASE", default_value_t = 60.0, value_parser = seconds, hide = true)]
    pub city_lease: f64,
    /// Seconds a node's claim on a submission holds: longer than a post may take.
    #[arg(long, env = "FED311_SUBMISSION_CLAIM", default_value_t = 300.0, value_parser = seconds, hide = true)]
    pub submission_claim: f64,
    /// Calls per second each client address may make on average (0: no limit).
    #[arg(long, env = "FED311_CLIENT_RATE", default_value_t = 50)]
    pub client_rate: u32,
    /// Calls a client may make at once before its rate applies.
    #[arg(long, env = "FED311_CLIENT_BURST", default_value_t = 100)]
    pub client_burst: u32,
    /// Seconds a client may take to send a request's line and headers.
    #[arg(long, env = "FED311_HEADER_TIMEOUT", default_value_t = crate::api::server::DEFAULT_HEADER_TIMEOUT_SECS as f64, value_parser = seconds)]
    pub header_timeout: f64,
    /// Seconds a connection may sit idle between requests before it is closed.
    #[arg(long, env = "FED311_IDLE_TIMEOUT", default_value_t = crate::api::server::DEFAULT_IDLE_TIMEOUT_SECS as f64, value_parser = seconds)]
    pub idle_timeout: f64,
    /// Most connections held at once (default: three quarters of the open-file limit, less 64).
    #[arg(long, env = "FED311_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Most connections held at once from one client address (trusted proxies excepted).
    #[arg(long, env = "FED311_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = crate::api::server::DEFAULT_PER_ADDRESS)]
    pub max_connections_per_address: usize,
    /// Reverse proxies (comma list of CIDRs or addresses) whose `Forwarded` or
    /// `X-Forwarded-For` headers name the client; ignored from anyone else.
    #[arg(long, env = "FED311_TRUSTED_PROXIES", default_value = "", value_parser = cidr_list)]
    pub trusted_proxies: CidrList,
    /// Browser origins (comma list, e.g. https://app.example.org) allowed to POST from web
    /// pages; GETs are open to every origin.
    #[arg(long, env = "FED311_CORS_ORIGINS", default_value = "", value_parser = origin_list)]
    pub cors_origins: OriginList,
    /// Keys clients must send to post (a comma list); never shown in logs or `--help`.
    #[arg(long, env = "FED311_API_KEYS", default_value = "", hide_env_values = true, hide_default_value = true)]
    pub api_keys: ApiKeys,
    /// The web page's base map and report form.
    #[command(flatten)]
    pub web: crate::api::web::WebArgs,
}

/// A comma list of CIDRs, as one option value.
#[derive(Debug, Clone, Default)]
pub struct CidrList(pub Vec<ipnet::IpNet>);

/// A comma list of browser origins, as one option value.
#[derive(Debug, Clone, Default)]
pub struct OriginList(pub Vec<axum::http::HeaderValue>);

fn cidr_list(text: &str) -> std::result::Result<CidrList, String> {
    crate::api::client_ip::parse_cidrs(text).map(CidrList)
}

fn origin_list(text: &str) -> std::result::Result<OriginList, String> {
    crate::api::cors::parse_origins(text).map(OriginList)
}

fn seconds(text: &str) -> std::result::Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!("`{text}` must be a number of seconds above 0 (at most a day)")),
    }
}

impl ServeArgs {
    /// The settings a node runs with.
    fn settings(&self, global: &Global) -> Settings {
        Settings {
            roles: Roles { harvest: self.roles.harvest && !self.no_harvest, ..self.roles },
            node: self.node(),
            api_keys: self.api_keys.clone(),
            http: crate::api::HttpSettings {
                trusted_proxies: self.trusted_proxies.0.clone(),
                cors_origins: self.cors_origins.0.clone(),
            },
            serve: self.options(),
            web: crate::api::web::WebSettings::from_args(&self.web),
            upstream: global.client_settings(),
            store: global.store(),
            ..Settings::new(&global.jurisdictions, &global.data, &global.index)
        }
    }

    /// This node, named as asked or anew.
    fn node(&self) -> Node {
        Node {
            city_lease: std::time::Duration::from_secs_f64(self.city_lease),
            submission_claim: std::time::Duration::from_secs_f64(self.submission_claim),
            ..self.node_id.clone().map(Node::named).unwrap_or_default()
        }
    }

    fn options(&self) -> crate::api::ServeOptions {
        let limit = (self.client_rate > 0)
            .then_some(crate::api::ClientLimit { per_second: self.client_rate, burst: self.client_burst });
        let mut connections = crate::api::ConnectionLimits {
            header_timeout: std::time::Duration::from_secs_f64(self.header_timeout),
            idle_timeout: std::time::Duration::from_secs_f64(self.idle_timeout),
            per_address: self.max_connections_per_address,
            ..Default::default()
        };
        if let Some(max) = self.max_connections {
            connections.max_connections = max;
        }
        crate::api::ServeOptions { limit, connections, operations_only: false }
    }
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// End-to-end ingest from a simulated city: first harvest, then a full pass over
    /// unchanged data.
    Ingest(crate::bench::IngestArgs),
    /// Search, box and list latencies over N requests, and mixed search load under wrk.
    Query(crate::bench::QueryArgs),
    /// Issue 12's query kinds (text + city, a 1 km² box, time-sorted lists of cities), each
    /// from one client and under wrk.
    Search(crate::bench::SearchArgs),
    /// The web page's weight and the map grid's latency at a million records.
    Web(crate::bench::WebBenchArgs),
}

/// Runs the parsed command line; the exit code follows from the result.
pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Check => check(&cli.global),
        Command::Harvest { once, full, only } => {
            if !once {
                bail!("`fed311 harvest` needs --once (scheduled harvesting runs inside `fed311 serve`)");
            }
            harvest_once(&cli.global, full, &only).await
        }
        Command::Serve(args) => serve(&cli.global, &args).await,
        Command::Simulate { records, seed, cities, port, write_jurisdictions } => {
            let args =
                crate::simulate::SimulateArgs { seed, records, cities, port, jurisdictions_out: write_jurisdictions };
            crate::simulate::run_simulate(args).await
        }
        Command::Bench { what: BenchCommand::Ingest(args) } => {
            crate::bench::ingest(args, cli.global.store.clone(), cli.global.client_settings()).await
        }
        Command::Bench { what: BenchCommand::Query(args) } => {
            crate::bench::query(args, cli.global.store.clone(), cli.global.client_settings()).await
        }
        Command::Bench { what: BenchCommand::Search(args) } => {
            crate::bench::search(args, cli.global.client_settings()).await
        }
        Command::Bench { what: BenchCommand::Web(args) } => crate::bench::web(args, cli.global.client_settings()).await,
        Command::Export(args) => crate::export::export(&cli.global.store(), args).await,
        Command::Categories(args) => crate::export::categories(&cli.global.store(), &args),
        Command::Reindex => reindex(&cli.global).await,
        Command::AddCity(args) => {
            crate::add_city::add_city(&cli.global.jurisdictions, args, cli.global.client_settings()).await
        }
    }
}

fn load_registry(global: &Global) -> Result<Registry> {
    crate::app::load_registry(&global.jurisdictions)
}

fn check(global: &Global) -> Result<()> {
    let registry = load_registry(global)?;
    // Boundary files must be readable GeoJSON areas, not just present.
    crate::geo::GeoLayer::load(&registry).map_err(|e| anyhow::anyhow!("{e}"))?;
    let enabled = registry.iter().filter(|j| j.enabled).count();
    println!(
        "{}: {} jurisdictions OK ({} enabled, {} disabled)",
        global.jurisdictions.display(),
        registry.len(),
        enabled,
        registry.len() - enabled
    );
    Ok(())
}

async fn reindex(global: &Global) -> Result<()> {
    let store = crate::app::connect(&global.store()).await?;
    let started = std::time::Instant::now();
    let indexed = crate::search::reindex(&global.index, store)
        .await
        .with_context(|| format!("reindexing into {} (is `fed311 serve` using it?)", global.index.display()))?;
    let took = started.elapsed().as_secs_f64().max(1e-6);
    println!(
        "indexed {indexed} requests into {} in {took:.1} s ({:.0}/s)",
        global.index.display(),
        indexed as f64 / took
    );
    Ok(())
}

async fn harvest_once(global: &Global, full: bool, only: &[String]) -> Result<()> {
    let registry = load_registry(global)?;
    let cities: Vec<_> = harvest::select(&registry, only).map_err(anyhow::Error::msg)?.into_iter().cloned().collect();
    let store = crate::app::connect(&global.store()).await?;
    let client = Client::build(global.client_settings()).context("building the HTTP client")?;
    let bars = std::io::IsTerminal::is_terminal(&std::io::stdout()).then(indicatif::MultiProgress::new);
    let reports = harvest::harvest_once(&client, &store, cities, full, bars.as_ref()).await;
    println!("{}", harvest::summary_table(&reports));
    let failed: Vec<&str> = reports.iter().filter(|r| !r.succeeded()).map(|r| r.jurisdiction_id.as_str()).collect();
    if failed.is_empty() { Ok(()) } else { bail!("harvest failed for: {}", failed.join(", ")) }
}

async fn serve(global: &Global, args: &ServeArgs) -> Result<()> {
    // Bound first: a busy port fails before any folder is made.
    let listener = tokio::net::TcpListener::bind(&args.addr).await.with_context(|| format!("binding {}", args.addr))?;
    let app = App::build(args.settings(global)).await?;
    tracing::info!("{}", app.describe(listener.local_addr()?));
    app.run(listener, async {
        shutdown_signal().await;
        tracing::info!("Shutting down: finishing work in hand");
    })
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn serve_reads_its_lists() {
        use clap::Parser;
        let args = ["fed311", "serve", "--trusted-proxies", "10.0.0.0/8, ::1", "--cors-origins", "https://a.example"];
        let cli = super::Cli::try_parse_from(args).unwrap();
        let super::Command::Serve(serve) = cli.command else { panic!("serve") };
        assert_eq!(serve.trusted_proxies.0.len(), 2);
        assert_eq!(serve.cors_origins.0.len(), 1);
        assert!(super::Cli::try_parse_from(["fed311", "serve", "--trusted-proxies", "nope"]).is_err());
    }
}
