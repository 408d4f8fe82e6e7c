//! The forwarder: one task that sends outbox submissions to their cities. It commits
//! `sending` before each POST; a POST that certainly never left (no connection) goes back to
//! `pending`, one whose fate is unknown (timeout, cut connection) stays `sending` and is
//! looked for in the city's own list before it is ever sent again, so no city gets a
//! submission twice. A city's refusal (4xx) is final and kept for the token, with the city's
//! HTTP status, so that the client can be told whether its data was at fault (400, 422) or the
//! city would not take it at all (see [`refusal_blames_the_client`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::reconcile::Sought;
use super::secrets::Secrets;
use crate::domain::ServiceRequest;
use crate::domain::time::format_utc;
use crate::registry::{Jurisdiction, Registry};
use crate::store::{Node, Store, StoreError, Submission};
use crate::upstream::{CityEndpoint, Client, Param, Posted, Profile, Resource};
use crate::wire::WireFormat;
use crate::wire::read;

/// Longest wait between attempts, and between checks for due submissions.
const MAX_WAIT_SECS: i64 = 3600;

/// What the forwarder needs.
#[derive(Clone)]
pub struct Forwarder {
    /// Outbound HTTP.
    pub client: Client,
    /// The outbox lives here.
    pub store: Store,
    /// Where each city is.
    pub registry: Arc<Registry>,
    /// Wakes the forwarder when a submission arrives.
    pub wake: Arc<Notify>,
    /// Keys scrubbed from every city answer before it is stored.
    pub secrets: Arc<Secrets>,
    /// This node, and how long its claim on a submission holds.
    pub node: Node,
}

/// How far around the submission's time (on the city's clock) its list is searched.
const WINDOW_MARGIN: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// Runs until `shutdown`: delivers due submissions, then sleeps until the next is due.
pub async fn run_forwarder(fwd: Forwarder, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = fwd.deliver_due().await {
            tracing::error!(error = %e, "Forwarder could not read the outbox");
        }
        let due = fwd.store.off_thread(|store| store.next_submission_due()).await.ok().flatten();
        let wait = Duration::from_secs(due.unwrap_or(MAX_WAIT_SECS).clamp(0, MAX_WAIT_SECS) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
            _ = fwd.wake.notified() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// What an attempt leaves in the outbox, written off the async threads (a write may wait
/// behind a harvest's transaction).
enum Outcome {
    /// The city has it, under this id (empty when a blackbox service names none).
    Delivered { id: String, notice: Option<String> },
    /// The city gave a token; its id is asked for later.
    Awaiting { city_token: String, notice: Option<String>, retry_in: i64 },
    /// Try again later, from this state (`pending`: certainly unsent; `sending`: fate unknown).
    Retry { state: &'static str, retry_in: i64, error: String },
    /// Final: the city (with its HTTP status) or fed311 (no status) will not take it.
    Refused { why: String, status: Option<u16> },
    /// This node's claim ran out before it sent anything: another node has it now.
    NotOurs,
}

impl Outcome {
    /// The outcome with every key scrubbed from the city's words.
    fn scrubbed(self, secrets: &Secrets) -> Outcome {
        match self {
            Outcome::Delivered { id, notice } => Outcome::Delivered { id, notice: secrets.scrub_opt(notice) },
            Outcome::Awaiting { city_token, notice, retry_in } => {
                Outcome::Awaiting { city_token, notice: secrets.scrub_opt(notice), retry_in }
            }
            Outcome::Retry { state, retry_in, error } => {
                Outcome::Retry { state, retry_in, error: secrets.scrub(&error) }
            }
            Outcome::Refused { why, status } => Outcome::Refused { why: secrets.scrub(&why), status },
            Outcome::NotOurs => Outcome::NotOurs,
        }
    }
}

impl Forwarder {
    /// One round over everything due now.
    pub async fn deliver_due(&self) -> Result<(), StoreError> {
        let claims = self.node.clone();
        let due = self
            .store
            .off_thread(move |store| store.claim_due_submissions(&claims.name, 64, claims.submission_claim))
            .await?;
        for submission in due {
            let written = match self.attempt(&submission).await {
                Ok(outcome) => self.record(&submission.token, outcome).await,
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                tracing::error!(token = %submission.token, error = %e, "Outbox update failed");
            }
        }
        Ok(())
    }

    async fn attempt(&self, s: &Submission) -> Result<Outcome, StoreError> {
        let Some(city) = self.registry.get(&s.jurisdiction_id) else {
            let why = "the jurisdiction is no longer served".into();
            return Ok(Outcome::Refused { why, status: None });
        };
        let learned = self.learned_format(city).await;
        let mut endpoint = CityEndpoint::new(&self.client, city, learned);
        match s.state.as_str() {
            "awaiting" => self.resolve_city_token(&mut endpoint, s).await,
            "sending" => match self.find_delivered(&mut endpoint, s).await {
                Ok(Some(id)) => Ok(Outcome::Delivered { id, notice: None }),
                Ok(None) => self.send(&endpoint, s).await,
                // Not knowing is no reason to send again: look again later.
                Err(error) => Ok(Outcome::Retry { state: "sending", retry_in: self.retry_in(s.attempts + 1), error }),
            },
            _ => self.send(&endpoint, s).await,
        }
    }

    /// Commits `sending`, then posts: from here on a lost answer is looked for, never resent.
    async fn send(&self, endpoint: &CityEndpoint<'_>, s: &Submission) -> Result<Outcome, StoreError> {
        let (token, node) = (s.token.clone(), self.node.name.clone());
        if !self.store.off_thread(move |store| store.submission_sending(&token, &node)).await? {
            return Ok(Outcome::NotOurs);
        }
        let retry_in = self.retry_in(s.attempts + 1);
        let retry = |state, error| Outcome::Retry { state, retry_in, error };
        Ok(match endpoint.post_form(&s.form).await {
            Posted::NotSent(e) => retry("pending", e),
            Posted::Unknown(e) => retry("sending", e),
            Posted::Answered(answer) if answer.status.is_success() => accepted(&answer.into_utf8(), retry_in),
            Posted::Answered(answer) if answer.status.as_u16() == 429 || answer.status.is_server_error() => {
                retry("pending", format!("city answered HTTP {}", answer.status.as_u16()))
            }
            Posted::Answered(answer) => {
                let status = answer.status.as_u16();
                Outcome::Refused { why: refusal(status, &answer.into_utf8()), status: Some(status) }
            }
        })
    }

    async fn resolve_city_token(&self, endpoint: &mut CityEndpoint<'_>, s: &Submission) -> Result<Outcome, StoreError> {
        let Some(city_token) = &s.city_token else { return self.send(endpoint, s).await };
        let answer = endpoint.get(Resource::Token(city_token), &[]).await;
        let id = answer
            .ok()
            .and_then(|a| read::parse_post_receipts(&a.into_utf8()).ok())
            .and_then(|r| r.into_iter().find_map(|r| r.service_request_id));
        Ok(match id {
            Some(id) => Outcome::Delivered { id, notice: None },
            None => Outcome::Awaiting {
                city_token: city_token.clone(),
                notice: None,
                retry_in: self.retry_in(s.attempts + 1).min(600),
            },
        })
    }

    /// After an attempt of unknown fate: is the submission in the city's list already?
    /// Looked for among the service's requests made since it was accepted (an hour either
    /// way), on the city's clock: when the city's `Date` header shows its clock off by more
    /// than half that hour, the list is asked for again around the city's time; a city that
    /// sends no `Date` is asked for its own default list (its newest requests). Matched as
    /// [`Sought`] says (text normalized, points within metres). `Err` when a list could not
    /// be read: then nobody knows, and nothing is sent.
    async fn find_delivered(&self, endpoint: &mut CityEndpoint<'_>, s: &Submission) -> Result<Option<String>, String> {
        let sought = Sought::from_form(&s.form);
        let (listed, city_clock) = city_list(endpoint, s, Some(jiff::SignedDuration::ZERO)).await?;
        if let Some(id) = sought.find(&listed) {
            return Ok(Some(id));
        }
        let skew = match city_clock {
            Some(skew) if skew.abs() <= WINDOW_MARGIN / 2 => return Ok(None),
            Some(skew) => Some(skew),
            None => None,
        };
        let skew_s = skew.map(|d| d.as_secs());
        tracing::info!(jurisdiction = %endpoint.city().id, skew_s, "Looking for a submission on the city's clock");
        let (listed, _) = city_list(endpoint, s, skew).await?;
        Ok(sought.find(&listed))
    }

    /// Writes an attempt's outcome for the submission `token`.
    async fn record(&self, token: &str, outcome: Outcome) -> Result<(), StoreError> {
        let token = token.to_string();
        let outcome = outcome.scrubbed(&self.secrets);
        self.store
            .off_thread(move |store| match outcome {
                Outcome::Delivered { id, notice } => store.submission_delivered(&token, &id, notice.as_deref()),
                Outcome::Awaiting { city_token, notice, retry_in } => {
                    store.submission_awaiting(&token, &city_token, notice.as_deref(), retry_in)
                }
                Outcome::Retry { state, retry_in, error } => store.submission_retry(&token, state, retry_in, &error),
                Outcome::Refused { why, status } => store.submission_refused(&token, &why, status),
                Outcome::NotOurs => Ok(()),
            })
            .await
    }

    /// The format the harvester learned the city speaks, when its file names none (the
    /// endpoint speaks JSON when nothing is known).
    async fn learned_format(&self, city: &Jurisdiction) -> Option<WireFormat> {
        if city.format().is_some() {
            return None;
        }
        let id = city.id.clone();
        let learned = self.store.off_thread(move |store| Ok(store.harvest_state(&id)?.profile)).await.ok().flatten();
        Profile::from_json(learned.as_deref()).format
    }

    /// Exponential backoff in seconds: 5 × 2^(attempt-1) backoff units, at most an hour.
    fn retry_in(&self, attempt: i64) -> i64 {
        let unit = self.client.backoff_unit().as_secs_f64();
        let wait = 5.0 * unit * 2f64.powi((attempt - 1).clamp(0, 20) as i32);
        (wait.ceil() as i64).clamp(0, MAX_WAIT_SECS)
    }
}

/// The city's requests of the submission's service, between its acceptance and now (an hour
/// either way) shifted by `skew` (the city's clock less ours), or the city's default list when
/// `skew` is unknown; with the skew its `Date` header shows.
async fn city_list(
    endpoint: &mut CityEndpoint<'_>,
    s: &Submission,
    skew: Option<jiff::SignedDuration>,
) -> Result<(Vec<ServiceRequest>, Option<jiff::SignedDuration>), String> {
    let mut params: Vec<Param> = vec![("service_code", s.service_code.clone())];
    if let Some(skew) = skew {
        let accepted = jiff::Timestamp::from_second(s.created_at).map_err(|e| e.to_string())?;
        let shift = |t: jiff::Timestamp, by: jiff::SignedDuration| t.checked_add(by).map_err(|e| e.to_string());
        let since = shift(shift(accepted, skew)?, -WINDOW_MARGIN)?;
        let until = shift(shift(jiff::Timestamp::now(), skew)?, WINDOW_MARGIN)?;
        params.push(("start_date", format_utc(since)));
        params.push(("end_date", format_utc(until)));
    }
    let answer = endpoint.get(Resource::Requests, &params).await.map_err(|e| e.to_string())?;
    let clock = answer.date.map(|date| date.duration_since(jiff::Timestamp::now()));
    if answer.status.as_u16() == 404 {
        return Ok((Vec::new(), clock)); // The list is empty (Mark-a-Spot says so with a 404).
    }
    if !answer.status.is_success() {
        let url = endpoint.url(Resource::Requests, &params);
        return Err(format!("{url}: HTTP {} while looking for the submission", answer.status.as_u16()));
    }
    let listed = read::parse_requests(&answer.into_utf8(), &endpoint.city().timezone).map_err(|e| e.to_string())?.items;
    Ok((listed, clock))
}

/// A city's 2xx answer: an id, a token to ask about later, or (a blackbox service) nothing.
fn accepted(body: &[u8], retry_in: i64) -> Outcome {
    let receipt = read::parse_post_receipts(body).ok().and_then(|r| r.into_iter().next()).unwrap_or_default();
    let notice = receipt.service_notice;
    match (receipt.service_request_id, receipt.token) {
        (Some(id), _) => Outcome::Delivered { id, notice },
        (None, Some(city_token)) => Outcome::Awaiting { city_token, notice, retry_in: retry_in.min(60) },
        // A blackbox service answers nothing: the city has it, under no id we can know.
        (None, None) => Outcome::Delivered { id: String::new(), notice },
    }
}

/// Whether a refusal is the client's to fix: only when the city said the data was wrong
/// (400 Bad Request, 422 Unprocessable Content). Anything else (401, 403, 404, 405, …, and
/// fed311's own refusals, which carry no status) says the city would not take any report
/// from us, which is no fault of the client's: a gateway failure (502).
pub fn refusal_blames_the_client(status: Option<u16>) -> bool {
    matches!(status, Some(400 | 422))
}

/// A refusal as the client is told it, in the city's own words when it gave any.
fn refusal(status: u16, body: &[u8]) -> String {
    match crate::upstream::refusal(body) {
        Some(words) => format!("the city refused it (HTTP {status}): {words}"),
        None => format!("the city refused it (HTTP {status})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_data_refusal_is_the_clients() {
        assert!(refusal_blames_the_client(Some(400)));
        assert!(refusal_blames_the_client(Some(422)));
        for status in [Some(401), Some(403), Some(404), Some(405), Some(409), Some(502), None] {
            assert!(!refusal_blames_the_client(status), "{status:?}");
        }
    }

    #[test]
    fn a_refusal_keeps_the_citys_words_and_status() {
        let body = br#"[{"code": 400, "description": "Address outside city limits"}]"#;
        assert_eq!(refusal(400, body), "the city refused it (HTTP 400): 400 Address outside city limits");
        assert_eq!(refusal(405, b"Method Not Allowed"), "the city refused it (HTTP 405)");
    }
}
