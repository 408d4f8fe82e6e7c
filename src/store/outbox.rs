//! The outbox: submissions accepted from clients, kept durably until their city has them.
//! A row moves pending → sending → delivered (or awaiting a city token, or refused); a row
//! found `sending` after a restart had an unknown outcome and is reconciled before any resend.
//! Nodes sharing the store take due rows by claim: a row is one node's until its claim runs
//! out, and only the claim's holder marks it `sending`, so each attempt is made by one node.

use std::time::Duration;

use super::{Result, Store};

/// One submission in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// fed311's token.
    pub token: String,
    /// Where it goes.
    pub jurisdiction_id: String,
    /// The service asked for.
    pub service_code: String,
    /// The form to post, in order (no key).
    pub form: Vec<(String, String)>,
    /// `pending`, `sending`, `awaiting`, `delivered` or `refused`.
    pub state: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When it was accepted (unix seconds).
    pub created_at: i64,
    /// The city's id, once known.
    pub service_request_id: Option<String>,
    /// The city's own token, for batch services.
    pub city_token: Option<String>,
    /// What the city told the reporter.
    pub service_notice: Option<String>,
    /// The city's refusal or the last failure.
    pub error: Option<String>,
    /// The HTTP status the city refused it with (`None` when fed311 refused it itself, or
    /// when it is not refused).
    pub refusal_status: Option<u16>,
}

impl Store {
    /// Accepts a submission durably (committed before the client hears of it).
    pub fn enqueue(
        &self,
        token: &str,
        jurisdiction_id: &str,
        service_code: &str,
        form: &[(String, String)],
    ) -> Result<()> {
        self.backend.enqueue(token, jurisdiction_id, service_code, form)
    }

    /// One submission by token.
    pub fn submission(&self, token: &str) -> Result<Option<Submission>> {
        self.backend.submission(token)
    }

    /// Claims for `node`, for `lease`, up to `limit` submissions due for an attempt (pending,
    /// sending after a crash, awaiting a city token) that no other node's claim holds.
    pub fn claim_due_submissions(&self, node: &str, limit: usize, lease: Duration) -> Result<Vec<Submission>> {
        self.backend.claim_due_submissions(node, limit, lease)
    }

    /// Seconds until the next submission is due, if any is waiting.
    pub fn next_submission_due(&self) -> Result<Option<i64>> {
        self.backend.next_submission_due()
    }

    /// How many submissions are not yet delivered or refused.
    pub fn outbox_depth(&self) -> Result<u64> {
        self.backend.outbox_depth()
    }

    /// Marks an attempt by `node` as under way (committed before anything is sent); `false`,
    /// and nothing marked, when `node`'s claim on it has run out.
    pub fn submission_sending(&self, token: &str, node: &str) -> Result<bool> {
        self.backend.submission_sending(token, node)
    }

    /// The city has it, under this id.
    pub fn submission_delivered(&self, token: &str, id: &str, notice: Option<&str>) -> Result<()> {
        self.backend.submission_delivered(token, id, notice)
    }

    /// The city has it but answered with its own token; resolve it later.
    pub fn submission_awaiting(
        &self,
        token: &str,
        city_token: &str,
        notice: Option<&str>,
        retry_in: i64,
    ) -> Result<()> {
        self.backend.submission_awaiting(token, city_token, notice, retry_in)
    }

    /// Refused for good: by the city, with its HTTP `status`, or by fed311 itself (`None`).
    pub fn submission_refused(&self, token: &str, error: &str, status: Option<u16>) -> Result<()> {
        self.backend.submission_refused(token, error, status)
    }

    /// Not delivered this time (and certainly not received): try again in `retry_in` seconds.
    pub fn submission_retry(&self, token: &str, state: &str, retry_in: i64, error: &str) -> Result<()> {
        self.backend.submission_retry(token, state, retry_in, error)
    }
}
