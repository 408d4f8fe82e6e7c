//! What a feed says, whatever its dialect: the feed's own links and title ([`Head`]) and one
//! [`Entry`] per record (title, link, times, summary, category, point), so Atom and RSS
//! differ only in how they write the same facts.

use jiff::Timestamp;
use url::Url;

use crate::store::StoredRequest;

/// The feed as a whole.
pub struct Head {
    /// This feed's own URL, query included (Atom `id` and `rel="self"`).
    pub self_url: String,
    /// The same search as JSON on `/api/v1/requests`.
    pub search_url: String,
    /// A human title naming the search.
    pub title: String,
    /// The newest entry's updated time (now when there is none).
    pub updated: Timestamp,
}

/// One record as a feed entry.
pub struct Entry {
    /// The record's absolute URL: link and permanent id.
    pub url: String,
    /// Service name and address.
    pub title: String,
    /// Description, status and status notes, in plain text.
    pub summary: String,
    /// Last update (requested time, or when fed311 last saw it, when the city gave none).
    pub updated: Timestamp,
    /// When the request was made, when known.
    pub published: Option<Timestamp>,
    /// The canonical category, once classified.
    pub category: Option<String>,
    /// `(lat, long)`, when the record has coordinates.
    pub point: Option<(f64, f64)>,
}

impl Entry {
    /// The entry of a stored record; `base` is the server's origin (`http://host`).
    pub fn new(base: &Url, s: &StoredRequest) -> Entry {
        let r = &s.request;
        Entry {
            url: record_url(base, &s.jurisdiction_id, &r.service_request_id),
            title: title(s),
            summary: summary(s),
            updated: r.updated_datetime.or(r.requested_datetime).unwrap_or(s.last_seen),
            published: r.requested_datetime,
            category: s.category.clone(),
            point: r.lat.zip(r.long),
        }
    }

    /// `lat long`, as `georss:point` wants it.
    pub fn georss(&self) -> Option<String> {
        self.point.map(|(lat, long)| format!("{lat} {long}"))
    }
}

/// `{base}/api/v1/requests/{jurisdiction_id}/{service_request_id}`, each part percent-encoded.
pub fn record_url(base: &Url, jurisdiction_id: &str, id: &str) -> String {
    let mut url = base.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.clear().extend(["api", "v1", "requests", jurisdiction_id, id]);
    }
    url.to_string()
}

fn title(s: &StoredRequest) -> String {
    let r = &s.request;
    let name = r.service_name.as_deref().or(r.service_code.as_deref()).map(str::trim).filter(|n| !n.is_empty());
    let name = name.map_or_else(|| format!("Request {}", r.service_request_id), str::to_string);
    match r.address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(address) => format!("{name} at {address}"),
        None => name,
    }
}

fn summary(s: &StoredRequest) -> String {
    let r = &s.request;
    let mut lines = Vec::new();
    if let Some(description) = r.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        lines.push(description.to_string());
    }
    let mut status = format!("Status: {}", r.status.as_str());
    if let Some(raw) = r.status_raw.as_deref().filter(|raw| !raw.eq_ignore_ascii_case(r.status.as_str())) {
        status.push_str(&format!(" ({raw})"));
    }
    if let Some(notes) = r.status_notes.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        status.push_str(&format!(" — {notes}"));
    }
    lines.push(status);
    lines.push(format!("Jurisdiction: {}", s.jurisdiction_id));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_urls_encode_each_part() {
        let base = Url::parse("http://example.org:8311").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(record_url(&base, "alpha", "12/3 b"), "http://example.org:8311/api/v1/requests/alpha/12%2F3%20b");
    }
}
