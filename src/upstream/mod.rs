//! Talking to cities: everything fed311 knows about calling a city's GeoReport endpoint, in
//! one room, so that harvesting and submitting (and the API's view of a city) share it instead
//! of importing each other.
//!
//! - `client`: the one outbound HTTP client (governor, the pace of each host, retries,
//!   redirects, the time budget of a call), with `host` (per-host politeness), `pace` (what
//!   429s teach) and `outcome` (what a call comes to, counted by outcome).
//! - `endpoint`: one city's endpoint ([`CityEndpoint`]): every URL of it (with the upstream
//!   `jurisdiction_id`), the format spoken (JSON, or XML where JSON is not served), the city's
//!   refusals in words ([`refusal`]).
//! - `profile`: what is learned of an endpoint at run time, kept in the store between passes.

mod client;
mod endpoint;
mod host;
mod outcome;
mod pace;
mod profile;

pub use client::{Client, ClientSettings, DEFAULT_RATE, MAX_BODY, USER_AGENT, error_chain};
pub use endpoint::{CallError, CityEndpoint, Param, Resource, encode_segment, refusal};
pub use outcome::{Caller, FetchError, Fetched, Outcome, Posted, Tally};
pub use profile::{Order, Profile, SizeParam};
