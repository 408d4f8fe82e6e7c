//! fed311's tests, in one binary (one link instead of two dozen). Every test runs against
//! real parts: fake and simulated cities as axum servers on 127.0.0.1, a real SQLite file, a
//! real tantivy folder, fed311 built by its composition root ([`fed311::app::App`]) or run as
//! the real binary, and, for the web page, a real browser.
//!
//! `common` holds what the modules share; each other module is one area, named after it.
//! `cargo test --test fed311 search::` runs one area.

mod common;

mod add_city;
mod cluster;
mod connections;
mod exactly_once;
mod failures;
mod feeds;
mod first_run;
mod geo;
mod grid;
mod harvest_dialects;
mod harvest_fidelity;
mod http_extras;
mod index_folder;
mod openapi;
mod protection;
mod real_clients;
mod recorded_cities;
mod research;
mod search;
mod search_lists;
mod simulate;
mod store_backends;
mod submissions;
mod taxonomy;
mod web;
mod wire_read;
