//! What a search asks ([`SearchQuery`]), and the checks that
//! name the faulty parameter. The query only finds keys; records are read from the store.

use std::sync::Arc;

use super::SearchError;
use super::area::{Bbox, Radius};
use crate::domain::RequestFilter;

/// Default number of keys per page.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page.
pub const MAX_LIMIT: usize = 1000;
/// Longest `q`, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Most words and operators (`AND`, `OR`, `NOT`, `-`, `+`) in `q`: each costs a posting
/// list walk, and thousands of them tie up a core for seconds.
pub const MAX_TEXT_TERMS: usize = 32;
/// Deepest nesting of parentheses in `q`: the query parser recurses once per level.
pub const MAX_TEXT_DEPTH: usize = 8;

/// The order of results. Every order breaks ties by a stable hash of the key, so cursor
/// paging is exact.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Sort {
    /// Best text match first (newest first when there is no text).
    Relevance,
    /// Newest requested first; requests without a requested time last.
    #[default]
    Newest,
    /// Oldest requested first; requests without a requested time last.
    Oldest,
    /// Most recently updated first; requests without an updated time last.
    RecentlyUpdated,
    /// Nearest to the point first; requests without coordinates last.
    Distance {
        /// Latitude of the point.
        lat: f64,
        /// Longitude of the point.
        long: f64,
    },
}

/// A search across cities. Empty lists mean "any"; every filter given must hold.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Which requests, by their own fields.
    pub filter: RequestFilter,
    /// Full text over description, service name, address and status notes (every word must
    /// appear; tantivy's query syntax: `"a phrase"`, `a OR b`, `-word`).
    pub text: Option<String>,
    /// Only points inside this box.
    pub bbox: Option<Bbox>,
    /// Only points within this distance.
    pub radius: Option<Radius>,
    /// Only points inside (or on the edge of) this area.
    pub polygon: Option<Arc<geo::MultiPolygon<f64>>>,
    /// Order of the results.
    pub sort: Sort,
    /// Keys per page, `1..=1000`.
    pub limit: usize,
    /// Keys to skip before the page (offset paging, for the GeoReport `page` extension).
    pub offset: usize,
    /// Continue after this cursor (from a previous page with the same filters and sort).
    pub cursor: Option<String>,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            filter: RequestFilter::default(),
            text: None,
            bbox: None,
            radius: None,
            polygon: None,
            sort: Sort::Newest,
            limit: DEFAULT_LIMIT,
            offset: 0,
            cursor: None,
        }
    }
}

impl SearchQuery {
    /// Whether anything besides the text narrows the search (ids, times, a place).
    pub fn has_filters(&self) -> bool {
        let f = &self.filter;
        let lists = [&f.jurisdictions, &f.categories, &f.service_codes];
        lists.iter().any(|l| !l.is_empty())
            || !f.statuses.is_empty()
            || [f.start, f.end, f.updated_after, f.updated_before].iter().any(Option::is_some)
            || self.bbox.is_some()
            || self.radius.is_some()
            || self.polygon.is_some()
    }

    /// The requested and the updated time ranges, in unix seconds, inclusive (an open end is
    /// `i64::MIN` or `i64::MAX`); `None` where neither end is given.
    pub fn time_ranges(&self) -> (Option<TimeRange>, Option<TimeRange>) {
        let f = &self.filter;
        (span(f.start, f.end), span(f.updated_after, f.updated_before))
    }

    /// The order actually used: relevance needs text.
    pub fn effective_sort(&self) -> Sort {
        match (self.sort, &self.text) {
            (Sort::Relevance, None) => Sort::Newest,
            (sort, _) => sort,
        }
    }

    /// Checks what the types cannot: limits, ranges and coordinates.
    pub fn validate(&self) -> Result<(), SearchError> {
        let bad = |parameter: &'static str, detail: String| Err(SearchError::Invalid { parameter, detail });
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return bad("limit", format!("limit must be from 1 to {MAX_LIMIT}"));
        }
        if let Some(text) = &self.text {
            check_text(text).map_err(|e| SearchError::Invalid { parameter: "q", detail: e.to_string() })?;
        }
        self.filter.check_ranges().map_err(|(parameter, detail)| SearchError::Invalid { parameter, detail })?;
        if let Some(b) = &self.bbox {
            b.validate().map_err(|e| SearchError::Invalid { parameter: "bbox", detail: e.to_string() })?;
        }
        if let Some(r) = &self.radius {
            r.validate().map_err(|(parameter, detail)| SearchError::Invalid { parameter, detail })?;
        }
        if let Sort::Distance { lat, long } = self.sort {
            super::area::check_point(lat, long)
                .map_err(|(parameter, detail)| SearchError::Invalid { parameter, detail })?;
        }
        Ok(())
    }
}

/// A time range in unix seconds, both ends included.
pub type TimeRange = (i64, i64);

/// A time range in unix seconds, inclusive; `None` when neither end is given.
fn span(from: Option<jiff::Timestamp>, to: Option<jiff::Timestamp>) -> Option<TimeRange> {
    let second = |t: jiff::Timestamp| t.as_second();
    (from.is_some() || to.is_some()).then(|| (from.map_or(i64::MIN, second), to.map_or(i64::MAX, second)))
}

/// Why a text query costs too much to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum TextError {
    /// Too many characters.
    #[error("q is longer than {MAX_TEXT_CHARS} characters")]
    Long,
    /// Parentheses nested this deep.
    #[error("q nests parentheses {0} deep; at most {MAX_TEXT_DEPTH}")]
    Deep(usize),
    /// This many words and operators.
    #[error("q has {0} words and operators; at most {MAX_TEXT_TERMS}")]
    ManyTerms(usize),
}

/// Bounds what one text query may cost before it reaches the parser: length, number of
/// terms and nesting (a deeply nested query would exhaust the parser's stack). Parentheses
/// count wherever they stand, quoted or not, and every run of letters or digits is a term
/// (`a.b.c` is a phrase of three), as is every `-`, `+` and `!`.
fn check_text(text: &str) -> Result<(), TextError> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(TextError::Long);
    }
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_TEXT_DEPTH {
        return Err(TextError::Deep(deepest));
    }
    let words = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count();
    let operators = text.chars().filter(|c| matches!(c, '-' | '+' | '!')).count();
    if words + operators > MAX_TEXT_TERMS {
        return Err(TextError::ManyTerms(words + operators));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_bounded_in_length_terms_and_depth() {
        assert!(check_text("pothole OR (flooding AND -\"storm drain\")").is_ok());
        assert!(check_text(&"a".repeat(MAX_TEXT_CHARS + 1)).unwrap_err().to_string().contains("longer"));
        assert!(check_text(&format!("{}a", "(".repeat(MAX_TEXT_DEPTH + 1))).unwrap_err().to_string().contains("nests"));
        assert!(check_text(&"(a) ".repeat(20)).is_ok(), "side by side is not nested");
        assert!(check_text(&"NOT ".repeat(40)).unwrap_err().to_string().contains("operators"));
        assert!(check_text(&format!("{}a", "-".repeat(40))).unwrap_err().to_string().contains("operators"));
        assert!(check_text(&"pothole ".repeat(33)).unwrap_err().to_string().contains("words"));
        assert!(check_text(&format!("\"{}\"", "the ".repeat(33))).is_err(), "a phrase counts its words");
        assert!(
            check_text("a\" ((((((((((x").unwrap_err().to_string().contains("nests"),
            "a quote does not hide nesting"
        );
        assert!(check_text(&"a.".repeat(40)).unwrap_err().to_string().contains("words"), "a.b.c is a phrase of three");
    }
}
