//! Every error in the caller's dialect, whoever made it. Handlers already answer GeoReport
//! calls with spec `errors` and federation calls with JSON problems; this layer reshapes what
//! the framework and the rate limiter answer by themselves (an unknown route, a wrong method,
//! an oversized body, a path that is not UTF-8, too many requests) the same way, keeping the
//! status and the message. `/healthz` and `/metrics` keep their plain text.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::GeoReportErrors;
use super::problem::Problem;
use crate::wire::WireFormat;

/// The most of a framework error body kept as its message.
const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Which error shape a path's callers read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Dialect {
    /// `/healthz`, `/readyz` and `/metrics` answer plain text for probes and scrapers: left as they are.
    Own,
    /// `/api/…`: `application/problem+json`.
    Problem,
    /// GeoReport paths: spec `errors`, in the format the file name asks for.
    GeoReport(WireFormat),
}

fn dialect(path: &str) -> Dialect {
    if path == "/healthz" || path == "/readyz" || path == "/metrics" {
        Dialect::Own
    } else if path.starts_with("/api/") {
        Dialect::Problem
    } else if path.ends_with(".xml") {
        Dialect::GeoReport(WireFormat::Xml)
    } else {
        Dialect::GeoReport(WireFormat::Json)
    }
}

/// Middleware: passes the call on, then reshapes an error answer that is not in the path's
/// dialect.
pub async fn shape_errors(request: Request, next: Next) -> Response {
    let dialect = dialect(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let error = status.is_client_error() || status.is_server_error();
    if !error || in_dialect(&response, dialect) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_MESSAGE_BYTES).await.unwrap_or_default();
    let message = message(&bytes).unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
    let reshaped = match dialect {
        Dialect::GeoReport(format) => GeoReportErrors::new(status, message).in_format(format).into_response(),
        Dialect::Problem | Dialect::Own => Problem::new(status, message).into_response(),
    };
    // The original answer's headers (Retry-After, Allow…) with the new body and its type.
    let (shaped, body) = reshaped.into_parts();
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(kind) = shaped.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, kind.clone());
    }
    Response::from_parts(parts, body)
}

/// An error's content type and body in the dialect of `path`, for answers written outside the
/// router (see `server::own_errors`).
pub(crate) fn error_body(path: &str, status: StatusCode, message: &str) -> (&'static str, String) {
    let errors = [(status.as_u16(), message.to_string())];
    match dialect(path) {
        Dialect::GeoReport(WireFormat::Json) => {
            (crate::wire::write::JSON_CONTENT_TYPE, crate::wire::write::errors_json(&errors))
        }
        Dialect::GeoReport(WireFormat::Xml) => {
            (crate::wire::write::XML_CONTENT_TYPE, crate::wire::write::errors_xml(&errors))
        }
        Dialect::Problem => ("application/problem+json", Problem::new(status, message).to_json()),
        Dialect::Own => ("text/plain; charset=utf-8", format!("{message}\n")),
    }
}

fn in_dialect(response: &Response, dialect: Dialect) -> bool {
    let kind = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    match dialect {
        Dialect::Own => true,
        Dialect::Problem => kind.starts_with("application/problem+json"),
        Dialect::GeoReport(WireFormat::Json) => kind.starts_with("application/json"),
        Dialect::GeoReport(WireFormat::Xml) => kind.starts_with("text/xml") || kind.starts_with("application/xml"),
    }
}

/// The message of an error body: a spec `errors` entry's description, a problem's detail, or
/// plain text.
fn message(bytes: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let described = value.get(0).and_then(|e| e.get("description")).or_else(|| value.get("detail"));
        return described.and_then(|d| d.as_str()).map(str::to_string);
    }
    let text = String::from_utf8_lossy(bytes).trim().to_string();
    (!text.is_empty()).then_some(text)
}
