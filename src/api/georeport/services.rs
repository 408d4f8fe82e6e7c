//! `services.{fmt}` and `services/{code}.{fmt}`: a jurisdiction's service list (rendered once
//! per change of the store's services) and one service's definition.

use axum::response::Response;

use super::call::Call;
use super::document::{cached_document, document};
use super::stamp;
use crate::api::blocking::run;
use crate::api::cache::Rendered;
use crate::api::{AppState, GeoReportErrors};
use crate::wire::WireFormat;
use crate::wire::write;

/// The service list, rendered once per change of the store's services.
pub(super) async fn services(s: &AppState, call: &Call) -> Result<Response, GeoReportErrors> {
    let j = call.jurisdiction(s)?;
    let version = stamp(s, call)?;
    let key = format!("services|{}|{}", j.id, call.format.extension());
    let rendered = match s.cache.get(&key, version) {
        Some(rendered) => rendered,
        None => {
            let (store, id) = (s.store.clone(), j.id.clone());
            let list = run(move || store.list_services(&id)).await.map_err(|e| call.fail(e))?;
            let text = match call.format {
                WireFormat::Json => write::services_json(&list),
                WireFormat::Xml => write::services_xml(&list),
            };
            let rendered = Rendered::new(text, list.len());
            s.cache.put(key, version, rendered.clone());
            rendered
        }
    };
    let mut response = cached_document(call, rendered);
    s.harvest_marks.mark(&mut response, &s.store, version, &j.id);
    Ok(response)
}

/// The definition of service `code`.
pub(super) async fn definition(s: &AppState, call: &Call, code: String) -> Result<Response, GeoReportErrors> {
    let j = call.jurisdiction(s)?;
    let (store, id, c) = (s.store.clone(), j.id.clone(), code.clone());
    match run(move || store.service_definition(&id, &c)).await.map_err(|e| call.fail(e))? {
        None => Err(call.fail(GeoReportErrors::not_found(format!("service_code `{code}` is unknown in {}", j.id)))),
        Some(None) => {
            Err(call.fail(GeoReportErrors::not_found(format!("service_code `{code}` has no service definition"))))
        }
        Some(Some(d)) => Ok(document(call.format, || write::definition_json(&d), || write::definition_xml(&d))),
    }
}
