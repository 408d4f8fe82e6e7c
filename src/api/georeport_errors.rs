//! The GeoReport spec's error body (`[{"code", "description"}]`, or `<errors>` in XML): a
//! status plus spec `errors` entries, rendered in the format the client asked for. The
//! GeoReport API answers every failure with it, and so does every path outside `/api/`
//! ([`super::shape`]: unknown routes, the rate limit, the web page's form). Internal failures
//! are logged with their cause and shown as a generic 500. (Named for the body it writes; not
//! to be confused with `geo::GeoError`, a boundary that does not load.)

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::wire::WireFormat;
use crate::wire::write;

/// An error answer in the GeoReport spec's `errors` body.
#[derive(Debug)]
pub struct GeoReportErrors {
    /// HTTP status.
    pub status: StatusCode,
    /// Spec entries: (code, description).
    pub errors: Vec<(u16, String)>,
    /// Format to answer in.
    pub format: WireFormat,
}

impl GeoReportErrors {
    /// One error with the status as its code.
    pub fn new(status: StatusCode, description: impl Into<String>) -> GeoReportErrors {
        GeoReportErrors { status, errors: vec![(status.as_u16(), description.into())], format: WireFormat::Json }
    }

    /// 400: the client sent something wrong.
    pub fn bad_request(description: impl Into<String>) -> GeoReportErrors {
        GeoReportErrors::new(StatusCode::BAD_REQUEST, description)
    }

    /// 404: no such thing.
    pub fn not_found(description: impl Into<String>) -> GeoReportErrors {
        GeoReportErrors::new(StatusCode::NOT_FOUND, description)
    }

    /// 500: our fault; the cause is logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> GeoReportErrors {
        tracing::error!(error = %cause, "Internal error");
        GeoReportErrors::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }

    /// The same error, rendered in `format`.
    pub fn in_format(mut self, format: WireFormat) -> GeoReportErrors {
        self.format = format;
        self
    }
}

impl IntoResponse for GeoReportErrors {
    fn into_response(self) -> Response {
        let (content_type, body) = match self.format {
            WireFormat::Json => (write::JSON_CONTENT_TYPE, write::errors_json(&self.errors)),
            WireFormat::Xml => (write::XML_CONTENT_TYPE, write::errors_xml(&self.errors)),
        };
        (self.status, [(header::CONTENT_TYPE, content_type)], body).into_response()
    }
}
