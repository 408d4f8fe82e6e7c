//! The rows statistics are computed from, in SQLite (see `store::stats`).

use rusqlite::types::Value;

use super::SqliteStore;
use super::requests::values;
use crate::domain::RequestFilter;
use crate::store::backend::StatsReads;
use crate::store::filter::push_where;
use crate::store::{Result, StatsRow, StatsScope};

const COLUMNS: &str = "r.jurisdiction_id, r.category, r.service_code, r.status, r.requested_at, r.closed_at";

impl StatsReads for SqliteStore {
    /// Calls `visit` with every request in `scope`, in no particular order.
    fn visit_stats_rows(&self, scope: StatsScope<'_>, visit: &mut dyn FnMut(StatsRow<'_>)) -> Result<()> {
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
    let mut params = Vec::new();
    push_where(f, "r.", &mut sql, &mut params);
    (sql, values(params))
}
