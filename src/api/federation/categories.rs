//! `GET /api/v1/categories`: the canonical taxonomy (slug, name, description) and every city's
//! crosswalk to it (service code and name → category, and how that was decided), so
//! researchers can see, and challenge, how each city's services were grouped. Optional
//! `jurisdiction_id` (a comma list) narrows the crosswalk.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::AppState;
use crate::api::blocking::run;
use crate::api::openapi;
use crate::api::params::Params;
use crate::api::problem::Problem;
use crate::store::CrosswalkRow;
use crate::taxonomy;

/// The taxonomy and the crosswalk.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    operation_id = "categories",
    tag = "search",
    params(
        ("jurisdiction_id" = Option<String>, Query, description = "Only these jurisdictions' crosswalks (a comma list)"),
    ),
    responses(
        (status = 200, description = "`{\"categories\": [...], \"crosswalk\": [...]}`: the canonical taxonomy and each city's service → category mapping", body = Object),
        (status = 400, description = "A bad or unknown parameter, named", body = openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(State(s): State<AppState>, RawQuery(query): RawQuery) -> Response {
    match answer(s, query).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn answer(s: AppState, query: Option<String>) -> Result<Value, Problem> {
    let wanted = jurisdictions(&s, &Params::parse(query.as_deref()))?;
    let store = s.store.clone();
    let rows = run(move || store.crosswalk(None)).await?;
    let crosswalk: Vec<Value> =
        rows.iter().filter(|r| wanted.is_empty() || wanted.contains(&r.jurisdiction_id)).map(row_json).collect();
    Ok(json!({ "categories": taxonomy::categories(), "crosswalk": crosswalk }))
}

/// The `jurisdiction_id` filter (every id must be known); anything else is a 400.
fn jurisdictions(s: &AppState, pairs: &Params) -> Result<Vec<String>, Problem> {
    let mut ids = Vec::new();
    for (name, value) in &pairs.0 {
        if name != "jurisdiction_id" {
            return Err(Problem::bad_parameter(name, format!("unknown parameter `{name}`; known: jurisdiction_id")));
        }
        ids.extend(value.split(',').map(str::trim).filter(|id| !id.is_empty()).map(String::from));
    }
    if let Some(unknown) = ids.iter().find(|id| s.registry.get(id).is_none()) {
        let detail = format!("jurisdiction_id `{unknown}` is unknown: see /api/v1/jurisdictions");
        return Err(Problem::bad_parameter("jurisdiction_id", detail));
    }
    Ok(ids)
}

/// One crosswalk row; `how` is the stored decision as JSON (null until classified).
fn row_json(r: &CrosswalkRow) -> Value {
    let how = r.how.as_deref().and_then(|how| serde_json::from_str::<Value>(how).ok()).unwrap_or(Value::Null);
    json!({
        "jurisdiction_id": r.jurisdiction_id,
        "service_code": r.service_code,
        "service_name": r.service_name,
        "category": r.category,
        "how": how,
    })
}
