//! Reading a federation search from the query string (GET) or a JSON body (POST, which adds
//! `polygon`) into a [`SearchQuery`]. Both go through the same named pairs, so every check
//! is written once; every bad or unknown parameter is a 400 problem naming it.

use jiff::tz::TimeZone;

use crate::api::params::Params;
use crate::api::problem::Problem;
use crate::domain::time::parse_bound;
use crate::domain::{RequestFilter, Status};
use crate::registry::Registry;
use crate::search::{Bbox, DEFAULT_LIMIT, MAX_LIMIT, Radius, SearchQuery, Sort};

/// What the parameters may be called.
pub(crate) const KNOWN: &[&str] = &[
    "jurisdiction_id",
    "q",
    "category",
    "service_code",
    "status",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "bbox",
    "lat",
    "long",
    "radius",
    "sort",
    "limit",
    "cursor",
    "format",
];

/// How the answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One page: `{"requests", "next_cursor", "total"}`.
    Json,
    /// Streamed RFC 7946 FeatureCollection.
    GeoJson,
    /// Streamed CSV with a header row.
    Csv,
    /// Streamed newline-delimited JSON records.
    NdJson,
}

/// A parsed search.
#[derive(Debug)]
pub struct Search {
    /// What to find (for streamed formats, `limit` is the batch size).
    pub query: SearchQuery,
    /// How to answer.
    pub format: Format,
    /// For streamed formats: at most this many records (`limit`), else all.
    pub rows: Option<u64>,
}

/// Named values, in order; empty values count as absent: the GeoReport API's parameters.
pub type Pairs = Params;

/// A number parameter (any finite value); a 400 problem naming it otherwise.
fn number(p: &Pairs, name: &str) -> Result<Option<f64>, Problem> {
    let Some(text) = p.get(name) else { return Ok(None) };
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(Problem::bad_parameter(name, format!("{name} `{text}` is not a number"))),
    }
}

/// A datetime parameter (UTC when it has no zone); a 400 problem naming it otherwise.
fn time(p: &Pairs, name: &str) -> Result<Option<jiff::Timestamp>, Problem> {
    let Some(text) = p.get(name) else { return Ok(None) };
    let at = parse_bound(text, &TimeZone::UTC);
    let detail = || format!("{name} `{text}` is not a W3C datetime like 2024-01-31T12:00:00Z");
    at.map(Some).ok_or_else(|| Problem::bad_parameter(name, detail()))
}

/// Reads and checks a search.
pub fn parse(p: &Pairs, registry: &Registry) -> Result<Search, Problem> {
    if let Some((name, _)) = p.0.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Err(Problem::bad_parameter(name, format!("unknown parameter `{name}`; known: {}", KNOWN.join(", "))));
    }
    let jurisdictions = p.list("jurisdiction_id");
    if let Some(unknown) = jurisdictions.iter().find(|id| registry.get(id).is_none()) {
        let detail = format!("jurisdiction_id `{unknown}` is unknown: see /api/v1/jurisdictions");
        return Err(Problem::bad_parameter("jurisdiction_id", detail));
    }
    let format = format(p)?;
    let (radius, point) = place(p)?;
    let text = p.get("q").map(str::to_string);
    let filter = RequestFilter {
        jurisdictions,
        categories: categories(p)?,
        service_codes: p.list("service_code"),
        statuses: statuses(p)?,
        start: time(p, "start_date")?,
        end: time(p, "end_date")?,
        updated_after: time(p, "updated_after")?,
        updated_before: time(p, "updated_before")?,
    };
    let query = SearchQuery {
        filter,
        sort: sort(p, text.is_some(), point)?,
        text,
        bbox: p.get("bbox").map(Bbox::parse).transpose().map_err(|e| Problem::bad_parameter("bbox", e.to_string()))?,
        radius,
        polygon: None,
        limit: DEFAULT_LIMIT,
        offset: 0,
        cursor: p.get("cursor").map(str::to_string),
    };
    limit(p, Search { query, format, rows: None })
}

fn format(p: &Pairs) -> Result<Format, Problem> {
    match p.get("format").unwrap_or("json") {
        "json" => Ok(Format::Json),
        "geojson" => Ok(Format::GeoJson),
        "csv" => Ok(Format::Csv),
        "ndjson" => Ok(Format::NdJson),
        other => {
            Err(Problem::bad_parameter("format", format!("format `{other}` must be json, geojson, csv or ndjson")))
        }
    }
}

fn limit(p: &Pairs, mut search: Search) -> Result<Search, Problem> {
    let Some(text) = p.get("limit") else { return Ok(search) };
    let streamed = search.format != Format::Json;
    let max = if streamed { u64::MAX } else { MAX_LIMIT as u64 };
    match text.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) && streamed => search.rows = Some(n),
        Ok(n) if (1..=max).contains(&n) => search.query.limit = n as usize,
        _ if streamed => {
            return Err(Problem::bad_parameter("limit", format!("limit `{text}` must be a whole number, 1 or more")));
        }
        _ => {
            return Err(Problem::bad_parameter(
                "limit",
                format!("limit `{text}` must be a whole number from 1 to {max}"),
            ));
        }
    }
    Ok(search)
}

/// A latitude and longitude.
type Point = (f64, f64);

/// The circle (`lat`+`long`+`radius`) and the point alone (for `sort=distance`).
fn place(p: &Pairs) -> Result<(Option<Radius>, Option<Point>), Problem> {
    let (lat, long, metres) = (number(p, "lat")?, number(p, "long")?, number(p, "radius")?);
    let point = match (lat, long) {
        (Some(lat), Some(long)) => Some((lat, long)),
        (None, None) if metres.is_none() => return Ok((None, None)),
        (None, _) => return Err(Problem::bad_parameter("lat", "lat, long and radius go together")),
        (_, None) => return Err(Problem::bad_parameter("long", "lat, long and radius go together")),
    };
    let radius = metres.zip(point).map(|(metres, (lat, long))| Radius { lat, long, metres });
    if radius.is_none() && p.get("sort") != Some("distance") {
        return Err(Problem::bad_parameter("radius", "radius (metres) is needed with lat and long"));
    }
    Ok((radius, point))
}

fn sort(p: &Pairs, has_text: bool, point: Option<Point>) -> Result<Sort, Problem> {
    match (p.get("sort"), point) {
        (None, _) if has_text => Ok(Sort::Relevance),
        (None | Some("newest"), _) => Ok(Sort::Newest),
        (Some("oldest"), _) => Ok(Sort::Oldest),
        (Some("relevance"), _) => Ok(Sort::Relevance),
        (Some("updated"), _) => Ok(Sort::RecentlyUpdated),
        (Some("distance"), Some((lat, long))) => Ok(Sort::Distance { lat, long }),
        (Some("distance"), None) => Err(Problem::bad_parameter("sort", "sort=distance needs lat and long")),
        (Some(other), _) => Err(Problem::bad_parameter(
            "sort",
            format!("sort `{other}` must be relevance, newest, oldest, updated or distance"),
        )),
    }
}

fn categories(p: &Pairs) -> Result<Vec<String>, Problem> {
    let slugs = p.list("category");
    match slugs.iter().find(|slug| !crate::taxonomy::is_known(slug)) {
        Some(unknown) => Err(Problem::bad_parameter(
            "category",
            format!("category `{unknown}` is not one of: {}", crate::taxonomy::slug_list()),
        )),
        None => Ok(slugs),
    }
}

fn statuses(p: &Pairs) -> Result<Vec<Status>, Problem> {
    let parse = |word: &String| {
        Status::parse_spec(word)
            .ok_or_else(|| Problem::bad_parameter("status", format!("status `{word}` must be open or closed")))
    };
    p.list("status").iter().map(parse).collect()
}
