//! One city's GeoReport endpoint, as fed311 calls it: the one place that builds a city's URLs
//! (its resources, in the format spoken, with the upstream `jurisdiction_id` its server
//! expects), chooses JSON or XML (falling back to XML for good where JSON is not served), and
//! puts a city's refusal into words. Harvest passes and the submission forwarder both call
//! cities through it.
//!
//! A pass's endpoint is [`counted`](CityEndpoint::counted): its attempts are tallied by outcome
//! (and in `fed311_harvest_calls_total`), and a [`budget`](CityEndpoint::set_budget) may cap
//! them. It also keeps the city's clock, as its `Date` headers show it.

use std::time::Duration;

use url::Url;

use super::client::Client;
use super::outcome::{Caller, FetchError, Fetched, Posted, Tally};
use crate::domain::time::format_utc;
use crate::registry::{DateStyle, Jurisdiction};
use crate::wire::WireFormat;
use crate::wire::read;

/// One query parameter.
pub type Param = (&'static str, String);

/// What a city serves, by resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'r> {
    /// `services`: the service list.
    Services,
    /// `services/{code}`: one service's definition.
    Definition(&'r str),
    /// `requests`: a list of requests (by dates, by ids, by service, as its parameters say).
    Requests,
    /// `tokens/{token}`: what became of a submission the city took with a token. Asked without
    /// the upstream `jurisdiction_id`: the token is the city server's own.
    Token(&'r str),
}

impl Resource<'_> {
    /// The path below the endpoint, without the format's extension.
    fn path(self) -> String {
        match self {
            Resource::Services => "services".to_string(),
            Resource::Definition(code) => format!("services/{}", encode_segment(code)),
            Resource::Requests => "requests".to_string(),
            Resource::Token(token) => format!("tokens/{}", encode_segment(token)),
        }
    }
}

/// Why a call through an endpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The network failed after every retry.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The calls allowed ([`CityEndpoint::set_budget`]) are spent; this one was not made.
    #[error("the budget of {0} calls is spent")]
    Budget(u64),
}

/// One city's endpoint, with the format being spoken to it.
pub struct CityEndpoint<'a> {
    client: &'a Client,
    city: &'a Jurisdiction,
    /// The format asked for now.
    format: WireFormat,
    /// Whether the city's file fixes the format (no fallback).
    format_fixed: bool,
    /// Whether attempts are counted (in `tally` and the metrics).
    counted: bool,
    /// Every counted attempt, by outcome.
    tally: Tally,
    /// Most counted attempts allowed, if limited.
    budget: Option<u64>,
    /// The city's clock minus ours (seconds), from the last `Date` header seen.
    clock_offset: Option<i64>,
}

impl<'a> CityEndpoint<'a> {
    /// The endpoint of `city`, spoken to in the format its file names, else the one `learned`
    /// (by an earlier pass), else JSON.
    pub fn new(client: &'a Client, city: &'a Jurisdiction, learned: Option<WireFormat>) -> CityEndpoint<'a> {
        CityEndpoint {
            client,
            city,
            format: city.format().or(learned).unwrap_or(WireFormat::Json),
            format_fixed: city.format().is_some(),
            counted: false,
            tally: Tally::default(),
            budget: None,
            clock_offset: None,
        }
    }

    /// The same endpoint, its attempts counted by outcome (a harvest pass's are).
    pub fn counted(self) -> CityEndpoint<'a> {
        CityEndpoint { counted: true, ..self }
    }

    /// The city.
    pub fn city(&self) -> &'a Jurisdiction {
        self.city
    }

    /// The format asked for now.
    pub fn format(&self) -> WireFormat {
        self.format
    }

    /// Every counted attempt so far, by outcome.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Who the calls are counted for, when they are.
    pub fn caller(&self) -> Option<Caller<'_>> {
        self.counted.then_some(Caller { jurisdiction: &self.city.id, tally: &self.tally })
    }

    /// Caps the counted attempts (a probe's budget); `None` lifts the cap.
    pub fn set_budget(&mut self, budget: Option<u64>) {
        self.budget = budget;
    }

    /// The cap on counted attempts, if any.
    pub fn budget(&self) -> Option<u64> {
        self.budget
    }

    /// The city's clock minus ours (seconds), from the last `Date` header seen.
    pub fn clock_offset(&self) -> Option<i64> {
        self.clock_offset
    }

    /// The client's first retry wait: the unit of every other wait around calls.
    pub fn backoff_unit(&self) -> Duration {
        self.client.backoff_unit()
    }

    /// The URL of `resource` in the format spoken now, with the upstream `jurisdiction_id`
    /// (when the file names one, and the resource takes it) before `params`.
    pub fn url(&self, resource: Resource<'_>, params: &[Param]) -> Url {
        let mut url = self.bare_url(&resource.path());
        {
            let mut query = url.query_pairs_mut();
            if let (Some(upstream), false) =
                (&self.city.config.upstream_jurisdiction_id, matches!(resource, Resource::Token(_)))
            {
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

    /// The URL of `resource` without parameters, for messages.
    pub fn url_text(&self, resource: Resource<'_>) -> String {
        self.url(resource, &[]).to_string()
    }

    /// Where submissions are posted: `requests` in the format spoken, without a query (the
    /// upstream `jurisdiction_id` travels in the form).
    pub fn post_url(&self) -> Url {
        self.bare_url("requests")
    }

    fn bare_url(&self, path: &str) -> Url {
        let mut url = self.city.endpoint.clone();
        url.set_path(&format!("{}{}.{}", self.city.endpoint.path(), path, self.format.extension()));
        url
    }

    /// A time as the city reads it in a date parameter (UTC, or its local time without a zone
    /// where its file says so).
    pub fn format_time(&self, t: jiff::Timestamp) -> String {
        match self.city.date_style() {
            DateStyle::Utc => format_utc(t),
            DateStyle::LocalNoZone => {
                t.to_zoned_datetime(self.city.timezone.clone()).strftime("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }
    }

    /// GETs `resource` once (with the client's retries), within the budget, noting the city's
    /// clock. Any HTTP status is an answer.
    pub async fn get(&mut self, resource: Resource<'_>, params: &[Param]) -> Result<Fetched, CallError> {
        if let Some(budget) = self.budget.filter(|b| self.tally.attempts() >= *b) {
            return Err(CallError::Budget(budget));
        }
        let url = self.url(resource, params);
        tracing::debug!(jurisdiction = %self.city.id, %url, "Fetching");
        let caller = self.caller();
        let fetched = self.client.get_for(&url, &self.city.headers(), self.city.rate_limit, caller).await?;
        if let Some(date) = fetched.date {
            self.clock_offset = Some(date.as_second() - jiff::Timestamp::now().as_second());
        }
        Ok(fetched)
    }

    /// GETs `resource`, switching from JSON to XML for good when JSON is not served (an HTML
    /// page, 404, 406 or 415, or XML sent anyway), unless the file fixes the format. `learned`
    /// is the format that worked, as the caller keeps it: set on the first success.
    pub async fn get_negotiated(
        &mut self,
        resource: Resource<'_>,
        params: &[Param],
        learned: &mut Option<WireFormat>,
    ) -> Result<Fetched, CallError> {
        let fetched = self.get(resource, params).await?;
        let json_refused = self.format == WireFormat::Json
            && !self.format_fixed
            && learned.is_none()
            && (looks_like_html(&fetched.body)
                || matches!(fetched.status.as_u16(), 404 | 406 | 415)
                || (fetched.status.is_success() && read::detect_format(&fetched.body) == Some(WireFormat::Xml)));
        if !json_refused {
            if fetched.status.is_success() {
                learned.get_or_insert(self.format);
            }
            return Ok(fetched);
        }
        tracing::info!(jurisdiction = %self.city.id, "JSON not served, trying XML");
        self.format = WireFormat::Xml;
        let retry = self.get(resource, params).await?;
        if retry.status.is_success() {
            *learned = Some(WireFormat::Xml);
        } else {
            self.format = WireFormat::Json;
        }
        Ok(retry)
    }

    /// POSTs a submission's `form` once (whoever posts owns retries), with the upstream
    /// `jurisdiction_id` and the city's API key (from the environment variable its file names)
    /// added.
    pub async fn post_form(&self, form: &[(String, String)]) -> Posted {
        let mut form = form.to_vec();
        if let Some(upstream) = &self.city.config.upstream_jurisdiction_id {
            form.push(("jurisdiction_id".into(), upstream.clone()));
        }
        if let Some(key) = self.city.api_key() {
            form.push(("api_key".into(), key));
        }
        self.client.post_form(&self.post_url(), &form, &self.city.headers(), self.city.rate_limit).await
    }
}

/// The city's own words in an answer that refused a call: its GeoReport errors ("400 Address
/// outside city limits; …"), when it sent any.
pub fn refusal(body: &[u8]) -> Option<String> {
    let errors = read::parse_errors(body).filter(|errors| !errors.is_empty())?;
    let parts: Vec<String> =
        errors.iter().map(|e| format!("{} {}", e.code, e.description).trim().to_string()).collect();
    Some(parts.join("; "))
}

/// Percent-encodes one path segment (service codes may hold `/`, spaces, `&`, `@`).
pub fn encode_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Whether a body is an HTML page (an error page, a portal), not a GeoReport document.
fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    head.contains("<!doctype html") || head.contains("<html")
}
