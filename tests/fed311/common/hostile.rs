//! Hostile servers on 127.0.0.1 for harvest tests: a proxy in front of a city that fails the
//! calls a test picks until healed, and a city that announces a huge body and trickles it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A proxy that answers 500 to the calls its rule picks, until healed.
pub struct FailingProxy {
    /// Where it listens.
    pub addr: SocketAddr,
    healed: Arc<AtomicBool>,
}

impl FailingProxy {
    /// From now on every call goes through.
    pub fn heal(&self) {
        self.healed.store(true, Ordering::SeqCst);
    }
}

type Rule = Arc<dyn Fn(&HashMap<String, String>) -> bool + Send + Sync>;

/// Serves a proxy to `target` that fails (500) every call whose query `fails` picks.
pub async fn failing_proxy(
    target: SocketAddr,
    fails: impl Fn(&HashMap<String, String>) -> bool + Send + Sync + 'static,
) -> FailingProxy {
    let healed = Arc::new(AtomicBool::new(false));
    let state = (target, Arc::new(fails) as Rule, healed.clone());
    async fn forward(
        State((target, fails, healed)): State<(SocketAddr, Rule, Arc<AtomicBool>)>,
        request: Request,
    ) -> Response {
        let query: HashMap<String, String> =
            url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
        if !healed.load(Ordering::SeqCst) && fails(&query) {
            return (StatusCode::INTERNAL_SERVER_ERROR, "<html><body>Proxy error</body></html>").into_response();
        }
        let url = format!("http://{target}{}", request.uri());
        match reqwest::get(url).await {
            Ok(answer) => {
                let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
                (status, answer.bytes().await.unwrap_or_default()).into_response()
            }
            Err(_) => StatusCode::BAD_GATEWAY.into_response(),
        }
    }
    let addr = super::spawn(Router::new().fallback(forward).with_state(state)).await;
    FailingProxy { addr, healed }
}

/// A city whose every answer announces `length` bytes and sends one a second.
pub async fn trickling_city(length: u64) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head =
                    format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n[");
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                while socket.write_all(b" ").await.is_ok() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            });
        }
    });
    addr
}
