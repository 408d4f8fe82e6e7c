//! Grouping rows and the time-to-close percentiles, in one pass and without keeping rows:
//! each group holds its counts and the close durations of its closed requests.
//!
//! Definitions: `count` is every request of the group, `closed` those whose status is
//! closed; time to close is `closed_at − requested time` over closed requests that have both
//! (negative durations are data errors of the city and are left out); percentiles interpolate
//! linearly between closest ranks (the median of an even count is the mean of the middle
//! two); days are decimals. `month` is `YYYY-MM` of the requested time in the jurisdiction's
//! own time zone (UTC for a jurisdiction no longer in the registry).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use crate::store::StatsRow;

/// Something requests can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKey {
    /// `jurisdiction_id`.
    Jurisdiction,
    /// The canonical category.
    Category,
    /// The city's service code.
    ServiceCode,
    /// `open` or `closed`.
    Status,
    /// `YYYY-MM` of the requested time.
    Month,
}

impl GroupKey {
    /// The key a `group_by` word names.
    pub fn parse(word: &str) -> Option<GroupKey> {
        match word {
            "jurisdiction" | "jurisdiction_id" => Some(GroupKey::Jurisdiction),
            "category" => Some(GroupKey::Category),
            "service_code" => Some(GroupKey::ServiceCode),
            "status" => Some(GroupKey::Status),
            "month" => Some(GroupKey::Month),
            _ => None,
        }
    }

    /// Its field in the answer.
    fn field(self) -> &'static str {
        match self {
            GroupKey::Jurisdiction => "jurisdiction_id",
            GroupKey::Category => "category",
            GroupKey::ServiceCode => "service_code",
            GroupKey::Status => "status",
            GroupKey::Month => "month",
        }
    }
}

/// Groups being counted.
pub struct Tally {
    keys: Vec<GroupKey>,
    zones: HashMap<String, TimeZone>,
    /// Encoded group values → position in `groups`.
    slots: HashMap<String, usize>,
    groups: Vec<Group>,
    scratch: String,
}

struct Group {
    values: Vec<Option<String>>,
    count: u64,
    closed: u64,
    close_seconds: Vec<i64>,
}

impl Tally {
    /// An empty tally grouping by `keys` (no keys: one group of everything), with each
    /// jurisdiction's time zone for `month`.
    pub fn new(keys: Vec<GroupKey>, zones: HashMap<String, TimeZone>) -> Tally {
        Tally { keys, zones, slots: HashMap::new(), groups: Vec::new(), scratch: String::new() }
    }

    /// Counts one request.
    pub fn add(&mut self, row: StatsRow<'_>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        for &key in &self.keys {
            encode(&mut scratch, value(key, &row, &self.zones).as_deref());
        }
        let slot = match self.slots.get(scratch.as_str()) {
            Some(&slot) => slot,
            None => {
                let values = self.keys.iter().map(|&k| value(k, &row, &self.zones).map(Cow::into_owned)).collect();
                self.groups.push(Group { values, count: 0, closed: 0, close_seconds: Vec::new() });
                self.slots.insert(scratch.clone(), self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        self.groups[slot].add(&row);
        self.scratch = scratch;
    }

    /// `{"groups": [...]}`, ordered by the group values (absent values first).
    pub fn into_json(self) -> Value {
        let mut groups = self.groups;
        groups.sort_unstable_by(|a, b| a.values.cmp(&b.values));
        let keys = self.keys;
        let list: Vec<Value> = groups.into_iter().map(|g| g.into_json(&keys)).collect();
        serde_json::json!({ "groups": list })
    }
}

impl Group {
    fn add(&mut self, row: &StatsRow<'_>) {
        self.count += 1;
        if row.status != "closed" {
            return;
        }
        self.closed += 1;
        if let (Some(requested), Some(closed)) = (row.requested_at, row.closed_at) {
            if closed >= requested {
                self.close_seconds.push(closed - requested);
            }
        }
    }

    fn into_json(mut self, keys: &[GroupKey]) -> Value {
        let mut fields = Map::new();
        for (key, value) in keys.iter().zip(self.values) {
            fields.insert(key.field().into(), value.map_or(Value::Null, Value::String));
        }
        self.close_seconds.sort_unstable();
        fields.insert("count".into(), self.count.into());
        fields.insert("closed".into(), self.closed.into());
        fields.insert("median_days_to_close".into(), days(percentile(&self.close_seconds, 0.5)));
        fields.insert("p90_days_to_close".into(), days(percentile(&self.close_seconds, 0.9)));
        Value::Object(fields)
    }
}

/// A group value of one row (month is computed, the others borrowed).
fn value<'r>(key: GroupKey, row: &StatsRow<'r>, zones: &HashMap<String, TimeZone>) -> Option<Cow<'r, str>> {
    match key {
        GroupKey::Jurisdiction => Some(Cow::Borrowed(row.jurisdiction_id)),
        GroupKey::Category => row.category.map(Cow::Borrowed),
        GroupKey::ServiceCode => row.service_code.map(Cow::Borrowed),
        GroupKey::Status => Some(Cow::Borrowed(row.status)),
        GroupKey::Month => {
            let at = Timestamp::from_second(row.requested_at?).ok()?;
            let civil = zones.get(row.jurisdiction_id).unwrap_or(&TimeZone::UTC).to_datetime(at);
            Some(Cow::Owned(format!("{:04}-{:02}", civil.year(), civil.month())))
        }
    }
}

/// Length-prefixed, so distinct value lists never encode alike.
fn encode(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push('-'),
        Some(text) => {
            let _ = write!(out, "{}:{text}", text.len());
        }
    }
}

/// The `p` quantile of sorted values, interpolating linearly between closest ranks.
fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = last as f64 * p;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    let (a, b) = (sorted[low] as f64, sorted[high.min(last)] as f64);
    Some(a + (rank - low as f64) * (b - a))
}

fn days(seconds: Option<f64>) -> Value {
    seconds.map_or(Value::Null, |s| Value::from(s / 86_400.0))
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7.0));
        assert_eq!(percentile(&[1, 3], 0.5), Some(2.0));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9.1));
        assert_eq!(percentile(&[0, 10, 20], 0.5), Some(10.0));
    }
}
