//! One GeoReport call: the [`Resource`] it was made at (the file asked for and, under a
//! jurisdiction's own base, that jurisdiction: the call's scope), its format and parameters,
//! and the jurisdiction they name. Every failure is answered in the call's format.

use axum::response::Response;
use serde::Deserialize;

use crate::api::params::Params;
use crate::api::{AppState, GeoReportErrors};
use crate::registry::Jurisdiction;
use crate::wire::WireFormat;

/// Where a GeoReport call went, from its path: `/open311/v2/{file}` or
/// `/jurisdictions/{jid}/open311/v2/{file}` (and the same with `services/`, `requests/`,
/// `tokens/` before the file). One handler serves both bases.
#[derive(Debug, Deserialize)]
pub(in crate::api) struct Resource {
    /// The jurisdiction whose own base was called; `None` under `/open311/v2/`.
    #[serde(rename = "jid")]
    scope: Option<String>,
    /// The file asked for: `requests.json`, `discovery.xml`, a service code or a request id
    /// with its format's extension.
    file: String,
}

impl Resource {
    /// `file` under the global base `/open311/v2/`.
    pub(in crate::api) fn unscoped(file: &str) -> Resource {
        Resource { scope: None, file: file.to_string() }
    }
}

/// One GeoReport call: its format, parameters and (implied) jurisdiction.
pub(super) struct Call {
    pub(super) format: WireFormat,
    pub(super) params: Params,
    pub(super) scope: Option<String>,
    /// The client's `Accept-Encoding`, for answers kept compressed.
    pub(super) accept_encoding: Option<String>,
}

impl Call {
    /// The call made at `resource` with `query`, and the name it asks for (the file without
    /// its extension).
    pub(super) fn new(resource: Resource, query: Option<String>) -> (String, Call) {
        let (name, format) = split_format(&resource.file);
        let params = Params::parse(query.as_deref());
        (name, Call { format, params, scope: resource.scope, accept_encoding: None })
    }

    /// The jurisdiction asked for: from the path, else `jurisdiction_id` (ours, or a city's
    /// own upstream id when exactly one city uses it). Under a jurisdiction's own base, a
    /// `jurisdiction_id` naming another city is refused.
    pub(super) fn jurisdiction<'a>(&self, state: &'a AppState) -> Result<&'a Jurisdiction, GeoReportErrors> {
        let named = self.params.get("jurisdiction_id");
        let Some(wanted) = self.scope.as_deref().or(named) else {
            return Err(self.fail(GeoReportErrors::bad_request(
                "jurisdiction_id is required: see /api/v1/jurisdictions for the list".to_string(),
            )));
        };
        let found = find_jurisdiction(state, wanted)
            .ok_or_else(|| self.fail(GeoReportErrors::not_found(format!("jurisdiction_id `{wanted}` is unknown"))))?;
        if let (Some(_), Some(named)) = (&self.scope, named) {
            if found.id != named && found.config.upstream_jurisdiction_id.as_deref() != Some(named) {
                let detail = format!("jurisdiction_id `{named}` is not {}, whose base this is", found.id);
                return Err(self.fail(GeoReportErrors::bad_request(detail)));
            }
        }
        Ok(found)
    }

    /// `e` (a spec error, a bad parameter, failed work) in this call's format.
    pub(super) fn fail(&self, e: impl Into<GeoReportErrors>) -> GeoReportErrors {
        e.into().in_format(self.format)
    }

    /// The path of `name` under this call's GeoReport base (for links).
    pub(super) fn path_of(&self, name: &str) -> String {
        let base = match &self.scope {
            Some(jid) => format!("/jurisdictions/{jid}/open311/v2/"),
            None => "/open311/v2/".to_string(),
        };
        format!("{base}{name}.{}", self.format.extension())
    }
}

/// The jurisdiction with our id `wanted`, else the one city whose own upstream id it is.
pub(super) fn find_jurisdiction<'a>(state: &'a AppState, wanted: &str) -> Option<&'a Jurisdiction> {
    state.registry.get(wanted).or_else(|| {
        let mut upstream =
            state.registry.iter().filter(|j| j.config.upstream_jurisdiction_id.as_deref() == Some(wanted));
        match (upstream.next(), upstream.next()) {
            (Some(j), None) => Some(j),
            _ => None,
        }
    })
}

/// `name.json` → (name, JSON); `name.xml` → (name, XML); anything else is JSON.
fn split_format(file: &str) -> (String, WireFormat) {
    match file.rsplit_once('.') {
        Some((name, "json")) => (name.to_string(), WireFormat::Json),
        Some((name, "xml")) => (name.to_string(), WireFormat::Xml),
        _ => (file.to_string(), WireFormat::Json),
    }
}

/// The answer, or the error's.
pub(super) fn respond(result: Result<Response, GeoReportErrors>) -> Response {
    result.unwrap_or_else(axum::response::IntoResponse::into_response)
}
