//! `requests.{fmt}` and `requests/{id}.{fmt}`: a jurisdiction's requests, straight from the
//! store (rendered once per store version and parameters) or, with the `q`, `bbox` and
//! radius extensions, found through the search index; with a `Link` to the next page when a
//! list is full.

use axum::response::Response;

use super::call::Call;
use super::document::{cached_document, document};
use super::stamp;
use crate::api::blocking::run;
use crate::api::cache::Rendered;
use crate::api::{AppState, GeoReportErrors};
use crate::registry::Jurisdiction;
use crate::search::SearchQuery;
use crate::store::{RequestPage, StoredRequest};
use crate::wire::WireFormat;
use crate::wire::write;

/// A list of requests.
pub(super) async fn requests(s: &AppState, call: &Call) -> Result<Response, GeoReportErrors> {
    let j = call.jurisdiction(s)?;
    let page = call.params.request_page(&j.id, &j.timezone).map_err(|e| call.fail(e))?;
    let next = NextPage { limit: page.limit, page: page.offset / page.limit.max(1) + 1, start: page.filter.start };
    let found = call.params.search_extensions().map_err(|e| call.fail(e))?;
    let (mut response, items) = match found.filter(|_| page.ids.is_empty()) {
        Some(extensions) => {
            let query = extensions.query(page);
            let rows = indexed(s, query).await.map_err(|e| call.fail(e))?;
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
        crate::api::paging::link_next(response, &call.path_of("requests"), call.params.pairs(), &set);
    }
}

/// One page of records found through the index (the query names the jurisdiction), for the
/// `q`, `bbox` and radius extensions.
async fn indexed(s: &AppState, query: SearchQuery) -> Result<Vec<StoredRequest>, GeoReportErrors> {
    let Some(index) = s.index.clone() else {
        return Err(GeoReportErrors::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "q, bbox and radius need the search index",
        ));
    };
    let store = s.store.clone();
    Ok(run(move || index.search(&query)?.records(&store)).await?)
}

/// A list straight from the store, rendered once per store version and parameters; with
/// how many requests it lists.
async fn stored_requests(
    s: &AppState,
    call: &Call,
    j: &Jurisdiction,
    page: RequestPage,
) -> Result<(Response, usize), GeoReportErrors> {
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
    let rows = run(move || store.list_requests(&page)).await.map_err(|e| call.fail(e))?;
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

/// The request with id `wanted`.
pub(super) async fn one(s: &AppState, call: &Call, wanted: String) -> Result<Response, GeoReportErrors> {
    let j = call.jurisdiction(s)?;
    let (store, id, w) = (s.store.clone(), j.id.clone(), wanted.clone());
    match run(move || store.get_request(&id, &w)).await.map_err(|e| call.fail(e))? {
        None => {
            Err(call.fail(GeoReportErrors::not_found(format!("service_request_id `{wanted}` not found in {}", j.id))))
        }
        Some(row) => {
            Ok(document(call.format, || write::requests_json([&row.request]), || write::requests_xml([&row.request])))
        }
    }
}
