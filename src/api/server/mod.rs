//! The HTTP server under the router: an accept loop over hyper's HTTP/1.1 connections
//! (axum's own `serve` offers no timeouts nor connection limits). It holds connections
//! within a budget ([`gate`]: a total kept below the file limit and a cap per peer address),
//! closes those that send a request's head too slowly or sit idle ([`connection`],
//! [`watched`]), and answers in the caller's dialect what hyper refuses by itself
//! ([`own_errors`]). Idle and slow connections therefore cannot starve `/healthz`.

mod connection;
mod gate;
mod own_errors;
mod watched;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use ipnet::IpNet;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

pub use gate::{Gate, Refusal};

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Longest time from a request's first byte to the end of its headers.
    pub header_timeout: Duration,
    /// Longest time a connection may sit with nothing sent either way between requests.
    pub idle_timeout: Duration,
    /// Most connections held at once (past it new ones are closed at once).
    pub max_connections: usize,
    /// Most connections held at once from one peer address (trusted proxies excepted).
    pub per_address: usize,
}

/// Default header timeout, in seconds.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Default idle timeout, in seconds.
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 30;
/// Default cap per peer address.
pub const DEFAULT_PER_ADDRESS: usize = 128;

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECS),
            max_connections: default_max_connections(),
            per_address: DEFAULT_PER_ADDRESS,
        }
    }
}

/// Three quarters of the process's open-file limit less 64 (the store, the index and the
/// harvest's own connections need descriptors too), between 32 and 10,000: with the common
/// limit of 1024, 704.
pub fn default_max_connections() -> usize {
    let limit = open_file_limit().unwrap_or(1024);
    (limit / 4 * 3).saturating_sub(64).clamp(32, 10_000)
}

/// The soft limit on open files (Linux: `/proc/self/limits`).
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serves `router` on `listener` until `shutdown` completes, then lets every connection
/// finish the request in hand.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    trusted_proxies: Vec<IpNet>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let gate = Gate::new(limits.max_connections, limits.per_address, trusted_proxies);
    let (stop, stopping) = watch::channel(false);
    let (alive, mut all_closed) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                pause_after(&e).await;
                continue;
            }
        };
        let permit = match gate.admit(peer.ip()) {
            Ok(permit) => permit,
            Err(why) => {
                turn_away(&stream, why);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = connection::Conn {
            peer,
            permit,
            router: router.clone(),
            limits,
            shutdown: stopping.clone(),
            alive: alive.clone(),
        };
        tokio::spawn(connection::run(stream, conn));
    }
    drop(listener);
    let _ = stop.send(true);
    drop(alive);
    let _ = all_closed.recv().await;
    Ok(())
}

/// A connection over budget is told so (if its socket takes the few bytes now) and closed.
fn turn_away(stream: &tokio::net::TcpStream, why: Refusal) {
    let (reason, words) = match why {
        Refusal::Full => ("full", "the server holds as many connections as it can: retry shortly\n"),
        Refusal::AddressFull => ("per_address", "too many connections from your address: close idle ones\n"),
    };
    metrics::counter!("fed311_connections_refused_total", "reason" => reason).increment(1);
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nretry-after: 1\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{words}",
        words.len()
    );
    let _ = stream.try_write(answer.as_bytes());
}

/// After a failed accept: a connection that died before it was taken is nothing; running
/// out of descriptors waits a little for some to close, rather than spinning.
async fn pause_after(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::warn!(error = %e, "Accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
