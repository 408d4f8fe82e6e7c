//! GeoReport errors: a status plus spec `errors` entries, rendered in the format the client
//! asked for. Internal failures are logged with their cause and shown as a generic 500.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::wire::WireFormat;
use crate::wire::write;

/// An error answer on the GeoReport API.
#[derive(Debug)]
pub struct GeoError {
    /// HTTP status.
    pub status: StatusCode,
    /// Spec entries: (code, description).
    pub errors: Vec<(u16, String)>,
    /// Format to answer in.
    pub format: WireFormat,
}

impl GeoError {
    /// One error with the status as its code.
    pub fn new(status: StatusCode, description: impl Into<String>) -> GeoError {
        GeoError { status, errors: vec![(status.as_u16(), description.into())], format: WireFormat::Json }
    }

    /// 400: the client sent something wrong.
    pub fn bad_request(description: impl Into<String>) -> GeoError {
        GeoError::new(StatusCode::BAD_REQUEST, description)
    }

    /// 404: no such thing.
    pub fn not_found(description: impl Into<String>) -> GeoError {
        GeoError::new(StatusCode::NOT_FOUND, description)
    }

    /// 500: our fault; the cause is logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> GeoError {
        tracing::error!(error = %cause, "Internal error");
        GeoError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }

    /// The same error, rendered in `format`.
    pub fn in_format(mut self, format: WireFormat) -> GeoError {
        self.format = format;
        self
    }
}

impl IntoResponse for GeoError {
    fn into_response(self) -> Response {
        let (content_type, body) = match self.format {
            WireFormat::Json => (write::JSON_CONTENT_TYPE, write::errors_json(&self.errors)),
            WireFormat::Xml => (write::XML_CONTENT_TYPE, write::errors_xml(&self.errors)),
        };
        (self.status, [(header::CONTENT_TYPE, content_type)], body).into_response()
    }
}

/// A 200 document already rendered.
pub fn document_bytes(format: WireFormat, body: axum::body::Bytes) -> Response {
    let content_type = match format {
        WireFormat::Json => write::JSON_CONTENT_TYPE,
        WireFormat::Xml => write::XML_CONTENT_TYPE,
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A 200 document in the given format.
pub fn document(format: WireFormat, json: impl FnOnce() -> String, xml: impl FnOnce() -> String) -> Response {
    match format {
        WireFormat::Json => ([(header::CONTENT_TYPE, write::JSON_CONTENT_TYPE)], json()).into_response(),
        WireFormat::Xml => ([(header::CONTENT_TYPE, write::XML_CONTENT_TYPE)], xml()).into_response(),
    }
}
