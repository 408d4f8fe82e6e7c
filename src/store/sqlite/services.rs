//! Services, definitions and jurisdiction rows, in SQLite (see `store::services`).

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::store::backend::ServiceRows;
use crate::store::{CrosswalkRow, Result, now};

use crate::domain::{Service, ServiceDefinition};

impl ServiceRows for SqliteStore {
    /// Records a jurisdiction's registry entry (id, name, endpoint, zone), writing only when
    /// something differs.
    fn sync_jurisdiction(&self, id: &str, name: &str, endpoint: &str, timezone: &str) -> Result<()> {
        let conn = self.writer();
        conn.execute(
            "INSERT INTO jurisdictions (id, name, endpoint, timezone, synced_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, endpoint = excluded.endpoint, \
               timezone = excluded.timezone, synced_at = excluded.synced_at \
             WHERE name <> excluded.name OR endpoint <> excluded.endpoint OR timezone <> excluded.timezone",
            params![id, name, endpoint, timezone, now()],
        )?;
        Ok(())
    }

    /// When the registry entry or the service list of any of `jurisdiction_ids` last changed
    /// (unix seconds): GeoReport discovery's `changeset`.
    fn changeset(&self, jurisdiction_ids: &[String]) -> Result<Option<i64>> {
        let conn = self.reader();
        let ids = serde_json::to_string(jurisdiction_ids)?;
        Ok(conn.query_row(
            "SELECT MAX(t) FROM ( \
               SELECT MAX(last_changed) AS t FROM services WHERE jurisdiction_id IN (SELECT value FROM json_each(?1)) \
               UNION ALL \
               SELECT MAX(synced_at) FROM jurisdictions WHERE id IN (SELECT value FROM json_each(?1)))",
            [ids],
            |r| r.get(0),
        )?)
    }

    /// Replaces a jurisdiction's service list: new and changed services are written, services
    /// no longer listed are kept (requests refer to them) but marked unlisted. Returns how many
    /// rows were written.
    fn upsert_services(&self, jurisdiction_id: &str, services: &[Service]) -> Result<usize> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let seen = now();
        let mut written = 0;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO services (jurisdiction_id, service_code, service_name, description, metadata, \
                   service_type, keywords, group_name, listed, first_seen, last_changed) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9) \
                 ON CONFLICT (jurisdiction_id, service_code) DO UPDATE SET service_name = excluded.service_name, \
                   description = excluded.description, metadata = excluded.metadata, \
                   service_type = excluded.service_type, keywords = excluded.keywords, \
                   group_name = excluded.group_name, listed = 1, last_changed = excluded.last_changed \
                 WHERE service_name IS NOT excluded.service_name OR description IS NOT excluded.description \
                   OR metadata IS NOT excluded.metadata OR service_type IS NOT excluded.service_type \
                   OR keywords IS NOT excluded.keywords OR group_name IS NOT excluded.group_name OR listed = 0",
            )?;
            for s in services {
                written += upsert.execute(params![
                    jurisdiction_id,
                    s.service_code,
                    s.service_name,
                    s.description,
                    s.metadata,
                    s.service_type,
                    s.keywords,
                    s.group,
                    seen,
                ])?;
            }
            let codes: Vec<&str> = services.iter().map(|s| s.service_code.as_str()).collect();
            let mut unlist = tx.prepare_cached(
                "UPDATE services SET listed = 0, last_changed = ?2 \
                 WHERE jurisdiction_id = ?1 AND listed = 1 AND service_code NOT IN (SELECT value FROM json_each(?3))",
            )?;
            written += unlist.execute(params![jurisdiction_id, seen, serde_json::to_string(&codes)?])?;
        }
        tx.commit()?;
        Ok(written)
    }

    /// Stores a service definition, writing only when it changed.
    fn set_service_definition(&self, jurisdiction_id: &str, definition: &ServiceDefinition) -> Result<bool> {
        let json = serde_json::to_string(definition)?;
        let conn = self.writer();
        let n = conn.execute(
            "UPDATE services SET definition = ?3, last_changed = ?4 \
             WHERE jurisdiction_id = ?1 AND service_code = ?2 AND definition IS NOT ?3",
            params![jurisdiction_id, definition.service_code, json, now()],
        )?;
        Ok(n > 0)
    }

    /// Records each service's canonical category and how it was decided: (code, category,
    /// how as JSON). Writes only what differs.
    fn set_service_categories(&self, jurisdiction_id: &str, rows: &[(String, String, String)]) -> Result<usize> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut written = 0;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE services SET category = ?3, category_how = ?4 WHERE jurisdiction_id = ?1 AND service_code = ?2 \
                 AND (category IS NOT ?3 OR category_how IS NOT ?4)",
            )?;
            for (code, category, how) in rows {
                written += stmt.execute(params![jurisdiction_id, code, category, how])?;
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// The crosswalk of one jurisdiction (or all, with `None`): (jurisdiction, code, name,
    /// category, how as JSON), listed services only.
    fn crosswalk(&self, jurisdiction_id: Option<&str>) -> Result<Vec<CrosswalkRow>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT jurisdiction_id, service_code, service_name, category, category_how FROM services \
             WHERE listed = 1 AND (?1 IS NULL OR jurisdiction_id = ?1) ORDER BY jurisdiction_id, service_code",
        )?;
        let rows = stmt.query_map([jurisdiction_id], |r| {
            Ok(CrosswalkRow {
                jurisdiction_id: r.get(0)?,
                service_code: r.get(1)?,
                service_name: r.get(2)?,
                category: r.get(3)?,
                how: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The services a jurisdiction currently lists, ordered by code.
    fn list_services(&self, jurisdiction_id: &str) -> Result<Vec<Service>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT service_code, service_name, description, metadata, service_type, keywords, group_name \
             FROM services WHERE jurisdiction_id = ?1 AND listed = 1 ORDER BY service_code",
        )?;
        let rows = stmt.query_map([jurisdiction_id], |r| {
            Ok(Service {
                service_code: r.get(0)?,
                service_name: r.get(1)?,
                description: r.get(2)?,
                metadata: r.get(3)?,
                service_type: r.get(4)?,
                keywords: r.get(5)?,
                group: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// A service's definition: `None` when the service is unknown, `Some(None)` when it has
    /// no stored definition.
    fn service_definition(&self, jurisdiction_id: &str, code: &str) -> Result<Option<Option<ServiceDefinition>>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT definition FROM services WHERE jurisdiction_id = ?1 AND service_code = ?2")?;
        let found: Option<Option<String>> = stmt.query_row(params![jurisdiction_id, code], |r| r.get(0)).optional()?;
        match found {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(json)) => Ok(Some(Some(serde_json::from_str(&json)?))),
        }
    }
}
