//! Reads for bulk exports: request keys in key order, one batch after another (keyset paging,
//! so each request comes once even while harvests write), and each jurisdiction's source
//! endpoint as last synced from the registry (the provenance of its records).

use std::collections::BTreeMap;

use super::{Result, Store};

/// `(jurisdiction_id, service_request_id)`.
pub type RequestKey = (String, String);

impl Store {
    /// Up to `limit` request keys after `after` (all from the start with `None`), in
    /// `(jurisdiction_id, service_request_id)` order (bytewise); only `jurisdictions` when not
    /// empty.
    pub fn request_keys_after(
        &self,
        jurisdictions: &[String],
        after: Option<&RequestKey>,
        limit: usize,
    ) -> Result<Vec<RequestKey>> {
        self.backend.request_keys_after(jurisdictions, after, limit)
    }

    /// Every synced jurisdiction's GeoReport endpoint (base URL), by id.
    pub fn jurisdiction_endpoints(&self) -> Result<BTreeMap<String, String>> {
        self.backend.jurisdiction_endpoints()
    }
}
