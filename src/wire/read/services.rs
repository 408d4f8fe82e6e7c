//! Service lists (`services.{fmt}`): codes stay strings (`001` keeps its zeros, a JSON number
//! becomes its decimal text), `metadata` is read from `true`, `"false"`, `0`…, `type` is the
//! service type, keyword and group lists are joined (FixMyStreet's `groups › group` counts as
//! the group). Services without a code are skipped.

use serde::Deserialize;

use super::body::{Body, Shape};
use super::lenient::{Flag, Joined, Text};
use super::{Parsed, Rejected, WireError};
use crate::domain::Service;

const SERVICES: Shape =
    Shape { json_wrappers: &["services", "service"], xml_roots: &["services"], xml_items: &["service"] };

/// One service as a city may send it.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ServiceRecord<'a> {
    #[serde(borrow)]
    service_code: Text<'a>,
    #[serde(borrow)]
    service_name: Text<'a>,
    #[serde(borrow)]
    description: Text<'a>,
    metadata: Flag,
    #[serde(borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow)]
    service_type: Text<'a>,
    #[serde(borrow)]
    keywords: Joined<'a>,
    #[serde(borrow)]
    group: Text<'a>,
    #[serde(borrow)]
    groups: Joined<'a>,
}

/// Reads a service list.
pub(super) fn parse_list(body: &Body<'_>) -> Result<Parsed<Service>, WireError> {
    body.parse_list(&SERVICES, |record: ServiceRecord, _| record.into_service())
}

impl ServiceRecord<'_> {
    fn into_service(self) -> Result<Service, Rejected> {
        let Some(service_code) = self.service_code.owned() else {
            return Err(Rejected::no_key("has no service_code"));
        };
        Ok(Service {
            // The spec requires a name; a service without one is still usable by its code.
            service_name: self.service_name.owned().unwrap_or_else(|| service_code.clone()),
            service_code,
            description: self.description.owned(),
            metadata: self.metadata.0.unwrap_or(false),
            service_type: self.kind.or(self.service_type).owned(),
            keywords: self.keywords.0.owned(),
            group: self.group.or(self.groups.0).owned(),
        })
    }
}
