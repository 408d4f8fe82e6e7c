//! The shared category taxonomy: one vocabulary of canonical categories across every city, and
//! the auditable crosswalk from each city's services to it. Researchers compare potholes in
//! Chicago, Schlaglöcher in Gießen and λακκούβες in Lamia only if all three land in `pothole`.
//!
//! This module is pure (no I/O, no store, no HTTP): it owns the category list
//! ([`categories`]), the multilingual rule table (`rules`), text normalization ([`normalize`])
//! and the decision for one service ([`classify`], [`classify_service`]). Every [`Decision`]
//! says *how* it was reached (which rule matched which field, a jurisdiction override, or
//! nothing), so the crosswalk can be shown and curated; nothing is forced into a category, and
//! what no rule recognizes stays visibly `unmapped`.
//!
//! Layout: `categories` (the list), `normalize` (text → words), `matcher` (word patterns over
//! normalized text), `rules` (the ordered, data-only table).

mod categories;
mod matcher;
mod rules;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::Service;

pub use crate::domain::text::normalize;
pub use categories::{Category, UNMAPPED, categories, display, is_known, slug_list};

/// Where a service landed, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// A canonical slug, or `unmapped`.
    pub category: &'static str,
    /// How the category was chosen.
    pub how: How,
}

/// How a [`Decision`] was reached, for auditing the crosswalk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum How {
    /// A rule of the table matched.
    Rule {
        /// The matching pattern, as written in the table (e.g. `schlagloch*`).
        pattern: &'static str,
        /// The field it matched: `service_name`, `group`, `keywords` or `description`.
        field: &'static str,
    },
    /// The jurisdiction file maps this service code (`categories = { ... }`).
    Override,
    /// No rule matched any field.
    Unmapped,
}

impl Decision {
    /// Whether no rule or override placed the service.
    pub fn is_unmapped(&self) -> bool {
        self.category == UNMAPPED
    }
}

/// Classifies one service by its texts. The service name is tried first, then the group, the
/// keywords and the description; within a field the first matching rule of the table wins.
pub fn classify(
    service_name: &str,
    description: Option<&str>,
    keywords: Option<&str>,
    group: Option<&str>,
) -> Decision {
    let fields =
        [("service_name", Some(service_name)), ("group", group), ("keywords", keywords), ("description", description)];
    for (field, text) in fields {
        if let Some((category, pattern)) = text.and_then(matcher::first_match) {
            return Decision { category, how: How::Rule { pattern, field } };
        }
    }
    Decision { category: UNMAPPED, how: How::Unmapped }
}

/// Classifies a city's service, applying the jurisdiction's overrides (service code → slug)
/// first. An override naming an unknown slug is ignored here (the registry rejects such files
/// at load time), so the rules still decide.
pub fn classify_service(overrides: Option<&BTreeMap<String, String>>, service: &Service) -> Decision {
    let chosen = overrides.and_then(|map| map.get(&service.service_code)).and_then(|slug| display(slug));
    if let Some(category) = chosen {
        return Decision { category: category.slug, how: How::Override };
    }
    classify(
        &service.service_name,
        service.description.as_deref(),
        service.keywords.as_deref(),
        service.group.as_deref(),
    )
}
