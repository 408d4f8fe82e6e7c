//! The web page for people, served by `fed311 serve` at `/` on the API's own port: search on
//! a map, one report with its history, the cities and their health, comparisons, and a form
//! to report a problem. The page is static files embedded in the binary (`src/web/`,
//! [`assets`]) that read the public API from the browser; every page path (`/`,
//! `/requests/{jurisdiction_id}/{id}`, `/cities`, `/compare`, `/report`, `/tokens/{token}`)
//! answers the same shell, so each view has an address to share.
//!
//! Besides the files: `/web/config.json` (the operator's map tiles, whether the page may
//! post reports, and the form's CSRF token, [`report`]), `/web/boundaries.json` (every
//! jurisdiction's area for the maps, [`boundaries`]) and `POST /web/report` (the form).

mod assets;
mod boundaries;
mod report;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::AppState;

pub use report::ReportGate;

/// OpenStreetMap's standard tiles, the default base map.
pub const OSM_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
/// The attribution OpenStreetMap's tile usage policy requires (HTML, shown on the map).
pub const OSM_ATTRIBUTION: &str =
    "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";

/// The page's settings (`fed311 serve` flags).
#[derive(Debug, Clone, clap::Args)]
pub struct WebArgs {
    /// Raster tile URL template of the web page's base map (`{z}`, `{x}`, `{y}`; `{s}` for
    /// subdomains), or `none` for jurisdiction boundaries and points only (offline use).
    #[arg(long, env = "FED311_TILES", default_value = OSM_TILES, value_parser = tiles)]
    pub tiles: String,
    /// Attribution shown with the base map (HTML); OpenStreetMap's by default.
    #[arg(long, env = "FED311_TILES_ATTRIBUTION")]
    pub tiles_attribution: Option<String>,
    /// Let the web page's own form post reports to cities (CSRF-protected, a few per client
    /// address). Off by default: browsers cannot hold an API key, and the page then says
    /// where to report instead.
    #[arg(long, env = "FED311_WEB_REPORTS")]
    pub web_reports: bool,
}

fn tiles(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text == "none" {
        return Ok(text.to_string());
    }
    let web = text.starts_with("https://") || text.starts_with("http://");
    if !web || !["{z}", "{x}", "{y}"].iter().all(|p| text.contains(p)) {
        return Err(format!("`{text}` must be an http(s) URL template with {{z}}, {{x}} and {{y}}, or `none`"));
    }
    Ok(text.to_string())
}

/// What the page is set up with.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The base map's URL template; `None` draws no base map.
    pub tiles: Option<String>,
    /// Attribution of the base map (HTML).
    pub attribution: String,
    /// Whether the page's form may post reports, and the gate it passes.
    pub reports: Option<ReportGate>,
}

impl Default for WebSettings {
    /// OpenStreetMap's tiles, no reports from the page.
    fn default() -> Self {
        WebSettings { tiles: Some(OSM_TILES.to_string()), attribution: OSM_ATTRIBUTION.to_string(), reports: None }
    }
}

impl WebSettings {
    /// The settings `fed311 serve` was given.
    pub fn from_args(args: &WebArgs) -> WebSettings {
        let tiles = (args.tiles != "none").then(|| args.tiles.clone());
        let attribution = match (&args.tiles_attribution, tiles.as_deref()) {
            (Some(given), _) => given.clone(),
            (None, Some(OSM_TILES)) => OSM_ATTRIBUTION.to_string(),
            (None, _) => String::new(),
        };
        let reports = args.web_reports.then(ReportGate::new);
        WebSettings { tiles, attribution, reports }
    }
}

/// Each of the page's files: path, bytes as served, bytes gzip-compressed as the server
/// compresses them (`fed311 bench web` prints them).
pub fn asset_sizes() -> Vec<(&'static str, usize, usize)> {
    assets::sizes()
}

/// The page's routes.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/web/config.json", get(config))
        .route("/web/boundaries.json", get(boundaries::all))
        .route("/web/report", post(report::post));
    for path in ["/", "/cities", "/compare", "/report", "/requests/{jurisdiction_id}/{id}", "/tokens/{token}"] {
        router = router.route(path, get(assets::shell));
    }
    for (path, _, _) in assets::FILES {
        router = router.route(path, get(assets::file));
    }
    router
}

/// `GET /web/config.json`: the base map, whether reports are taken, and (when they are) the
/// form's CSRF token, also set as a cookie.
async fn config(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let web = &s.web;
    let token = web.reports.as_ref().map(|_| report::session_token(&headers));
    let body = json!({
        "tiles": web.tiles,
        "attribution": web.attribution,
        "reports": web.reports.is_some(),
        "csrf_token": token,
    });
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = token.as_deref().and_then(report::cookie) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}
