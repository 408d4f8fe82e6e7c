//! Lenient reading of the datetimes cities send, and the one form fed311 writes.
//!
//! Cities send W3C datetimes with or without a zone, with or without fractions, with a space
//! instead of `T`, zones like `-05`, bare dates, Unix time in seconds or milliseconds, the
//! style of Twitter's API and Ruby's `Time#to_s` (`Wed Feb 01 16:48:16 +0000 2012`, seen from a
//! real GeoReport server), and epoch zero for "blank". A value without a zone is read in the city's time zone; epoch zero
//! and anything before 1971 mean "absent".

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// Instants at or before this (1971-01-01) are placeholders for "blank", not real times.
const EARLIEST_REAL: i64 = 31_536_000;

/// Reads a city's datetime text. `zone` is the city's time zone, used when the text has none.
/// Returns `None` for empty text, placeholders and text that is not a date at all.
pub fn parse_lenient(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    parse_any(text, zone).or_else(|| parse_epoch(text)).filter(|instant| instant.as_second() > EARLIEST_REAL)
}

/// Unix time, as some back ends write it (fms-endpoint's blank dates were epoch values, field
/// guide §4.1): 9–10 digits are seconds (1973–2286), 12–13 digits milliseconds (the same
/// span). Other all-digit text is not read as an epoch: 8 digits are a basic-format date
/// (`20261120`), which jiff reads, and 11 or 14 digits are nothing we can be sure of.
fn parse_epoch(text: &str) -> Option<Timestamp> {
    let digits = text.trim();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    match digits.len() {
        9 | 10 => Timestamp::from_second(value).ok(),
        12 | 13 => Timestamp::from_millisecond(value).ok(),
        _ => None,
    }
}

/// Reads a datetime a client sent (a query bound such as `start_date`, a submission's
/// datetime answer): the written forms [`parse_lenient`] takes, not bare epoch numbers, and
/// every instant is real (1970 is a date, not a blank), and
/// a date past the representable range (`9999-12-31`, a common "no end") is the range's end.
pub fn parse_bound(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    parse_any(text, zone).or_else(|| {
        // Past the range jiff represents: only the last year's dates, as a date or a datetime.
        let text = text.trim();
        let (date, rest) = (text.get(..10)?, text.get(10..)?);
        let last_year = date.parse::<Date>().ok()?.year() == 9999;
        (last_year && (rest.is_empty() || rest.starts_with(['T', 't', ' ']))).then_some(Timestamp::MAX)
    })
}

/// Any datetime form cities send, read in `zone` when it has no zone of its own.
fn parse_any(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    parse_with_offset(text).or_else(|| parse_civil(text, zone)).or_else(|| parse_twitter_style(text))
}

/// `Wed Feb 01 16:48:16 +0000 2012`: weekday, month, day, time, offset, year.
fn parse_twitter_style(text: &str) -> Option<Timestamp> {
    // Only text that starts with a weekday's name is worth the slower strptime.
    if !text.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    jiff::fmt::strtime::parse("%a %b %d %H:%M:%S %z %Y", text).ok()?.to_timestamp().ok()
}

/// The instant and the numeric UTC offset a datetime text was written with (`-05:00`, not
/// `Z`): what tells a city's time zone. `None` without one.
pub fn written_offset(text: &str) -> Option<(Timestamp, jiff::tz::Offset)> {
    use jiff::fmt::temporal::{Pieces, PiecesOffset};
    let text = text.trim().replacen(' ', "T", 1);
    let pieces = Pieces::parse(text.as_str()).ok()?;
    let PiecesOffset::Numeric(numeric) = pieces.offset()? else { return None };
    let instant = text.parse::<Timestamp>().ok()?;
    Some((instant, numeric.offset()))
}

/// The form fed311 writes and sends upstream: UTC, whole seconds, `Z`.
pub fn format_utc(instant: Timestamp) -> String {
    let whole = instant.subsec_nanosecond() == 0;
    // Display writes RFC 3339 in UTC with `Z`, and no fraction for whole seconds (fast path).
    if whole { instant.to_string() } else { instant.strftime("%Y-%m-%dT%H:%M:%SZ").to_string() }
}

fn parse_with_offset(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| text.replacen(' ', "T", 1).parse::<Timestamp>().ok())
}

fn parse_civil(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let civil = text
        .parse::<DateTime>()
        .ok()
        .or_else(|| text.replacen(' ', "T", 1).parse::<DateTime>().ok())
        .or_else(|| text.parse::<Date>().ok().map(|d| d.to_datetime(jiff::civil::Time::midnight())))?;
    zone.to_timestamp(civil).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_bounds_take_every_real_date() {
        let bound = |text: &str| parse_bound(text, &TimeZone::UTC);
        assert_eq!(bound("1970-01-01T00:00:00Z"), Some(Timestamp::UNIX_EPOCH));
        assert_eq!(bound("9999-12-31T23:59:59Z"), Some(Timestamp::MAX));
        assert_eq!(bound("9999-12-31"), Some(Timestamp::MAX));
        assert_eq!(bound("2024-02-30"), None);
        assert_eq!(bound("9999-12-31garbage"), None);
        assert_eq!(bound("yesterday"), None);
        assert_eq!(parse_lenient("1970-01-01T00:00:00Z", &TimeZone::UTC), None, "a city's epoch zero is a blank");
    }

    fn toronto() -> TimeZone {
        TimeZone::get("America/Toronto").unwrap()
    }

    fn utc(text: &str) -> Option<String> {
        parse_lenient(text, &toronto()).map(format_utc)
    }

    #[test]
    fn reads_offsets_and_z() {
        assert_eq!(utc("2018-07-30T00:01:00-04:00").as_deref(), Some("2018-07-30T04:01:00Z"));
        assert_eq!(utc("2018-07-30T04:01:00Z").as_deref(), Some("2018-07-30T04:01:00Z"));
        assert_eq!(utc("2012-09-18T15:37-05").as_deref(), Some("2012-09-18T20:37:00Z"));
    }

    #[test]
    fn reads_fractional_seconds() {
        assert_eq!(utc("2014-07-12T10:58:43.123-05:00").as_deref(), Some("2014-07-12T15:58:43Z"));
        assert_eq!(utc("2014-07-12T10:58:43.123456789Z").as_deref(), Some("2014-07-12T10:58:43Z"));
    }

    #[test]
    fn reads_zoneless_in_city_time() {
        // July in Toronto is UTC-4 (daylight time); January is UTC-5.
        assert_eq!(utc("2018-07-30T00:01:00").as_deref(), Some("2018-07-30T04:01:00Z"));
        assert_eq!(utc("2011-02-03 14:18").as_deref(), Some("2011-02-03T19:18:00Z"));
    }

    #[test]
    fn reads_date_only_as_local_midnight() {
        assert_eq!(utc("2016-01-12").as_deref(), Some("2016-01-12T05:00:00Z"));
    }

    #[test]
    fn reads_epoch_seconds_and_milliseconds_as_utc() {
        assert_eq!(utc("1763632800").as_deref(), Some("2025-11-20T10:00:00Z"));
        assert_eq!(utc(" 1763632800 ").as_deref(), Some("2025-11-20T10:00:00Z"));
        assert_eq!(utc("1763632800123").as_deref(), Some("2025-11-20T10:00:00Z"), "milliseconds");
        assert_eq!(utc("176363280012").as_deref(), Some("1975-08-04T05:48:00Z"), "12-digit milliseconds");
        assert_eq!(utc("123456789").as_deref(), Some("1973-11-29T21:33:09Z"), "9-digit seconds");
        // Epoch zero and times before 1971 are blanks, in any unit.
        assert_eq!(utc("0"), None);
        assert_eq!(utc("0000000000"), None);
        assert_eq!(utc("0000000000000"), None);
        assert_eq!(utc("000031536000"), None, "12 digits of milliseconds: 1970");
        // Other all-digit text is not an epoch.
        for text in ["17636328", "17636328001", "17636328001234", "176363280012345", "-1763632800", "+1763632800"] {
            assert_eq!(utc(text), None, "{text}");
        }
    }

    #[test]
    fn tells_the_offset_a_text_was_written_with() {
        let (at, offset) = written_offset("2018-07-30T00:01:00-04:00").unwrap();
        assert_eq!((at.to_string(), offset.seconds()), ("2018-07-30T04:01:00Z".to_string(), -4 * 3600));
        assert!(written_offset("2018-07-30 00:01:00+02:00").is_some());
        assert_eq!(written_offset("2018-07-30T04:01:00Z"), None, "Z tells no zone");
        assert_eq!(written_offset("2018-07-30T04:01:00"), None);
    }

    #[test]
    fn reads_twitter_style() {
        assert_eq!(utc("Wed Feb 01 16:48:16 +0000 2012").as_deref(), Some("2012-02-01T16:48:16Z"));
        assert_eq!(utc("Thu Mar 14 09:05:00 -0500 2019").as_deref(), Some("2019-03-14T14:05:00Z"));
        assert_eq!(utc("Wed Feb 01 16:48:16 2012"), None, "no offset: not this style");
    }

    #[test]
    fn reads_basic_format_dates() {
        assert_eq!(utc("20261120").as_deref(), Some("2026-11-20T05:00:00Z"));
    }

    #[test]
    fn blank_placeholders_and_garbage_are_absent() {
        assert_eq!(utc(""), None);
        assert_eq!(utc("   "), None);
        assert_eq!(utc("1970-01-01T00:00:00Z"), None);
        assert_eq!(utc("not a date"), None);
    }
}
