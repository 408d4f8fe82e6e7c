//! fed311: one Open311 GeoReport v2 API for every city.
//!
//! # Layout
//! The modules follow the data flow, each importing only modules listed before it (the
//! simulated cities, used by tests, the benchmarks and the offline try-out, stand apart):
//! - [`domain`]: the shared types (services, requests, statuses, request filters, lenient time, text folding). No I/O.
//! - [`wire`]: the GeoReport v2 wire format, reading what cities send and writing what we serve.
//! - [`taxonomy`]: the canonical category vocabulary and the multilingual crosswalk from each city's services to it. No I/O.
//! - [`registry`]: jurisdiction files (`jurisdictions/*.toml`) → validated [`registry::Jurisdiction`]s.
//! - [`store`]: the source of truth (requests, services, history, harvest state, outbox, leases) behind one surface, on SQLite or PostgreSQL.
//! - [`upstream`]: talking to cities: the polite HTTP client, each city's endpoint (its URLs, format, refusals) and what is learned of it.
//! - [`harvest`]: windows and paging, from each city into the store.
//! - [`search`]: the tantivy index that follows the store (by `seq`) and finds keys for text, filters and geo.
//! - [`geo`]: every jurisdiction's area (GeoJSON boundary files, or hulls derived from harvested locations) in an R-tree: which cities hold a point.
//! - [`submit`]: submissions: validation, the durable outbox's forwarder to each city.
//! - [`export`]: data out of the store: the one record writer (CSV, NDJSON, GeoJSON; provenance optional) the API uses too, `fed311 export` and the `fed311 categories` crosswalk table.
//! - [`api`]: the axum server, split by dialect: GeoReport v2 under `/open311/v2/` (`api::georeport`), the federation API under `/api/v1/` (`api::federation`), the web page; the layers both share (OpenAPI, parameters, blocking work, caches, errors in the caller's dialect), health and metrics.
//! - [`app`]: the composition root: [`app::App::build`] turns [`app::Settings`] into a running
//!   node (store, index, areas, API state) and [`app::App::run`] serves it on a listener until
//!   shutdown, with the indexer, harvest scheduler and forwarder beside it. `serve`, the tests
//!   and the benches all start fed311 there.
//! - [`cli`]: the `fed311` command line (every setting, with its environment variable); [`bench`]: repeatable measurements over loopback;
//!   [`add_city`]: `fed311 add-city`, a city's file written from a probe of its endpoint.
//! - [`simulate`]: simulated cities (real loopback servers with seeded data and each dialect's quirks) for demos, tests and benchmarks.

/// Parsing, harvesting and serving make many small, short-lived strings; mimalloc serves
/// them faster than the system allocator (see the README's benchmark notes). Set here, in the
/// library, so the binary, the tests and the in-test measurements all run on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod add_city;
pub mod api;
pub mod app;
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
