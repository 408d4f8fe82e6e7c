//! What a harvest pass did, per city, and the summary table printed at the end.

use std::fmt::Write as _;
use std::time::Duration;

use crate::store::UpsertCounts;

/// One city's part of a pass.
#[derive(Debug, Clone, Default)]
pub struct CityReport {
    /// Jurisdiction id.
    pub jurisdiction_id: String,
    /// Upstream calls made (retries excluded).
    pub calls: u64,
    /// Requests new, changed and unchanged.
    pub counts: UpsertCounts,
    /// Records dropped as unusable (no id...).
    pub skipped: u64,
    /// Problems that did not stop the pass.
    pub errors: Vec<String>,
    /// Why the pass failed, if it did.
    pub failure: Option<String>,
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
}

/// The summary table: city, calls, records new/changed, errors, time.
pub fn summary_table(reports: &[CityReport]) -> String {
    let width = reports.iter().map(|r| r.jurisdiction_id.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<width$}  {:>7}  {:>9}  {:>9}  {:>9}  {:>6}  {:>8}  result\n",
        "city", "calls", "new", "changed", "unchanged", "errors", "time"
    );
    for r in reports {
        let errors = r.errors.len() + usize::from(r.failure.is_some());
        let result = r.failure.as_deref().map_or("ok".to_string(), |f| format!("FAILED: {f}"));
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>9}  {:>9}  {:>9}  {:>6}  {:>7.1}s  {}",
            r.jurisdiction_id,
            r.calls,
            r.counts.inserted,
            r.counts.changed,
            r.counts.unchanged,
            errors,
            r.elapsed.as_secs_f64(),
            result
        );
    }
    let failed = reports.iter().filter(|r| !r.succeeded()).count();
    let _ = write!(out, "{} cities, {} failed", reports.len(), failed);
    out
}
