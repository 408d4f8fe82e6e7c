//! Reading GeoReport query parameters: every bad value is a 400 that names the parameter.
//! An empty parameter behaves as if absent, as the spec asks.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::GeoError;
use crate::domain::time::parse_bound;
use crate::domain::{RequestFilter, Status};
use crate::search::{Bbox, Radius, SearchQuery, Sort};
use crate::store::RequestPage;

/// Default `page_size` when paging (`page` or `page_size` given).
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// Largest `page_size` served, and the size of a list asked for without paging (the spec's
/// "at most 1,000 requests").
pub const MAX_PAGE_SIZE: u64 = 1000;
/// Without dates or paging, a list covers the spec's default: the last 90 days.
pub const DEFAULT_DAYS: i64 = 90;

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

    /// The spec's list filters plus the `updated_*` and paging extensions, for one
    /// jurisdiction; times without a zone are read in `zone`.
    /// Without `page`, `page_size` or any date, a list follows the spec's default: the
    /// last [`DEFAULT_DAYS`] days, at most [`MAX_PAGE_SIZE`] requests.
    pub fn request_page(&self, jurisdiction_id: &str, zone: &TimeZone) -> Result<RequestPage, GeoError> {
        let paged = self.get("page").is_some() || self.get("page_size").is_some();
        let unpaged_size = if paged { DEFAULT_PAGE_SIZE } else { MAX_PAGE_SIZE };
        let page_size = self.number("page_size", MAX_PAGE_SIZE)?.unwrap_or(unpaged_size);
        let page = self.number("page", u64::from(u32::MAX))?.unwrap_or(1);
        let (offset, limit) = ((page - 1) * page_size, page_size);
        let ids = self.list("service_request_id");
        if ids.len() > MAX_PAGE_SIZE as usize {
            let detail = format!("service_request_id lists at most {MAX_PAGE_SIZE} ids, not {}", ids.len());
            return Err(GeoError::bad_request(detail));
        }
        if !ids.is_empty() {
            // The spec: service_request_id overrides every other filter.
            let filter = RequestFilter::of_jurisdiction(jurisdiction_id);
            return Ok(RequestPage { ids, filter, offset, limit });
        }
        let filter = RequestFilter {
            service_codes: self.list("service_code"),
            statuses: self.statuses()?,
            start: self.time("start_date", zone)?,
            end: self.time("end_date", zone)?,
            updated_after: self.time("updated_after", zone)?,
            updated_before: self.time("updated_before", zone)?,
            ..RequestFilter::of_jurisdiction(jurisdiction_id)
        };
        filter.check_ranges().map_err(|(_, detail)| GeoError::bad_request(detail))?;
        let mut filter = filter;
        if let Some(start) = self.spec_default_start() {
            filter.start = Some(start);
        }
        Ok(RequestPage { ids, filter, offset, limit })
    }

    /// The start of the spec's default window when the call names no page, page size, date or
    /// id (`None` otherwise).
    pub fn spec_default_start(&self) -> Option<Timestamp> {
        let named = ["page", "page_size", "start_date", "end_date", "updated_after", "updated_before"];
        if named.iter().any(|name| self.get(name).is_some()) || !self.list("service_request_id").is_empty() {
            return None;
        }
        let start = Timestamp::now() - jiff::SignedDuration::from_hours(24 * DEFAULT_DAYS);
        Some(Timestamp::from_second(start.as_second()).unwrap_or(start))
    }

    /// The search extensions `q`, `bbox` and `lat`+`long`+`radius` (answered through the
    /// index); `None` when none is given. `lat`/`long` without `radius` are ignored.
    pub fn search_extensions(&self) -> Result<Option<SearchExtensions>, GeoError> {
        let text = self.get("q").map(str::to_string);
        let bbox = self.get("bbox").map(Bbox::parse).transpose().map_err(|e| GeoError::bad_request(e.to_string()))?;
        let radius = match self.get("radius") {
            None => None,
            Some(_) => Some(self.radius()?),
        };
        let any = text.is_some() || bbox.is_some() || radius.is_some();
        Ok(any.then_some(SearchExtensions { text, bbox, radius }))
    }

    fn radius(&self) -> Result<Radius, GeoError> {
        let number = |name: &str| match self.get(name) {
            None => Err(GeoError::bad_request(format!("radius needs lat and long: {name} is missing"))),
            Some(t) => t.parse::<f64>().map_err(|_| GeoError::bad_request(format!("{name} `{t}` is not a number"))),
        };
        let circle = Radius { lat: number("lat")?, long: number("long")?, metres: number("radius")? };
        circle.validate().map_err(|(_, detail)| GeoError::bad_request(detail))?;
        Ok(circle)
    }

    fn statuses(&self) -> Result<Vec<Status>, GeoError> {
        self.list("status")
            .iter()
            .map(|word| {
                Status::parse_spec(word)
                    .ok_or_else(|| GeoError::bad_request(format!("status `{word}` must be open or closed")))
            })
            .collect()
    }
}

/// The search extensions of a GeoReport `requests` call.
#[derive(Debug)]
pub struct SearchExtensions {
    /// Full text (`q`).
    pub text: Option<String>,
    /// `bbox=west,south,east,north`.
    pub bbox: Option<Bbox>,
    /// `lat`+`long`+`radius` (metres).
    pub radius: Option<Radius>,
}

impl SearchExtensions {
    /// The search for `page` under these extensions, newest first.
    pub fn query(self, page: RequestPage) -> SearchQuery {
        SearchQuery {
            filter: page.filter,
            text: self.text,
            bbox: self.bbox,
            radius: self.radius,
            sort: Sort::Newest,
            limit: usize::try_from(page.limit).unwrap_or(MAX_PAGE_SIZE as usize),
            offset: usize::try_from(page.offset).unwrap_or(usize::MAX),
            ..SearchQuery::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_lists_split() {
        let p = Params::parse(Some("status=&service_code=001,%20002&service_code=003"));
        assert_eq!(p.get("status"), None);
        assert_eq!(p.list("service_code"), vec!["001", "002", "003"]);
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let zone = TimeZone::UTC;
        let e = Params::parse(Some("start_date=yesterday")).request_page("x", &zone).unwrap_err();
        assert!(e.errors[0].1.contains("start_date"));
        let e = Params::parse(Some("page_size=0")).request_page("x", &zone).unwrap_err();
        assert!(e.errors[0].1.contains("page_size"));
        let e = Params::parse(Some("status=pending")).request_page("x", &zone).unwrap_err();
        assert!(e.errors[0].1.contains("status"));
        let e = Params::parse(Some("start_date=2024-02-01&end_date=2024-01-01")).request_page("x", &zone).unwrap_err();
        assert!(e.errors[0].1.contains("after"));
    }

    #[test]
    fn ids_override_other_filters() {
        let f = Params::parse(Some("service_request_id=1,2&status=open&page_size=10&page=3"))
            .request_page("x", &TimeZone::UTC)
            .unwrap();
        assert_eq!(f.ids, vec!["1", "2"]);
        assert_eq!(f.filter, RequestFilter::of_jurisdiction("x"));
        assert_eq!((f.limit, f.offset), (10, 20));
    }
}
