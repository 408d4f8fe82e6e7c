//! One connection: hyper's HTTP/1.1 over the watched socket, each request handed to the router
//! with the peer's address, and a watchdog that closes the connection when a request's head
//! takes longer than the header timeout or nothing happens between requests for the idle
//! timeout. At shutdown the connection finishes the request in hand and closes.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use super::ConnectionLimits;
use super::gate::Permit;
use super::watched::{Activity, Watched};

/// What a connection task needs besides its socket.
pub(super) struct Conn {
    pub peer: SocketAddr,
    pub permit: Permit,
    pub router: Router,
    pub limits: ConnectionLimits,
    pub shutdown: watch::Receiver<bool>,
    /// Held until the connection is closed: the server waits for every one at shutdown.
    pub alive: mpsc::Sender<()>,
}

/// Serves one connection until it closes, expires or the server stops.
pub(super) async fn run(stream: TcpStream, mut c: Conn) {
    let activity = Activity::new();
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let service = PeerService { router: c.router.clone(), peer: c.peer, activity: activity.clone() };
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        // Looked at again at least every half of the shorter timeout: bytes that start a
        // request's head move its deadline earlier than the idle one being slept towards.
        let tick = c.limits.header_timeout.min(c.limits.idle_timeout) / 2;
        let next_look = std::time::Instant::now() + tick;
        let deadline = activity.deadline(c.limits.header_timeout, c.limits.idle_timeout);
        let wake = deadline.map_or(next_look, |(at, _)| at.min(next_look));
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(peer = %c.peer, error = %e, "Connection ended with an error");
                }
                break;
            }
            _ = tokio::time::sleep_until(wake.into()) => {
                if let Some((at, why)) = activity.deadline(c.limits.header_timeout, c.limits.idle_timeout) {
                    if at <= std::time::Instant::now() {
                        tracing::debug!(peer = %c.peer, reason = why.label(), "Closing a connection");
                        metrics::counter!("fed311_connections_expired_total", "reason" => why.label()).increment(1);
                        break;
                    }
                }
            }
            _ = c.shutdown.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    drop(c.permit);
    drop(c.alive);
}

/// The router for one peer: each request carries the peer's address (as axum's
/// `ConnectInfo`) and counts as in flight until its answer is ready.
#[derive(Clone)]
struct PeerService {
    router: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
}

impl hyper::service::Service<Request<Incoming>> for PeerService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let mut router = self.router.clone();
        let in_flight = self.activity.request_started();
        Box::pin(async move {
            let answer = tower_service::Service::call(&mut router, request.map(Body::new)).await;
            drop(in_flight);
            answer
        })
    }
}
