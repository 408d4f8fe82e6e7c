//! Services, definitions and jurisdiction rows, in PostgreSQL (see `store::services`).

use super::PostgresStore;
use crate::domain::{Service, ServiceDefinition};
use crate::store::backend::ServiceRows;
use crate::store::{CrosswalkRow, Result, now};

impl ServiceRows for PostgresStore {
    fn sync_jurisdiction(&self, id: &str, name: &str, endpoint: &str, timezone: &str) -> Result<()> {
        self.write_one(
            "INSERT INTO jurisdictions (id, name, endpoint, timezone, synced_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, endpoint = excluded.endpoint, \
               timezone = excluded.timezone, synced_at = excluded.synced_at \
             WHERE jurisdictions.name <> excluded.name OR jurisdictions.endpoint <> excluded.endpoint \
               OR jurisdictions.timezone <> excluded.timezone",
            &[&id, &name, &endpoint, &timezone, &now()],
        )?;
        Ok(())
    }

    fn changeset(&self, jurisdiction_ids: &[String]) -> Result<Option<i64>> {
        let row = self.reader().query_one(
            "SELECT GREATEST( \
               (SELECT MAX(last_changed) FROM services WHERE jurisdiction_id = ANY($1)), \
               (SELECT MAX(synced_at) FROM jurisdictions WHERE id = ANY($1)))",
            &[&jurisdiction_ids],
        )?;
        Ok(row.try_get(0)?)
    }

    fn upsert_services(&self, jurisdiction_id: &str, services: &[Service]) -> Result<usize> {
        let seen = now();
        self.write(|conn| {
            let mut written = 0;
            for s in services {
                written += conn.execute(
                    "INSERT INTO services (jurisdiction_id, service_code, service_name, description, metadata, \
                       service_type, keywords, group_name, listed, first_seen, last_changed) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $9) \
                     ON CONFLICT (jurisdiction_id, service_code) DO UPDATE SET service_name = excluded.service_name, \
                       description = excluded.description, metadata = excluded.metadata, \
                       service_type = excluded.service_type, keywords = excluded.keywords, \
                       group_name = excluded.group_name, listed = TRUE, last_changed = excluded.last_changed \
                     WHERE services.service_name IS DISTINCT FROM excluded.service_name \
                       OR services.description IS DISTINCT FROM excluded.description \
                       OR services.metadata IS DISTINCT FROM excluded.metadata \
                       OR services.service_type IS DISTINCT FROM excluded.service_type \
                       OR services.keywords IS DISTINCT FROM excluded.keywords \
                       OR services.group_name IS DISTINCT FROM excluded.group_name OR NOT services.listed",
                    &[
                        &jurisdiction_id,
                        &s.service_code,
                        &s.service_name,
                        &s.description,
                        &s.metadata,
                        &s.service_type,
                        &s.keywords,
                        &s.group,
                        &seen,
                    ],
                )?;
            }
            let codes: Vec<&str> = services.iter().map(|s| s.service_code.as_str()).collect();
            written += conn.execute(
                "UPDATE services SET listed = FALSE, last_changed = $2 \
                 WHERE jurisdiction_id = $1 AND listed AND NOT (service_code = ANY($3))",
                &[&jurisdiction_id, &seen, &codes],
            )?;
            let written = usize::try_from(written).unwrap_or(usize::MAX);
            Ok((written, written > 0))
        })
    }

    fn set_service_definition(&self, jurisdiction_id: &str, definition: &ServiceDefinition) -> Result<bool> {
        let json = serde_json::to_string(definition)?;
        let n = self.write_one(
            "UPDATE services SET definition = $3, last_changed = $4 \
             WHERE jurisdiction_id = $1 AND service_code = $2 AND definition IS DISTINCT FROM $3",
            &[&jurisdiction_id, &definition.service_code, &json, &now()],
        )?;
        Ok(n > 0)
    }

    fn set_service_categories(&self, jurisdiction_id: &str, rows: &[(String, String, String)]) -> Result<usize> {
        self.write(|conn| {
            let mut written = 0;
            for (code, category, how) in rows {
                written += conn.execute(
                    "UPDATE services SET category = $3, category_how = $4 \
                     WHERE jurisdiction_id = $1 AND service_code = $2 \
                       AND (category IS DISTINCT FROM $3 OR category_how IS DISTINCT FROM $4)",
                    &[&jurisdiction_id, code, category, how],
                )?;
            }
            let written = usize::try_from(written).unwrap_or(usize::MAX);
            Ok((written, written > 0))
        })
    }

    fn crosswalk(&self, jurisdiction_id: Option<&str>) -> Result<Vec<CrosswalkRow>> {
        let rows = self.reader().query(
            "SELECT jurisdiction_id, service_code, service_name, category, category_how FROM services \
             WHERE listed AND ($1::text IS NULL OR jurisdiction_id = $1) ORDER BY jurisdiction_id, service_code",
            &[&jurisdiction_id],
        )?;
        rows.iter()
            .map(|r| {
                Ok(CrosswalkRow {
                    jurisdiction_id: r.try_get(0)?,
                    service_code: r.try_get(1)?,
                    service_name: r.try_get(2)?,
                    category: r.try_get(3)?,
                    how: r.try_get(4)?,
                })
            })
            .collect()
    }

    fn list_services(&self, jurisdiction_id: &str) -> Result<Vec<Service>> {
        let rows = self.reader().query(
            "SELECT service_code, service_name, description, metadata, service_type, keywords, group_name \
             FROM services WHERE jurisdiction_id = $1 AND listed ORDER BY service_code",
            &[&jurisdiction_id],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Service {
                    service_code: r.try_get(0)?,
                    service_name: r.try_get(1)?,
                    description: r.try_get(2)?,
                    metadata: r.try_get(3)?,
                    service_type: r.try_get(4)?,
                    keywords: r.try_get(5)?,
                    group: r.try_get(6)?,
                })
            })
            .collect()
    }

    fn service_definition(&self, jurisdiction_id: &str, code: &str) -> Result<Option<Option<ServiceDefinition>>> {
        let found = self.reader().query_opt(
            "SELECT definition FROM services WHERE jurisdiction_id = $1 AND service_code = $2",
            &[&jurisdiction_id, &code],
        )?;
        match found.map(|r| r.try_get::<_, Option<String>>(0)).transpose()? {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(json)) => Ok(Some(Some(serde_json::from_str(&json)?))),
        }
    }
}
