//! The rows statistics are computed from: for every request in scope, its group keys
//! (jurisdiction, category, service code, status, requested time) and its close time. Either
//! the filters are applied here in SQL, or the caller brings the keys (found by the search
//! index for text and geo filters). Rows are handed to a visitor one by one, so memory does not
//! grow with the store; grouping and percentiles belong to the caller.

use rusqlite::types::Value;

use super::filter::push_where;
use super::{Result, Store};
use crate::domain::RequestFilter;

/// Which requests to visit.
#[derive(Debug, Clone, Copy)]
pub enum StatsScope<'a> {
    /// Every request matching the filter.
    Filter(&'a RequestFilter),
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

fn filter_sql(f: &RequestFilter) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {COLUMNS} FROM requests AS r WHERE 1 = 1");
    let mut values = Vec::new();
    push_where(f, "r.", &mut sql, &mut values);
    (sql, values)
}
