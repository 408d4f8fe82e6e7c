//! Reading requests in PostgreSQL (see `store::requests`). Batches by key or seq are one
//! query each (keys unnested with their order), not one per key: a round trip costs more here.

use jiff::Timestamp;
use tokio_postgres::Row;

use super::{PostgresStore, big, boxed, refs};
use crate::domain::{ServiceRequest, Status};
use crate::store::backend::RequestReads;
use crate::store::filter::{Param, numbered, push_any_of, push_where};
use crate::store::{RequestPage, Result, StoredRequest};

impl RequestReads for PostgresStore {
    fn list_requests(&self, page: &RequestPage) -> Result<Vec<StoredRequest>> {
        let (sql, params) = list_sql(page);
        let params = boxed(params);
        let rows = self.reader().query(&sql, &refs(&params))?;
        rows.iter().map(read_row).collect()
    }

    fn get_requests(&self, keys: &[(String, String)]) -> Result<Vec<StoredRequest>> {
        let (jids, ids): (Vec<&str>, Vec<&str>) = keys.iter().map(|(j, i)| (j.as_str(), i.as_str())).unzip();
        let sql = format!(
            "SELECT {} FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(jid, id, n) \
             JOIN requests r ON r.jurisdiction_id = k.jid AND r.service_request_id = k.id ORDER BY k.n",
            columns("r.", true)
        );
        let rows = self.reader().query(&sql, &[&jids, &ids])?;
        rows.iter().map(read_row).collect()
    }

    fn get_requests_by_seq(&self, seqs: &[i64]) -> Result<Vec<Option<StoredRequest>>> {
        let sql = format!(
            "SELECT {} FROM unnest($1::bigint[]) WITH ORDINALITY AS k(seq, n) \
             LEFT JOIN requests r ON r.seq = k.seq ORDER BY k.n",
            columns("r.", false)
        );
        let rows = self.reader().query(&sql, &[&seqs])?;
        rows.iter()
            .map(|row| match row.get::<_, Option<String>>(0) {
                None => Ok(None),
                Some(_) => read_row(row).map(Some),
            })
            .collect()
    }

    fn get_request(&self, jurisdiction_id: &str, id: &str) -> Result<Option<StoredRequest>> {
        let sql = format!(
            "SELECT {} FROM requests WHERE jurisdiction_id = $1 AND service_request_id = $2",
            columns("", true)
        );
        self.reader().query_opt(&sql, &[&jurisdiction_id, &id])?.as_ref().map(read_row).transpose()
    }

    fn requests_after_seq(&self, after_seq: i64, limit: usize) -> Result<Vec<StoredRequest>> {
        let sql = format!("SELECT {} FROM requests WHERE seq > $1 ORDER BY seq LIMIT $2", columns("", false));
        let rows = self.reader().query(&sql, &[&after_seq, &big(limit)])?;
        rows.iter().map(read_row).collect()
    }

    fn max_seq(&self) -> Result<i64> {
        Ok(self.reader().query_one("SELECT COALESCE(MAX(seq), 0) FROM requests", &[])?.get(0))
    }

    fn open_request_ids(&self, jurisdiction_id: &str) -> Result<Vec<String>> {
        let rows = self.reader().query(
            "SELECT service_request_id FROM requests WHERE jurisdiction_id = $1 AND status = 'open' \
             ORDER BY service_request_id",
            &[&jurisdiction_id],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn newest_requested(&self, jurisdiction_id: &str) -> Result<Option<i64>> {
        let row = self
            .reader()
            .query_one("SELECT MAX(requested_at) FROM requests WHERE jurisdiction_id = $1", &[&jurisdiction_id])?;
        Ok(row.get(0))
    }

    fn count_requests(&self, jurisdiction_id: &str) -> Result<u64> {
        let row =
            self.reader().query_one("SELECT COUNT(*) FROM requests WHERE jurisdiction_id = $1", &[&jurisdiction_id])?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}

const COLUMNS: &[&str] = &[
    "jurisdiction_id",
    "service_request_id",
    "seq",
    "status",
    "status_raw",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_at",
    "updated_at",
    "expected_at",
    "requested_text",
    "updated_text",
    "expected_text",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
    "raw",
    "closed_at",
    "first_seen",
    "last_seen",
    "category",
];

/// The columns of a request, prefixed by `table`; without `raw` (lists never show it) the raw
/// payload comes back empty.
fn columns(table: &str, raw: bool) -> String {
    let each = COLUMNS.iter().map(|c| match *c {
        "raw" if !raw => "'' AS raw".to_string(),
        c => format!("{table}{c}"),
    });
    each.collect::<Vec<_>>().join(", ")
}

fn list_sql(page: &RequestPage) -> (String, Vec<Param>) {
    let mut sql = format!("SELECT {} FROM requests WHERE 1 = 1", columns("", false));
    let mut params = Vec::new();
    push_where(&page.filter, "", &mut sql, &mut params);
    push_any_of("service_request_id", page.ids.iter().cloned().map(Param::Text).collect(), &mut sql, &mut params);
    // SQLite sorts NULL first, so last when descending.
    sql.push_str(" ORDER BY requested_at DESC NULLS LAST, service_request_id DESC LIMIT ? OFFSET ?");
    params.push(Param::Integer(page.limit.min(i64::MAX as u64) as i64));
    params.push(Param::Integer(page.offset.min(i64::MAX as u64) as i64));
    (numbered(&sql), params)
}

pub(super) fn instant(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn status(text: &str) -> Status {
    Status::parse_spec(text).unwrap_or(Status::Open)
}

fn read_row(r: &Row) -> Result<StoredRequest> {
    let at = |i: usize| -> Result<Option<Timestamp>> { Ok(r.try_get::<_, Option<i64>>(i)?.map(instant)) };
    let request = ServiceRequest {
        service_request_id: r.try_get(1)?,
        status: status(r.try_get(3)?),
        status_raw: r.try_get(4)?,
        status_notes: r.try_get(5)?,
        service_name: r.try_get(6)?,
        service_code: r.try_get(7)?,
        description: r.try_get(8)?,
        agency_responsible: r.try_get(9)?,
        service_notice: r.try_get(10)?,
        requested_datetime: at(11)?,
        updated_datetime: at(12)?,
        expected_datetime: at(13)?,
        requested_text: r.try_get(14)?,
        updated_text: r.try_get(15)?,
        expected_text: r.try_get(16)?,
        address: r.try_get(17)?,
        address_id: r.try_get(18)?,
        zipcode: r.try_get(19)?,
        lat: r.try_get(20)?,
        long: r.try_get(21)?,
        media_url: r.try_get(22)?,
        raw: r.try_get(23)?,
    };
    Ok(StoredRequest {
        jurisdiction_id: r.try_get(0)?,
        request,
        seq: r.try_get(2)?,
        closed_at: at(24)?,
        first_seen: instant(r.try_get(25)?),
        last_seen: instant(r.try_get(26)?),
        category: r.try_get(27)?,
    })
}
