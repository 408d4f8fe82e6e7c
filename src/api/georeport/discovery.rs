//! `discovery.{fmt}`: fed311's own discovery, where its GeoReport base is (the global one, or
//! the jurisdiction's own when called there) and what it speaks.

use axum::http::HeaderMap;
use axum::response::Response;

use super::call::Call;
use super::document::document;
use crate::api::blocking::run;
use crate::api::{AppState, GeoReportErrors};
use crate::domain::{Discovery, DiscoveryEndpoint};
use crate::wire::write;

/// fed311's own discovery: where its GeoReport base is and what it speaks.
pub(super) async fn discovery(s: &AppState, call: &Call, headers: &HeaderMap) -> Result<Response, GeoReportErrors> {
    let Some(origin) = crate::api::origin::origin(headers) else {
        let detail = "discovery needs a Host header naming this server, to write its address";
        return Err(call.fail(GeoReportErrors::bad_request(detail)));
    };
    let origin = origin.as_str().trim_end_matches('/');
    let base = match &call.scope {
        Some(_) => format!("{origin}/jurisdictions/{}/open311/v2/", call.jurisdiction(s)?.id),
        None => format!("{origin}/open311/v2/"),
    };
    let ids: Vec<String> = match &call.scope {
        Some(_) => vec![call.jurisdiction(s)?.id.clone()],
        None => s.registry.iter().map(|j| j.id.clone()).collect(),
    };
    let store = s.store.clone();
    let changed = run(move || store.changeset(&ids)).await.map_err(|e| call.fail(e))?;
    let changeset = crate::domain::time::format_utc(changeset_time(changed));
    let d = Discovery {
        changeset: Some(changeset.clone()),
        contact: Some("fed311: one Open311 API for every city".to_string()),
        key_service: Some("Reads need no key. Submissions need a fed311 key from the operator.".to_string()),
        endpoints: vec![DiscoveryEndpoint {
            specification: Some("http://wiki.open311.org/GeoReport_v2".to_string()),
            url: Some(base),
            changeset: Some(changeset),
            endpoint_type: Some("production".to_string()),
            formats: vec!["text/xml".to_string(), "application/json".to_string()],
        }],
    };
    Ok(document(call.format, || write::discovery_json(&d), || write::discovery_xml(&d)))
}

/// Discovery's `changeset`: when the registry or a service list last changed (as the store
/// saw it), else when this process started.
fn changeset_time(changed: Option<i64>) -> jiff::Timestamp {
    static STARTED: std::sync::OnceLock<jiff::Timestamp> = std::sync::OnceLock::new();
    let started =
        *STARTED.get_or_init(|| jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap_or_default());
    changed.and_then(|t| jiff::Timestamp::from_second(t).ok()).unwrap_or(started)
}
