//! `fed311 bench`: measurements anyone can repeat on their own machine, over loopback only.
//!
//! - `ingest` (`ingest.rs`): harvest throughput, calls per record, memory.
//! - `query` (`query.rs`): search, box and list latencies at scale, and mixed load under wrk.
//! - `search` (`search.rs`): issue 12's query kinds (text + city, a 1 km² box, time-sorted
//!   lists), each timed from one client and under wrk.
//! - `web` (`web.rs`): the web page's weight and the map grid's latency.
//!
//! `setup.rs` holds what the search benchmarks share: the store, the server, the timing.

mod ingest;
mod query;
mod search;
mod setup;
mod web;

pub use ingest::{IngestArgs, ingest};
pub use query::{QueryArgs, query};
pub use search::{SearchArgs, search};
pub use web::{WebBenchArgs, web};
