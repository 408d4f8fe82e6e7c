//! `GET /api/v1/requests/{jurisdiction_id}/{service_request_id}`: one record, exactly as
//! the federation search writes it, plus `history`: every change fed311 observed (status,
//! the city's status word, notes, updated time, description), oldest first, with when it was
//! seen. Unknown requests are a 404 problem.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::AppState;
use crate::api::blocking::run;
use crate::api::openapi;
use crate::api::problem::Problem;
use crate::domain::time::format_utc;
use crate::export::record;
use crate::store::HistoryEntry;

/// The record with its history.
#[utoipa::path(
    get,
    path = "/api/v1/requests/{jurisdiction_id}/{service_request_id}",
    operation_id = "get_request",
    tag = "search",
    params(
        ("jurisdiction_id" = String, Path, description = "The jurisdiction id"),
        ("service_request_id" = String, Path, description = "The city's request id"),
    ),
    responses(
        (status = 200, description = "The record plus `history`: every observed change, oldest first", body = openapi::Record),
        (status = 404, description = "No such request", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn one(State(s): State<AppState>, path: Result<Path<(String, String)>, PathRejection>) -> Response {
    let answer = match path {
        Ok(Path((jurisdiction_id, id))) => answer(s, jurisdiction_id, id).await,
        Err(rejection) => Err(Problem::new(StatusCode::BAD_REQUEST, rejection.body_text())),
    };
    match answer {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn answer(s: AppState, jurisdiction_id: String, id: String) -> Result<Value, Problem> {
    let store = s.store.clone();
    let (jid, rid) = (jurisdiction_id.clone(), id.clone());
    let found = run(move || -> crate::store::Result<_> {
        let Some(stored) = store.get_request(&jid, &rid)? else { return Ok(None) };
        Ok(Some((stored, store.history_entries(&jid, &rid)?)))
    })
    .await?;
    let Some((stored, history)) = found else {
        let detail = format!("no request `{id}` in jurisdiction `{jurisdiction_id}`");
        return Err(Problem::new(StatusCode::NOT_FOUND, detail));
    };
    let mut body = record::json(&stored);
    if let Value::Object(fields) = &mut body {
        fields.insert("history".into(), history.iter().map(entry_json).collect());
    }
    Ok(body)
}

fn entry_json(e: &HistoryEntry) -> Value {
    json!({
        "seen_at": format_utc(e.seen_at),
        "change": e.change,
        "status": e.status.as_str(),
        "status_raw": e.status_raw,
        "status_notes": e.status_notes,
        "updated_datetime": e.updated_at.map(format_utc),
        "description": e.description,
    })
}
