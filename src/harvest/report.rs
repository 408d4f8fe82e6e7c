//! What a harvest pass did, per city, and the summary table printed at the end: records new
//! and changed, calls made against the ideal (records ÷ the most one call answers) on passes
//! that sweep everything, 429s, and what failed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::store::UpsertCounts;

/// What a pass swept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PassKind {
    /// Everything, for the first time.
    #[default]
    First,
    /// Everything again (`--full`, or the weekly rescan).
    Full,
    /// What may have changed since the last pass.
    Incremental,
}

/// One city's part of a pass.
#[derive(Debug, Clone, Default)]
pub struct CityReport {
    /// Jurisdiction id.
    pub jurisdiction_id: String,
    /// What the pass swept.
    pub kind: PassKind,
    /// Upstream calls made (every attempt, retries included).
    pub calls: u64,
    /// Of those, calls for request lists.
    pub list_calls: u64,
    /// Calls by outcome (`ok`, `rate_limited`, `server_error`, `cut_off`, `unreadable`...).
    pub outcomes: BTreeMap<&'static str, u64>,
    /// Records the city holds in the store after the pass.
    pub records_held: u64,
    /// The most records one list call answers (learned), for the ideal.
    pub cap: Option<u32>,
    /// Requests new, changed and unchanged.
    pub counts: UpsertCounts,
    /// Records dropped as unusable (no id, a field past its bound...).
    pub skipped: u64,
    /// The same, by reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Ids the city used for two different reports.
    pub duplicate_ids: u64,
    /// Problems that did not stop the pass.
    pub errors: Vec<String>,
    /// Why the pass failed, if it did.
    pub failure: Option<String>,
    /// When it failed because the city's host could not be reached: why, in a few words.
    pub unreachable: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
}

impl CityReport {
    /// An empty report for a city.
    pub fn new(jurisdiction_id: &str) -> CityReport {
        CityReport { jurisdiction_id: jurisdiction_id.to_string(), ..Default::default() }
    }

    /// Whether the city was reached and harvested.
    pub fn succeeded(&self) -> bool {
        self.failure.is_none()
    }

    /// The fewest list calls that could hold every record (records ÷ cap), on passes that
    /// sweep everything; `None` on incremental passes.
    pub fn ideal_calls(&self) -> Option<u64> {
        if self.kind == PassKind::Incremental {
            return None;
        }
        let cap = u64::from(self.cap.unwrap_or(super::settings::SPEC_CAP).max(1));
        Some(self.records_held.div_ceil(cap).max(1))
    }

    /// List calls against the ideal, e.g. 1.07.
    pub fn calls_per_ideal(&self) -> Option<f64> {
        self.ideal_calls().map(|ideal| self.list_calls as f64 / ideal as f64)
    }

    /// Calls answered 429.
    pub fn rate_limited(&self) -> u64 {
        self.outcomes.get("rate_limited").copied().unwrap_or(0)
    }

    /// The figures kept as the city's last pass, for its health.
    pub fn figures_json(&self) -> String {
        let figures = serde_json::json!({
            "kind": self.kind,
            "calls": self.calls,
            "list_calls": self.list_calls,
            "ideal_list_calls": self.ideal_calls(),
            "outcomes": self.outcomes,
            "skipped": self.skipped_by_reason,
            "duplicate_ids": self.duplicate_ids,
            "seconds": (self.elapsed.as_secs_f64() * 10.0).round() / 10.0,
        });
        figures.to_string()
    }
}

/// One line for a whole pass, for people: how many cities were harvested, how many could not
/// be reached and why, how many failed otherwise, with advice when nothing could be reached.
pub fn summary_line(reports: &[CityReport]) -> String {
    let harvested = reports.iter().filter(|r| r.succeeded()).count();
    let mut line = format!("{harvested} of {} cities harvested", reports.len());
    let unreachable: Vec<&str> = reports.iter().filter_map(|r| r.unreachable.as_deref()).collect();
    if !unreachable.is_empty() {
        let mut reasons: Vec<&str> = unreachable.clone();
        reasons.sort_unstable();
        reasons.dedup();
        let _ = write!(line, ", {} unreachable: {}", unreachable.len(), reasons.join(", "));
        if reasons == ["DNS lookup failed"] {
            line.push_str(" — no network? `fed311 simulate` runs cities on this machine");
        }
    }
    let failing = reports.len() - harvested - unreachable.len();
    if failing > 0 {
        let _ = write!(line, ", {failing} failing (see GET /api/v1/jurisdictions)");
    }
    line
}

/// The summary table: city, calls (against the ideal), 429s, records new/changed, errors, time.
pub fn summary_table(reports: &[CityReport]) -> String {
    let width = reports.iter().map(|r| r.jurisdiction_id.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<width$}  {:>7}  {:>13}  {:>5}  {:>9}  {:>9}  {:>9}  {:>6}  {:>8}  result\n",
        "city", "calls", "list vs ideal", "429s", "new", "changed", "unchanged", "errors", "time"
    );
    for r in reports {
        let errors = r.errors.len() + usize::from(r.failure.is_some());
        let result = r.failure.as_deref().map_or("ok".to_string(), |f| format!("FAILED: {f}"));
        let vs_ideal = match (r.ideal_calls(), r.calls_per_ideal()) {
            (Some(ideal), Some(ratio)) => format!("{}/{ideal} {ratio:.2}×", r.list_calls),
            _ => format!("{} -", r.list_calls),
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>13}  {:>5}  {:>9}  {:>9}  {:>9}  {:>6}  {:>7.1}s  {}",
            r.jurisdiction_id,
            r.calls,
            vs_ideal,
            r.rate_limited(),
            r.counts.inserted,
            r.counts.changed,
            r.counts.unchanged,
            errors,
            r.elapsed.as_secs_f64(),
            result
        );
    }
    let failed = reports.iter().filter(|r| !r.succeeded()).count();
    let _ = write!(out, "{} cities, {} failed\n{}", reports.len(), failed, summary_line(reports));
    out
}
