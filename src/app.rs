//! The composition root: one place that turns [`Settings`] into a running fed311. It opens
//! the store and the search index, loads the registry and every jurisdiction's area, builds the
//! API's state, and [`App::run`] serves it on a listener until shutdown while the indexer, the
//! area refresher, the harvest scheduler and the forwarder work beside it.
//!
//! `fed311 serve`, the tests and the benchmarks all start fed311 here, so what they run is
//! what users run. Settings come from the command line (and its environment variables) only;
//! nothing below reads the environment for them.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api::{AppState, HttpSettings, ServeOptions, StateParts};
use crate::geo::GeoLayer;
use crate::registry::Registry;
use crate::search::SearchIndex;
use crate::store::{Node, Store, StoreLocation};
use crate::submit::ApiKeys;
use crate::upstream::{Client, ClientSettings};

/// How often a running fed311 looks for new harvested locations to re-derive coverage areas
/// from.
const GEO_REFRESH: Duration = Duration::from_secs(600);

/// Everything a running fed311 is set up with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Folder of jurisdiction files.
    pub jurisdictions: PathBuf,
    /// Folder holding the SQLite store (and the default place of `store`).
    pub data: PathBuf,
    /// Where the store lives: SQLite in `data` unless set otherwise.
    pub store: StoreLocation,
    /// Folder holding the search index; `None` serves without one (searches answer 503).
    pub index: Option<PathBuf>,
    /// What this node does.
    pub roles: Roles,
    /// This node's name in the store and how long its claims hold.
    pub node: Node,
    /// Keys clients must send to post.
    pub api_keys: ApiKeys,
    /// Trusted proxies and CORS origins.
    pub http: HttpSettings,
    /// Client rate limit and connection limits.
    pub serve: ServeOptions,
    /// The web page's base map and report form.
    pub web: crate::api::web::WebSettings,
    /// How fed311 calls cities (retry waits, timeouts).
    pub upstream: ClientSettings,
    /// How many rendered record versions search pages keep.
    pub record_cache: usize,
}

impl Settings {
    /// Settings over these folders (the SQLite store in `data`, the index in `index`), with every role on, no client
    /// keys, no client rate limit and the default connection limits, web page and upstream
    /// timing.
    pub fn new(jurisdictions: &Path, data: &Path, index: &Path) -> Settings {
        Settings {
            jurisdictions: jurisdictions.to_path_buf(),
            data: data.to_path_buf(),
            store: StoreLocation::Sqlite(data.to_path_buf()),
            index: Some(index.to_path_buf()),
            roles: Roles::default(),
            node: Node::this_host(),
            api_keys: ApiKeys::default(),
            http: HttpSettings::default(),
            serve: ServeOptions::default(),
            web: crate::api::web::WebSettings::default(),
            upstream: ClientSettings::default(),
            record_cache: crate::api::federation::search::rendered::CAPACITY,
        }
    }
}

/// What a node does (`serve --roles`): nodes sharing a store may split the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Serve the APIs and the web page (without it, only `/healthz`, `/readyz`, `/metrics`).
    pub api: bool,
    /// Harvest the enabled cities this node claims when they are due.
    pub harvest: bool,
    /// Forward accepted reports from the outbox to their cities.
    pub forward: bool,
}

impl Roles {
    /// No background work: the API alone.
    pub const API: Roles = Roles { api: true, harvest: false, forward: false };
}

impl Default for Roles {
    /// Everything.
    fn default() -> Self {
        Roles { api: true, harvest: true, forward: true }
    }
}

impl std::str::FromStr for Roles {
    type Err = String;

    /// A comma list of `api`, `harvest` and `forward`.
    fn from_str(text: &str) -> Result<Roles, String> {
        let mut roles = Roles { api: false, harvest: false, forward: false };
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "api" => roles.api = true,
                "harvest" => roles.harvest = true,
                "forward" => roles.forward = true,
                other => return Err(format!("`{other}` is not a role: api, harvest or forward")),
            }
        }
        if roles == (Roles { api: false, harvest: false, forward: false }) {
            return Err("name at least one role: api, harvest, forward".into());
        }
        Ok(roles)
    }
}

/// A fed311 node, built and ready to run.
pub struct App {
    settings: Settings,
    state: AppState,
}

impl App {
    /// Opens the store and index, loads the registry and its areas, and records the registry
    /// in the store.
    pub async fn build(settings: Settings) -> Result<App> {
        let registry = Arc::new(load_registry(&settings.jurisdictions)?);
        let store = connect(&settings.store).await?;
        let index = match &settings.index {
            Some(dir) => {
                Some(SearchIndex::open(dir).with_context(|| format!("opening the search index in {}", dir.display()))?)
            }
            None => None,
        };
        App::assemble(settings, registry, store, index).await
    }

    /// An app over a store and index already open (the benchmarks', which built them).
    pub async fn assemble(
        settings: Settings,
        registry: Arc<Registry>,
        store: Store,
        index: Option<SearchIndex>,
    ) -> Result<App> {
        sync_registry(&store, &registry).await?;
        let geo = GeoLayer::load(&registry).context("loading jurisdiction boundaries")?;
        let state = AppState::new(StateParts {
            store,
            registry,
            index,
            geo,
            api_keys: settings.api_keys.clone(),
            http: settings.http.clone(),
            web: settings.web.clone(),
            record_cache: settings.record_cache,
        });
        Ok(App { settings, state })
    }

    /// The API's state (store, registry, index, areas).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The API's router, without the connection handling of [`App::run`].
    pub fn router(&self) -> Router {
        crate::api::router(self.state.clone())
    }

    /// Brings the index up to the store and derives coverage areas from harvested points,
    /// which [`App::run`] otherwise does in the background: for callers that must answer
    /// from everything stored on their first call.
    pub async fn catch_up(&self) -> Result<()> {
        let (geo, store) = (self.state.geo.clone(), self.state.store().clone());
        tokio::task::spawn_blocking(move || geo.refresh_derived(&store)).await?.context("deriving coverage areas")?;
        if let Some(index) = self.state.index.clone() {
            let store = self.state.store().clone();
            tokio::task::spawn_blocking(move || index.catch_up(&store)).await?.context("indexing the store")?;
        }
        Ok(())
    }

    /// A client that calls cities as the settings say.
    fn client(&self) -> Result<Client> {
        Client::build(self.settings.upstream).context("building the HTTP client")
    }

    /// A one-line account of what this node does, for the start line.
    pub fn describe(&self, addr: SocketAddr) -> String {
        let registry = self.state.registry();
        let enabled = registry.iter().filter(|j| j.enabled).count();
        let roles = self.settings.roles;
        let harvesting = if roles.harvest {
            format!("harvesting {enabled} of {} cities, first passes over the next minute", registry.len())
        } else {
            "not harvesting".to_string()
        };
        let forwarding = if roles.forward { "" } else { ", not forwarding reports" };
        if roles.api {
            format!(
                "fed311 serving http://{addr}/ — {harvesting}{forwarding}; each city's state: GET /api/v1/jurisdictions"
            )
        } else {
            format!(
                "fed311 node {} — {harvesting}{forwarding}; health on http://{addr}/healthz",
                self.settings.node.name
            )
        }
    }

    /// Serves the API on `listener` until `shutdown` completes, with the indexer, the area
    /// refresher and the roles' work beside it; then lets work in hand finish.
    pub async fn run(self, listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let (stop, stopped) = watch::channel(false);
        let state = self.state.clone();
        let store = state.store().clone();
        let mut tasks = Vec::new();
        if let Some(index) = state.index.clone() {
            tasks.push(tokio::spawn(crate::search::run_indexer(index, store.clone(), stopped.clone())));
        }
        tasks.push(tokio::spawn(crate::geo::run_refresher(
            state.geo.clone(),
            store.clone(),
            GEO_REFRESH,
            stopped.clone(),
        )));
        if self.settings.roles.harvest {
            let cities = state.registry().iter().filter(|j| j.enabled).cloned().collect();
            let client = self.client()?;
            let node = self.settings.node.clone();
            tasks.push(tokio::spawn(crate::harvest::run_scheduler(
                client,
                store.clone(),
                cities,
                node,
                stopped.clone(),
            )));
        }
        if self.settings.roles.forward {
            let forwarder = crate::submit::Forwarder {
                client: self.client()?,
                store: store.clone(),
                registry: state.registry().clone(),
                wake: state.forwarder_wake(),
                secrets: state.secrets(),
                node: self.settings.node.clone(),
            };
            tasks.push(tokio::spawn(crate::submit::run_forwarder(forwarder, stopped.clone())));
        }
        let api_shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let options = ServeOptions { operations_only: !self.settings.roles.api, ..self.settings.serve };
        let served = crate::api::serve(listener, state, options, api_shutdown).await;
        for task in tasks {
            let _ = task.await;
        }
        served.context("serving the API")
    }

    /// Runs the app on a free loopback port in the background, for tests and benchmarks: its
    /// address, and a switch that stops it when sent `true` (dropping the switch does not).
    pub async fn spawn(self) -> Result<(SocketAddr, watch::Sender<bool>)> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding 127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(self.run(listener, async move {
            if stopped.wait_for(|s| *s).await.is_err() {
                std::future::pending::<()>().await;
            }
        }));
        Ok((addr, stop))
    }
}

/// Opens the store at `location` (off the async threads: it may migrate, or wait on other
/// nodes migrating).
pub async fn connect(location: &StoreLocation) -> Result<Store> {
    let at = location.clone();
    tokio::task::spawn_blocking(move || Store::connect(&at))
        .await?
        .with_context(|| format!("opening the store at {location}"))
}

/// The registry in `dir`, every problem in its files listed.
pub fn load_registry(dir: &Path) -> Result<Registry> {
    if !dir.is_dir() {
        bail!(
            "the jurisdiction folder {} does not exist: run fed311 from its checkout, or name the folder with \
             --jurisdictions DIR or FED311_JURISDICTIONS",
            dir.display()
        );
    }
    Registry::load(dir).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::anyhow!("{} problem(s) in {}:\n{}", errors.len(), dir.display(), lines.join("\n"))
    })
}

/// Records each city's registry entry in the store (writing only what changed), so that
/// GeoReport discovery's `changeset` moves when the registry does.
async fn sync_registry(store: &Store, registry: &Arc<Registry>) -> Result<()> {
    let (store, registry) = (store.clone(), registry.clone());
    tokio::task::spawn_blocking(move || {
        registry.iter().try_for_each(|j| store.sync_jurisdiction(&j.id, &j.name, j.endpoint.as_str(), &j.timezone_name))
    })
    .await?
    .context("recording the registry in the store")
}
