//! One simulated service request, stored compactly (a million of them must fit comfortably
//! in memory) and expanded into a [`ServiceRequest`] only when served or snapshotted, by the
//! one function both paths share, so the ground truth is exactly what is served.

use jiff::Timestamp;

use crate::domain::{Service, ServiceRequest, Status};

use super::vocab::SERVICES;
use super::words::{Address, Description};

/// Ids are this plus the record's serial number (1, 2, 3… in the order received).
const ID_BASE: u64 = 100_000;

/// The wire id of the record with this serial number.
pub(crate) fn id_of(serial: u64) -> String {
    (ID_BASE + serial).to_string()
}

/// The serial number behind a wire id, if the id is one of ours.
pub(crate) fn serial_of(id: &str) -> Option<u64> {
    id.trim().parse::<u64>().ok()?.checked_sub(ID_BASE).filter(|s| *s > 0)
}

/// A request as a simulated city keeps it. Records live in a `Vec` sorted by
/// `(requested, serial)`, and serials grow with position, so both can be binary-searched.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub serial: u64,
    /// Index into the city's services.
    pub service: u16,
    pub status: Status,
    pub requested: Timestamp,
    pub updated: Timestamp,
    pub expected: Option<Timestamp>,
    pub description: Description,
    pub status_notes: Option<&'static str>,
    /// Whether a service notice is attached.
    pub notice: bool,
    pub address: Option<Address>,
    pub address_id: Option<u32>,
    pub zipcode: Option<u32>,
    /// Latitude and longitude.
    pub coords: Option<(f64, f64)>,
    /// Whether a photo is attached.
    pub media: bool,
}

impl Record {
    /// The request as served. `hide_id` serves it without its id (still being processed).
    pub(crate) fn to_request(&self, services: &[Service], hide_id: bool) -> ServiceRequest {
        let id = id_of(self.serial);
        let service = services.get(usize::from(self.service));
        let catalog = service.and_then(|s| SERVICES.iter().position(|v| v.code == s.service_code));
        let agency = catalog.map(|i| SERVICES[i].agency);
        ServiceRequest {
            service_request_id: if hide_id { String::new() } else { id.clone() },
            status: self.status,
            status_raw: Some(self.status.as_str().to_string()),
            status_notes: self.status_notes.map(str::to_string),
            service_name: service.map(|s| s.service_name.clone()),
            service_code: service.map(|s| s.service_code.clone()),
            description: Some(self.description.text(catalog.unwrap_or(usize::MAX))),
            agency_responsible: agency.map(str::to_string),
            service_notice: self.notice.then(|| "Crews usually respond within 5 business days.".to_string()),
            requested_datetime: Some(self.requested),
            updated_datetime: Some(self.updated),
            expected_datetime: self.expected,
            requested_text: None,
            updated_text: None,
            expected_text: None,
            address: self.address.map(Address::text),
            address_id: self.address_id.map(|n| format!("ADDR-{n:06}")),
            zipcode: self.zipcode.map(|n| format!("{n:05}")),
            lat: self.coords.map(|c| c.0),
            long: self.coords.map(|c| c.1),
            media_url: self.media.then(|| format!("https://media.sim.fed311.invalid/{id}.jpg")),
            raw: "{}".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        assert_eq!(id_of(7), "100007");
        assert_eq!(serial_of("100007"), Some(7));
        assert_eq!(serial_of("100000"), None);
        assert_eq!(serial_of("abc"), None);
    }
}
