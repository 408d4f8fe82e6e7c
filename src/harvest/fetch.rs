//! Talking to one city: building resource URLs, choosing JSON or XML, and turning HTTP
//! answers into bodies or precise errors.

use jiff::Timestamp;
use reqwest::StatusCode;
use url::Url;

use super::city::{CityError, CityPass};
use super::client::Fetched;
use crate::domain::ServiceRequest;
use crate::domain::time::format_utc;
use crate::registry::{DateStyle, WireFormat};
use crate::wire::read::{self, WireError};

/// One query parameter.
pub(super) type Param = (&'static str, String);

impl CityPass<'_> {
    /// One `requests` call: the usable records and how many were skipped.
    pub(super) async fn fetch_requests(&mut self, params: &[Param]) -> Result<(Vec<ServiceRequest>, usize), CityError> {
        let Some(body) = self.fetch_list("requests", params).await? else {
            return Ok((Vec::new(), 0));
        };
        let parsed = read::parse_requests(&body, &self.city.timezone).map_err(|e| self.answer_error("requests", e))?;
        self.warn_skipped(&parsed.skipped);
        Ok((parsed.items, parsed.skipped.len()))
    }

    /// A list resource's body; `None` when the city answers 404, which servers such as
    /// Mark-a-Spot use for "nothing found".
    pub(super) async fn fetch_list(&mut self, resource: &str, params: &[Param]) -> Result<Option<Vec<u8>>, CityError> {
        let fetched = self.fetch_negotiated(resource, params).await?;
        if fetched.status == StatusCode::NOT_FOUND {
            self.lists_missing += 1;
            self.profile.not_found_means_empty = true;
            return Ok(None);
        }
        self.lists_found += 1;
        self.accept(fetched, resource).map(Some)
    }

    /// Fetches a resource, switching from JSON to XML for good when JSON is not served.
    pub(super) async fn fetch_negotiated(&mut self, resource: &str, params: &[Param]) -> Result<Fetched, CityError> {
        let fetched = self.fetch(resource, params).await?;
        let json_refused = self.plan.format == WireFormat::Json
            && !self.plan.format_fixed
            && self.profile.format.is_none()
            && (looks_like_html(&fetched.body)
                || matches!(fetched.status.as_u16(), 404 | 406 | 415)
                || (fetched.status.is_success() && read::detect_format(&fetched.body) == Some(WireFormat::Xml)));
        if !json_refused {
            if fetched.status.is_success() {
                self.profile.format.get_or_insert(self.plan.format);
            }
            return Ok(fetched);
        }
        tracing::info!(jurisdiction = %self.city.id, "JSON not served, trying XML");
        self.plan.format = WireFormat::Xml;
        let retry = self.fetch(resource, params).await?;
        if retry.status.is_success() {
            self.profile.format = Some(WireFormat::Xml);
        } else {
            self.plan.format = WireFormat::Json;
        }
        Ok(retry)
    }

    pub(super) async fn fetch(&mut self, resource: &str, params: &[Param]) -> Result<Fetched, CityError> {
        let url = self.url(resource, params);
        self.report.calls += 1;
        tracing::debug!(jurisdiction = %self.city.id, %url, "Fetching");
        let fetched = self.client.get(&url, &self.city.headers(), self.city.rate_limit).await;
        let outcome = match &fetched {
            Ok(f) if f.status.is_success() => "ok",
            Ok(f) if f.status.as_u16() == 404 => "not_found",
            Ok(_) => "http_error",
            Err(_) => "transport_error",
        };
        metrics::counter!("fed311_harvest_calls_total", "jurisdiction" => self.city.id.clone(), "outcome" => outcome)
            .increment(1);
        Ok(fetched?)
    }

    /// A 2xx body in UTF-8 (converted from the charset the city declared), or an error naming
    /// the city's complaint.
    pub(super) fn accept(&self, fetched: Fetched, resource: &str) -> Result<Vec<u8>, CityError> {
        if fetched.status.is_success() {
            if let Some(kind) = compressed(&fetched.body) {
                let detail = format!("the body is {kind} data sent without a matching Content-Encoding header");
                return Err(CityError::Unreadable { url: self.url(resource, &[]).to_string(), detail });
            }
            return Ok(fetched.into_utf8());
        }
        let detail = match read::parse_errors(&fetched.body) {
            Some(errors) => {
                errors.iter().map(|e| format!("{} {}", e.code, e.description)).collect::<Vec<_>>().join("; ")
            }
            None => snippet(&fetched.body),
        };
        Err(CityError::Answer { url: self.url(resource, &[]).to_string(), status: fetched.status.as_u16(), detail })
    }

    /// A successful answer whose body cannot be read.
    pub(super) fn answer_error(&self, resource: &str, e: WireError) -> CityError {
        CityError::Unreadable { url: self.url(resource, &[]).to_string(), detail: e.to_string() }
    }

    pub(super) fn url(&self, resource: &str, params: &[Param]) -> Url {
        let mut url = self.city.endpoint.clone();
        url.set_path(&format!("{}{}.{}", self.city.endpoint.path(), resource, self.plan.format.extension()));
        {
            let mut query = url.query_pairs_mut();
            if let Some(upstream) = &self.city.config.upstream_jurisdiction_id {
                query.append_pair("jurisdiction_id", upstream);
            }
            for (k, v) in params {
                query.append_pair(k, v);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    }

    pub(super) fn format_time(&self, t: Timestamp) -> String {
        match self.city.date_style() {
            DateStyle::Utc => format_utc(t),
            DateStyle::LocalNoZone => {
                t.to_zoned_datetime(self.city.timezone.clone()).strftime("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }
    }
}

pub(super) fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    head.contains("<!doctype html") || head.contains("<html")
}

/// The start of a body, as one line, for error messages.
pub(super) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() { "(empty body)".into() } else { one_line }
}

/// Percent-encodes one path segment (service codes may hold `/`, spaces, `&`, `@`).
pub fn encode_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Compressed bytes a server sent as if plain: gzip's or zlib's magic numbers.
fn compressed(body: &[u8]) -> Option<&'static str> {
    match body {
        [0x1f, 0x8b, ..] => Some("gzip"),
        [0x78, 0x01 | 0x5e | 0x9c | 0xda, ..] => Some("deflate (zlib)"),
        _ => None,
    }
}
