//! GeoReport documents: a 200 answer in the format the call asked for (JSON or XML), written
//! now or kept rendered (and compressed) in the response cache until the store changes.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::call::Call;
use crate::api::cache::Rendered;
use crate::wire::WireFormat;
use crate::wire::write;

/// A 200 document already rendered.
pub(super) fn document_bytes(format: WireFormat, body: axum::body::Bytes) -> Response {
    let content_type = match format {
        WireFormat::Json => write::JSON_CONTENT_TYPE,
        WireFormat::Xml => write::XML_CONTENT_TYPE,
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A 200 document in the given format.
pub(super) fn document(format: WireFormat, json: impl FnOnce() -> String, xml: impl FnOnce() -> String) -> Response {
    match format {
        WireFormat::Json => ([(header::CONTENT_TYPE, write::JSON_CONTENT_TYPE)], json()).into_response(),
        WireFormat::Xml => ([(header::CONTENT_TYPE, write::XML_CONTENT_TYPE)], xml()).into_response(),
    }
}

/// A cached answer with its validator, in the encoding the client accepts (compressed once
/// per answer, not per call).
pub(super) fn cached_document(call: &Call, rendered: Rendered) -> Response {
    let encoded = call.accept_encoding.as_deref().and_then(|accept| rendered.encoded(accept));
    let mut response = match encoded {
        Some((name, body)) => {
            let mut response = document_bytes(call.format, body);
            response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
            response
        }
        None => document_bytes(call.format, rendered.body),
    };
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response.headers_mut().insert(header::ETAG, rendered.etag);
    response
}
