//! fed311: one Open311 GeoReport v2 API for every city.
//!
//! # Layout
//! The modules follow the data flow, and lower layers never import higher ones:
//! - [`registry`]: jurisdiction files (`jurisdictions/*.toml`) → validated [`registry::Jurisdiction`]s.
//! - [`domain`]: the shared types (services, requests, statuses, request filters, lenient time, text folding). No I/O.
//! - [`taxonomy`]: the canonical category vocabulary and the multilingual crosswalk from each city's services to it. No I/O.
//! - [`wire`]: the GeoReport v2 wire format, reading what cities send and writing what we serve.
//! - [`store`]: SQLite, the source of truth (requests, services, history, harvest state).
//! - [`upstream`]: talking to cities: the polite HTTP client, each city's endpoint (its URLs, format, refusals) and what is learned of it.
//! - [`harvest`]: windows and paging, from each city into the store.
//! - [`search`]: the tantivy index that follows the store (by `seq`) and finds keys for text, filters and geo.
//! - [`geo`]: every jurisdiction's area (GeoJSON boundary files, or hulls derived from harvested locations) in an R-tree: which cities hold a point.
//! - [`submit`]: submissions: validation, the durable outbox's forwarder to each city.
//! - [`api`]: the axum server: GeoReport v2 under `/open311/v2/`, the federation API under `/api/v1/`, health and metrics.
//! - [`export`]: data out of the store for people: `fed311 export` (CSV, NDJSON, GeoJSON with provenance) and the `fed311 categories` crosswalk table.
//! - [`cli`]: the `fed311` command line; [`bench`]: repeatable measurements over loopback;
//!   [`add_city`]: `fed311 add-city`, a city's file written from a probe of its endpoint.
//! - [`simulate`]: simulated cities (real loopback servers with seeded data and each dialect's quirks) for demos, tests and benchmarks.

/// Parsing, harvesting and serving make many small, short-lived strings; mimalloc serves
/// them faster than the system allocator (see the README's benchmark notes). Set here, in the
/// library, so the binary, the tests and the in-test measurements all run on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod add_city;
pub mod api;
pub mod bench;
pub mod cli;
pub mod domain;
pub mod export;
pub mod geo;
pub mod harvest;
pub mod registry;
pub mod search;
pub mod simulate;
pub mod store;
pub mod submit;
pub mod taxonomy;
pub mod upstream;
pub mod wire;
