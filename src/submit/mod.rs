//! Submissions: new reports posted to fed311 are checked against the city's service
//! definition, written to the durable outbox, and forwarded to the city's own Open311
//! endpoint by one forwarder that retries across restarts and never sends twice.

mod forward;
mod reconcile;
mod secrets;
mod validate;

pub use forward::{Forwarder, refusal_blames_the_client, run_forwarder};
pub use secrets::{ApiKeys, Secrets};
pub use validate::{Invalid, Questions, validate_against};

/// A new opaque token for a submission: 128 bits from the process's random hasher seed,
/// the clock and a counter.
pub fn new_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut halves = [0u64; 2];
    for (i, half) in halves.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u64(n);
        h.write_usize(i);
        *half = h.finish();
    }
    format!("f311-{:016x}{:016x}", halves[0], halves[1])
}
