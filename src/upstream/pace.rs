//! The pace of calls to one host, learned from its 429s: additive increase, multiplicative
//! decrease. The jurisdiction's `rate_limit` (or the default) is the ceiling, kept by governor;
//! below it, a host that answers 429 is called at half the rate it was actually called at when
//! it refused, which comes back quickly to most of that rate and then creeps up slowly to just
//! below it, so a city that allows fewer calls than its file says sees a handful of 429s in a
//! pass, not dozens. A refusal is forgotten after ten quiet minutes (a city may allow more later).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Calls remembered to measure the rate a host was actually called at.
const REMEMBERED: usize = 64;
/// Below this share of the rate that met a 429, the rate comes back quickly...
const QUICK_SHARE: f64 = 0.8;
/// ...by this share of it per call that went through...
const QUICK_STEP: f64 = 0.1;
/// ...and above it, creeps up by this share per call...
const SLOW_STEP: f64 = 0.001;
/// ...up to this share of it.
const CEILING_SHARE: f64 = 0.95;
/// A refusal this old is forgotten: the configured rate is tried again.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Never slower than this (calls per second): a host that refuses everything is retried
/// on its backoff anyway.
const SLOWEST: f64 = 0.05;

/// One host's learned pace.
#[derive(Debug)]
pub(super) struct Pace {
    /// Calls per second allowed now.
    rate: f64,
    /// The configured rate: never exceeded.
    max: f64,
    /// The rate the host was called at when it last answered 429, and when.
    refused_at: Option<(f64, Instant)>,
    /// Start times of the latest calls.
    recent: VecDeque<Instant>,
}

impl Pace {
    /// A pace that starts at (and never exceeds) `max` calls per second.
    pub(super) fn new(max: f64) -> Pace {
        Pace { rate: max, max, refused_at: None, recent: VecDeque::with_capacity(REMEMBERED) }
    }

    /// How long to wait before the next call may start, from `now`.
    pub(super) fn wait(&self, now: Instant) -> Duration {
        if self.rate >= self.max {
            return Duration::ZERO; // governor keeps the configured rate
        }
        let gap = Duration::from_secs_f64(1.0 / self.rate);
        self.recent.back().map_or(Duration::ZERO, |last| (*last + gap).saturating_duration_since(now))
    }

    /// A call starts now.
    pub(super) fn started(&mut self, now: Instant) {
        if self.recent.len() == REMEMBERED {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
    }

    /// The host answered 429: halve the rate it was actually called at.
    pub(super) fn refused(&mut self, now: Instant) {
        let called_at = self.observed_rate(now).unwrap_or(self.rate).min(self.rate);
        self.refused_at = Some((called_at, now));
        self.rate = (called_at / 2.0).max(SLOWEST);
    }

    /// A call went through: speed up again, quickly up to most of the rate that was refused,
    /// slowly to just below it.
    pub(super) fn went_through(&mut self, now: Instant) {
        let Some((refused_at, when)) = self.refused_at else { return };
        if now.saturating_duration_since(when) >= FORGET_AFTER {
            (self.refused_at, self.rate) = (None, self.max);
            return;
        }
        let step = if self.rate < QUICK_SHARE * refused_at { QUICK_STEP } else { SLOW_STEP };
        let ceiling = (CEILING_SHARE * refused_at).max(self.rate);
        self.rate = (self.rate + step * refused_at).min(ceiling).min(self.max);
    }

    /// Calls per second over the last second, when there were several.
    fn observed_rate(&self, now: Instant) -> Option<f64> {
        let second = Duration::from_secs(1);
        let calls = self.recent.iter().rev().take_while(|t| now.saturating_duration_since(**t) <= second).count();
        (calls >= 2).then_some(calls as f64)
    }

    /// Calls per second allowed now.
    #[cfg(test)]
    pub(super) fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_halves_the_rate_actually_used_and_it_comes_back_slowly() {
        let mut pace = Pace::new(50.0);
        let start = Instant::now();
        for i in 0..6 {
            pace.started(start + Duration::from_millis(100 * i));
        }
        pace.refused(start + Duration::from_millis(550));
        assert!((pace.rate() - 3.0).abs() < 1e-9, "6 calls in the last second, halved: {}", pace.rate());
        let later = start + Duration::from_secs(1);
        for _ in 0..10 {
            pace.went_through(later);
        }
        assert!(pace.rate() >= 4.8 && pace.rate() < 5.0, "quickly back to 80%: {}", pace.rate());
        for _ in 0..1000 {
            pace.went_through(later);
        }
        assert!((pace.rate() - 5.7).abs() < 1e-9, "slowly to just below the refused rate: {}", pace.rate());
        assert!(pace.wait(start + Duration::from_millis(500)) > Duration::ZERO);
        pace.went_through(start + Duration::from_secs(601));
        assert_eq!(pace.rate(), 50.0, "forgotten after ten quiet minutes");
    }

    #[test]
    fn an_unrefused_host_runs_at_the_configured_rate() {
        let mut pace = Pace::new(4.0);
        pace.went_through(Instant::now());
        assert_eq!(pace.rate(), 4.0);
        assert_eq!(pace.wait(Instant::now()), Duration::ZERO);
    }
}
