//! Reading requests in SQLite (see `store::requests`).

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use crate::domain::{ServiceRequest, Status};
use crate::store::backend::RequestReads;
use crate::store::filter::{Param, push_any_of, push_where};
use crate::store::{RequestPage, Result, StoredRequest};

impl RequestReads for SqliteStore {
    /// One page of the requests `page` asks for, newest requested first (without their raw
    /// payloads).
    fn list_requests(&self, page: &RequestPage) -> Result<Vec<StoredRequest>> {
        let (sql, values) = list_sql(page);
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), read_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Requests by key, in the keys' order (missing ones left out), on one connection.
    fn get_requests(&self, keys: &[(String, String)]) -> Result<Vec<StoredRequest>> {
        let conn = self.reader();
        let sql = format!("SELECT {COLUMNS} FROM requests WHERE jurisdiction_id = ?1 AND service_request_id = ?2");
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut found = Vec::with_capacity(keys.len());
        for (jurisdiction_id, id) in keys {
            found.extend(stmt.query_row(params![jurisdiction_id, id], read_row).optional()?);
        }
        Ok(found)
    }

    /// The requests whose current version has these seqs, in the order asked, without their
    /// raw payloads (as lists); a seq no request holds any more (it changed since) gives
    /// `None`.
    fn get_requests_by_seq(&self, seqs: &[i64]) -> Result<Vec<Option<StoredRequest>>> {
        let conn = self.reader();
        let sql = format!("SELECT {} FROM requests WHERE seq = ?1", list_columns());
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut found = Vec::with_capacity(seqs.len());
        for seq in seqs {
            found.push(stmt.query_row(params![seq], read_row).optional()?);
        }
        Ok(found)
    }

    /// One request by id.
    fn get_request(&self, jurisdiction_id: &str, id: &str) -> Result<Option<StoredRequest>> {
        let conn = self.reader();
        let sql = format!("SELECT {COLUMNS} FROM requests WHERE jurisdiction_id = ?1 AND service_request_id = ?2");
        let mut stmt = conn.prepare_cached(&sql)?;
        Ok(stmt.query_row(params![jurisdiction_id, id], read_row).optional()?)
    }

    /// Requests written after `after_seq`, in seq order, at most `limit` (without their raw
    /// payloads): how the search index follows the store.
    fn requests_after_seq(&self, after_seq: i64, limit: usize) -> Result<Vec<StoredRequest>> {
        let conn = self.reader();
        let sql = format!("SELECT {} FROM requests WHERE seq > ?1 ORDER BY seq LIMIT ?2", list_columns());
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![after_seq, limit as i64], read_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The newest `seq` in the store (0 when empty).
    fn max_seq(&self) -> Result<i64> {
        let conn = self.reader();
        Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM requests", [], |r| r.get(0))?)
    }

    /// Ids of the requests held as open in a jurisdiction.
    fn open_request_ids(&self, jurisdiction_id: &str) -> Result<Vec<String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT service_request_id FROM requests WHERE jurisdiction_id = ?1 AND status = 'open' ORDER BY service_request_id",
        )?;
        let rows = stmt.query_map([jurisdiction_id], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The newest requested time (unix seconds) a jurisdiction holds: a hint of the city's
    /// clock when its answers carry no `Date`.
    fn newest_requested(&self, jurisdiction_id: &str) -> Result<Option<i64>> {
        let conn = self.reader();
        Ok(conn.query_row(
            "SELECT MAX(requested_at) FROM requests WHERE jurisdiction_id = ?1",
            [jurisdiction_id],
            |r| r.get(0),
        )?)
    }

    /// How many requests a jurisdiction holds.
    fn count_requests(&self, jurisdiction_id: &str) -> Result<u64> {
        let conn = self.reader();
        let n: i64 =
            conn.query_row("SELECT COUNT(*) FROM requests WHERE jurisdiction_id = ?1", [jurisdiction_id], |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }
}

const COLUMNS: &str = "jurisdiction_id, service_request_id, seq, status, status_raw, status_notes, service_name, \
    service_code, description, agency_responsible, service_notice, requested_at, updated_at, expected_at, \
    requested_text, updated_text, expected_text, address, address_id, zipcode, lat, long, media_url, raw, \
    closed_at, first_seen, last_seen, category";

/// The columns of a list: the raw payload (the bulk of a row) is left out, as lists never
/// show it; `raw` comes back empty.
fn list_columns() -> String {
    COLUMNS.replace(" raw,", " '' AS raw,")
}

fn list_sql(page: &RequestPage) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {} FROM requests WHERE 1 = 1", list_columns());
    let mut params = Vec::new();
    push_where(&page.filter, "", &mut sql, &mut params);
    push_any_of("service_request_id", page.ids.iter().cloned().map(Param::Text).collect(), &mut sql, &mut params);
    sql.push_str(" ORDER BY requested_at DESC, service_request_id DESC LIMIT ? OFFSET ?");
    params.push(Param::Integer(page.limit.min(i64::MAX as u64) as i64));
    params.push(Param::Integer(page.offset.min(i64::MAX as u64) as i64));
    (sql, values(params))
}

/// A filter's parameters as SQLite values.
pub(super) fn values(params: Vec<Param>) -> Vec<Value> {
    params
        .into_iter()
        .map(|p| match p {
            Param::Text(t) => Value::Text(t),
            Param::Integer(i) => Value::Integer(i),
        })
        .collect()
}

fn instant(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn status(text: &str) -> Status {
    Status::parse_spec(text).unwrap_or(Status::Open)
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<StoredRequest> {
    let at = |i: usize| -> rusqlite::Result<Option<Timestamp>> { Ok(r.get::<_, Option<i64>>(i)?.map(instant)) };
    let request = ServiceRequest {
        service_request_id: r.get(1)?,
        status: status(&r.get::<_, String>(3)?),
        status_raw: r.get(4)?,
        status_notes: r.get(5)?,
        service_name: r.get(6)?,
        service_code: r.get(7)?,
        description: r.get(8)?,
        agency_responsible: r.get(9)?,
        service_notice: r.get(10)?,
        requested_datetime: at(11)?,
        updated_datetime: at(12)?,
        expected_datetime: at(13)?,
        requested_text: r.get(14)?,
        updated_text: r.get(15)?,
        expected_text: r.get(16)?,
        address: r.get(17)?,
        address_id: r.get(18)?,
        zipcode: r.get(19)?,
        lat: r.get(20)?,
        long: r.get(21)?,
        media_url: r.get(22)?,
        raw: r.get(23)?,
    };
    Ok(StoredRequest {
        jurisdiction_id: r.get(0)?,
        request,
        seq: r.get(2)?,
        closed_at: at(24)?,
        first_seen: instant(r.get(25)?),
        last_seen: instant(r.get(26)?),
        category: r.get(27)?,
    })
}
