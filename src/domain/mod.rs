//! Domain types shared by every stage: services, service definitions, service requests,
//! statuses and the lenient time handling cities need. No I/O lives here: the wire format
//! turns bytes into these types, the store persists them, the API serves them.

mod filter;
mod request;
mod service;
mod status;
pub mod text;
pub mod time;

pub use filter::RequestFilter;
pub use request::{PostReceipt, ServiceRequest, UpstreamError};
pub use service::{Attribute, AttributeValue, Discovery, DiscoveryEndpoint, Service, ServiceDefinition};
pub use status::Status;
