//! SQL for a [`RequestFilter`]: the one place its filters become `WHERE` terms, for lists
//! and statistics alike, on every backend. Terms use `?` placeholders in order; a backend
//! numbering its parameters (PostgreSQL's `$n`) renumbers them ([`numbered`]).

use crate::domain::RequestFilter;

/// A value bound to a `?` of a filter's SQL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    /// A text.
    Text(String),
    /// An integer.
    Integer(i64),
}

/// Appends an ` AND …` term for every filter given, and their values. `table` prefixes the
/// columns (`"r."`, or `""` for none).
pub(crate) fn push_where(f: &RequestFilter, table: &str, sql: &mut String, values: &mut Vec<Param>) {
    let texts = |items: &[String]| items.iter().cloned().map(Param::Text).collect::<Vec<_>>();
    let statuses = f.statuses.iter().map(|s| Param::Text(s.as_str().into())).collect();
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
            values.push(Param::Integer(t.as_second()));
        }
    }
}

/// Appends ` AND column = ?` for one value, ` AND column IN (?, …)` for more, nothing for
/// none.
pub(crate) fn push_any_of(column: &str, items: Vec<Param>, sql: &mut String, values: &mut Vec<Param>) {
    match items.len() {
        0 => return,
        1 => sql.push_str(&format!(" AND {column} = ?")),
        n => sql.push_str(&format!(" AND {column} IN ({})", vec!["?"; n].join(", "))),
    }
    values.extend(items);
}

/// `sql` with its `?` placeholders numbered `$1`, `$2`… in order (the SQL built here holds
/// no `?` in any literal).
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(super::numbered("a = ? AND b IN (?, ?) LIMIT ?"), "a = $1 AND b IN ($2, $3) LIMIT $4");
    }
}
