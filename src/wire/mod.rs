//! The GeoReport v2 wire format, in one home: reading what cities send (tolerant of every
//! quirk seen in the field) and writing what fed311 serves (strictly as the spec shapes it).
//! Both `upstream` (and through it `harvest` and `submit`) and `api` use it; it knows nothing
//! of HTTP or storage. [`WireFormat`] names the two formats, for every layer.

pub mod read;
pub mod write;

/// The two GeoReport wire formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WireFormat {
    /// `.json` resources.
    Json,
    /// `.xml` resources.
    Xml,
}

impl WireFormat {
    /// The resource suffix without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            WireFormat::Json => "json",
            WireFormat::Xml => "xml",
        }
    }
}
