//! `GET /api/v1/requests/grid`: how many requests a search selects in each cell of a map
//! grid over a box, for a map zoom ([`crate::search::Grid`]). A map at low zoom draws these
//! counts instead of a million markers. Every filter of `/api/v1/requests` applies; `zoom`
//! sizes the cells (about a quarter of a 256-pixel map tile).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::search::form;
use crate::api::AppState;
use crate::api::blocking::run;
use crate::api::openapi;
use crate::api::params::Params;
use crate::api::problem::Problem;
use crate::search::{Grid, MAX_ZOOM};

/// Parameters of `/api/v1/requests` that make no sense for counts.
const NOT_FOR_GRID: &[&str] = &["format", "sort", "limit", "cursor"];

/// The grid route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/requests/grid", get(grid))
}

/// The map zoom of a grid.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct Zoom {
    /// Web map zoom, 0 (the world in one 256-pixel tile) to 22: cells are a quarter of a
    /// tile, in whole powers of two of 0.005°. At most 40,000 cells in the box.
    #[param(minimum = 0, maximum = 22)]
    zoom: u8,
}

/// Counts of matches per cell of a map grid.
#[utoipa::path(
    get,
    path = "/api/v1/requests/grid",
    operation_id = "grid_requests",
    tag = "search",
    summary = "Count matches per cell of a map grid",
    description = "Every filter of `/api/v1/requests` applies; `bbox` (default: the world) is the area counted. \
                   `{zoom, cell_degrees, bbox, total, cells: [{bounds: [west, south, east, north], count, lat, long}]}`: \
                   cells holding matches, each with where to draw it (the mean of its matches' 0.005° cells); `total` is their sum, exactly the \
                   `total` of `/api/v1/requests` with the same filters and box.",
    params(openapi::Filters, Zoom),
    responses(
        (status = 200, description = "The counts", body = Object),
        (status = 400, description = "A bad or unknown parameter, named", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "No search index is open", body = openapi::Problem, content_type = "application/problem+json")
    )
)]
async fn grid(State(s): State<AppState>, RawQuery(query): RawQuery) -> Response {
    match answer(s, query).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn answer(s: AppState, query: Option<String>) -> Result<Value, Problem> {
    let mut pairs = Params::parse(query.as_deref());
    let zoom = zoom(&mut pairs)?;
    if let Some((name, _)) = pairs.0.iter().find(|(name, _)| NOT_FOR_GRID.contains(&name.as_str())) {
        return Err(Problem::bad_parameter(name, format!("`{name}` does not apply to a grid: every match is counted")));
    }
    let query = form::parse(&pairs, &s.registry)?.query;
    let zoom = zoom.ok_or_else(|| Problem::bad_parameter("zoom", format!("zoom (0 to {MAX_ZOOM}) is required")))?;
    let Some(index) = s.index.clone() else {
        return Err(Problem::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "the grid needs the search index"));
    };
    let grid = run(move || index.grid(&query, zoom)).await?;
    Ok(to_json(&grid))
}

/// Reads `zoom` and takes it out of the filters (`None` when absent).
fn zoom(pairs: &mut Params) -> Result<Option<u8>, Problem> {
    let (named, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut pairs.0).into_iter().partition(|(k, _)| k == "zoom");
    pairs.0 = rest;
    let Some((_, text)) = named.iter().rev().find(|(_, v)| !v.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<u8>() {
        Ok(z) if z <= MAX_ZOOM => Ok(Some(z)),
        _ => Err(Problem::bad_parameter("zoom", format!("zoom `{text}` must be a whole number from 0 to {MAX_ZOOM}"))),
    }
}

fn to_json(grid: &Grid) -> Value {
    let edges = |b: &crate::search::Bbox| [b.west, b.south, b.east, b.north].map(round);
    let cells: Vec<Value> = grid
        .cells
        .iter()
        .map(|c| json!({ "bounds": edges(&c.bounds), "count": c.count, "lat": round(c.lat), "long": round(c.long) }))
        .collect();
    json!({
        "zoom": grid.zoom,
        "cell_degrees": grid.cell_degrees,
        "bbox": edges(&grid.bbox),
        "total": grid.total,
        "cells": cells,
    })
}

/// Six decimals: about 10 cm.
fn round(degrees: f64) -> f64 {
    (degrees * 1e6).round() / 1e6
}
