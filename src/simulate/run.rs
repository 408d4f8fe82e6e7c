//! `fed311 simulate`: start a few simulated cities on loopback, print where they are, write
//! jurisdiction files pointing at them (so `fed311 --jurisdictions DIR harvest --once` works
//! with no network), and serve until Ctrl-C.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::behaviour::{Behaviour, DIALECTS};
use super::city::SimCity;
use super::server::{SimServer, spawn_on};

/// What `fed311 simulate` was asked for.
#[derive(Debug, Clone)]
pub struct SimulateArgs {
    /// Seed of the first city; the others use the following seeds.
    pub seed: u64,
    /// Requests per city.
    pub records: usize,
    /// Dialect names (see [`DIALECTS`]), one city each; empty means [`DEFAULT_MIX`].
    pub cities: Vec<String>,
    /// Port of the first city, the others on the following ports; 0 picks free ports.
    pub port: u16,
    /// Folder to write one jurisdiction file per city into.
    pub jurisdictions_out: Option<PathBuf>,
}

/// The cities simulated when none are named: the dialects a harvester meets most.
pub const DEFAULT_MIX: &[&str] = &["spec", "connected-bits", "mark-a-spot", "ureport", "fixmystreet", "klarschiff"];

/// Time zones handed out to the cities in turn.
const ZONES: &[&str] = &[
    "America/Toronto",
    "America/Chicago",
    "Europe/Berlin",
    "America/Indiana/Indianapolis",
    "Europe/London",
    "Europe/Zurich",
];

/// One city to start.
struct Planned {
    id: String,
    dialect: String,
    behaviour: Behaviour,
    timezone: &'static str,
}

/// One running simulated city of a [`Simulation`].
pub struct SimulatedCity {
    /// Jurisdiction id, `sim-<dialect>` (`sim-<dialect>-2`… for repeats).
    pub id: String,
    /// The preset it behaves as.
    pub dialect: String,
    /// The running server.
    pub server: SimServer,
}

/// The cities started by [`start_simulation`]; dropping it stops them.
pub struct Simulation {
    /// The cities, in the order asked for.
    pub cities: Vec<SimulatedCity>,
}

/// Runs the simulation until Ctrl-C.
pub async fn run_simulate(args: SimulateArgs) -> Result<()> {
    let simulation = start_simulation(&args).await?;
    for city in &simulation.cities {
        println!("{:<22} {:<15} {} {} requests", city.id, city.dialect, city.server.url(), args.records);
    }
    if let Some(dir) = &args.jurisdictions_out {
        println!("Wrote {} jurisdiction files to {}", simulation.cities.len(), dir.display());
    }
    println!("Serving {} simulated cities; Ctrl-C to stop.", simulation.cities.len());
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    for city in simulation.cities {
        city.server.shutdown().await;
    }
    Ok(())
}

/// Starts the cities and writes their jurisdiction files when asked; they run until dropped.
pub async fn start_simulation(args: &SimulateArgs) -> Result<Simulation> {
    let planned = plan(&args.cities)?;
    let mut servers = Vec::with_capacity(planned.len());
    for (i, city) in planned.iter().enumerate() {
        let port = if args.port == 0 {
            0
        } else {
            u16::try_from(i).ok().and_then(|i| args.port.checked_add(i)).context("port out of range")?
        };
        let (seed, records, zone) = (args.seed.wrapping_add(i as u64), args.records, city.timezone);
        let sim = tokio::task::spawn_blocking(move || SimCity::generate(seed, records, zone)).await?;
        servers
            .push(spawn_on(sim, city.behaviour.clone(), port).await.with_context(|| format!("starting {}", city.id))?);
    }
    if let Some(dir) = &args.jurisdictions_out {
        write_jurisdictions(dir, &planned, &servers, args.seed)?;
    }
    let cities =
        planned.into_iter().zip(servers).map(|(p, server)| SimulatedCity { id: p.id, dialect: p.dialect, server });
    Ok(Simulation { cities: cities.collect() })
}

fn plan(names: &[String]) -> Result<Vec<Planned>> {
    let names: Vec<String> =
        if names.is_empty() { DEFAULT_MIX.iter().map(|s| s.to_string()).collect() } else { names.to_vec() };
    let mut planned: Vec<Planned> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let dialect = name.trim().to_ascii_lowercase();
        let Some(behaviour) = Behaviour::dialect(&dialect) else {
            bail!("unknown dialect `{name}`; known: {}", DIALECTS.join(", "));
        };
        let same = planned.iter().filter(|p| p.dialect == dialect).count();
        let id = if same == 0 { format!("sim-{dialect}") } else { format!("sim-{dialect}-{}", same + 1) };
        planned.push(Planned { id, dialect, behaviour, timezone: ZONES[i % ZONES.len()] });
    }
    Ok(planned)
}

fn write_jurisdictions(dir: &Path, planned: &[Planned], servers: &[SimServer], seed: u64) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (i, (city, server)) in planned.iter().zip(servers).enumerate() {
        let note =
            format!("Simulated by `fed311 simulate` (dialect {}, seed {}).", city.dialect, seed.wrapping_add(i as u64));
        // Simulated cities run on this machine: a faster budget than a real city's default.
        let text = format!(
            "id = {}\nname = {}\nendpoint = {}\ntimezone = {}\nrate_limit = \"50/s\"\nnote = {}\n",
            toml_string(&city.id),
            toml_string(&format!("Simulated city ({})", city.dialect)),
            toml_string(&server.url()),
            toml_string(city.timezone),
            toml_string(&note),
        );
        let path = dir.join(format!("{}.toml", city.id));
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// A TOML basic string: JSON's string escapes are a subset of TOML's.
fn toml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}
