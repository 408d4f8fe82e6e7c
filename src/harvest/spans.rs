//! Spans of time to harvest: a pass's work list, and what survives it. A pass plans its spans
//! before fetching anything and keeps the list in the store as it goes (what is left of the
//! span in hand, the spans not started, the windows that failed), so a window that fails, or
//! a pass that is killed, leaves its work for later instead of losing it: the next pass takes
//! the pending spans first.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which datetime a span filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Axis {
    /// `start_date`/`end_date` (requested time).
    Requested,
    /// `updated_after`/`updated_before`.
    Updated,
}

/// A stretch of time on one axis, both ends included, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Span {
    /// The axis.
    pub axis: Axis,
    /// First instant (unix seconds).
    pub from: i64,
    /// Last instant (unix seconds).
    pub to: i64,
}

impl Span {
    /// A span on `axis` from `from` to `to`.
    pub fn new(axis: Axis, from: Timestamp, to: Timestamp) -> Span {
        Span { axis, from: from.as_second(), to: to.as_second().max(from.as_second()) }
    }

    /// The first instant.
    pub fn start(&self) -> Timestamp {
        Timestamp::from_second(self.from).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The last instant.
    pub fn end(&self) -> Timestamp {
        Timestamp::from_second(self.to).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The same span, starting later.
    pub fn from(self, from: Timestamp) -> Span {
        Span { from: from.as_second().min(self.to), ..self }
    }

    /// The same span, ending earlier.
    pub fn until(self, to: Timestamp) -> Span {
        Span { to: to.as_second().max(self.from), ..self }
    }
}

/// Reads a stored list of spans; an unreadable one is empty (the deep rescans cover it).
pub(super) fn from_json(json: Option<&str>) -> Vec<Span> {
    json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
}

/// The list as stored.
pub(super) fn to_json(spans: &[Span]) -> String {
    serde_json::to_string(spans).unwrap_or_else(|_| "[]".to_string())
}

/// Spans of one axis that overlap or touch are joined; order is kept otherwise.
pub(super) fn merged(spans: Vec<Span>) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.iter_mut().find(|s| s.axis == span.axis && s.from <= span.to + 1 && span.from <= s.to + 1) {
            Some(joined) => {
                joined.from = joined.from.min(span.from);
                joined.to = joined.to.max(span.to);
            }
            None => out.push(span),
        }
    }
    out
}

/// A pass's work: the span in hand (what is left of it), the spans to come, and the windows
/// that failed in this round.
#[derive(Debug, Default)]
pub(super) struct WorkList {
    /// What is left of the span being swept.
    pub current: Option<Span>,
    /// Spans not started yet.
    pub todo: std::collections::VecDeque<Span>,
    /// Windows that failed, with why; tried again in the next round.
    pub failed: Vec<(Span, String)>,
}

impl WorkList {
    /// A list of spans to sweep.
    pub fn new(spans: Vec<Span>) -> WorkList {
        WorkList { current: None, todo: spans.into(), failed: Vec::new() }
    }

    /// Everything still to do, as stored.
    pub fn pending(&self) -> Vec<Span> {
        let failed = self.failed.iter().map(|(span, _)| *span);
        self.current.into_iter().chain(self.todo.iter().copied()).chain(failed).collect()
    }

    /// The pending list as stored.
    pub fn pending_json(&self) -> String {
        to_json(&self.pending())
    }

    /// Starts the next round with the failed windows; false when none failed.
    pub fn next_round(&mut self) -> bool {
        let failed: Vec<Span> = self.failed.drain(..).map(|(span, _)| span).collect();
        self.todo.extend(merged(failed));
        !self.todo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(from: i64, to: i64) -> Span {
        Span { axis: Axis::Requested, from, to }
    }

    #[test]
    fn touching_spans_of_one_axis_join() {
        let updated = Span { axis: Axis::Updated, from: 0, to: 5 };
        let joined = merged(vec![span(10, 20), updated, span(21, 30), span(50, 60), span(0, 9)]);
        assert_eq!(joined, vec![span(0, 30), updated, span(50, 60)]);
    }

    #[test]
    fn the_pending_list_holds_the_rest_of_the_span_in_hand_what_is_to_come_and_what_failed() {
        let mut work = WorkList::new(vec![span(0, 10), span(20, 30)]);
        work.current = work.todo.pop_front().map(|s| s.until(Timestamp::from_second(4).unwrap()));
        work.failed.push((span(40, 50), "HTTP 500".into()));
        assert_eq!(from_json(Some(&work.pending_json())), vec![span(0, 4), span(20, 30), span(40, 50)]);
        work.current = None;
        work.todo.clear();
        assert!(work.next_round());
        assert_eq!(work.pending(), vec![span(40, 50)]);
    }
}
