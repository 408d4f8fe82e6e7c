//! GeoReport v2 read endpoints: `discovery`, `services`, `services/{code}`, `requests`,
//! `requests/{id}`, in JSON and XML, for one jurisdiction at a time.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use super::cache::Rendered;
use super::error::{document, document_bytes};
use super::params::Params;
use super::{AppState, GeoError};
use crate::domain::{Discovery, DiscoveryEndpoint};
use crate::registry::Jurisdiction;
use crate::store::RequestPage;
use crate::wire::WireFormat;
use crate::wire::write;

/// The GeoReport routes, global and per jurisdiction.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top).post(super::submit::post))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/jurisdictions/{jid}/open311/v2/{file}", get(scoped_top).post(super::submit::scoped_post))
        .route("/open311/v2/tokens/{file}", get(super::submit::token))
        .route("/jurisdictions/{jid}/open311/v2/tokens/{file}", get(super::submit::scoped_token))
        .route("/jurisdictions/{jid}/open311/v2/services/{file}", get(scoped_service_definition))
        .route("/jurisdictions/{jid}/open311/v2/requests/{file}", get(scoped_one_request))
}

/// One GeoReport call: its format, parameters and (implied) jurisdiction.
pub(super) struct Call {
    pub(super) format: WireFormat,
    pub(super) params: Params,
    pub(super) scope: Option<String>,
    /// The client's `Accept-Encoding`, for answers kept compressed.
    pub(super) accept_encoding: Option<String>,
}

impl Call {
    pub(super) fn new(file: &str, query: Option<String>, scope: Option<String>) -> (String, Call) {
        let (name, format) = split_format(file);
        (name, Call { format, params: Params::parse(query.as_deref()), scope, accept_encoding: None })
    }

    /// The jurisdiction asked for: from the path, else `jurisdiction_id` (ours, or a city's
    /// own upstream id when exactly one city uses it). Under a jurisdiction's own base, a
    /// `jurisdiction_id` naming another city is refused.
    pub(super) fn jurisdiction<'a>(&self, state: &'a AppState) -> Result<&'a Jurisdiction, GeoError> {
        let named = self.params.get("jurisdiction_id");
        let Some(wanted) = self.scope.as_deref().or(named) else {
            return Err(self.fail(GeoError::bad_request(
                "jurisdiction_id is required: see /api/v1/jurisdictions for the list".to_string(),
            )));
        };
        let found = find_jurisdiction(state, wanted)
            .ok_or_else(|| self.fail(GeoError::not_found(format!("jurisdiction_id `{wanted}` is unknown"))))?;
        if let (Some(_), Some(named)) = (&self.scope, named) {
            if found.id != named && found.config.upstream_jurisdiction_id.as_deref() != Some(named) {
                let detail = format!("jurisdiction_id `{named}` is not {}, whose base this is", found.id);
                return Err(self.fail(GeoError::bad_request(detail)));
            }
        }
        Ok(found)
    }

    pub(super) fn fail(&self, e: GeoError) -> GeoError {
        e.in_format(self.format)
    }

    /// The path of `name` under this call's GeoReport base (for links).
    fn path_of(&self, name: &str) -> String {
        let base = match &self.scope {
            Some(jid) => format!("/jurisdictions/{jid}/open311/v2/"),
            None => "/open311/v2/".to_string(),
        };
        format!("{base}{name}.{}", self.format.extension())
    }
}

pub(super) fn find_jurisdiction<'a>(state: &'a AppState, wanted: &str) -> Option<&'a Jurisdiction> {
    state.registry.get(wanted).or_else(|| {
        let mut upstream =
            state.registry.iter().filter(|j| j.config.upstream_jurisdiction_id.as_deref() == Some(wanted));
        match (upstream.next(), upstream.next()) {
            (Some(j), None) => Some(j),
            _ => None,
        }
    })
}

/// `name.json` → (name, JSON); `name.xml` → (name, XML); anything else is JSON.
fn split_format(file: &str) -> (String, WireFormat) {
    match file.rsplit_once('.') {
        Some((name, "json")) => (name.to_string(), WireFormat::Json),
        Some((name, "xml")) => (name.to_string(), WireFormat::Xml),
        _ => (file.to_string(), WireFormat::Json),
    }
}

async fn top(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    dispatch_top(s, file, q, None, headers).await
}

async fn scoped_top(
    State(s): State<AppState>,
    Path((jid, file)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    dispatch_top(s, file, q, Some(jid), headers).await
}

async fn service_definition(State(s): State<AppState>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Response {
    let (code, call) = Call::new(&file, q, None);
    respond(definition(&s, &call, code).await)
}

async fn scoped_service_definition(
    State(s): State<AppState>,
    Path((jid, file)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let (code, call) = Call::new(&file, q, Some(jid));
    respond(definition(&s, &call, code).await)
}

async fn one_request(State(s): State<AppState>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Response {
    let (id, call) = Call::new(&file, q, None);
    respond(request_by_id(&s, &call, id).await)
}

async fn scoped_one_request(
    State(s): State<AppState>,
    Path((jid, file)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    let (id, call) = Call::new(&file, q, Some(jid));
    respond(request_by_id(&s, &call, id).await)
}

pub(super) fn respond(result: Result<Response, GeoError>) -> Response {
    result.unwrap_or_else(axum::response::IntoResponse::into_response)
}

async fn dispatch_top(
    s: AppState,
    file: String,
    q: Option<String>,
    scope: Option<String>,
    headers: HeaderMap,
) -> Response {
    let (name, mut call) = Call::new(&file, q, scope);
    call.accept_encoding =
        headers.get(axum::http::header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).map(str::to_string);
    respond(match name.as_str() {
        "discovery" => discovery(&s, &call, &headers).await,
        "services" => services(&s, &call).await,
        "requests" => requests(&s, &call).await,
        other => Err(call.fail(GeoError::not_found(format!("no GeoReport resource `{other}`")))),
    })
}

/// The service list, rendered once per change of the store's services.
async fn services(s: &AppState, call: &Call) -> Result<Response, GeoError> {
    let j = call.jurisdiction(s)?;
    let version = stamp(s, call)?;
    let key = format!("services|{}|{}", j.id, call.format.extension());
    let rendered = match s.cache.get(&key, version) {
        Some(rendered) => rendered,
        None => {
            let (store, id) = (s.store.clone(), j.id.clone());
            let list = blocking(call, move || store.list_services(&id)).await?;
            let text = match call.format {
                WireFormat::Json => write::services_json(&list),
                WireFormat::Xml => write::services_xml(&list),
            };
            let rendered = Rendered::new(text, list.len());
            s.cache.put(key, version, rendered.clone());
            rendered
        }
    };
    let mut response = cached_document(call, rendered);
    s.harvest_marks.mark(&mut response, &s.store, version, &j.id);
    Ok(response)
}

/// A cached answer with its validator, in the encoding the client accepts (compressed once
/// per answer, not per call).
fn cached_document(call: &Call, rendered: Rendered) -> Response {
    use axum::http::{HeaderValue, header};
    let encoded = call.accept_encoding.as_deref().and_then(|accept| rendered.encoded(accept));
    let mut response = match encoded {
        Some((name, body)) => {
            let mut response = document_bytes(call.format, body);
            response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
            response
        }
        None => document_bytes(call.format, rendered.body),
    };
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response.headers_mut().insert(header::ETAG, rendered.etag);
    response
}

async fn definition(s: &AppState, call: &Call, code: String) -> Result<Response, GeoError> {
    let j = call.jurisdiction(s)?;
    let (store, id, c) = (s.store.clone(), j.id.clone(), code.clone());
    match blocking(call, move || store.service_definition(&id, &c)).await? {
        None => Err(call.fail(GeoError::not_found(format!("service_code `{code}` is unknown in {}", j.id)))),
        Some(None) => Err(call.fail(GeoError::not_found(format!("service_code `{code}` has no service definition")))),
        Some(Some(d)) => Ok(document(call.format, || write::definition_json(&d), || write::definition_xml(&d))),
    }
}

async fn requests(s: &AppState, call: &Call) -> Result<Response, GeoError> {
    let j = call.jurisdiction(s)?;
    let page = call.params.request_page(&j.id, &j.timezone).map_err(|e| call.fail(e))?;
    let next = NextPage { limit: page.limit, page: page.offset / page.limit.max(1) + 1, start: page.filter.start };
    let found = call.params.search_extensions().map_err(|e| call.fail(e))?;
    let (mut response, items) = match found.filter(|_| page.ids.is_empty()) {
        Some(extensions) => {
            let query = extensions.query(page);
            let rows = super::search::georeport_page(s, query).await.map_err(|e| call.fail(e))?;
            let list = rows.iter().map(|r| &r.request);
            let response =
                document(call.format, || write::requests_json(list.clone()), || write::requests_xml(list.clone()));
            (response, rows.len())
        }
        None => stored_requests(s, call, j, page).await?,
    };
    if items as u64 >= next.limit {
        next.link(&mut response, call);
    }
    s.harvest_marks.mark(&mut response, &s.store, stamp(s, call)?, &j.id);
    Ok(response)
}

/// Where the next page of a full GeoReport list is.
struct NextPage {
    limit: u64,
    page: u64,
    /// The window's start (explicit in the link when it was the spec's default).
    start: Option<jiff::Timestamp>,
}

impl NextPage {
    fn link(&self, response: &mut Response, call: &Call) {
        let mut set = vec![("page", (self.page + 1).to_string()), ("page_size", self.limit.to_string())];
        if call.params.get("start_date").is_none() {
            if let Some(start) = self.start {
                set.push(("start_date", crate::domain::time::format_utc(start)));
            }
        }
        super::paging::link_next(response, &call.path_of("requests"), call.params.pairs(), &set);
    }
}

/// The store's change stamp, for cached answers.
fn stamp(s: &AppState, call: &Call) -> Result<u64, GeoError> {
    s.store.data_version().map(|v| v as u64).map_err(|e| call.fail(GeoError::internal(&e)))
}

/// A list straight from the store, rendered once per store version and parameters; with
/// how many requests it lists.
async fn stored_requests(
    s: &AppState,
    call: &Call,
    j: &Jurisdiction,
    page: RequestPage,
) -> Result<(Response, usize), GeoError> {
    let version = stamp(s, call)?;
    let params: Vec<String> = call.params.pairs().iter().map(|(k, v)| format!("{k}={v}")).collect();
    // The spec's default window moves with the clock: by the minute is fresh enough.
    let window = page.filter.start.map(|t| t.as_second() / 60).unwrap_or_default();
    let key = format!("requests|{}|{}|{}|{window}", j.id, call.format.extension(), params.join("&"));
    if let Some(rendered) = s.cache.get(&key, version) {
        let items = rendered.items;
        return Ok((cached_document(call, rendered), items));
    }
    let store = s.store.clone();
    let rows = blocking(call, move || store.list_requests(&page)).await?;
    let list = rows.iter().map(|r| &r.request);
    let text = match call.format {
        WireFormat::Json => write::requests_json(list),
        WireFormat::Xml => write::requests_xml(list),
    };
    let rendered = Rendered::new(text, rows.len());
    s.cache.put(key, version, rendered.clone());
    let items = rendered.items;
    Ok((cached_document(call, rendered), items))
}

async fn request_by_id(s: &AppState, call: &Call, wanted: String) -> Result<Response, GeoError> {
    let j = call.jurisdiction(s)?;
    let (store, id, w) = (s.store.clone(), j.id.clone(), wanted.clone());
    match blocking(call, move || store.get_request(&id, &w)).await? {
        None => Err(call.fail(GeoError::not_found(format!("service_request_id `{wanted}` not found in {}", j.id)))),
        Some(row) => {
            Ok(document(call.format, || write::requests_json([&row.request]), || write::requests_xml([&row.request])))
        }
    }
}

/// fed311's own discovery: where its GeoReport base is and what it speaks.
async fn discovery(s: &AppState, call: &Call, headers: &HeaderMap) -> Result<Response, GeoError> {
    let Some(origin) = super::origin::origin(headers) else {
        let detail = "discovery needs a Host header naming this server, to write its address";
        return Err(call.fail(GeoError::bad_request(detail)));
    };
    let origin = origin.as_str().trim_end_matches('/');
    let base = match &call.scope {
        Some(_) => format!("{origin}/jurisdictions/{}/open311/v2/", call.jurisdiction(s)?.id),
        None => format!("{origin}/open311/v2/"),
    };
    let ids: Vec<String> = match &call.scope {
        Some(_) => vec![call.jurisdiction(s)?.id.clone()],
        None => s.registry.iter().map(|j| j.id.clone()).collect(),
    };
    let store = s.store.clone();
    let changed = blocking(call, move || store.changeset(&ids)).await?;
    let changeset = crate::domain::time::format_utc(changeset_time(changed));
    let d = Discovery {
        changeset: Some(changeset.clone()),
        contact: Some("fed311: one Open311 API for every city".to_string()),
        key_service: Some("Reads need no key. Submissions need a fed311 key from the operator.".to_string()),
        endpoints: vec![DiscoveryEndpoint {
            specification: Some("http://wiki.open311.org/GeoReport_v2".to_string()),
            url: Some(base),
            changeset: Some(changeset),
            endpoint_type: Some("production".to_string()),
            formats: vec!["text/xml".to_string(), "application/json".to_string()],
        }],
    };
    Ok(document(call.format, || write::discovery_json(&d), || write::discovery_xml(&d)))
}

/// Discovery's `changeset`: when the registry or a service list last changed (as the store
/// saw it), else when this process started.
fn changeset_time(changed: Option<i64>) -> jiff::Timestamp {
    static STARTED: std::sync::OnceLock<jiff::Timestamp> = std::sync::OnceLock::new();
    let started =
        *STARTED.get_or_init(|| jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap_or_default());
    changed.and_then(|t| jiff::Timestamp::from_second(t).ok()).unwrap_or(started)
}

/// Runs a store call on the blocking pool (SQLite is synchronous), its failure in the call's
/// format.
pub(super) async fn blocking<T: Send + 'static>(
    call: &Call,
    f: impl FnOnce() -> crate::store::Result<T> + Send + 'static,
) -> Result<T, GeoError> {
    super::blocking::for_georeport(f).await.map_err(|e| call.fail(e))
}
