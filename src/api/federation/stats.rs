//! `GET /api/v1/stats`: counts and time-to-close percentiles, grouped by any of
//! `jurisdiction`, `category`, `service_code`, `status` and `month` (`group_by`, a comma
//! list), over the requests every filter of `/api/v1/requests` selects. Plain filters are
//! applied in SQL; text, box and circle filters go through the search index, which gives the
//! keys the store then reads. Grouping and percentiles are in [`tally`].

mod tally;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::search::form;
use crate::api::AppState;
use crate::api::blocking::run;
use crate::api::openapi;
use crate::api::params::Params;
use crate::api::problem::Problem;
use crate::search::{MAX_LIMIT, SearchError, SearchIndex, SearchQuery, Sort};
use crate::store::{StatsScope, Store};
use tally::{GroupKey, Tally};

/// Parameters of `/api/v1/requests` that make no sense for one aggregate answer.
const NOT_FOR_STATS: &[&str] = &["format", "sort", "limit", "cursor"];

/// The grouped statistics.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    operation_id = "stats",
    tag = "search",
    params(
        openapi::Filters,
        openapi::Grouping,
    ),
    responses(
        (status = 200, description = "Counts and time-to-close percentiles per group", body = Object),
        (status = 400, description = "A bad or unknown parameter, named", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Text, box or circle filters without a search index", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn stats(State(s): State<AppState>, RawQuery(query): RawQuery) -> Response {
    match answer(s, query).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn answer(s: AppState, query: Option<String>) -> Result<Value, Problem> {
    let mut pairs = Params::parse(query.as_deref());
    let keys = group_by(&mut pairs)?;
    if let Some((name, _)) = pairs.0.iter().find(|(name, _)| NOT_FOR_STATS.contains(&name.as_str())) {
        return Err(Problem::bad_parameter(name, format!("`{name}` does not apply to stats: every match is counted")));
    }
    let mut query = form::parse(&pairs, &s.registry)?.query;
    (query.sort, query.limit, query.cursor) = (Sort::Newest, MAX_LIMIT, None);
    query.validate()?;
    let zones = s.registry.iter().map(|j| (j.id.clone(), j.timezone.clone())).collect();
    let tally = Tally::new(keys, zones);
    let store = s.store.clone();
    let tally = if needs_index(&query) {
        let Some(index) = s.index.clone() else {
            return Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "q, bbox and radius need the search index"));
        };
        run(move || through_index(&index, &store, query, tally)).await?
    } else {
        run(move || in_sql(&store, &query, tally)).await?
    };
    Ok(tally.into_json())
}

/// Reads `group_by` (and takes it out of the filters).
fn group_by(pairs: &mut Params) -> Result<Vec<GroupKey>, Problem> {
    let (named, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut pairs.0).into_iter().partition(|(k, _)| k == "group_by");
    pairs.0 = rest;
    let mut keys = Vec::new();
    for word in named.iter().flat_map(|(_, v)| v.split(',')).map(str::trim).filter(|w| !w.is_empty()) {
        let key = GroupKey::parse(word).ok_or_else(|| {
            let detail =
                format!("group_by `{word}` must be one of jurisdiction, category, service_code, status, month");
            Problem::bad_parameter("group_by", detail)
        })?;
        if keys.contains(&key) {
            return Err(Problem::bad_parameter("group_by", format!("group_by names `{word}` twice")));
        }
        keys.push(key);
    }
    Ok(keys)
}

fn needs_index(q: &SearchQuery) -> bool {
    q.text.is_some() || q.bbox.is_some() || q.radius.is_some() || q.polygon.is_some()
}

/// Every filter in SQL, one pass over the matching rows.
fn in_sql(store: &Store, q: &SearchQuery, mut tally: Tally) -> Result<Tally, SearchError> {
    store.visit_stats_rows(StatsScope::Filter(&q.filter), |row| tally.add(row))?;
    Ok(tally)
}

/// The index finds the keys page by page (cursor paging: each key once); the store reads
/// each page's rows.
fn through_index(
    index: &SearchIndex,
    store: &Store,
    mut q: SearchQuery,
    mut tally: Tally,
) -> Result<Tally, SearchError> {
    loop {
        let page = index.search(&q)?;
        store.visit_stats_rows(StatsScope::Keys(&page.keys()?), |row| tally.add(row))?;
        match page.next_cursor {
            Some(cursor) => q.cursor = Some(cursor),
            None => return Ok(tally),
        }
    }
}
