//! `POST requests` and `GET tokens/{token}`: submissions routed to the right city (by
//! `jurisdiction_id`, or by the point's boundary), checked against the service definition,
//! written to the durable outbox, then forwarded. The answer carries the city's id when the
//! city answers within a few seconds, otherwise a fed311 token that resolves later.
//!
//! A refused submission is answered, on the post and on its token, with the refusal's words in
//! the spec `errors` body: 400 when the city found the data wrong (it answered 400 or 422),
//! otherwise 502 Bad Gateway (the city answered 401, 403, 404, 405…, or fed311 itself could no
//! longer forward it, e.g. the jurisdiction left the registry after the post was accepted:
//! nothing the client can fix by changing its report).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::call::{Call, Resource, find_jurisdiction, respond};
use super::document::document;
use crate::api::blocking::run;
use crate::api::params::Params;
use crate::api::{AppState, GeoReportErrors};
use crate::domain::PostReceipt;
use crate::registry::Jurisdiction;
use crate::store::Submission;
use crate::submit::{Questions, new_token, refusal_blames_the_client, validate_against};
use crate::wire::write;

/// How long a client waits for the city's own id before getting a token.
const WAIT_FOR_CITY: Duration = Duration::from_secs(5);

/// `POST requests.{fmt}`, under either base.
pub async fn post(
    State(s): State<AppState>,
    Path(at): Path<Resource>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(submit(&s, at, q, Form { kind: content_type(&headers), body: &body }).await)
}

/// A posted body and its declared type.
struct Form<'a> {
    kind: Option<String>,
    body: &'a [u8],
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers.get(header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_ascii_lowercase())
}

/// The spec posts a report as a URL-encoded form; another declared type, or a body that is
/// not UTF-8, is refused rather than read as an empty form.
fn form_pairs(call: &Call, form: &Form<'_>) -> Result<Params, GeoReportErrors> {
    let kind = form.kind.as_deref().unwrap_or("");
    if !form.body.is_empty() && !kind.is_empty() && !kind.starts_with("application/x-www-form-urlencoded") {
        let detail =
            format!("a report is posted as application/x-www-form-urlencoded, not {kind} (media goes by media_url)");
        return Err(call.fail(GeoReportErrors::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail)));
    }
    let text = std::str::from_utf8(form.body)
        .map_err(|_| call.fail(GeoReportErrors::bad_request("the posted form is not UTF-8")))?;
    Ok(Params::parse(Some(text)))
}

/// `GET tokens/{token}.{fmt}`, under either base.
pub async fn token(State(s): State<AppState>, Path(at): Path<Resource>, RawQuery(q): RawQuery) -> Response {
    let (token, call) = Call::new(at, q);
    respond(resolve_token(&s, &call, token).await)
}

async fn submit(
    s: &AppState,
    at: Resource,
    query: Option<String>,
    form: Form<'_>,
) -> Result<Response, GeoReportErrors> {
    let (name, mut call) = Call::new(at, query);
    if name != "requests" {
        return Err(
            call.fail(GeoReportErrors::new(StatusCode::METHOD_NOT_ALLOWED, format!("`{name}` cannot be posted to")))
        );
    }
    let posted = form_pairs(&call, &form)?;
    call.params.extend(posted);
    check_key(s, &call)?;
    let city = route(s, &call)?;
    let code = call
        .params
        .get("service_code")
        .ok_or_else(|| call.fail(GeoReportErrors::bad_request("service_code is required")))?
        .to_string();
    let verified = check_service(s, &call, city, &code).await?;
    let form: Vec<(String, String)> =
        call.params.pairs().iter().filter(|(k, _)| k != "api_key" && k != "jurisdiction_id").cloned().collect();
    let token = new_token();
    let (store, id, c, f, t) = (s.store.clone(), city.id.clone(), code.clone(), form.clone(), token.clone());
    run(move || store.enqueue(&t, &id, &c, &f)).await.map_err(|e| call.fail(e))?;
    tracing::info!(jurisdiction = %city.id, %token, service_code = %code, "Submission accepted");
    s.wake_forwarder.notify_one();
    let outcome = wait_for_city(s, &call, &token).await?;
    answer(s, &call, city, outcome, verified)
}

/// Clients post with a key from `FED311_API_KEYS`; the key is never echoed or logged.
fn check_key(s: &AppState, call: &Call) -> Result<(), GeoReportErrors> {
    let given = call.params.get("api_key").unwrap_or("");
    if s.api_keys.accepts(given) {
        return Ok(());
    }
    Err(call.fail(GeoReportErrors::new(StatusCode::FORBIDDEN, "api_key is missing or not valid")))
}

/// The city: named by `jurisdiction_id` (or the path), else the one whose boundary holds
/// `lat`/`long`. None or several is a 400 naming the candidates.
fn route<'a>(s: &'a AppState, call: &Call) -> Result<&'a Jurisdiction, GeoReportErrors> {
    if call.scope.is_some() || call.params.get("jurisdiction_id").is_some() {
        return call.jurisdiction(s);
    }
    let (Some(lat), Some(long)) = (call.params.get("lat"), call.params.get("long")) else {
        return Err(call
            .fail(GeoReportErrors::bad_request("jurisdiction_id is required, or lat and long to route by location")));
    };
    let (Ok(lat), Ok(long)) = (lat.parse::<f64>(), long.parse::<f64>()) else {
        return Err(call.fail(GeoReportErrors::bad_request("lat and long must be numbers")));
    };
    let found = s.geo.locate(lat, long);
    match found.as_slice() {
        [one] => find_jurisdiction(s, one)
            .ok_or_else(|| call.fail(GeoReportErrors::not_found(format!("jurisdiction `{one}` is unknown")))),
        [] => Err(call
            .fail(GeoReportErrors::bad_request(format!("no jurisdiction covers {lat},{long}: send jurisdiction_id")))),
        many => Err(call.fail(GeoReportErrors::bad_request(format!(
            "several jurisdictions cover {lat},{long}: {}; send jurisdiction_id",
            many.join(", ")
        )))),
    }
}

/// Whether the service code could be checked against the city's harvested service list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verified {
    /// The city lists it.
    Yes,
    /// fed311 has no service list for the city yet (never reached): the city will judge.
    NotYet,
}

/// Checks the service and the answers to its questions. A city whose service list was never
/// harvested cannot be checked: its report is taken, answers and all, for the city to judge.
async fn check_service(
    s: &AppState,
    call: &Call,
    city: &Jurisdiction,
    code: &str,
) -> Result<Verified, GeoReportErrors> {
    let (store, id, c) = (s.store.clone(), city.id.clone(), code.to_string());
    let found = run(move || -> crate::store::Result<_> {
        let definition = store.service_definition(&id, &c)?;
        let services = match &definition {
            Some(Some(_)) => Vec::new(),
            _ => store.list_services(&id)?,
        };
        // Without a stored definition: does the service say it has questions?
        let has_questions = services.iter().any(|service| service.service_code == c && service.metadata);
        Ok((definition, has_questions, services.is_empty()))
    })
    .await
    .map_err(|e| call.fail(e))?;
    let (questions, verified) = match &found {
        (None, _, true) => (Questions::Unknown, Verified::NotYet),
        (None, _, false) => {
            let detail = format!("service_code `{code}` is not offered by {}", city.id);
            return Err(call.fail(GeoReportErrors::bad_request(detail)));
        }
        (Some(Some(definition)), _, _) => (Questions::Defined(definition), Verified::Yes),
        (Some(None), true, _) => (Questions::Unknown, Verified::Yes),
        (Some(None), false, _) => (Questions::None, Verified::Yes),
    };
    validate_against(call.params.pairs(), questions).map_err(|e| call.fail(GeoReportErrors::bad_request(e.0)))?;
    Ok(verified)
}

/// Polls the outbox until the city answered, the first attempt failed, or time is up.
async fn wait_for_city(s: &AppState, call: &Call, token: &str) -> Result<Submission, GeoReportErrors> {
    let started = Instant::now();
    loop {
        let (store, t) = (s.store.clone(), token.to_string());
        let row = run(move || store.submission(&t)).await.map_err(|e| call.fail(e))?;
        let row = row.ok_or_else(|| call.fail(GeoReportErrors::internal(&"submission vanished from the outbox")))?;
        let settled =
            matches!(row.state.as_str(), "delivered" | "refused") || row.attempts > 0 && row.state != "sending";
        if settled || started.elapsed() >= WAIT_FOR_CITY {
            return Ok(row);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn answer(
    s: &AppState,
    call: &Call,
    city: &Jurisdiction,
    row: Submission,
    verified: Verified,
) -> Result<Response, GeoReportErrors> {
    if row.state == "refused" {
        return Err(call.fail(refused(s, row)));
    }
    let city_notice = s.secrets.scrub_opt(row.service_notice);
    let unverified = (verified == Verified::NotYet).then(|| {
        format!(
            "service_code `{}` is not verified: fed311 has not reached {} yet, so the city will judge the report.",
            row.service_code, city.name
        )
    });
    let delivered = row.state == "delivered" && row.service_request_id.as_deref().is_some_and(|id| !id.is_empty());
    let receipt = if delivered {
        let notice = [city_notice, unverified].into_iter().flatten().collect::<Vec<_>>().join(" ");
        PostReceipt {
            service_request_id: row.service_request_id,
            service_notice: (!notice.is_empty()).then_some(notice),
            ..Default::default()
        }
    } else {
        let queued = format!("Queued for delivery to {}; resolve the token for the city's id.", city.name);
        let notice = [city_notice.or(Some(queued)), unverified].into_iter().flatten().collect::<Vec<_>>().join(" ");
        PostReceipt { token: Some(row.token), service_notice: Some(notice), ..Default::default() }
    };
    let receipts = [receipt];
    Ok(document(call.format, || write::receipts_json(&receipts), || write::receipts_xml(&receipts)))
}

async fn resolve_token(s: &AppState, call: &Call, token: String) -> Result<Response, GeoReportErrors> {
    let (store, t) = (s.store.clone(), token.clone());
    let row = run(move || store.submission(&t)).await.map_err(|e| call.fail(e))?;
    let scoped_elsewhere = |row: &Submission| call.scope.as_ref().is_some_and(|j| *j != row.jurisdiction_id);
    let row = match row {
        Some(row) if !scoped_elsewhere(&row) => row,
        _ => return Err(call.fail(GeoReportErrors::not_found(format!("token `{token}` is unknown")))),
    };
    if row.state == "refused" {
        return Err(call.fail(refused(s, row)));
    }
    let id = row.service_request_id.filter(|id| !id.is_empty());
    let receipts = [PostReceipt { service_request_id: id, token: Some(row.token), ..Default::default() }];
    Ok(document(call.format, || write::receipts_json(&receipts), || write::receipts_xml(&receipts)))
}

/// A refused submission's answer: 400 when the city found the data wrong, else 502. The
/// city's words are scrubbed of keys again (rows stored before scrubbing existed).
fn refused(s: &AppState, row: Submission) -> GeoReportErrors {
    let words = s.secrets.scrub(&row.error.unwrap_or_else(|| "the city refused it".into()));
    if refusal_blames_the_client(row.refusal_status) {
        GeoReportErrors::bad_request(words)
    } else {
        GeoReportErrors::new(StatusCode::BAD_GATEWAY, words)
    }
}
