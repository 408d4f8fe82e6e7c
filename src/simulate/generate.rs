//! Fake but plausible requests: spread from 2012 to "now" (denser in recent years), about 70%
//! closed, updated at or after requested, realistic descriptions and addresses, coordinates
//! around the city centre (a few without). Everything follows from the seed.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::Status;

use super::record::Record;
use super::rng::Rng;
use super::vocab::{CENTRES, CLOSING_NOTES, DETAILS, PLACES, SERVICES, STREETS};
use super::words::{Address, Description};

/// 2012-01-01T00:00:00Z: the oldest simulated request.
pub(crate) const FIRST_REQUEST: i64 = 1_325_376_000;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// What every record of one city shares.
pub(crate) struct Context<'a> {
    pub zone: &'a TimeZone,
    pub services: usize,
    pub centre: (f64, f64),
    pub zip_base: u32,
    pub now: Timestamp,
}

/// The centre of the city for a time zone (a seeded spot when the zone is not in the table).
pub(crate) fn centre(timezone: &str, rng: &mut Rng) -> (f64, f64) {
    match CENTRES.iter().find(|(name, _, _)| *name == timezone) {
        Some((_, lat, long)) => (*lat, *long),
        None => (30.0 + rng.unit() * 25.0, -120.0 + rng.unit() * 140.0),
    }
}

/// `records` requests with serials `1..=records`, sorted by requested time.
pub(crate) fn records(rng: &mut Rng, ctx: &Context, records: usize) -> Vec<Record> {
    let now = ctx.now.as_second();
    let span = (now - FIRST_REQUEST).max(DAY) as f64;
    let mut times: Vec<Timestamp> =
        (0..records).map(|_| unambiguous(ts(FIRST_REQUEST + (span * rng.unit().powf(0.7)) as i64), ctx.zone)).collect();
    times.sort_unstable();
    times.into_iter().enumerate().map(|(i, at)| record(rng, ctx, i as u64 + 1, at)).collect()
}

/// One request received at `requested`.
pub(crate) fn record(rng: &mut Rng, ctx: &Context, serial: u64, requested: Timestamp) -> Record {
    let now = ctx.now.as_second().max(requested.as_second());
    let age = now - requested.as_second();
    let closed = rng.chance(if age > 30 * DAY { 0.75 } else { 0.35 });
    let later = if closed {
        rng.between(HOUR, 45 * DAY)
    } else if rng.chance(0.5) {
        0
    } else {
        rng.between(600, 10 * DAY)
    };
    let updated = unambiguous(ts((requested.as_second() + later).min(now)), ctx.zone).max(requested);
    let expected = (!closed && rng.chance(0.3)).then(|| unambiguous(ts(requested.as_second() + 14 * DAY), ctx.zone));
    let service = if rng.chance(0.4) { rng.below(4) } else { rng.below(ctx.services as u64) } as u16;
    Record {
        serial,
        service,
        status: if closed { Status::Closed } else { Status::Open },
        requested,
        updated,
        expected,
        description: description(rng, usize::from(service)),
        status_notes: notes(rng, closed),
        notice: rng.chance(0.1),
        address: rng.chance(0.97).then(|| address(rng)),
        address_id: rng.chance(0.3).then(|| rng.below(1_000_000) as u32),
        zipcode: rng.chance(0.8).then(|| ctx.zip_base + rng.below(60) as u32),
        coords: rng.chance(0.92).then(|| coords(rng, ctx.centre)),
        media: rng.chance(0.15),
    }
}

fn description(rng: &mut Rng, service: usize) -> Description {
    let subjects = SERVICES.get(service).map_or(1, |s| s.subjects.len());
    Description::Words(index(rng, subjects), index(rng, PLACES.len()), index(rng, DETAILS.len()))
}

fn notes(rng: &mut Rng, closed: bool) -> Option<&'static str> {
    if closed {
        rng.chance(0.85).then(|| *rng.pick(CLOSING_NOTES))
    } else {
        rng.chance(0.1).then_some("Assigned to a crew.")
    }
}

fn address(rng: &mut Rng) -> Address {
    let street = index(rng, STREETS.len());
    if rng.chance(0.15) {
        Address::Corner(street, index(rng, STREETS.len()))
    } else {
        Address::Number(1 + rng.below(2500) as u16, street)
    }
}

/// A random index into a vocabulary list (every list is far shorter than 256).
fn index(rng: &mut Rng, len: usize) -> u8 {
    rng.below(len as u64) as u8
}

fn coords(rng: &mut Rng, (lat, long): (f64, f64)) -> (f64, f64) {
    // A sum of uniforms clusters reports near the centre, like a real city.
    let mut offset = || (rng.unit() + rng.unit() + rng.unit() - 1.5) * 0.06;
    let round = |v: f64| (v * 1e6).round() / 1e6;
    (round(lat + offset()), round(long + offset()))
}

/// An instant from whole seconds (the epoch for the impossible out-of-range case).
pub(crate) fn ts(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The same local wall-clock time, resolved as a reader of zoneless text would: in the hour
/// a DST fall-back repeats, the earlier instant. Keeps zoneless answers exact ground truth.
pub(crate) fn unambiguous(at: Timestamp, zone: &TimeZone) -> Timestamp {
    zone.to_timestamp(zone.to_datetime(at)).unwrap_or(at)
}
