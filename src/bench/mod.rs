//! `fed311 bench`: measurements anyone can repeat on their own machine, over loopback only.
//!
//! - `ingest` (`ingest.rs`): harvest throughput, calls per record, memory.
//! - `query` (`query.rs`): search, box and list latencies at scale, and mixed load under wrk.

mod ingest;
mod query;

pub use ingest::{IngestArgs, ingest};
pub use query::{QueryArgs, query};
