//! The federation search: `GET /api/v1/requests` (filters in the query string) and
//! `POST /api/v1/requests/search` (the same as JSON fields, plus `polygon`). The index finds
//! keys, the store gives the records (it is the truth). JSON answers one page
//! `{"requests", "next_cursor", "total"}`; `format=geojson|csv|ndjson` streams every match
//! (or `limit` of them).

mod body;
pub(crate) mod form;
pub(crate) mod rendered;
mod stream;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::api::AppState;
use crate::api::blocking::run;
use crate::api::openapi;
use crate::api::params::Params;
use crate::api::problem::Problem;
use form::Search;

/// The search routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/requests", get(list)).route("/api/v1/requests/search", post(search_posted))
}

#[utoipa::path(
    get,
    path = "/api/v1/requests",
    operation_id = "search_requests",
    tag = "search",
    summary = "Search requests across every city",
    description = "Every filter given must hold. JSON answers one page `{requests, next_cursor, total}`; `format=geojson|csv|ndjson` streams every match (or `limit` of them).",
    params(
        openapi::Filters,
        openapi::Listing,
    ),
    responses(
        (status = 200, description = "One JSON page, or with `format` every match streamed (header `x-total-count`)", content((openapi::RequestsPage = "application/json"), ("application/geo+json"), ("text/csv"), ("application/x-ndjson"))),
        (status = 400, description = "A bad or unknown parameter, named", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "No search index is open", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
async fn list(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let pairs = Params::parse(q.as_deref());
    let search = form::parse(&pairs, &s.registry);
    let (mut response, next) = respond(s, search).await;
    if let Some(cursor) = next {
        crate::api::paging::link_next(&mut response, "/api/v1/requests", pairs.pairs(), &[("cursor", cursor)]);
    }
    response
}

#[utoipa::path(
    post,
    path = "/api/v1/requests/search",
    operation_id = "search_requests_posted",
    tag = "search",
    summary = "Search requests across every city, filters as JSON (adds `polygon`)",
    request_body(content = Object, content_type = "application/json", description = "The GET parameters as fields (strings, numbers, or arrays for the comma lists and bbox) plus `polygon`, a GeoJSON Polygon or MultiPolygon geometry"),
    responses(
        (status = 200, description = "As GET /api/v1/requests", content((openapi::RequestsPage = "application/json"), ("application/geo+json"), ("text/csv"), ("application/x-ndjson"))),
        (status = 400, description = "A bad or unknown field, named", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "No search index is open", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
async fn search_posted(State(s): State<AppState>, body: Bytes) -> Response {
    let search = body::parse(&body, &s.registry);
    respond(s, search).await.0
}

/// The answer, and the next page's cursor when it is a JSON page with one.
async fn respond(s: AppState, search: Result<Search, Problem>) -> (Response, Option<String>) {
    let answer = match search {
        Ok(search) => answer(s, search).await,
        Err(problem) => Err(problem),
    };
    answer.unwrap_or_else(|problem| (problem.into_response(), None))
}

async fn answer(s: AppState, mut search: Search) -> Result<(Response, Option<String>), Problem> {
    let Some(index) = s.index.clone() else {
        return Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "search is not available: no index is open"));
    };
    if search.stream.is_some() {
        search.query.limit = stream::BATCH;
    }
    let (store, query, paged, rendered) =
        (s.store.clone(), search.query.clone(), search.stream.is_none(), s.rendered.clone());
    let (page, records) = run(move || -> Result<_, crate::search::SearchError> {
        let page = index.search(&query)?;
        let records = if paged { rendered.page(&store, &page)? } else { Vec::new() };
        Ok((page, records))
    })
    .await?;
    if let Some(format) = search.stream {
        let streamed = stream::Streamed { query: search.query, first: page, format, rows: search.rows };
        return Ok((stream::stream(s, streamed), None));
    }
    let body = rendered::page_body(&records, page.next_cursor.as_deref(), page.total);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response()).map(|r| (r, page.next_cursor.clone()))
}
