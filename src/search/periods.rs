//! Time periods: the index's coarse "when", as grid cells are its coarse "where". Every
//! requested and updated time is indexed under five periods (blocks of 1, 8, 64, 512 and
//! 4096 days, aligned on a fixed origin), so a time range becomes a union of a few period
//! terms: posting lists that intersect cheaply with the other filters, where a fast-field
//! range would scan the whole column. The periods may over-cover the range by a few days at
//! each end; the collector then checks the time exactly.

/// Period levels; level `l` spans `8^l` days.
const LEVELS: usize = 5;
const FANOUT_BITS: u32 = 3;
const DAY: i64 = 86_400;
/// Days added so that day numbers of any date since year −900 are positive.
const ORIGIN: i64 = 1 << 20;

/// The periods holding a time (unix seconds), one per level.
pub fn of_time(seconds: i64) -> [u64; LEVELS] {
    let day = day_number(seconds);
    std::array::from_fn(|level| term(level, day >> (FANOUT_BITS as usize * level)))
}

/// Most periods a range may become; wider ranges get no prefilter.
const MAX_TERMS: usize = 64;

/// Periods covering `[from, to]` (unix seconds, inclusive): the largest aligned blocks that
/// fit, from a finest level of about a sixteenth of the range; `None` when that takes more
/// than [`MAX_TERMS`].
pub fn covering(from: i64, to: i64) -> Option<Vec<u64>> {
    let (first, last) = (day_number(from), day_number(to));
    if last < first {
        return Some(Vec::new());
    }
    let finest = (0..LEVELS).rev().find(|&l| span(l) * 16 <= last - first + 1).unwrap_or(0);
    let (mut day, end) = (first & !(span(finest) - 1), last | (span(finest) - 1));
    let mut terms = Vec::new();
    while day <= end {
        let level =
            (finest..LEVELS).rev().find(|&l| day & (span(l) - 1) == 0 && day + span(l) - 1 <= end).unwrap_or(finest);
        terms.push(term(level, day >> (FANOUT_BITS as usize * level)));
        if terms.len() > MAX_TERMS {
            return None;
        }
        day += span(level);
    }
    Some(terms)
}

fn span(level: usize) -> i64 {
    1 << (FANOUT_BITS as usize * level)
}

fn day_number(seconds: i64) -> i64 {
    (seconds.div_euclid(DAY) + ORIGIN).clamp(0, (1 << 32) - 1)
}

fn term(level: usize, block: i64) -> u64 {
    (level as u64) << 40 | block as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_in_a_range_is_in_a_covering_period_and_few_outside_are() {
        let (from, to) = (1_356_998_400, 1_372_550_400); // 2013-01-01 .. 2013-06-30
        let terms = covering(from, to).unwrap();
        assert!(terms.len() <= 24, "{} terms", terms.len());
        for t in (from..=to).step_by(3_601) {
            assert!(of_time(t).iter().any(|p| terms.contains(p)), "{t}");
        }
        let covered = |t: i64| of_time(t).iter().any(|p| terms.contains(p));
        assert!(!covered(from - 40 * DAY) && !covered(to + 40 * DAY));
        assert_eq!(covering(5 * DAY, 5 * DAY + 10), Some(vec![term(0, day_number(5 * DAY))]));
        assert_eq!(covering(10 * DAY, DAY), Some(vec![]));
        assert_eq!(covering(i64::MIN / 2, i64::MAX / 2), None);
    }
}
