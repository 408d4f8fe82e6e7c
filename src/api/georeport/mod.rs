//! The GeoReport v2 API, as the spec writes it: every URL under `/open311/v2/`, and the same
//! under each jurisdiction's own base `/jurisdictions/{id}/open311/v2/` (where
//! `jurisdiction_id` is implied). One handler serves each resource under both bases; the
//! [`Resource`] it was called at says which (its scope, [`call`]).
//!
//! Reads, in JSON or XML by the file's extension: `discovery` ([`discovery`]), `services` and
//! `services/{code}` ([`services`]), `requests` and `requests/{id}` ([`requests`], with the
//! paging, `updated_*` and search extensions read by [`params`]). Writes: `POST requests` and
//! `tokens/{token}` ([`submit`]). Every failure is the spec's `errors` body in the call's
//! format.

mod call;
mod discovery;
mod document;
mod params;
mod requests;
mod services;
mod submit;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use super::{AppState, GeoReportErrors};
pub(super) use call::Resource;
use call::{Call, respond};
pub(super) use submit::post;

/// The two bases every GeoReport resource is served under: the global one, where
/// `jurisdiction_id` names the city, and each jurisdiction's own.
const BASES: [&str; 2] = ["/open311/v2", "/jurisdictions/{jid}/open311/v2"];

/// The GeoReport routes, under both bases.
pub fn routes() -> Router<AppState> {
    BASES.iter().fold(Router::new(), |routes, base| {
        routes
            .route(&format!("{base}/{{file}}"), get(top).post(submit::post))
            .route(&format!("{base}/services/{{file}}"), get(service_definition))
            .route(&format!("{base}/requests/{{file}}"), get(one_request))
            .route(&format!("{base}/tokens/{{file}}"), get(submit::token))
    })
}

/// `GET discovery`, `services` and `requests` (by the file's name).
async fn top(
    State(s): State<AppState>,
    Path(at): Path<Resource>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (name, mut call) = Call::new(at, q);
    call.accept_encoding =
        headers.get(axum::http::header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).map(str::to_string);
    respond(match name.as_str() {
        "discovery" => discovery::discovery(&s, &call, &headers).await,
        "services" => services::services(&s, &call).await,
        "requests" => requests::requests(&s, &call).await,
        other => Err(call.fail(GeoReportErrors::not_found(format!("no GeoReport resource `{other}`")))),
    })
}

/// `GET services/{code}`.
async fn service_definition(State(s): State<AppState>, Path(at): Path<Resource>, RawQuery(q): RawQuery) -> Response {
    let (code, call) = Call::new(at, q);
    respond(services::definition(&s, &call, code).await)
}

/// `GET requests/{id}`.
async fn one_request(State(s): State<AppState>, Path(at): Path<Resource>, RawQuery(q): RawQuery) -> Response {
    let (id, call) = Call::new(at, q);
    respond(requests::one(&s, &call, id).await)
}

/// The store's change stamp, for cached answers.
fn stamp(s: &AppState, call: &Call) -> Result<u64, GeoReportErrors> {
    s.store.data_version().map(|v| v as u64).map_err(|e| call.fail(GeoReportErrors::internal(&e)))
}
