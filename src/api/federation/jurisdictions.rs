//! `GET /api/v1/jurisdictions` and `/api/v1/jurisdictions/{id}`: the registry with each city's
//! health and freshness (last attempt and success, failures, last error, records held, newest
//! updated time and lag), what the harvester learned about its endpoint, and where its
//! area comes from (`boundary`: a file, an approximate derived hull, or null).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::api::AppState;
use crate::api::blocking::run;
use crate::api::openapi;
use crate::api::problem::Problem;
use crate::geo::GeoLayer;
use crate::registry::Jurisdiction;
use crate::store::Store;
use crate::upstream::Profile;

/// Every jurisdiction with its health.
#[utoipa::path(
    get,
    path = "/api/v1/jurisdictions",
    operation_id = "list_jurisdictions",
    tag = "registry",
    responses(
        (status = 200, description = "`{\"jurisdictions\": [...]}`: id, name, endpoint, timezone, boundary, health (last attempt and success, failures, records, lag) and what was learned of each endpoint", body = Object),
    ),
)]
pub async fn list(State(s): State<AppState>) -> Result<Json<Value>, Problem> {
    let (store, registry, geo) = (s.store.clone(), s.registry.clone(), s.geo.clone());
    let all = run(move || registry.iter().map(|j| describe(&store, &geo, j)).collect::<Result<Vec<_>, _>>()).await?;
    Ok(Json(json!({ "jurisdictions": all })))
}

/// One jurisdiction with its health.
#[utoipa::path(
    get,
    path = "/api/v1/jurisdictions/{id}",
    operation_id = "get_jurisdiction",
    tag = "registry",
    params(
        ("id" = String, Path, description = "The jurisdiction id"),
    ),
    responses(
        (status = 200, description = "The jurisdiction with its health, as in the list", body = Object),
        (status = 404, description = "No such jurisdiction", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn one(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, Problem> {
    let Some(j) = s.registry.get(&id).cloned() else {
        return Err(Problem::new(StatusCode::NOT_FOUND, format!("jurisdiction `{id}` is unknown")));
    };
    let (store, geo) = (s.store.clone(), s.geo.clone());
    let value = run(move || describe(&store, &geo, &j)).await?;
    Ok(Json(value))
}

/// How many spans of requests wait for the next pass (failed windows, an interrupted sweep).
fn pending_windows(pending: Option<&str>) -> usize {
    pending.and_then(|j| serde_json::from_str::<Vec<Value>>(j).ok()).map_or(0, |spans| spans.len())
}

fn describe(store: &Store, geo: &GeoLayer, j: &Jurisdiction) -> crate::store::Result<Value> {
    let state = store.harvest_state(&j.id)?;
    let records = store.count_requests(&j.id)?;
    let instant =
        |t: Option<i64>| t.and_then(|s| jiff::Timestamp::from_second(s).ok()).map(crate::domain::time::format_utc);
    let lag = state.newest_updated.map(|t| jiff::Timestamp::now().as_second() - t);
    let c = &j.config;
    let boundary = geo.boundary(&j.id).map(|b| json!({ "approximate": b.approximate, "source": b.source }));
    Ok(json!({
        "id": j.id,
        "name": j.name,
        "endpoint": j.endpoint.as_str(),
        "timezone": j.timezone_name,
        "enabled": j.enabled,
        "note": c.note,
        "dialect": c.dialect,
        "country": c.country,
        "georeport_base": format!("/jurisdictions/{}/open311/v2/", j.id),
        "boundary": boundary,
        "health": {
            "state": if j.enabled { state.health().as_str() } else { "disabled" },
            "last_attempt": instant(state.last_attempt),
            "last_success": instant(state.last_success),
            "consecutive_failures": state.consecutive_failures,
            "last_error": state.last_error,
            "records": records,
            "backfilled_until": instant(state.backfilled_until),
            "newest_updated": instant(state.newest_updated),
            "lag_seconds": lag,
            "pending_windows": pending_windows(state.pending.as_deref()),
            "last_pass": state.last_pass.as_deref().and_then(|j| serde_json::from_str::<Value>(j).ok()),
        },
        "learned": Profile::from_json(state.profile.as_deref()),
    }))
}
