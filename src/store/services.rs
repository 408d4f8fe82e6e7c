//! Services and their definitions, plus the jurisdiction rows they hang off.

use super::{Result, Store};
use crate::domain::{Service, ServiceDefinition};

/// One row of the category crosswalk.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrosswalkRow {
    /// Our jurisdiction id.
    pub jurisdiction_id: String,
    /// The city's service code.
    pub service_code: String,
    /// The city's service name.
    pub service_name: String,
    /// The canonical category (`None` until classified).
    pub category: Option<String>,
    /// How it was decided, as JSON.
    pub how: Option<String>,
}
impl Store {
    /// Records a jurisdiction's registry entry (id, name, endpoint, zone), writing only when
    /// something differs.
    pub fn sync_jurisdiction(&self, id: &str, name: &str, endpoint: &str, timezone: &str) -> Result<()> {
        self.backend.sync_jurisdiction(id, name, endpoint, timezone)
    }

    /// When the registry entry or the service list of any of `jurisdiction_ids` last changed
    /// (unix seconds): GeoReport discovery's `changeset`.
    pub fn changeset(&self, jurisdiction_ids: &[String]) -> Result<Option<i64>> {
        self.backend.changeset(jurisdiction_ids)
    }

    /// Replaces a jurisdiction's service list: new and changed services are written, services
    /// no longer listed are kept (requests refer to them) but marked unlisted. Returns how many
    /// rows were written.
    pub fn upsert_services(&self, jurisdiction_id: &str, services: &[Service]) -> Result<usize> {
        self.backend.upsert_services(jurisdiction_id, services)
    }

    /// Stores a service definition, writing only when it changed.
    pub fn set_service_definition(&self, jurisdiction_id: &str, definition: &ServiceDefinition) -> Result<bool> {
        self.backend.set_service_definition(jurisdiction_id, definition)
    }

    /// Records each service's canonical category and how it was decided: (code, category,
    /// how as JSON). Writes only what differs.
    pub fn set_service_categories(&self, jurisdiction_id: &str, rows: &[(String, String, String)]) -> Result<usize> {
        self.backend.set_service_categories(jurisdiction_id, rows)
    }

    /// The crosswalk of one jurisdiction (or all, with `None`): (jurisdiction, code, name,
    /// category, how as JSON), listed services only.
    pub fn crosswalk(&self, jurisdiction_id: Option<&str>) -> Result<Vec<CrosswalkRow>> {
        self.backend.crosswalk(jurisdiction_id)
    }

    /// The services a jurisdiction currently lists, ordered by code.
    pub fn list_services(&self, jurisdiction_id: &str) -> Result<Vec<Service>> {
        self.backend.list_services(jurisdiction_id)
    }

    /// A service's definition: `None` when the service is unknown, `Some(None)` when it has
    /// no stored definition.
    pub fn service_definition(&self, jurisdiction_id: &str, code: &str) -> Result<Option<Option<ServiceDefinition>>> {
        self.backend.service_definition(jurisdiction_id, code)
    }
}
