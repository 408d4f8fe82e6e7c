//! A simulated city's data: services, definitions and requests behind one `RwLock`, shared by
//! every clone (the server serves it while a test mutates it), plus the count of calls served.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::{Service, ServiceDefinition, ServiceRequest, Status};

use super::catalog;
use super::generate::{self, Context, ts, unambiguous};
use super::record::{Record, id_of, serial_of};
use super::rng::{Rng, mix};
use super::words::Description;

/// One simulated city: its data, shared and mutable. Clones share everything.
#[derive(Clone)]
pub struct SimCity {
    inner: Arc<Inner>,
}

struct Inner {
    seed: u64,
    timezone: String,
    zone: TimeZone,
    data: RwLock<CityData>,
    calls: AtomicU64,
}

/// Everything a city holds; `records` sorted by `(requested, serial)`.
pub(crate) struct CityData {
    pub records: Vec<Record>,
    pub services: Vec<Service>,
    pub definitions: Vec<ServiceDefinition>,
    centre: (f64, f64),
    zip_base: u32,
    rng: Rng,
}

impl SimCity {
    /// A city of `records` requests spread from 2012 to now, fixed by `seed` (apart from where
    /// "now" falls: use [`SimCity::generate_at`] for data identical across runs). `timezone` is
    /// an IANA name, used for zoneless dates; an unknown name falls back to UTC.
    pub fn generate(seed: u64, records: usize, timezone: &str) -> SimCity {
        SimCity::generate_at(seed, records, timezone, whole_seconds(Timestamp::now()))
    }

    /// Like [`SimCity::generate`], with "now" given: the same arguments give the same city.
    pub fn generate_at(seed: u64, records: usize, timezone: &str, now: Timestamp) -> SimCity {
        let zone = TimeZone::get(timezone).unwrap_or_else(|_| {
            tracing::warn!(timezone, "unknown time zone, simulating UTC");
            TimeZone::UTC
        });
        let mut rng = Rng::new(mix(seed));
        let services = catalog::services(&mut rng);
        let centre = generate::centre(timezone, &mut rng);
        let zip_base = 10_000 + rng.below(80_000) as u32;
        let ctx = Context { zone: &zone, services: services.len(), centre, zip_base, now: whole_seconds(now) };
        let records = generate::records(&mut rng, &ctx, records);
        let definitions = catalog::definitions(&services);
        let data = CityData { records, services, definitions, centre, zip_base, rng };
        let inner =
            Inner { seed, timezone: timezone.to_string(), zone, data: RwLock::new(data), calls: AtomicU64::new(0) };
        SimCity { inner: Arc::new(inner) }
    }

    /// Every request, newest first, exactly as a spec server serves them (ids included).
    /// Ground truth for tests: compare normalized fields; `raw` is `"{}"` and the `*_text`
    /// fields are `None` here, while a harvester keeps what it received (see
    /// [`comparable`](super::comparable)).
    pub fn requests(&self) -> Vec<ServiceRequest> {
        let data = self.read();
        data.records.iter().rev().map(|r| r.to_request(&data.services, false)).collect()
    }

    /// The service list.
    pub fn services(&self) -> Vec<Service> {
        self.read().services.clone()
    }

    /// The service definitions (one per service with `metadata = true`).
    pub fn definitions(&self) -> Vec<ServiceDefinition> {
        self.read().definitions.clone()
    }

    /// The city's IANA time zone name, as given.
    pub fn timezone(&self) -> &str {
        &self.inner.timezone
    }

    /// The seed the city was generated from.
    pub fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// Closes a request at `at` (whole seconds) with a status note. False if the id is unknown.
    pub fn close(&self, id: &str, at: Timestamp) -> bool {
        let at = self.settle(at);
        self.edit(id, |r| {
            r.status = Status::Closed;
            r.updated = at;
            r.status_notes = Some("Closed by the simulation.");
        })
    }

    /// Replaces a request's description, updated at `at` (whole seconds). False if unknown.
    pub fn edit_description(&self, id: &str, text: &str, at: Timestamp) -> bool {
        let at = self.settle(at);
        self.edit(id, |r| {
            r.description = Description::Text(text.into());
            r.updated = at;
        })
    }

    /// Receives `n` new requests, made in the last few minutes; returns their ids.
    pub fn add(&self, n: usize) -> Vec<String> {
        self.add_at(n, Timestamp::now())
    }

    /// Receives `n` new requests now, requested in the few minutes before `at`: the city's
    /// clock (ahead of ours or behind), or a time long past for requests entered late. They
    /// get the next ids; returns them.
    pub fn add_at(&self, n: usize, at: Timestamp) -> Vec<String> {
        let now = whole_seconds(at);
        let mut data = self.write();
        let next = data.records.iter().map(|r| r.serial).max().map_or(1, |s| s + 1);
        let ctx = Context {
            zone: &self.inner.zone,
            services: data.services.len(),
            centre: data.centre,
            zip_base: data.zip_base,
            now,
        };
        let mut times: Vec<Timestamp> =
            (0..n).map(|_| unambiguous(ts(now.as_second() - data.rng.between(0, 300)), &self.inner.zone)).collect();
        times.sort_unstable();
        let fresh: Vec<Record> = times
            .into_iter()
            .zip(next..)
            .map(|(at, serial)| generate::record(&mut data.rng, &ctx, serial, at))
            .collect();
        let ids = fresh.iter().map(|r| id_of(r.serial)).collect();
        for record in fresh {
            let at = data.records.partition_point(|r| (r.requested, r.serial) <= (record.requested, record.serial));
            data.records.insert(at, record);
        }
        ids
    }

    /// Calls served so far (every HTTP request counts, whatever it was answered).
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Counts one call and returns its number (the first call is 1).
    pub(crate) fn count_call(&self) -> u64 {
        self.inner.calls.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn zone(&self) -> &TimeZone {
        &self.inner.zone
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, CityData> {
        self.inner.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, CityData> {
        self.inner.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn settle(&self, at: Timestamp) -> Timestamp {
        unambiguous(whole_seconds(at), &self.inner.zone)
    }

    fn edit(&self, id: &str, change: impl FnOnce(&mut Record)) -> bool {
        let mut data = self.write();
        let found = serial_of(id).and_then(|serial| position(&data.records, serial));
        found.map(|i| change(&mut data.records[i])).is_some()
    }
}

impl CityData {
    /// The record with this id, if any.
    pub(crate) fn find(&self, id: &str) -> Option<&Record> {
        serial_of(id).and_then(|s| position(&self.records, s)).map(|i| &self.records[i])
    }
}

/// Serials grow with position until requests are entered late (`add_at` in the past): then
/// a linear search finds what the binary one cannot.
fn position(records: &[Record], serial: u64) -> Option<usize> {
    records
        .binary_search_by_key(&serial, |r| r.serial)
        .ok()
        .filter(|i| records[*i].serial == serial)
        .or_else(|| records.iter().position(|r| r.serial == serial))
}

fn whole_seconds(at: Timestamp) -> Timestamp {
    ts(at.as_second())
}
