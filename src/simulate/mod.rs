//! Simulated cities: real GeoReport v2 servers on 127.0.0.1 that behave like the dialects met
//! in the field (caps, paging styles, capped date windows, ignored filters, 404-when-empty,
//! zoneless dates, 429s, 500s, stalls, cut bodies), with data that follows from a seed.
//!
//! Three users: `fed311 simulate` (try fed311 with no network), the test suite (fake cities
//! with ground truth) and benchmarks (a million records over loopback).
//!
//! - [`SimCity`] holds a city's data (shared and mutable while served); [`SimCity::requests`]
//!   is the ground truth.
//! - [`Behaviour`] says how a server misbehaves; [`Behaviour::dialect`] has the presets.
//! - [`spawn`] serves a city; [`start_simulation`] starts several with jurisdiction files;
//!   [`run_simulate`] is the command.
//!
//! Ground truth and harvested copies differ in `raw` and the `*_text` fields (what was
//! received); compare them through [`comparable`].

mod behaviour;
mod catalog;
mod city;
mod cut;
mod documents;
mod faults;
mod generate;
mod query;
mod record;
mod render;
pub(crate) mod rng;
mod run;
mod select;
mod server;
mod vocab;
mod words;

pub use behaviour::{Behaviour, DIALECTS, SimPaging};
pub use city::SimCity;
pub use run::{DEFAULT_MIX, SimulateArgs, SimulatedCity, Simulation, run_simulate, start_simulation};
pub use server::{SimServer, spawn, spawn_on};

use crate::domain::ServiceRequest;

/// A request with what only says how it was received (`raw`, the `*_text` fields) blanked,
/// so a harvested copy compares equal to the ground truth.
pub fn comparable(request: &ServiceRequest) -> ServiceRequest {
    ServiceRequest {
        raw: "{}".to_string(),
        requested_text: None,
        updated_text: None,
        expected_text: None,
        ..request.clone()
    }
}
