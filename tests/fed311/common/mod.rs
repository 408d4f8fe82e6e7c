//! Shared test helpers: real HTTP servers on 127.0.0.1 (fake cities and fed311 itself), a
//! real SQLite store in a temporary folder, and the `fed311` binary.

#![allow(dead_code)]

pub mod fake_city;
pub mod harness;
pub mod hostile;
pub mod world;

#[allow(unused_imports)]
pub use hostile::{failing_proxy, trickling_city};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fed311::app::{App, Roles, Settings};
use fed311::submit::ApiKeys;
use fed311::upstream::ClientSettings;

/// The responses recorded from real cities (`tests/fixtures/recorded/`, with their licences).
pub fn recorded_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recorded")
}

/// Serves `app` on an ephemeral loopback port for the rest of the test.
pub async fn spawn(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// A static file server that ignores query strings, like a recorded city.
pub async fn spawn_static(root: PathBuf) -> SocketAddr {
    async fn serve_file(State(root): State<Arc<PathBuf>>, request: Request) -> Response {
        let relative = request.uri().path().trim_start_matches('/');
        if relative.contains("..") {
            return StatusCode::BAD_REQUEST.into_response();
        }
        match std::fs::read(root.join(relative)) {
            Ok(bytes) => bytes.into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        }
    }
    spawn(Router::new().fallback(serve_file).with_state(Arc::new(root))).await
}

/// Settings for a fed311 in a test: the store in `data`, the index in `data/index`, the
/// registry in `jurisdictions`, and no background work unless a test turns it on.
pub fn test_settings(jurisdictions: &Path, data: &Path) -> Settings {
    Settings { roles: Roles::API, ..Settings::new(jurisdictions, data, &data.join("index")) }
}

/// Builds fed311 as `settings` say, with the index caught up with the store and coverage
/// areas derived, then serves it on loopback (the index then follows the store, as
/// `fed311 serve` does).
pub async fn spawn_app(settings: Settings) -> (SocketAddr, tokio::sync::watch::Sender<bool>) {
    let app = App::build(settings).await.expect("fed311 builds");
    app.catch_up().await.expect("fed311 catches up with its store");
    app.spawn().await.expect("fed311 serves")
}

/// fed311's API over the store in `data` and the registry in `jurisdictions`, with the search
/// index in `data/index` caught up and then following the store.
pub async fn spawn_fed311(jurisdictions: &Path, data: &Path) -> SocketAddr {
    spawn_app(test_settings(jurisdictions, data)).await.0
}

/// The PostgreSQL server tests may use (`FED311_TEST_POSTGRES`, e.g.
/// `postgres://fed311:fed311@127.0.0.1:5432/fed311`), or `None` after saying `skipping`;
/// with `FED311_REQUIRE_POSTGRES=1` (CI) a missing server fails the test instead.
#[allow(
    clippy::disallowed_methods,
    reason = "tests read their switches: FED311_TEST_POSTGRES, FED311_REQUIRE_POSTGRES"
)]
pub fn test_postgres(test: &str) -> Option<String> {
    let Ok(url) = std::env::var("FED311_TEST_POSTGRES") else {
        assert!(
            std::env::var("FED311_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "FED311_REQUIRE_POSTGRES=1 but FED311_TEST_POSTGRES is not set"
        );
        eprintln!("{test}: skipping PostgreSQL (set FED311_TEST_POSTGRES=postgres://…)");
        return None;
    };
    Some(url)
}

/// The client key the forwarding test servers accept.
pub const TEST_KEY: &str = "test-key-1";

/// fed311's API plus its forwarder (for submissions), calling cities with short waits.
/// Sending `true` on the returned channel stops it, as a restart would.
pub async fn spawn_fed311_forwarding(
    jurisdictions: &Path,
    data: &Path,
) -> (SocketAddr, tokio::sync::watch::Sender<bool>) {
    let settings = Settings {
        index: None,
        roles: Roles { forward: true, ..Roles::API },
        api_keys: ApiKeys::new([TEST_KEY.to_string()]),
        upstream: ClientSettings {
            backoff_unit: std::time::Duration::from_millis(20),
            timeout: std::time::Duration::from_secs(2),
        },
        ..test_settings(jurisdictions, data)
    };
    spawn_app(settings).await
}

/// Writes a jurisdiction file. Test cities run on this machine and allow 1,000 calls a
/// second unless `extra` sets a `rate_limit` of its own.
pub fn write_city(dir: &Path, id: &str, endpoint: &str, extra: &str) {
    let rate = if extra.contains("rate_limit") { "" } else { "rate_limit = \"1000/s\"\n" };
    let text = format!(
        "id = \"{id}\"\nname = \"{id} test city\"\nendpoint = \"{endpoint}\"\ntimezone = \"America/Toronto\"\n{extra}\n{rate}"
    );
    std::fs::write(dir.join(format!("{id}.toml")), text).unwrap();
}

/// Runs the real `fed311` binary with the given folders; returns (success, stdout, stderr).
pub fn fed311(jurisdictions: &Path, data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fed311"))
        .arg("--jurisdictions")
        .arg(jurisdictions)
        .arg("--data")
        .arg(data)
        .arg("--index")
        .arg(data.join("index"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env("FED311_BACKOFF_MS", "10")
        .output()
        .expect("fed311 runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// GETs a URL on loopback; returns status, content type and body.
pub async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.expect("request succeeds");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, content_type, response.text().await.unwrap())
}

/// GETs and parses JSON.
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let (status, _, body) = get(url).await;
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url} gave invalid JSON ({e}): {body}")))
}

/// A free loopback port (bound, then released).
pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// A running `fed311 serve` (the real binary), killed with SIGKILL when dropped; its stderr
/// is written to `log`.
pub struct ServeProcess {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl ServeProcess {
    /// Starts `fed311 serve --addr <free port>` with the folders, extra `args` and `env`,
    /// under an open-file limit when one is given, and waits until `/healthz` answers.
    pub async fn start(
        jurisdictions: &Path,
        data: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        open_files: Option<u32>,
    ) -> ServeProcess {
        ServeProcess::start_indexed(jurisdictions, data, &data.join("index"), args, env, open_files).await
    }

    /// [`ServeProcess::start`] with the search index in `index` (nodes sharing a store each
    /// keep their own).
    pub async fn start_indexed(
        jurisdictions: &Path,
        data: &Path,
        index: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        open_files: Option<u32>,
    ) -> ServeProcess {
        let addr = free_addr();
        let log = data.join(format!("serve-{}.log", addr.port()));
        let mut command = match open_files {
            // The shell lowers the limit, then becomes fed311.
            Some(n) => {
                let mut c = std::process::Command::new("sh");
                c.arg("-c").arg(format!("ulimit -n {n} && exec \"$0\" \"$@\"")).arg(env!("CARGO_BIN_EXE_fed311"));
                c
            }
            None => std::process::Command::new(env!("CARGO_BIN_EXE_fed311")),
        };
        command
            .arg("--jurisdictions")
            .arg(jurisdictions)
            .arg("--data")
            .arg(data)
            .arg("--index")
            .arg(index)
            .arg("serve")
            .arg("--addr")
            .arg(addr.to_string())
            .args(args)
            .env("RUST_LOG", "warn")
            .env("FED311_BACKOFF_MS", "10")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let child = command.spawn().expect("fed311 serve starts");
        let mut served = ServeProcess { child, addr, log };
        served.wait_healthy().await;
        served
    }

    /// Waits (up to 30 s) until `/healthz` answers 200.
    pub async fn wait_healthy(&mut self) {
        let url = format!("http://{}/healthz", self.addr);
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("fed311 serve exited ({status}): {}", self.log_text());
            }
            if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fed311 serve never answered /healthz: {}", std::fs::read_to_string(&self.log).unwrap_or_default());
    }

    /// Kills the process with SIGKILL (no shutdown work at all) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What it wrote to stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
