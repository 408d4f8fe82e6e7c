//! Talking to cities: everything fed311 knows about calling a city's GeoReport endpoint, in
//! one room, so that harvesting and submitting (and the API's view of a city) share it instead
//! of importing each other.
//!
//! - `client`: the one outbound HTTP client (governor, the pace of each host, retries,
//!   redirects, the time budget of a call), with `host` (per-host politeness), `pace` (what
//!   429s teach) and `outcome` (what a call comes to, counted by outcome).
//! - `profile`: what is learned of an endpoint at run time, kept in the store between passes.

mod client;
mod host;
mod outcome;
mod pace;
mod profile;

pub use client::{Client, ClientSettings, DEFAULT_RATE, MAX_BODY, USER_AGENT, error_chain};
pub use outcome::{Caller, FetchError, Fetched, Outcome, Posted, Tally};
pub use profile::{Order, Profile, SizeParam};
