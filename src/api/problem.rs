//! Errors on the federation API (`/api/v1/`): RFC 9457 problem details in JSON, naming the
//! parameter at fault.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem answer.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    status: u16,
    detail: String,
    /// The query parameter (or body field) at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<String>,
}

impl Problem {
    /// A problem with `status` and a human-readable `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            parameter: None,
        }
    }

    /// 400 naming the `parameter` at fault.
    pub fn bad_parameter(parameter: &str, detail: impl Into<String>) -> Problem {
        Problem { parameter: Some(parameter.to_string()), ..Problem::new(StatusCode::BAD_REQUEST, detail) }
    }

    /// 500 with the cause logged, not shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Problem {
        tracing::error!(error = %cause, "Internal error");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl Problem {
    /// The problem's JSON body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.to_json();
        (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}
