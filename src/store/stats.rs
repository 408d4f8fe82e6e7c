//! The rows statistics are computed from: for every request in scope, its group keys
//! (jurisdiction, category, service code, status, requested time) and its close time. Either
//! the filters are applied here in SQL, or the caller brings the keys (found by the search
//! index for text and geo filters). Rows are handed to a visitor one by one, so memory does not
//! grow with the store; grouping and percentiles belong to the caller.

use jiff::Timestamp;
use rusqlite::types::Value;

use super::{Result, Store};
use crate::domain::Status;

/// Filters SQL can apply by itself. Empty lists mean "any"; every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct StatsFilter {
    /// Only these jurisdictions.
    pub jurisdictions: Vec<String>,
    /// Only these canonical categories.
    pub categories: Vec<String>,
    /// Only these service codes.
    pub service_codes: Vec<String>,
    /// Only these statuses.
    pub statuses: Vec<Status>,
    /// Requested at or after.
    pub start: Option<Timestamp>,
    /// Requested at or before.
    pub end: Option<Timestamp>,
    /// Updated at or after.
    pub updated_after: Option<Timestamp>,
    /// Updated at or before.
    pub updated_before: Option<Timestamp>,
}

/// Which requests to visit.
#[derive(Debug, Clone, Copy)]
pub enum StatsScope<'a> {
    /// Every request matching the filter.
    Filter(&'a StatsFilter),
    /// Exactly these `(jurisdiction_id, service_request_id)` keys (unknown keys are skipped).
    Keys(&'a [(String, String)]),
}

/// What statistics need of one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsRow<'r> {
    /// Our jurisdiction id.
    pub jurisdiction_id: &'r str,
    /// Canonical category, once classified.
    pub category: Option<&'r str>,
    /// The city's service code.
    pub service_code: Option<&'r str>,
    /// `open` or `closed`.
    pub status: &'r str,
    /// Requested time, unix seconds.
    pub requested_at: Option<i64>,
    /// Close time (updated time of the closing change), unix seconds.
    pub closed_at: Option<i64>,
}

const COLUMNS: &str = "r.jurisdiction_id, r.category, r.service_code, r.status, r.requested_at, r.closed_at";

impl Store {
    /// Calls `visit` with every request in `scope`, in no particular order.
    pub fn visit_stats_rows(&self, scope: StatsScope<'_>, mut visit: impl FnMut(StatsRow<'_>)) -> Result<()> {
        let (sql, values) = match scope {
            StatsScope::Filter(filter) => filter_sql(filter),
            StatsScope::Keys(keys) => keys_sql(keys)?,
        };
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
        while let Some(r) = rows.next()? {
            visit(StatsRow {
                jurisdiction_id: text(r.get_ref(0)?)?.unwrap_or_default(),
                category: text(r.get_ref(1)?)?,
                service_code: text(r.get_ref(2)?)?,
                status: text(r.get_ref(3)?)?.unwrap_or_default(),
                requested_at: r.get(4)?,
                closed_at: r.get(5)?,
            });
        }
        Ok(())
    }
}

fn text(value: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<Option<&str>> {
    match value {
        rusqlite::types::ValueRef::Null => Ok(None),
        other => other.as_str().map(Some).map_err(rusqlite::Error::from),
    }
}

fn keys_sql(keys: &[(String, String)]) -> Result<(String, Vec<Value>)> {
    let sql = format!(
        "SELECT {COLUMNS} FROM json_each(?1) AS k JOIN requests AS r \
         ON r.jurisdiction_id = json_extract(k.value, '$[0]') AND r.service_request_id = json_extract(k.value, '$[1]')"
    );
    Ok((sql, vec![Value::Text(serde_json::to_string(keys)?)]))
}

fn filter_sql(f: &StatsFilter) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {COLUMNS} FROM requests AS r WHERE 1 = 1");
    let mut values = Vec::new();
    let texts = |items: &[String]| items.iter().cloned().map(Value::Text).collect::<Vec<_>>();
    let statuses: Vec<Value> = f.statuses.iter().map(|s| Value::Text(s.as_str().into())).collect();
    for (column, items) in [
        ("r.jurisdiction_id", texts(&f.jurisdictions)),
        ("r.category", texts(&f.categories)),
        ("r.service_code", texts(&f.service_codes)),
        ("r.status", statuses),
    ] {
        if !items.is_empty() {
            sql.push_str(&format!(" AND {column} IN ({})", vec!["?"; items.len()].join(", ")));
            values.extend(items);
        }
    }
    for (column, op, bound) in [
        ("r.requested_at", ">=", f.start),
        ("r.requested_at", "<=", f.end),
        ("r.updated_at", ">=", f.updated_after),
        ("r.updated_at", "<=", f.updated_before),
    ] {
        if let Some(t) = bound {
            sql.push_str(&format!(" AND {column} {op} ?"));
            values.push(Value::Integer(t.as_second()));
        }
    }
    (sql, values)
}
