//! Service definitions (`services/{code}.{fmt}`): the attributes a service asks for. Reads
//! `{"service_definition": {...}}` as well as the bare object, `<attribute>` elements with or
//! without an `<attributes>` wrapper, lenient `variable`/`required` (defaults true/false) and
//! `order`, lowercased datatypes, and `values › value {key, name}` as one or many.

use serde::Deserialize;

use super::WireError;
use super::body::{Body, Shape};
use super::lenient::{Flag, Int, Text};
use super::many::{Item, Many};
use crate::domain::{Attribute, AttributeValue, ServiceDefinition};

const DEFINITION: Shape = Shape {
    json_wrappers: &["service_definition", "service-definition"],
    xml_roots: &["service_definition", "servicedefinition"],
    xml_items: &[],
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct DefinitionRecord<'a> {
    #[serde(borrow)]
    service_code: Text<'a>,
    #[serde(borrow)]
    attributes: Many<AttributeRecord<'a>>,
    /// `<attribute>` directly under the root (no `<attributes>` wrapper).
    #[serde(borrow)]
    attribute: Many<AttributeRecord<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AttributeRecord<'a> {
    variable: Flag,
    #[serde(borrow)]
    code: Text<'a>,
    #[serde(borrow)]
    datatype: Text<'a>,
    required: Flag,
    #[serde(borrow)]
    datatype_description: Text<'a>,
    order: Int,
    #[serde(borrow)]
    description: Text<'a>,
    #[serde(borrow)]
    values: Many<ValueRecord<'a>>,
}

impl Item for AttributeRecord<'_> {
    const WRAPPERS: &'static [&'static str] = &["attribute"];
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ValueRecord<'a> {
    #[serde(borrow)]
    key: Text<'a>,
    #[serde(borrow)]
    name: Text<'a>,
}

impl Item for ValueRecord<'_> {
    const WRAPPERS: &'static [&'static str] = &["value"];
}

/// Reads a service definition.
pub(super) fn parse(body: &Body<'_>) -> Result<ServiceDefinition, WireError> {
    let record: DefinitionRecord = body.single(&DEFINITION)?.parse().map_err(|detail| WireError::Malformed {
        format: body.format(),
        detail: format!("service definition {detail}"),
    })?;
    let listed = record.attributes.0.into_iter().chain(record.attribute.0);
    Ok(ServiceDefinition {
        service_code: record.service_code.owned().unwrap_or_default(),
        attributes: listed.filter_map(AttributeRecord::into_attribute).collect(),
    })
}

impl AttributeRecord<'_> {
    fn into_attribute(self) -> Option<Attribute> {
        let Some(code) = self.code.owned() else {
            tracing::debug!("dropping a service attribute without a code");
            return None;
        };
        Some(Attribute {
            variable: self.variable.0.unwrap_or(true),
            code,
            datatype: self.datatype.owned().map_or_else(|| "string".to_owned(), |d| d.to_lowercase()),
            required: self.required.0.unwrap_or(false),
            datatype_description: self.datatype_description.owned(),
            order: self.order.0,
            description: self.description.owned(),
            values: self.values.0.into_iter().filter_map(ValueRecord::into_value).collect(),
        })
    }
}

impl ValueRecord<'_> {
    fn into_value(self) -> Option<AttributeValue> {
        let key = self.key.owned()?;
        let name = self.name.owned().unwrap_or_else(|| key.clone());
        Some(AttributeValue { key, name })
    }
}
