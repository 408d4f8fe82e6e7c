//! Services (what can be reported), their definitions (extra questions), and discovery.

use serde::{Deserialize, Serialize};

/// One entry of a city's service list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The city's code, always a string (`001` keeps its zeros).
    pub service_code: String,
    /// Human-readable name, in the city's language.
    pub service_name: String,
    /// Longer explanation.
    pub description: Option<String>,
    /// Whether a service definition (extra attributes) exists.
    pub metadata: bool,
    /// `realtime`, `batch` or `blackbox`.
    pub service_type: Option<String>,
    /// Comma-separated keywords.
    pub keywords: Option<String>,
    /// Grouping label.
    pub group: Option<String>,
}

/// The extra questions a service asks when a request is submitted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceDefinition {
    /// The service this definition belongs to.
    pub service_code: String,
    /// Attributes in the order the city listed them.
    pub attributes: Vec<Attribute>,
}

/// One question of a service definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// False means information only, not an input.
    pub variable: bool,
    /// Key used in `attribute[CODE]` when posting.
    pub code: String,
    /// `string`, `number`, `datetime`, `text`, `singlevaluelist` or `multivaluelist`.
    pub datatype: String,
    /// Whether a submission must answer it.
    pub required: bool,
    /// Explains the expected format.
    pub datatype_description: Option<String>,
    /// Display order.
    pub order: Option<i64>,
    /// The question itself.
    pub description: Option<String>,
    /// Allowed answers for list types.
    pub values: Vec<AttributeValue>,
}

/// One allowed answer of a list attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeValue {
    /// What is sent.
    pub key: String,
    /// What is shown.
    pub name: String,
}

/// A city's service discovery document (a hint, never a source of truth).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Discovery {
    /// Sortable "last updated" string.
    pub changeset: Option<String>,
    /// Who to contact.
    pub contact: Option<String>,
    /// How to get a key.
    pub key_service: Option<String>,
    /// The endpoints listed.
    pub endpoints: Vec<DiscoveryEndpoint>,
}

/// One endpoint of a discovery document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DiscoveryEndpoint {
    /// Specification URL, e.g. `http://wiki.open311.org/GeoReport_v2`.
    pub specification: Option<String>,
    /// Base URL.
    pub url: Option<String>,
    /// Last change of this endpoint.
    pub changeset: Option<String>,
    /// `production` or `test`.
    pub endpoint_type: Option<String>,
    /// MIME types served.
    pub formats: Vec<String>,
}
