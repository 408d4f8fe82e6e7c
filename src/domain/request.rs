//! Service requests as fed311 holds them, plus the answers to a submission.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Status;

/// One service request, normalized. Times are UTC instants; `*_text` keep what the city sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequest {
    /// The city's id, always a string.
    pub service_request_id: String,
    /// Normalized status.
    pub status: Status,
    /// The city's own status word, when it sent one.
    pub status_raw: Option<String>,
    /// Explanation of the status.
    pub status_notes: Option<String>,
    /// Service name as the city gave it on the request.
    pub service_name: Option<String>,
    /// Service code, always a string.
    pub service_code: Option<String>,
    /// What the reporter wrote.
    pub description: Option<String>,
    /// Agency in charge.
    pub agency_responsible: Option<String>,
    /// Information for the reporter.
    pub service_notice: Option<String>,
    /// When the request was made.
    pub requested_datetime: Option<Timestamp>,
    /// Last change (for closed requests, usually the close time).
    pub updated_datetime: Option<Timestamp>,
    /// When the city expects to finish.
    pub expected_datetime: Option<Timestamp>,
    /// The texts the city sent for the three times above, as sent.
    pub requested_text: Option<String>,
    /// See `requested_text`.
    pub updated_text: Option<String>,
    /// See `requested_text`.
    pub expected_text: Option<String>,
    /// Human-readable address.
    pub address: Option<String>,
    /// The city's address identifier.
    pub address_id: Option<String>,
    /// Postal code.
    pub zipcode: Option<String>,
    /// WGS84 latitude, when valid.
    pub lat: Option<f64>,
    /// WGS84 longitude, when valid.
    pub long: Option<f64>,
    /// Photo URL.
    pub media_url: Option<String>,
    /// The record as received, as JSON text (XML records rendered as JSON).
    pub raw: String,
}

impl ServiceRequest {
    /// A request with only its id: open, every other field absent, an empty raw record.
    pub fn new(service_request_id: impl Into<String>) -> ServiceRequest {
        ServiceRequest {
            service_request_id: service_request_id.into(),
            status: Status::Open,
            status_raw: None,
            status_notes: None,
            service_name: None,
            service_code: None,
            description: None,
            agency_responsible: None,
            service_notice: None,
            requested_datetime: None,
            updated_datetime: None,
            expected_datetime: None,
            requested_text: None,
            updated_text: None,
            expected_text: None,
            address: None,
            address_id: None,
            zipcode: None,
            lat: None,
            long: None,
            media_url: None,
            raw: "{}".to_string(),
        }
    }
}

/// The answer to a submission: an id, or a token to resolve later.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PostReceipt {
    /// The city's id, when known.
    pub service_request_id: Option<String>,
    /// A token to resolve into an id later.
    pub token: Option<String>,
    /// Information for the reporter.
    pub service_notice: Option<String>,
    /// Account the request was filed under.
    pub account_id: Option<String>,
}

/// One entry of a GeoReport `errors` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamError {
    /// Error code (often the HTTP status).
    pub code: String,
    /// What went wrong.
    pub description: String,
}
