//! The rows statistics are computed from, in PostgreSQL (see `store::stats`): streamed from
//! the server row by row, so memory does not grow with the store.

use std::pin::Pin;

use futures_core::Stream;
use tokio_postgres::types::ToSql;

use super::exec::block_on;
use super::{PostgresStore, boxed};
use crate::store::backend::StatsReads;
use crate::store::filter::{numbered, push_where};
use crate::store::{Result, StatsRow, StatsScope};

const COLUMNS: &str = "r.jurisdiction_id, r.category, r.service_code, r.status, r.requested_at, r.closed_at";

impl StatsReads for PostgresStore {
    fn visit_stats_rows(&self, scope: StatsScope<'_>, visit: &mut dyn FnMut(StatsRow<'_>)) -> Result<()> {
        let (sql, params): (String, Vec<Box<dyn ToSql + Sync + Send>>) = match scope {
            StatsScope::Filter(filter) => {
                let mut sql = format!("SELECT {COLUMNS} FROM requests AS r WHERE 1 = 1");
                let mut params = Vec::new();
                push_where(filter, "r.", &mut sql, &mut params);
                (numbered(&sql), boxed(params))
            }
            StatsScope::Keys(keys) => {
                let (jids, ids): (Vec<String>, Vec<String>) = keys.iter().cloned().unzip();
                let sql = format!(
                    "SELECT {COLUMNS} FROM unnest($1::text[], $2::text[]) AS k(jid, id) \
                     JOIN requests AS r ON r.jurisdiction_id = k.jid AND r.service_request_id = k.id"
                );
                (sql, vec![Box::new(jids), Box::new(ids)])
            }
        };
        let mut conn = self.reader();
        let statement = conn.prepare(&sql)?;
        let args = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync));
        let stream = block_on(conn.client.query_raw(&statement, args))?;
        let mut stream = std::pin::pin!(stream);
        while let Some(row) = block_on(next(stream.as_mut())) {
            let r = row?;
            visit(StatsRow {
                jurisdiction_id: r.try_get::<_, Option<&str>>(0)?.unwrap_or_default(),
                category: r.try_get(1)?,
                service_code: r.try_get(2)?,
                status: r.try_get::<_, Option<&str>>(3)?.unwrap_or_default(),
                requested_at: r.try_get(4)?,
                closed_at: r.try_get(5)?,
            });
        }
        Ok(())
    }
}

/// The stream's next item.
fn next<S: Stream + ?Sized>(mut stream: Pin<&mut S>) -> impl Future<Output = Option<S::Item>> + '_ {
    std::future::poll_fn(move |cx| stream.as_mut().poll_next(cx))
}
