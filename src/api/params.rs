//! Query parameters as named pairs, in order, shared by both dialects: an empty parameter
//! behaves as if absent (as the GeoReport spec asks), and a comma list or a repeated
//! parameter reads as one list.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::GeoError;
use crate::domain::time::parse_bound;

/// Decoded query parameters, in order.
#[derive(Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Decodes a raw query string (absent: none).
    pub fn parse(query: Option<&str>) -> Params {
        let pairs = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
            .collect();
        Params(pairs)
    }

    /// Adds pairs (e.g. from a form body) after the query's.
    pub fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The last non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// A comma list (`a,b`) or repeated parameter, trimmed, empties dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// A datetime parameter; without a zone it is read in `zone`.
    pub fn time(&self, name: &str, zone: &TimeZone) -> Result<Option<Timestamp>, GeoError> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => parse_bound(text, zone).map(Some).ok_or_else(|| {
                GeoError::bad_request(format!("{name} `{text}` is not a W3C datetime like 2024-01-31T12:00:00Z"))
            }),
        }
    }

    /// A positive whole number within `1..=max`.
    pub fn number(&self, name: &str, max: u64) -> Result<Option<u64>, GeoError> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => match text.parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err(GeoError::bad_request(format!("{name} `{text}` must be a whole number from 1 to {max}"))),
            },
        }
    }
}
