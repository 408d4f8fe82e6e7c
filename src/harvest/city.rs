//! One city's harvest pass: services, service definitions, then requests over date windows,
//! paging each window or narrowing it until nothing can be missing. Progress is saved after
//! every window, so a pass killed half-way resumes where it stopped and loses nothing.

use std::collections::HashSet;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use url::Url;

use super::client::{Client, FetchError, Fetched};
use super::profile::{Plan, Profile};
use super::report::CityReport;
use crate::domain::ServiceRequest;
use crate::domain::time::format_utc;
use crate::registry::{DateStyle, Jurisdiction, Paging, WireFormat};
use crate::store::Store;
use crate::wire::read::{self, WireError};

/// Trailing span re-read on an incremental pass, to catch late edits near the edge.
const TRAILING: SignedDuration = SignedDuration::from_hours(24 * 7);
/// The narrowest window fed311 splits down to.
const MIN_WINDOW: SignedDuration = SignedDuration::from_mins(1);
/// Pages per window before giving up on a server that never stops.
const MAX_PAGES: u32 = 10_000;

/// Why a city's pass failed.
#[derive(Debug, thiserror::Error)]
pub enum CityError {
    /// The network failed after every retry.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The city answered something we cannot use.
    #[error("{url}: HTTP {status}: {detail}")]
    Answer {
        /// What was asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// What the body said.
        detail: String,
    },
    /// Our own store failed.
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// A blocking task died.
    #[error("internal: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// State of one pass over one city.
pub struct CityPass<'a> {
    client: &'a Client,
    store: &'a Store,
    city: &'a Jurisdiction,
    profile: Profile,
    plan: Plan,
    /// List calls answered 404, and answered otherwise: all 404 means the endpoint is gone.
    lists_missing: u32,
    lists_found: u32,
    /// Counters for the summary.
    pub report: CityReport,
}

impl<'a> CityPass<'a> {
    /// Prepares a pass with what the store remembers of the city.
    pub fn new(client: &'a Client, store: &'a Store, city: &'a Jurisdiction) -> Result<Self, CityError> {
        let state = store.harvest_state(&city.id)?;
        let profile = Profile::from_json(state.profile.as_deref());
        let plan = Plan::new(city, &profile);
        Ok(CityPass { client, store, city, profile, plan, lists_missing: 0, lists_found: 0, report: CityReport::new(&city.id) })
    }

    /// Runs the pass: services, definitions, requests. `full` rescans from `backfill_from`.
    pub async fn run(&mut self, full: bool) -> Result<(), CityError> {
        let started = Instant::now();
        let c = self.city;
        let store = self.store.clone();
        let (id, name, endpoint, zone) = (c.id.clone(), c.name.clone(), c.endpoint.to_string(), c.timezone_name.clone());
        blocking(move || {
            store.sync_jurisdiction(&id, &name, &endpoint, &zone)?;
            store.harvest_started(&id)
        })
        .await?;
        let outcome = self.run_steps(full).await;
        let error = outcome.as_ref().err().map(ToString::to_string);
        let (store, id, profile) = (self.store.clone(), c.id.clone(), self.profile.to_json());
        blocking(move || {
            store.save_profile(&id, &profile)?;
            store.harvest_finished(&id, error.as_deref())
        })
        .await?;
        self.report.elapsed = started.elapsed();
        outcome
    }

    async fn run_steps(&mut self, full: bool) -> Result<(), CityError> {
        self.harvest_services().await?;
        self.harvest_requests(full).await?;
        if self.lists_found == 0 && self.lists_missing > 0 {
            return Err(CityError::Answer {
                url: self.city.endpoint.to_string(),
                status: 404,
                detail: "every list answered 404: has the endpoint moved?".to_string(),
            });
        }
        Ok(())
    }

    async fn harvest_services(&mut self) -> Result<(), CityError> {
        let Some(body) = self.fetch_list("services", &[]).await? else {
            self.report.errors.push("services answered 404: no service list".to_string());
            return Ok(());
        };
        let parsed = read::parse_services(&body).map_err(|e| self.answer_error("services", e))?;
        self.warn_skipped(&parsed.skipped);
        let (store, id, services) = (self.store.clone(), self.city.id.clone(), parsed.items);
        let with_metadata: Vec<String> =
            services.iter().filter(|s| s.metadata).map(|s| s.service_code.clone()).collect();
        blocking(move || store.upsert_services(&id, &services)).await?;
        for code in with_metadata {
            if let Err(e) = self.harvest_definition(&code).await {
                tracing::warn!(jurisdiction = %self.city.id, service_code = %code, error = %e, "Service definition not harvested");
                self.report.errors.push(format!("definition {code}: {e}"));
            }
        }
        Ok(())
    }

    async fn harvest_definition(&mut self, code: &str) -> Result<(), CityError> {
        let resource = format!("services/{}", encode_segment(code));
        let fetched = self.fetch_negotiated(&resource, &[]).await?;
        let body = self.accept(fetched, &resource)?;
        let mut definition = read::parse_service_definition(&body).map_err(|e| self.answer_error(&resource, e))?;
        definition.service_code = code.to_string();
        let (store, id) = (self.store.clone(), self.city.id.clone());
        blocking(move || store.set_service_definition(&id, &definition)).await?;
        Ok(())
    }

    async fn harvest_requests(&mut self, full: bool) -> Result<(), CityError> {
        let (store, id) = (self.store.clone(), self.city.id.clone());
        let state = blocking(move || store.harvest_state(&id)).await?;
        let origin = self.backfill_origin();
        let start = match state.backfilled_until.and_then(|t| Timestamp::from_second(t).ok()) {
            Some(done) if !full => (done - TRAILING).max(origin),
            _ => origin,
        };
        let end = Timestamp::now();
        let max_window = SignedDuration::from_hours(24 * i64::from(self.city.window_days));
        let mut window = max_window;
        let mut from = start;
        while from < end {
            let to = (from + window).min(end);
            let records = self.fetch_window(from, to).await?;
            if self.plan.paging == Paging::None && records.len() as u32 >= self.plan.page_size && window > MIN_WINDOW {
                window = window / 2;
                continue;
            }
            self.store_window(records, to).await?;
            from = to;
            window = (window * 2).min(max_window);
        }
        Ok(())
    }

    async fn store_window(&mut self, records: Vec<ServiceRequest>, to: Timestamp) -> Result<(), CityError> {
        let newest = records.iter().filter_map(|r| r.updated_datetime).max().map(|t| t.as_second());
        let (store, id) = (self.store.clone(), self.city.id.clone());
        let counts = blocking(move || {
            let counts = store.upsert_requests(&id, &records)?;
            store.harvest_progress(&id, Some(to.as_second()), newest)?;
            Ok::<_, crate::store::StoreError>(counts)
        })
        .await?;
        self.report.counts += counts;
        Ok(())
    }

    /// Every record of one window: all pages, or the one answer.
    async fn fetch_window(&mut self, from: Timestamp, to: Timestamp) -> Result<Vec<ServiceRequest>, CityError> {
        let mut params = self.window_params(from, to);
        if self.plan.paging == Paging::None {
            return self.fetch_requests(&params).await;
        }
        let mut all = Vec::new();
        let mut previous: HashSet<String> = HashSet::new();
        for page in 0..MAX_PAGES {
            let page_params = self.page_params(page);
            params.truncate(self.window_params(from, to).len());
            params.extend(page_params);
            let records = self.fetch_requests(&params).await?;
            let ids: HashSet<String> = records.iter().map(|r| r.service_request_id.clone()).collect();
            if records.is_empty() || (!previous.is_empty() && ids.is_subset(&previous)) {
                break;
            }
            let short = self.plan.page_size_known && (records.len() as u32) < self.plan.page_size;
            all.extend(records);
            if short {
                break;
            }
            previous = ids;
        }
        Ok(all)
    }

    async fn fetch_requests(&mut self, params: &[(&'static str, String)]) -> Result<Vec<ServiceRequest>, CityError> {
        let Some(body) = self.fetch_list("requests", params).await? else {
            return Ok(Vec::new());
        };
        let parsed = read::parse_requests(&body, &self.city.timezone).map_err(|e| self.answer_error("requests", e))?;
        self.warn_skipped(&parsed.skipped);
        self.profile.saw_answer(parsed.items.len() + parsed.skipped.len());
        Ok(parsed.items)
    }

    /// A list resource's body; `None` when the city answers 404, which servers such as
    /// Mark-a-Spot use for "nothing found".
    async fn fetch_list(&mut self, resource: &str, params: &[(&'static str, String)]) -> Result<Option<Vec<u8>>, CityError> {
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
    async fn fetch_negotiated(&mut self, resource: &str, params: &[(&'static str, String)]) -> Result<Fetched, CityError> {
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

    async fn fetch(&mut self, resource: &str, params: &[(&'static str, String)]) -> Result<Fetched, CityError> {
        let url = self.url(resource, params);
        self.report.calls += 1;
        tracing::debug!(jurisdiction = %self.city.id, %url, "Fetching");
        Ok(self.client.get(&url, &self.city.headers(), self.city.rate_limit).await?)
    }

    /// A 2xx body, or an error naming the city's complaint.
    fn accept(&self, fetched: Fetched, resource: &str) -> Result<Vec<u8>, CityError> {
        if fetched.status.is_success() {
            return Ok(fetched.body);
        }
        let detail = match read::parse_errors(&fetched.body) {
            Some(errors) => errors.iter().map(|e| format!("{} {}", e.code, e.description)).collect::<Vec<_>>().join("; "),
            None => snippet(&fetched.body),
        };
        Err(CityError::Answer { url: self.url(resource, &[]).to_string(), status: fetched.status.as_u16(), detail })
    }

    fn answer_error(&self, resource: &str, e: WireError) -> CityError {
        CityError::Answer { url: self.url(resource, &[]).to_string(), status: 200, detail: e.to_string() }
    }

    fn url(&self, resource: &str, params: &[(&'static str, String)]) -> Url {
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

    fn window_params(&self, from: Timestamp, to: Timestamp) -> Vec<(&'static str, String)> {
        vec![
            ("start_date", self.format_time(from)),
            ("end_date", self.format_time(to)),
            ("status", "open,closed".to_string()),
        ]
    }

    fn page_params(&self, page: u32) -> Vec<(&'static str, String)> {
        let size = self.plan.page_size.to_string();
        let number = (page + self.plan.first_page).to_string();
        match self.plan.paging {
            Paging::None => Vec::new(),
            Paging::PageSize => vec![("page", number), ("page_size", size)],
            Paging::Limit => vec![("page", number), ("limit", size)],
            Paging::Offset => vec![("offset", (u64::from(page) * u64::from(self.plan.page_size)).to_string()), ("limit", size)],
        }
    }

    fn format_time(&self, t: Timestamp) -> String {
        match self.city.date_style() {
            DateStyle::Utc => format_utc(t),
            DateStyle::LocalNoZone => t.to_zoned_datetime(self.city.timezone.clone()).strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }

    fn backfill_origin(&self) -> Timestamp {
        self.city.timezone.to_timestamp(self.city.backfill_from.to_datetime(jiff::civil::Time::midnight())).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn warn_skipped(&mut self, skipped: &[String]) {
        for message in skipped {
            tracing::warn!(jurisdiction = %self.city.id, "Skipped record: {message}");
        }
        self.report.skipped += skipped.len() as u64;
    }
}

/// Runs store work off the async threads.
async fn blocking<T: Send + 'static, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, CityError>
where
    CityError: From<E>,
    E: Send + 'static,
{
    Ok(tokio::task::spawn_blocking(f).await??)
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    head.contains("<!doctype html") || head.contains("<html")
}

/// The start of a body, as one line, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() { "(empty body)".into() } else { one_line }
}

/// Percent-encodes one path segment (service codes may hold `/`, spaces, `&`, `@`).
pub fn encode_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}
