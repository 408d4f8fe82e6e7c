//! The shape of one jurisdiction file, `jurisdictions/<id>.toml`. Only `id`, `name`,
//! `endpoint` and `timezone` are required; every other key overrides something fed311 would
//! otherwise learn or default. Unknown keys are an error, so a typo never passes silently.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::wire::WireFormat;

/// One city's entry, exactly as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionFile {
    /// Our `jurisdiction_id`: a lowercase slug (`a-z`, `0-9`, `-`, `_`).
    pub id: String,
    /// Display name, e.g. "Toronto, ON".
    pub name: String,
    /// GeoReport v2 base URL, ending in `/`.
    pub endpoint: String,
    /// IANA time zone of the city, used for datetimes sent without a zone.
    pub timezone: String,
    /// `json` or `xml`; learned at run time when absent.
    pub format: Option<WireFormat>,
    /// The `jurisdiction_id` the upstream server expects, if any.
    pub upstream_jurisdiction_id: Option<String>,
    /// Records per call: the page size to ask for, and the cap the server applies.
    pub page_size: Option<u32>,
    /// How the server pages; learned at run time when absent.
    pub paging: Option<Paging>,
    /// First page number for `page`-style paging (0 or 1; default 1).
    pub first_page: Option<u32>,
    /// Whether the server honours `updated_after`/`updated_before`.
    pub updated_after: Option<bool>,
    /// How to write datetimes in queries.
    pub date_style: Option<DateStyle>,
    /// Most days one request window may span (default: learned; the spec's 90 until the
    /// server is seen to answer wider ranges whole).
    pub window_days: Option<u32>,
    /// Days between rescans of everything, which catch requests that appear late with old
    /// dates (default 7; 0 never rescans everything: the last 90 days are still rescanned daily).
    pub full_rescan_days: Option<u32>,
    /// Politeness limit, e.g. `"20/min"`, `"2/s"`, `"500/hour"`.
    pub rate_limit: Option<String>,
    /// Extra HTTP headers sent to this city (e.g. `Accept-Encoding`).
    pub headers: Option<BTreeMap<String, String>>,
    /// Earliest requested date to harvest (default 2010-01-01), as `YYYY-MM-DD`.
    pub backfill_from: Option<toml::value::Datetime>,
    /// Name of the environment variable holding the city's API key (for submissions).
    pub api_key_env: Option<String>,
    /// GeoJSON boundary file, relative to the jurisdiction file.
    pub boundary: Option<PathBuf>,
    /// False keeps the city in the registry without harvesting it.
    pub enabled: Option<bool>,
    /// Why the city is configured as it is (required when disabled, by convention).
    pub note: Option<String>,
    /// Server software family, informational (e.g. "Mark-a-Spot").
    pub dialect: Option<String>,
    /// Country code (ISO 3166-1 alpha-2), informational.
    pub country: Option<String>,
    /// Minutes between harvest passes in `serve` (default 10).
    pub interval_minutes: Option<u32>,
    /// Category crosswalk overrides, service code → canonical slug (see
    /// [`crate::taxonomy::categories`]), e.g. `categories = { "017" = "illegal_dumping" }`.
    /// They win over the multilingual rules for the services they name.
    pub categories: Option<BTreeMap<String, String>>,
}

/// Paging styles seen in the wild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Paging {
    /// No paging: narrow the date window instead.
    None,
    /// `page` and `page_size` (Connected Bits, uReport).
    PageSize,
    /// `page` and `limit` (Mark-a-Spot).
    Limit,
    /// `offset` and `limit` (Accela adapters).
    Offset,
}

/// How datetimes are written in queries to a city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateStyle {
    /// `2024-01-31T12:00:00Z` (default).
    Utc,
    /// `2024-01-31T07:00:00` in the city's time zone, no zone (Chicago).
    LocalNoZone,
}
