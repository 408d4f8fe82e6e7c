//! The one status vocabulary: GeoReport's `open`/`closed`, derived from whatever a city says.

use serde::{Deserialize, Serialize};

/// Normalized request status, as the GeoReport v2 spec defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Still being worked on (or not yet looked at).
    Open,
    /// Finished, whatever the outcome.
    Closed,
}

/// Raw status words (lowercased) that mean the request is finished. Cities use the spec's
/// `closed`, FixMyStreet's extended set, 6Aika's `done`, Accela-style words and the like.
const CLOSED_WORDS: &[&str] = &[
    "closed",
    "fixed",
    "done",
    "resolved",
    "completed",
    "complete",
    "duplicate",
    "cancelled",
    "canceled",
    "rejected",
    "not_councils_responsibility",
    "no_further_action",
    "internal_referral",
    "archived",
    "erledigt",
    "abgeschlossen",
];

impl Status {
    /// Normalizes a city's raw status. Unknown words count as open: a request is only
    /// closed when the city says so in a word we recognise.
    pub fn from_raw(raw: &str) -> Status {
        let word = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let closed = CLOSED_WORDS.iter().any(|w| word == *w) || word.starts_with("closed") || word.starts_with("fixed");
        if closed { Status::Closed } else { Status::Open }
    }

    /// The spec's spelling: `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// Parses the spec's spelling only (for client filters).
    pub fn parse_spec(word: &str) -> Option<Status> {
        match word.trim().to_ascii_lowercase().as_str() {
            "open" => Some(Status::Open),
            "closed" => Some(Status::Closed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_spec_and_extended_words() {
        assert_eq!(Status::from_raw("open"), Status::Open);
        assert_eq!(Status::from_raw("Open"), Status::Open);
        assert_eq!(Status::from_raw("CLOSED"), Status::Closed);
        assert_eq!(Status::from_raw("fixed - council"), Status::Closed);
        assert_eq!(Status::from_raw("in_progress"), Status::Open);
        assert_eq!(Status::from_raw("Received"), Status::Open);
        assert_eq!(Status::from_raw("done"), Status::Closed);
        assert_eq!(Status::from_raw("not councils responsibility"), Status::Closed);
    }
}
