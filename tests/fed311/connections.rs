//! The front door under abuse, black-box over loopback: idle and half-sent connections held
//! by one address cannot starve `/healthz` (the real binary, its open-file limit lowered)
//! and are closed after the timeouts; what hyper refuses by itself comes in the caller's
//! dialect; behind a trusted proxy each client has its own rate budget; keys in query
//! strings never reach the debug log.

use crate::common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use fed311::api::{ClientLimit, HttpSettings, ServeOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn one_city() -> (tempfile::TempDir, tempfile::TempDir) {
    let jurisdictions = tempfile::tempdir().unwrap();
    write_city(jurisdictions.path(), "town", "http://127.0.0.1:9/", "");
    (jurisdictions, tempfile::tempdir().unwrap())
}

/// Opens a connection to `to` from the loopback address `from`.
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

/// What a connection says before it closes (within `wait`): its bytes, and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

/// The test process's own open-file limit.
fn own_file_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap_or("");
    line.split_whitespace().nth(3).and_then(|n| n.parse().ok()).unwrap_or(1024)
}

#[tokio::test]
async fn thousands_of_idle_and_half_sent_connections_cannot_starve_health() {
    let (j, d) = one_city();
    let args =
        ["--no-harvest", "--header-timeout", "1", "--idle-timeout", "1.5", "--max-connections-per-address", "50"];
    // 512 files: fed311 holds at most 320 connections (3/4 of the limit, less 64).
    let server = ServeProcess::start(j.path(), d.path(), &args, &[], Some(512)).await;
    let hoarders = 2000.min(own_file_limit().saturating_sub(300));
    assert!(hoarders >= 600, "the test process may open too few files: {}", own_file_limit());
    let mut held = Vec::new();
    let opening = Instant::now();
    for n in 0..hoarders {
        // Two attacking addresses, each far over its cap of 50; every other one starts a
        // request and never finishes its headers.
        let mut stream = connect_from(if n % 2 == 0 { "127.0.0.2" } else { "127.0.0.3" }, server.addr).await;
        if n % 4 < 2 {
            stream.write_all(b"GET /open311/v2/discovery.json HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        }
        held.push(stream);
    }
    let started = Instant::now();
    for _ in 0..5 {
        let (status, _, body) = get(&format!("http://{}/healthz", server.addr)).await;
        assert_eq!((status, body.trim()), (200, "ok"), "health answers while {hoarders} connections are held");
    }
    let (status, _, _) = get(&format!("http://{}/open311/v2/services.json?jurisdiction_id=town", server.addr)).await;
    assert_eq!(status, 200, "so does the API");
    // Over the cap: turned away at once with a 503; within it: closed by the timeouts.
    let (mut refused, mut expired) = (0, 0);
    for stream in &mut held {
        let (said, closed) = read_until_closed(stream, Duration::from_secs(10)).await;
        assert!(closed, "every hoarded connection is closed within the timeouts: {said:?}");
        if said.starts_with("HTTP/1.1 503") {
            refused += 1;
        } else {
            expired += 1;
        }
    }
    println!(
        "{hoarders} hoarding connections: {refused} turned away, {expired} admitted and expired; opened in {:?}, all closed {:?} after the first was opened",
        started - opening,
        opening.elapsed()
    );
    // 50 per address at a time: 100, plus 100 more for each second (the header timeout) the
    // opening took, as admitted ones expire and free their places (a loaded machine opens
    // them slowly); every other connection is turned away at once.
    let opening_secs = (started - opening).as_secs_f64();
    let most_admitted = (100.0 * (2.0 + opening_secs)) as usize;
    assert!(expired >= 100, "50 per address were admitted: {expired}");
    assert!(expired <= most_admitted, "at most 50 per address at a time: {expired} in {opening_secs:.1} s");
    assert_eq!(refused + expired, hoarders, "every connection was admitted or turned away");
    assert!(started.elapsed() < Duration::from_secs(15), "closed after the 2-3 s timeouts: {:?}", started.elapsed());
    let mut again = connect_from("127.0.0.2", server.addr).await;
    again.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let (said, _) = read_until_closed(&mut again, Duration::from_secs(5)).await;
    assert!(said.starts_with("HTTP/1.1 200"), "the address is served again once its connections closed: {said}");
}

async fn serve_in_process(
    j: &std::path::Path,
    d: &std::path::Path,
    options: ServeOptions,
    http: HttpSettings,
) -> SocketAddr {
    spawn_app(fed311::app::Settings { index: None, serve: options, http, ..test_settings(j, d) }).await.0
}

/// Sends raw bytes and reads the whole answer.
async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(request).await;
    read_until_closed(&mut stream, Duration::from_secs(5)).await.0
}

#[tokio::test]
async fn what_hyper_refuses_by_itself_comes_in_the_callers_dialect() {
    let (j, d) = one_city();
    let api = serve_in_process(j.path(), d.path(), ServeOptions::default(), HttpSettings::default()).await;
    let long_query = "x".repeat(70_000);
    let answer =
        raw(api, format!("GET /open311/v2/requests.xml?q={long_query} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 414"), "{}", &answer[..answer.len().min(200)]);
    assert!(answer.contains("<errors><error><code>414</code>"), "{answer}");

    let huge_header = "y".repeat(500_000);
    let request = format!("GET /api/v1/requests HTTP/1.1\r\nHost: a\r\nX-Big: {huge_header}\r\n\r\n");
    let answer = raw(api, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{}", &answer[..answer.len().min(200)]);
    assert!(answer.contains("application/problem+json") && answer.contains("\"status\":431"), "{answer}");

    let answer = raw(api, b"GET /open311/v2/services/\xff\xfe.json HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let body = answer.split_once("\r\n\r\n").unwrap().1;
    let errors = fed311::wire::read::parse_errors(body.as_bytes()).unwrap_or_else(|| panic!("spec errors: {answer}"));
    assert_eq!(errors[0].code, "400");
    assert!(errors[0].description.contains("ASCII"), "{answer}");
}

/// `n` GETs with an `X-Forwarded-For` naming `client`; how many were limited.
async fn limited_calls(api: SocketAddr, client: &str, n: usize) -> usize {
    let http = reqwest::Client::new();
    let mut limited = 0;
    for _ in 0..n {
        let url = format!("http://{api}/open311/v2/services.json?jurisdiction_id=town");
        let answer = http.get(url).header("x-forwarded-for", client).send().await.unwrap();
        limited += usize::from(answer.status() == 429);
    }
    limited
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget() {
    let (j, d) = one_city();
    let limit = Some(ClientLimit { per_second: 1, burst: 3 });
    let options = ServeOptions { limit, ..Default::default() };
    let proxied = HttpSettings {
        trusted_proxies: fed311::api::client_ip::parse_cidrs("127.0.0.1/32").unwrap(),
        ..Default::default()
    };
    let api = serve_in_process(j.path(), d.path(), options, proxied).await;
    assert!(limited_calls(api, "198.51.100.1", 6).await >= 2, "one client over its budget is limited");
    assert_eq!(limited_calls(api, "198.51.100.2", 3).await, 0, "another client behind the same proxy is not");
    // Forwarding headers from a peer that is not a trusted proxy are ignored.
    let untrusted = HttpSettings {
        trusted_proxies: fed311::api::client_ip::parse_cidrs("10.0.0.0/8").unwrap(),
        ..Default::default()
    };
    let api = serve_in_process(j.path(), d.path(), options, untrusted).await;
    let spread: usize = limited_calls(api, "198.51.100.1", 3).await + limited_calls(api, "198.51.100.2", 3).await;
    assert!(spread >= 2, "a spoofed X-Forwarded-For buys no budget: {spread} limited");
}

#[tokio::test]
async fn a_key_in_the_query_string_never_reaches_the_debug_log() {
    let (j, d) = one_city();
    let mut server = ServeProcess::start(j.path(), d.path(), &["--no-harvest"], &[("RUST_LOG", "debug")], None).await;
    let secret = "sup3r-s3cret-client-key";
    let (status, _, _) = get(&format!(
        "http://{}/open311/v2/requests.json?jurisdiction_id=town&api_key={secret}&API_KEY={secret}",
        server.addr
    ))
    .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.kill9();
    let log = server.log_text();
    assert!(log.contains("api_key=[redacted]"), "the request is logged, its key redacted: {log}");
    assert!(!log.contains(secret), "the key is never logged");
}
