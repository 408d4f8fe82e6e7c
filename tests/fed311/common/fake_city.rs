//! A fake city that takes submissions: a real axum server on 127.0.0.1 with one service that
//! has a definition, a list of what it received, and switchable behaviour (accept, refuse,
//! refuse with a chosen HTTP status, stall the answer once after storing).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

/// How the city answers posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Store and answer with an id.
    Accept,
    /// Answer 400 with an errors body.
    Refuse,
    /// Answer this HTTP status with an errors body naming it.
    RefuseWith(u16),
    /// Store, then answer too late (once), then accept again.
    StallOnce,
    /// Echo the posted form and its key in the answer, as many servers do: a 200 stores it
    /// and quotes the form in `service_notice`; any other status refuses it quoting both.
    Echo(u16),
}

/// One posted form, as (name, value) pairs in the order sent.
pub type Form = Vec<(String, String)>;

/// The city's state, shared with the test.
#[derive(Clone)]
pub struct FakeCity {
    /// Every form received, in order.
    pub posts: Arc<Mutex<Vec<Form>>>,
    /// Current behaviour.
    pub mode: Arc<Mutex<Mode>>,
}

impl FakeCity {
    pub fn new(mode: Mode) -> FakeCity {
        FakeCity { posts: Arc::default(), mode: Arc::new(Mutex::new(mode)) }
    }

    pub fn post_count(&self) -> usize {
        self.posts.lock().unwrap().len()
    }

    /// Serves the city on `addr` (use 127.0.0.1:0 for any port).
    pub async fn serve(&self, addr: SocketAddr) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = self.router();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        addr
    }

    fn router(&self) -> Router {
        let list = self.clone();
        let post = self.clone();
        Router::new()
            .route("/services.json", get(|| async { axum::Json(services()) }))
            .route("/services/POT.json", get(|| async { axum::Json(definition()) }))
            .route(
                "/requests.json",
                get(move || async move { axum::Json(list.listed()) })
                    .post(move |body: Bytes| async move { post.take(&body).await }),
            )
    }

    fn listed(&self) -> serde_json::Value {
        let posts = self.posts.lock().unwrap();
        let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let field = |form: &Form, name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        json!(
            posts
                .iter()
                .enumerate()
                .map(|(i, form)| json!({
                    "service_request_id": format!("C-{}", i + 1),
                    "status": "open",
                    "service_code": field(form, "service_code"),
                    "description": field(form, "description"),
                    "lat": field(form, "lat").and_then(|v| v.parse::<f64>().ok()),
                    "long": field(form, "long").and_then(|v| v.parse::<f64>().ok()),
                    "requested_datetime": now,
                }))
                .collect::<Vec<_>>()
        )
    }

    async fn take(&self, body: &[u8]) -> Response {
        let form: Form = url::form_urlencoded::parse(body).into_owned().collect();
        let mode = *self.mode.lock().unwrap();
        if mode == Mode::Refuse {
            let errors = json!([{"code": 400, "description": "Address outside city limits"}]);
            return (StatusCode::BAD_REQUEST, axum::Json(errors)).into_response();
        }
        if let Mode::Echo(status) = mode {
            return self.echo(&form, body, status);
        }
        if let Mode::RefuseWith(status) = mode {
            let errors = json!([{"code": status, "description": format!("Refused with {status}")}]);
            return (StatusCode::from_u16(status).unwrap(), axum::Json(errors)).into_response();
        }
        let id = {
            let mut posts = self.posts.lock().unwrap();
            posts.push(form);
            format!("C-{}", posts.len())
        };
        if mode == Mode::StallOnce {
            *self.mode.lock().unwrap() = Mode::Accept;
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        axum::Json(json!([{"service_request_id": id, "service_notice": "Thank you"}])).into_response()
    }
}

impl FakeCity {
    fn echo(&self, form: &Form, body: &[u8], status: u16) -> Response {
        let echoed = String::from_utf8_lossy(body).into_owned();
        let key = form.iter().find(|(k, _)| k == "api_key").map(|(_, v)| v.clone()).unwrap_or_default();
        if status == 200 {
            let id = {
                let mut posts = self.posts.lock().unwrap();
                posts.push(form.clone());
                format!("C-{}", posts.len())
            };
            let notice = format!("Received with key {key}: {echoed}");
            return axum::Json(json!([{"service_request_id": id, "service_notice": notice}])).into_response();
        }
        let errors = json!([{"code": status, "description": format!("invalid api_key {key}; you sent {echoed}")}]);
        (StatusCode::from_u16(status).unwrap(), axum::Json(errors)).into_response()
    }
}

fn services() -> serde_json::Value {
    json!([
        {"service_code": "POT", "service_name": "Pothole", "metadata": true, "type": "realtime"},
        {"service_code": "GRF", "service_name": "Graffiti", "metadata": false, "type": "realtime"}
    ])
}

fn definition() -> serde_json::Value {
    json!({"service_code": "POT", "attributes": [
        {"variable": true, "code": "SIZE", "datatype": "singlevaluelist", "required": true, "order": 1,
         "description": "How big?", "values": [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}]},
        {"variable": true, "code": "WHERE", "datatype": "multivaluelist", "required": false, "order": 2,
         "description": "Where?", "values": [{"key": "lane", "name": "Lane"}, {"key": "curb", "name": "Curb"}]},
        {"variable": true, "code": "DEPTH", "datatype": "number", "required": false, "order": 3,
         "description": "How deep, in cm?"},
        {"variable": true, "code": "COMMENT", "datatype": "string", "required": false, "order": 4,
         "description": "Anything else?"},
        {"variable": false, "code": "NOTE", "datatype": "text", "required": false, "order": 5,
         "description": "Potholes are filled within five days."}
    ]})
}
