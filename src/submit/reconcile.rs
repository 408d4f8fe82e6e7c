//! Recognizing a submission in a city's own list, after a POST whose fate is unknown (a
//! timeout, a cut connection, a crash while the city was answering). Cities change what
//! they keep: they trim and collapse whitespace, change case, cut long text, and snap points
//! to a grid or an address. So a listed request is the submission when its service matches
//! (the list is asked for by service code), its description is the same once whitespace and
//! case are normalized (or is a cut of it of at least 20 characters), and its point lies
//! within [`NEAR_METRES`]. At least one of the two must be there to compare: a report with
//! neither is never "found" in someone else's request.

use crate::domain::ServiceRequest;

/// How far a city may move a point and it still counts as the same report.
pub const NEAR_METRES: f64 = 30.0;
/// The shortest cut of a description that still identifies it.
const MIN_CUT: usize = 20;

/// What is looked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Sought {
    description: Option<String>,
    point: Option<(f64, f64)>,
}

impl Sought {
    /// What a posted form says of itself.
    pub fn from_form(form: &[(String, String)]) -> Sought {
        let field = |name: &str| form.iter().rev().find(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v);
        let number = |name: &str| field(name).and_then(|v| v.trim().parse::<f64>().ok()).filter(|n| n.is_finite());
        Sought { description: field("description").map(|d| normalize(d)), point: number("lat").zip(number("long")) }
    }

    /// The id of the first listed request that is this submission.
    pub fn find(&self, listed: &[ServiceRequest]) -> Option<String> {
        listed.iter().find(|r| self.is(r)).map(|r| r.service_request_id.clone())
    }

    fn is(&self, listed: &ServiceRequest) -> bool {
        if self.description.is_none() && self.point.is_none() {
            return false;
        }
        let text = match (&self.description, &listed.description) {
            (None, _) => true,
            (Some(ours), Some(theirs)) => same_text(ours, &normalize(theirs)),
            (Some(_), None) => false,
        };
        let place = match (self.point, listed.lat.zip(listed.long)) {
            (None, _) => true,
            (Some(ours), Some(theirs)) => metres_between(ours, theirs) <= NEAR_METRES,
            (Some(_), None) => false,
        };
        text && place
    }
}

/// Whitespace collapsed to single spaces, trimmed, lowercase.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Equal, or `theirs` is a cut of `ours` (an ellipsis the city added dropped).
fn same_text(ours: &str, theirs: &str) -> bool {
    if ours == theirs {
        return true;
    }
    let cut = theirs.trim_end_matches('…').trim_end_matches("...").trim_end();
    cut.chars().count() >= MIN_CUT && ours.starts_with(cut)
}

/// Great-circle distance in metres between two (lat, long) points.
fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let (dla, dlo) = ((b.0 - a.0).to_radians(), (b.1 - a.1).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(description: &str, lat: f64, long: f64) -> ServiceRequest {
        let json = serde_json::json!([{"service_request_id": "C-1", "status": "open", "description": description,
            "lat": lat, "long": long}]);
        let parsed = crate::wire::read::parse_requests(json.to_string().as_bytes(), &jiff::tz::TimeZone::UTC);
        parsed.unwrap().items.remove(0)
    }

    fn form(description: &str, lat: &str, long: &str) -> Vec<(String, String)> {
        [("description", description), ("lat", lat), ("long", long)]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec()
    }

    #[test]
    fn a_trimmed_cut_and_snapped_copy_is_found() {
        let sought =
            Sought::from_form(&form("  Deep pothole\n by the  SCHOOL, near the crossing  ", "43.651234", "-79.381234"));
        let snapped = listed("deep pothole by the school, near…", 43.6512, -79.3812);
        assert_eq!(sought.find(&[snapped]), Some("C-1".into()));
        let elsewhere = listed("Deep pothole by the school, near the crossing", 43.6522, -79.3812);
        assert_eq!(sought.find(&[elsewhere]), None, "110 m away is another report");
        let other = listed("Graffiti on the wall", 43.651234, -79.381234);
        assert_eq!(sought.find(&[other]), None);
        let short_cut = listed("Deep", 43.651234, -79.381234);
        assert_eq!(sought.find(&[short_cut]), None, "too short a cut identifies nothing");
        assert_eq!(Sought::from_form(&[]).find(&[listed("x", 0.0, 0.0)]), None);
    }
}
