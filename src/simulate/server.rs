//! A simulated city on the wire: an axum server on 127.0.0.1 answering the GeoReport v2 GETs
//! (`services`, `services/{code}`, `requests`, `requests/{id}`, `discovery`, each `.json` or
//! `.xml`, base path `/`) the way its [`Behaviour`] says, until shut down or dropped.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use jiff::Timestamp;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::behaviour::Behaviour;
use super::city::SimCity;
use super::cut::{CutHandle, CutListener};
use super::faults::{RateWindow, faults};
use super::render::{self, Format};
use super::{documents, query, select};

/// What every handler of one simulated server reaches.
pub(crate) struct ServerState {
    pub city: SimCity,
    /// How it behaves; a test may change it while it serves.
    behaviour: std::sync::RwLock<Arc<Behaviour>>,
    /// `http://{addr}/`, for discovery.
    pub base_url: String,
    pub rate: RateWindow,
}

impl ServerState {
    /// How the server behaves now.
    pub(crate) fn behaviour(&self) -> Arc<Behaviour> {
        self.behaviour.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// A running simulated city. Dropping it (or [`SimServer::shutdown`]) stops the server.
pub struct SimServer {
    /// Where it listens; the GeoReport endpoint is `http://{addr}/`.
    pub addr: SocketAddr,
    /// The city served (shared: mutate it and the server answers the change).
    pub city: SimCity,
    state: Arc<ServerState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// The GeoReport v2 endpoint (base URL, ending in `/`).
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// How the server behaves now.
    pub fn behaviour(&self) -> Behaviour {
        Behaviour::clone(&self.state.behaviour())
    }

    /// Changes how the server behaves, from the next call on (a city going half down, say).
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self.state.behaviour.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(behaviour);
    }

    /// Stops accepting calls and waits for the calls in flight to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `city` as `behaviour` says on an ephemeral port of 127.0.0.1.
pub async fn spawn(city: SimCity, behaviour: Behaviour) -> std::io::Result<SimServer> {
    spawn_on(city, behaviour, 0).await
}

/// Like [`spawn`], on a given port of 127.0.0.1 (0 picks a free one).
pub async fn spawn_on(city: SimCity, behaviour: Behaviour, port: u16) -> std::io::Result<SimServer> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(ServerState {
        city: city.clone(),
        behaviour: std::sync::RwLock::new(Arc::new(behaviour)),
        base_url: format!("http://{addr}/"),
        rate: RateWindow::default(),
    });
    let app = router(state.clone()).into_make_service_with_connect_info::<CutHandle>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serving = axum::serve(CutListener(listener), app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serving.await {
            tracing::warn!(%addr, error = %e, "simulated city stopped");
        }
    });
    Ok(SimServer { addr, city, state, stop: Some(stop), task: Some(task) })
}

fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/{file}", get(top_level))
        .route("/services/{file}", get(definition))
        .route("/requests/{file}", get(one_request))
        .fallback(|| async { render::html_not_found() })
        .layer(middleware::from_fn_with_state(state.clone(), faults))
        .with_state(state)
}

/// The resource name and format of a path segment, if the server serves that format.
fn resource<'a>(file: &'a str, b: &Behaviour) -> Option<(&'a str, Format)> {
    Format::split(file).filter(|(_, f)| b.serves(f.extension()))
}

async fn top_level(State(s): State<Arc<ServerState>>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Response {
    let b = s.behaviour();
    match resource(&file, &b) {
        Some(("services", format)) => documents::services(&s.city, format),
        Some(("discovery", format)) => documents::discovery(&s, format),
        Some(("requests", _)) if b.lists_not_found => render::html_not_found(),
        Some(("requests", format)) => list(&s, &b, format, q.as_deref().unwrap_or("")),
        _ => render::html_not_found(),
    }
}

async fn definition(State(s): State<Arc<ServerState>>, Path(file): Path<String>) -> Response {
    match resource(&file, &s.behaviour()) {
        Some((code, format)) => documents::definition(&s.city, code, format),
        None => render::html_not_found(),
    }
}

async fn one_request(State(s): State<Arc<ServerState>>, Path(file): Path<String>) -> Response {
    let b = s.behaviour();
    let Some((id, format)) = resource(&file, &b) else { return render::html_not_found() };
    if b.lists_not_found {
        return render::html_not_found();
    }
    let found = {
        let data = s.city.read();
        data.find(id).map(|r| r.to_request(&data.services, b.hides_id(id)))
    };
    match found {
        Some(request) => answer(&s, &b, format, &[request]),
        None => render::errors(StatusCode::NOT_FOUND, format, &format!("service_request_id {id} not found")),
    }
}

fn list(s: &ServerState, b: &Behaviour, format: Format, raw_query: &str) -> Response {
    let q = match query::parse(raw_query, b, s.city.zone()) {
        Ok(q) => q,
        Err(message) => return render::errors(StatusCode::BAD_REQUEST, format, &message),
    };
    let requests: Vec<_> = {
        let data = s.city.read();
        let chosen = select::select(&data, &q, b, s.city.seed(), Timestamp::now());
        chosen.into_iter().map(|r| r.to_request(&data.services, b.hides_serial(r.serial))).collect()
    };
    if requests.is_empty() && b.not_found_when_empty {
        return render::errors(StatusCode::NOT_FOUND, format, "No service requests found");
    }
    answer(s, b, format, &requests)
}

fn answer(s: &ServerState, b: &Behaviour, format: Format, requests: &[crate::domain::ServiceRequest]) -> Response {
    let zoneless = b.zoneless_dates.then(|| s.city.zone());
    render::document(StatusCode::OK, format, render::requests(format, requests, zoneless))
}
