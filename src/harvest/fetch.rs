//! Talking to one city: building resource URLs, choosing JSON or XML, and turning HTTP
//! answers into bodies or precise errors. A success whose body cannot be read (cut short
//! behind a proxy, an error page sent as 200) is transient, like a 5xx: it is fetched again.
//! A 404 on a list means "nothing found" only from a city that has answered lists with
//! records; from any other it is a failure, so that no window is taken as empty unconfirmed.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use super::city::{CityError, CityPass};
use crate::domain::ServiceRequest;
use crate::domain::time::format_utc;
use crate::registry::DateStyle;
use crate::upstream::{Caller, Fetched, Outcome};
use crate::wire::WireFormat;
use crate::wire::read::{self, WireError};

/// One query parameter.
pub(super) type Param = (&'static str, String);

/// Reads of an unreadable success before the call counts as failed.
const READS: u32 = 4;
/// Most records one answer may hold: past it the window is narrowed. With the body limit
/// (64 MiB), what bounds a pass's memory per answer.
pub(super) const MAX_ANSWER_RECORDS: usize = 100_000;

/// How a 404 is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On404 {
    /// A list: "nothing found", from a city known to answer lists with records.
    Empty,
    /// A document that may be missing (the service list).
    Absent,
    /// An error, like any other status.
    Error,
}

/// One `requests` answer: the usable records, and how many the city sent (skipped included).
#[derive(Debug, Default)]
pub(super) struct ListAnswer {
    /// The records read.
    pub records: Vec<ServiceRequest>,
    /// Records in the answer, skipped ones included.
    pub size: usize,
}

impl CityPass<'_> {
    /// One `requests` call. An unreadable success is read again (up to [`READS`] times).
    pub(super) async fn fetch_requests(&mut self, params: &[Param]) -> Result<ListAnswer, CityError> {
        self.fetch_requests_at("requests", params).await
    }

    /// A `requests` call on `resource` (`requests` or `requests/{id}`).
    pub(super) async fn fetch_requests_at(
        &mut self,
        resource: &str,
        params: &[Param],
    ) -> Result<ListAnswer, CityError> {
        let before = self.tally.attempts();
        let answer = self.read_requests(resource, params).await;
        self.report.list_calls += self.tally.attempts() - before;
        let answer = answer?;
        self.profile.saw_answer(answer.size);
        if !answer.records.is_empty() {
            self.profile.answers_lists = true;
        }
        Ok(answer)
    }

    async fn read_requests(&mut self, resource: &str, params: &[Param]) -> Result<ListAnswer, CityError> {
        let zone = self.city.timezone.clone();
        let parse = |body: &[u8]| read::parse_requests_at_most(body, &zone, MAX_ANSWER_RECORDS);
        let Some(parsed) = self.fetch_read(resource, params, On404::Empty, parse).await? else {
            return Ok(ListAnswer::default());
        };
        self.note_skipped(&parsed.skipped);
        let size = parsed.items.len() + parsed.skipped.len();
        Ok(ListAnswer { records: parsed.items, size })
    }

    /// Fetches a resource and reads it with `parse`. A success that cannot be read is fetched
    /// again (up to [`READS`] reads), as a 5xx is; `None` is a 404 taken as `on_404` says.
    pub(super) async fn fetch_read<T>(
        &mut self,
        resource: &str,
        params: &[Param],
        on_404: On404,
        parse: impl Fn(&[u8]) -> Result<T, WireError>,
    ) -> Result<Option<T>, CityError> {
        let mut read = 0;
        loop {
            read += 1;
            let fetched = self.fetch_negotiated(resource, params).await?;
            if fetched.status == StatusCode::NOT_FOUND && on_404 != On404::Error {
                return self.not_found(resource, on_404).map(|()| None);
            }
            let body = self.accept(fetched, resource)?;
            match parse(&body) {
                Ok(parsed) => return Ok(Some(parsed)),
                Err(WireError::TooMany { max }) => {
                    return Err(CityError::TooMany { url: self.url_text(resource), max });
                }
                Err(e) if transient(&e) => {
                    self.caller().count(Outcome::Unreadable);
                    if read >= READS {
                        return Err(self.answer_error(resource, e));
                    }
                    tracing::debug!(jurisdiction = %self.city.id, error = %e, "Unreadable answer, reading again");
                    tokio::time::sleep(self.client.backoff_unit().saturating_mul(1 << read.min(6))).await;
                }
                Err(e) => return Err(self.answer_error(resource, e)),
            }
        }
    }

    /// A 404: "nothing found" on a list only from a city known to answer lists with records
    /// (Mark-a-Spot says it so); an error from any other.
    fn not_found(&mut self, resource: &str, on_404: On404) -> Result<(), CityError> {
        if on_404 == On404::Empty {
            if !self.profile.answers_lists {
                return Err(CityError::Unconfirmed404 { url: self.url_text(resource) });
            }
            self.profile.not_found_means_empty = true;
        }
        Ok(())
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
        if let Some(budget) = self.budget.filter(|b| self.tally.attempts() >= *b) {
            return Err(CityError::Budget(budget));
        }
        let url = self.url(resource, params);
        tracing::debug!(jurisdiction = %self.city.id, %url, "Fetching");
        let caller = Caller { jurisdiction: &self.city.id, tally: &self.tally };
        let fetched = self.client.get_for(&url, &self.city.headers(), self.city.rate_limit, Some(caller)).await?;
        if let Some(date) = fetched.date {
            self.clock_offset = Some(date.as_second() - jiff::Timestamp::now().as_second());
        }
        Ok(fetched)
    }

    /// Who this pass's calls are counted for.
    pub(super) fn caller(&self) -> Caller<'_> {
        Caller { jurisdiction: &self.city.id, tally: &self.tally }
    }

    /// A 2xx body in UTF-8 (converted from the charset the city declared), or an error naming
    /// the city's complaint.
    pub(super) fn accept(&self, fetched: Fetched, resource: &str) -> Result<Vec<u8>, CityError> {
        if fetched.status.is_success() {
            if let Some(kind) = compressed(&fetched.body) {
                let detail = format!("the body is {kind} data sent without a matching Content-Encoding header");
                return Err(CityError::Unreadable { url: self.url_text(resource), detail });
            }
            return Ok(fetched.into_utf8());
        }
        let detail = match read::parse_errors(&fetched.body) {
            Some(errors) => {
                errors.iter().map(|e| format!("{} {}", e.code, e.description)).collect::<Vec<_>>().join("; ")
            }
            None => snippet(&fetched.body),
        };
        Err(CityError::Answer { url: self.url_text(resource), status: fetched.status.as_u16(), detail })
    }

    /// A successful answer whose body cannot be read.
    pub(super) fn answer_error(&self, resource: &str, e: WireError) -> CityError {
        CityError::Unreadable { url: self.url_text(resource), detail: e.to_string() }
    }

    /// The resource's URL without parameters, for messages.
    fn url_text(&self, resource: &str) -> String {
        self.url(resource, &[]).to_string()
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

    pub(super) fn format_time(&self, t: jiff::Timestamp) -> String {
        match self.city.date_style() {
            DateStyle::Utc => format_utc(t),
            DateStyle::LocalNoZone => {
                t.to_zoned_datetime(self.city.timezone.clone()).strftime("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }
    }

    /// How long to pause between rounds of failed windows.
    pub(super) fn round_pause(&self, round: u32) -> Duration {
        self.client.backoff_unit().saturating_mul(4 << round.min(6))
    }
}

/// Whether a success that could not be read may read fine on another try: a cut-off or
/// otherwise broken document, an empty body, an error page a proxy sent as 200.
fn transient(e: &WireError) -> bool {
    matches!(e, WireError::Malformed { .. } | WireError::Empty | WireError::Html(_))
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
