//! Reads for bulk exports, in PostgreSQL (see `store::export`).

use std::collections::BTreeMap;

use super::{PostgresStore, big};
use crate::store::backend::ExportReads;
use crate::store::{RequestKey, Result};

impl ExportReads for PostgresStore {
    fn request_keys_after(
        &self,
        jurisdictions: &[String],
        after: Option<&RequestKey>,
        limit: usize,
    ) -> Result<Vec<RequestKey>> {
        // Every key sorts after ("", ""): jurisdiction ids are never empty.
        let (jid, id) = after.map_or(("", ""), |(jid, id)| (jid.as_str(), id.as_str()));
        let rows = self.reader().query(
            "SELECT jurisdiction_id, service_request_id FROM requests \
             WHERE (cardinality($1::text[]) = 0 OR jurisdiction_id = ANY($1)) \
               AND (jurisdiction_id, service_request_id) > ($2::text COLLATE \"C\", $3::text COLLATE \"C\") \
             ORDER BY jurisdiction_id, service_request_id LIMIT $4",
            &[&jurisdictions, &jid, &id, &big(limit)],
        )?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    fn jurisdiction_endpoints(&self) -> Result<BTreeMap<String, String>> {
        let rows = self.reader().query("SELECT id, endpoint FROM jurisdictions ORDER BY id", &[])?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }
}
