//! SQL for a [`RequestFilter`]: the one place its filters become `WHERE` terms, for lists
//! and statistics alike.

use rusqlite::types::Value;

use crate::domain::RequestFilter;

/// Appends an ` AND …` term for every filter given, and their values. `table` prefixes the
/// columns (`"r."`, or `""` for none).
pub(super) fn push_where(f: &RequestFilter, table: &str, sql: &mut String, values: &mut Vec<Value>) {
    let texts = |items: &[String]| items.iter().cloned().map(Value::Text).collect::<Vec<_>>();
    let statuses = f.statuses.iter().map(|s| Value::Text(s.as_str().into())).collect();
    for (column, items) in [
        ("jurisdiction_id", texts(&f.jurisdictions)),
        ("category", texts(&f.categories)),
        ("service_code", texts(&f.service_codes)),
        ("status", statuses),
    ] {
        push_any_of(&format!("{table}{column}"), items, sql, values);
    }
    for (column, op, bound) in [
        ("requested_at", ">=", f.start),
        ("requested_at", "<=", f.end),
        ("updated_at", ">=", f.updated_after),
        ("updated_at", "<=", f.updated_before),
    ] {
        if let Some(t) = bound {
            sql.push_str(&format!(" AND {table}{column} {op} ?"));
            values.push(Value::Integer(t.as_second()));
        }
    }
}

/// Appends ` AND column = ?` for one value, ` AND column IN (?, …)` for more, nothing for
/// none.
pub(super) fn push_any_of(column: &str, items: Vec<Value>, sql: &mut String, values: &mut Vec<Value>) {
    match items.len() {
        0 => return,
        1 => sql.push_str(&format!(" AND {column} = ?")),
        n => sql.push_str(&format!(" AND {column} IN ({})", vec!["?"; n].join(", "))),
    }
    values.extend(items);
}
