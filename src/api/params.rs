//! Query parameters as named pairs, in order, read once for both dialects: an empty
//! parameter behaves as if absent (as the GeoReport spec asks), and a comma list or a
//! repeated parameter reads as one list. A value that does not read is a [`BadParameter`]
//! (the parameter and what is wrong with it), which each dialect answers its own way: a 400
//! GeoReport `errors` body, or a 400 problem document naming the parameter.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::GeoReportErrors;
use super::problem::Problem;
use crate::domain::Status;
use crate::domain::time::parse_bound;
use crate::search::Bbox;

/// A parameter the caller got wrong: its name, and what is wrong with it in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParameter {
    /// The parameter at fault, as the caller spelled it.
    pub parameter: String,
    /// What is wrong, for a person.
    pub detail: String,
}

impl BadParameter {
    /// `parameter` is wrong, as `detail` says.
    pub fn new(parameter: impl Into<String>, detail: impl Into<String>) -> BadParameter {
        BadParameter { parameter: parameter.into(), detail: detail.into() }
    }
}

/// On the GeoReport API: a 400 whose spec `errors` entry is the detail.
impl From<BadParameter> for GeoReportErrors {
    fn from(bad: BadParameter) -> GeoReportErrors {
        GeoReportErrors::bad_request(bad.detail)
    }
}

/// On the federation API: a 400 problem naming the parameter.
impl From<BadParameter> for Problem {
    fn from(bad: BadParameter) -> Problem {
        Problem::bad_parameter(&bad.parameter, bad.detail)
    }
}

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
    pub fn time(&self, name: &str, zone: &TimeZone) -> Result<Option<Timestamp>, BadParameter> {
        let Some(text) = self.get(name) else { return Ok(None) };
        let detail = || format!("{name} `{text}` is not a W3C datetime like 2024-01-31T12:00:00Z");
        parse_bound(text, zone).map(Some).ok_or_else(|| BadParameter::new(name, detail()))
    }

    /// A positive whole number within `1..=max`.
    pub fn number(&self, name: &str, max: u64) -> Result<Option<u64>, BadParameter> {
        let Some(text) = self.get(name) else { return Ok(None) };
        match text.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(BadParameter::new(name, format!("{name} `{text}` must be a whole number from 1 to {max}"))),
        }
    }

    /// A decimal number (infinities included: callers that refuse them say so).
    pub fn decimal(&self, name: &str) -> Result<Option<f64>, BadParameter> {
        let Some(text) = self.get(name) else { return Ok(None) };
        let not_a_number = || BadParameter::new(name, format!("{name} `{text}` is not a number"));
        text.parse::<f64>().map(Some).map_err(|_| not_a_number())
    }

    /// `status`: a list of the spec's `open` and `closed`.
    pub fn statuses(&self) -> Result<Vec<Status>, BadParameter> {
        let parse = |word: &String| {
            let detail = || format!("status `{word}` must be open or closed");
            Status::parse_spec(word).ok_or_else(|| BadParameter::new("status", detail()))
        };
        self.list("status").iter().map(parse).collect()
    }

    /// `bbox=west,south,east,north`.
    pub fn bbox(&self) -> Result<Option<Bbox>, BadParameter> {
        self.get("bbox").map(Bbox::parse).transpose().map_err(|detail| BadParameter::new("bbox", detail.to_string()))
    }
}
