//! `GET /api/v1/feeds/requests.atom` and `.rss`: a feed of any federation search, so civic
//! groups can follow one (potholes within 500 m of home, graffiti across the region). The
//! filters are exactly those of `/api/v1/requests` (read by the same [`form::parse`]); the
//! order is always most recently updated first and `limit` (default 50, at most 200) caps
//! the entries. Links are absolute, built from the `Host` header. The index finds the keys,
//! the store gives the records; the dialects differ only in writing ([`atom`], [`rss`]).

mod atom;
mod entry;
mod rss;
mod xml;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::search::form;
use crate::api::AppState;
use crate::api::blocking::run;
use crate::api::openapi;
use crate::api::params::Params;
use crate::api::problem::Problem;
use crate::search::{SearchQuery, Sort};
use entry::{Entry, Head};

/// Entries in a feed unless `limit` says otherwise.
pub const DEFAULT_ENTRIES: usize = 50;
/// The most entries a feed holds.
pub const MAX_ENTRIES: usize = 200;
/// Search parameters a feed has no use for: its order and size are its own.
const NOT_FOR_FEEDS: &[&str] = &["format", "sort", "cursor"];

/// The two dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Atom,
    Rss,
}

/// An Atom 1.0 feed of the search in the query string.
#[utoipa::path(
    get,
    path = "/api/v1/feeds/requests.atom",
    operation_id = "feed_atom",
    tag = "feeds",
    params(
        openapi::Filters,
        openapi::FeedSize,
    ),
    responses(
        (status = 200, description = "Atom 1.0: the matching requests, most recently updated first, each linking to its record", content_type = "application/atom+xml; charset=utf-8", body = String),
        (status = 400, description = "A bad or unknown parameter, named", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "No search index is open", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn atom(State(s): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    feed(s, &headers, query, Dialect::Atom).await.unwrap_or_else(IntoResponse::into_response)
}

/// An RSS 2.0 feed of the search in the query string.
#[utoipa::path(
    get,
    path = "/api/v1/feeds/requests.rss",
    operation_id = "feed_rss",
    tag = "feeds",
    params(
        openapi::Filters,
        openapi::FeedSize,
    ),
    responses(
        (status = 200, description = "RSS 2.0: the matching requests, most recently updated first, each linking to its record", content_type = "application/rss+xml; charset=utf-8", body = String),
        (status = 400, description = "A bad or unknown parameter, named", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "No search index is open", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn rss(State(s): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    feed(s, &headers, query, Dialect::Rss).await.unwrap_or_else(IntoResponse::into_response)
}

async fn feed(s: AppState, headers: &HeaderMap, raw: Option<String>, dialect: Dialect) -> Result<Response, Problem> {
    let pairs = Params::parse(raw.as_deref());
    let query = parse(pairs, &s)?;
    let base = origin(headers)?;
    let Some(index) = s.index.clone() else {
        return Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "feeds are not available: no search index is open"));
    };
    let (store, found_base) = (s.store.clone(), base.clone());
    let entries = run(move || -> Result<_, crate::search::SearchError> {
        let records = index.search(&query)?.records(&store)?;
        Ok(records.iter().map(|stored| Entry::new(&found_base, stored)).collect::<Vec<_>>())
    })
    .await?;
    let head = head(&base, raw.as_deref(), dialect, &entries);
    let (body, content_type) = match dialect {
        Dialect::Atom => (atom::write(&head, &entries), "application/atom+xml; charset=utf-8"),
        Dialect::Rss => (rss::write(&head, &entries), "application/rss+xml; charset=utf-8"),
    };
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(modified) = crate::api::http_cache::http_date(head.updated) {
        response.headers_mut().insert(header::LAST_MODIFIED, modified);
    }
    Ok(response)
}

/// The search of a feed: the `/api/v1/requests` filters, most recently updated first.
fn parse(mut pairs: Params, s: &AppState) -> Result<SearchQuery, Problem> {
    if let Some((name, _)) = pairs.0.iter().find(|(name, v)| NOT_FOR_FEEDS.contains(&name.as_str()) && !v.is_empty()) {
        let detail = format!("`{name}` does not apply to feeds: they are always the most recently updated first");
        return Err(Problem::bad_parameter(name, detail));
    }
    let limit = entries(&mut pairs)?;
    let mut query = form::parse(&pairs, &s.registry)?.query;
    (query.sort, query.limit, query.cursor) = (Sort::RecentlyUpdated, limit, None);
    Ok(query)
}

/// Takes `limit` out of the pairs: `1..=MAX_ENTRIES`, [`DEFAULT_ENTRIES`] when absent.
fn entries(pairs: &mut Params) -> Result<usize, Problem> {
    let (named, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut pairs.0).into_iter().partition(|(k, _)| k == "limit");
    pairs.0 = rest;
    let Some((_, text)) = named.into_iter().rev().find(|(_, v)| !v.is_empty()) else { return Ok(DEFAULT_ENTRIES) };
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_ENTRIES).contains(&n) => Ok(n),
        _ => Err(Problem::bad_parameter(
            "limit",
            format!("limit `{text}` must be a whole number from 1 to {MAX_ENTRIES}"),
        )),
    }
}

/// This server's origin, or a 400 naming `Host`.
fn origin(headers: &HeaderMap) -> Result<Url, Problem> {
    crate::api::origin::origin(headers).ok_or_else(|| {
        Problem::bad_parameter("Host", "feeds need a Host header naming this server, to write absolute links")
    })
}

/// The feed's own links and title.
fn head(base: &Url, raw: Option<&str>, dialect: Dialect, entries: &[Entry]) -> Head {
    let name = match dialect {
        Dialect::Atom => "requests.atom",
        Dialect::Rss => "requests.rss",
    };
    let mut self_url = base.join(&format!("/api/v1/feeds/{name}")).unwrap_or_else(|_| base.clone());
    self_url.set_query(raw.filter(|q| !q.is_empty()));
    let filters: Vec<(String, String)> =
        Params::parse(raw).0.into_iter().filter(|(k, v)| k != "limit" && !v.is_empty()).collect();
    let mut search_url = base.join("/api/v1/requests").unwrap_or_else(|_| base.clone());
    search_url.query_pairs_mut().extend_pairs(&filters).append_pair("sort", "updated");
    let described: Vec<String> = filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let title = match described.is_empty() {
        true => "fed311: every request".to_string(),
        false => format!("fed311: requests where {}", described.join(", ")),
    };
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_else(jiff::Timestamp::now);
    Head { self_url: self_url.to_string(), search_url: search_url.to_string(), title, updated }
}
