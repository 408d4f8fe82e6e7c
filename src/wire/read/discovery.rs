//! Service discovery (`discovery.{fmt}`), read as a hint: every field optional, the root
//! wrapped or bare (`<discovery>`, or Klarschiff's documented `<dicovery>`), and `endpoints`
//! as an array, an `endpoint` wrapper, a single object, or a PHP-style numbered object
//! (Gießen). Changesets are kept as text: `2012-09-18T15:37-05` and `2011-02-03 14:18` occur.

use serde::Deserialize;

use super::WireError;
use super::body::{Body, Shape};
use super::lenient::Text;
use super::many::{Item, Many};
use crate::domain::{Discovery, DiscoveryEndpoint};

const DISCOVERY: Shape = Shape { json_wrappers: &["discovery"], xml_roots: &["discovery", "dicovery"], xml_items: &[] };

#[derive(Deserialize, Default)]
#[serde(default)]
struct DiscoveryRecord<'a> {
    #[serde(borrow)]
    changeset: Text<'a>,
    #[serde(borrow)]
    contact: Text<'a>,
    #[serde(borrow)]
    key_service: Text<'a>,
    #[serde(borrow)]
    endpoints: Many<EndpointRecord<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EndpointRecord<'a> {
    #[serde(borrow)]
    specification: Text<'a>,
    #[serde(borrow)]
    url: Text<'a>,
    #[serde(borrow)]
    changeset: Text<'a>,
    #[serde(borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow)]
    formats: Many<Format<'a>>,
}

impl Item for EndpointRecord<'_> {
    const WRAPPERS: &'static [&'static str] = &["endpoint"];
}

/// One MIME type of an endpoint's `formats`.
#[derive(Deserialize, Default)]
#[serde(transparent)]
struct Format<'a>(#[serde(borrow)] Text<'a>);

impl Item for Format<'_> {
    const WRAPPERS: &'static [&'static str] = &["format"];
}

/// Reads a discovery document.
pub(super) fn parse(body: &Body<'_>) -> Result<Discovery, WireError> {
    let record: DiscoveryRecord = body
        .single(&DISCOVERY)?
        .parse()
        .map_err(|detail| WireError::Malformed { format: body.format(), detail: format!("discovery {detail}") })?;
    Ok(Discovery {
        changeset: record.changeset.owned(),
        contact: record.contact.owned(),
        key_service: record.key_service.owned(),
        endpoints: record.endpoints.0.into_iter().map(EndpointRecord::into_endpoint).collect(),
    })
}

impl EndpointRecord<'_> {
    fn into_endpoint(self) -> DiscoveryEndpoint {
        DiscoveryEndpoint {
            specification: self.specification.owned(),
            url: self.url.owned(),
            changeset: self.changeset.owned(),
            endpoint_type: self.kind.owned(),
            formats: self.formats.0.into_iter().filter_map(|f| f.0.owned()).collect(),
        }
    }
}
