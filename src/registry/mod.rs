//! The city registry: one TOML file per jurisdiction in `jurisdictions/`, loaded and checked
//! into [`Jurisdiction`]s. Cities are data: everything a city needs is here or learned at run
//! time, never in code.

mod config;
mod load;
pub mod zones;

pub use config::{DateStyle, JurisdictionFile, Paging};
pub use load::{Jurisdiction, RateLimit, Registry, RegistryError, load_file};
