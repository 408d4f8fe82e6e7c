//! Compact texts: generated descriptions and addresses are kept as indices
//! into `vocab` (a few bytes instead of a heap string each, which halves a million-record
//! city) and spelled out only when served. Descriptions edited by a test keep their text.

use super::vocab::{DETAILS, PLACES, SERVICES, STREETS};

/// A description: generated words, or text set by [`super::SimCity::edit_description`].
#[derive(Debug, Clone)]
pub(crate) enum Description {
    /// Indices of the service's subject, the place and the detail.
    Words(u8, u8, u8),
    Text(Box<str>),
}

impl Description {
    /// The text, for a request of the catalog service at `service`.
    pub(crate) fn text(&self, service: usize) -> String {
        match self {
            Description::Text(text) => text.to_string(),
            Description::Words(s, p, d) => {
                let subjects = SERVICES.get(service).map_or(&["Problem"][..], |s| s.subjects);
                let subject = subjects.get(usize::from(*s)).copied().unwrap_or("Problem");
                let text = format!("{subject} {}. {}", at(PLACES, *p), at(DETAILS, *d));
                text.trim_end().to_string()
            }
        }
    }
}

/// A street address.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Address {
    /// House number and street.
    Number(u16, u8),
    /// An intersection of two streets.
    Corner(u8, u8),
}

impl Address {
    /// The address as written on a request.
    pub(crate) fn text(self) -> String {
        match self {
            Address::Number(number, street) => format!("{number} {}", at(STREETS, street)),
            Address::Corner(a, b) => format!("{} and {}", at(STREETS, a), at(STREETS, b)),
        }
    }
}

fn at(words: &'static [&'static str], index: u8) -> &'static str {
    words.get(usize::from(index)).copied().unwrap_or("")
}
