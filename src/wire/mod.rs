//! The GeoReport v2 wire format, in one home: reading what cities send (tolerant of every
//! quirk seen in the field) and writing what fed311 serves (strictly as the spec shapes it).
//! Both `harvest` and `api` use it; it knows nothing of HTTP or storage.

pub mod read;
pub mod write;

pub use crate::registry::WireFormat;
