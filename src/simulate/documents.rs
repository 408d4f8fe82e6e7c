//! The documents a simulated city answers besides request lists: the service list, service
//! definitions and discovery, rendered with the crate's strict writers.

use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::{Discovery, DiscoveryEndpoint};
use crate::wire::write;

use super::city::SimCity;
use super::render::{self, Format};
use super::server::ServerState;

/// `services.{fmt}`.
pub(crate) fn services(city: &SimCity, format: Format) -> Response {
    let data = city.read();
    let body = match format {
        Format::Json => write::services_json(&data.services),
        Format::Xml => write::services_xml(&data.services),
    };
    render::document(StatusCode::OK, format, body)
}

/// `services/{code}.{fmt}`: 404 for an unknown code or a service without metadata.
pub(crate) fn definition(city: &SimCity, code: &str, format: Format) -> Response {
    let data = city.read();
    let Some(definition) = data.definitions.iter().find(|d| d.service_code == code) else {
        return render::errors(
            StatusCode::NOT_FOUND,
            format,
            &format!("service_code {code} has no service definition"),
        );
    };
    let body = match format {
        Format::Json => write::definition_json(definition),
        Format::Xml => write::definition_xml(definition),
    };
    render::document(StatusCode::OK, format, body)
}

/// `discovery.{fmt}`: this server as the one production endpoint, with the formats it serves.
pub(crate) fn discovery(s: &ServerState, format: Format) -> Response {
    let mut formats = Vec::new();
    let b = s.behaviour();
    if b.xml {
        formats.push("text/xml".to_string());
    }
    if b.json {
        formats.push("application/json".to_string());
    }
    let endpoint = DiscoveryEndpoint {
        specification: Some("http://wiki.open311.org/GeoReport_v2".to_string()),
        url: Some(s.base_url.clone()),
        changeset: Some("2024-01-01T00:00:00Z".to_string()),
        endpoint_type: Some("production".to_string()),
        formats,
    };
    let discovery = Discovery {
        changeset: Some("2024-01-01T00:00:00Z".to_string()),
        contact: Some("Simulated city (fed311 simulate)".to_string()),
        key_service: Some("No key needed for reads".to_string()),
        endpoints: vec![endpoint],
    };
    let body = match format {
        Format::Json => write::discovery_json(&discovery),
        Format::Xml => write::discovery_xml(&discovery),
    };
    render::document(StatusCode::OK, format, body)
}
