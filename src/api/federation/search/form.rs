//! Reading a federation search from the query string (GET) or a JSON body (POST, which adds
//! `polygon`) into a [`SearchQuery`]. Both go through the same named pairs, so every check
//! is written once; every bad or unknown parameter is a 400 problem naming it.

use jiff::tz::TimeZone;

use crate::api::params::{BadParameter, Params};
use crate::api::problem::Problem;
use crate::domain::RequestFilter;
use crate::export::Format;
use crate::registry::Registry;
use crate::search::{DEFAULT_LIMIT, MAX_LIMIT, Radius, SearchQuery, Sort};

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

/// A parsed search.
#[derive(Debug)]
pub struct Search {
    /// What to find (for streamed formats, `limit` is the batch size).
    pub query: SearchQuery,
    /// How to answer: `None`, one JSON page `{"requests", "next_cursor", "total"}`; else every
    /// match streamed in this form.
    pub stream: Option<Format>,
    /// For streamed formats: at most this many records (`limit`), else all.
    pub rows: Option<u64>,
}

/// A number parameter (any finite value).
fn number(p: &Params, name: &str) -> Result<Option<f64>, BadParameter> {
    match p.decimal(name)? {
        Some(n) if !n.is_finite() => {
            let text = p.get(name).unwrap_or_default();
            Err(BadParameter::new(name, format!("{name} `{text}` is not a number")))
        }
        n => Ok(n),
    }
}

/// A datetime parameter (UTC when it has no zone).
fn time(p: &Params, name: &str) -> Result<Option<jiff::Timestamp>, BadParameter> {
    p.time(name, &TimeZone::UTC)
}

/// Reads and checks a search.
pub fn parse(p: &Params, registry: &Registry) -> Result<Search, Problem> {
    if let Some((name, _)) = p.0.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Err(Problem::bad_parameter(name, format!("unknown parameter `{name}`; known: {}", KNOWN.join(", "))));
    }
    let jurisdictions = p.list("jurisdiction_id");
    if let Some(unknown) = jurisdictions.iter().find(|id| registry.get(id).is_none()) {
        let detail = format!("jurisdiction_id `{unknown}` is unknown: see /api/v1/jurisdictions");
        return Err(Problem::bad_parameter("jurisdiction_id", detail));
    }
    let stream = stream(p)?;
    let (radius, point) = place(p)?;
    let text = p.get("q").map(str::to_string);
    let filter = RequestFilter {
        jurisdictions,
        categories: categories(p)?,
        service_codes: p.list("service_code"),
        statuses: p.statuses()?,
        start: time(p, "start_date")?,
        end: time(p, "end_date")?,
        updated_after: time(p, "updated_after")?,
        updated_before: time(p, "updated_before")?,
    };
    let query = SearchQuery {
        filter,
        sort: sort(p, text.is_some(), point)?,
        text,
        bbox: p.bbox()?,
        radius,
        polygon: None,
        limit: DEFAULT_LIMIT,
        offset: 0,
        cursor: p.get("cursor").map(str::to_string),
    };
    limit(p, Search { query, stream, rows: None })
}

/// `format`: `json` (the default) answers one page; the others stream.
fn stream(p: &Params) -> Result<Option<Format>, Problem> {
    match p.get("format").unwrap_or("json") {
        "json" => Ok(None),
        "geojson" => Ok(Some(Format::Geojson)),
        "csv" => Ok(Some(Format::Csv)),
        "ndjson" => Ok(Some(Format::Ndjson)),
        other => {
            Err(Problem::bad_parameter("format", format!("format `{other}` must be json, geojson, csv or ndjson")))
        }
    }
}

fn limit(p: &Params, mut search: Search) -> Result<Search, Problem> {
    let Some(text) = p.get("limit") else { return Ok(search) };
    let streamed = search.stream.is_some();
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
fn place(p: &Params) -> Result<(Option<Radius>, Option<Point>), Problem> {
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

fn sort(p: &Params, has_text: bool, point: Option<Point>) -> Result<Sort, Problem> {
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

fn categories(p: &Params) -> Result<Vec<String>, Problem> {
    let slugs = p.list("category");
    match slugs.iter().find(|slug| !crate::taxonomy::is_known(slug)) {
        Some(unknown) => Err(Problem::bad_parameter(
            "category",
            format!("category `{unknown}` is not one of: {}", crate::taxonomy::slug_list()),
        )),
        None => Ok(slugs),
    }
}
