//! Telling a city's time zone from what its endpoint sends: the UTC offsets its datetimes carry
//! (at their instants, so summer and winter both count) and where its requests are. Zones are
//! tried from a table of IANA zones with a reference point each (the city the zone is named
//! for, or the largest in it); the nearest zone whose offsets match every observation wins.

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// IANA zones where Open311 cities are, or may be, with a reference point (latitude,
/// longitude): the zone's namesake city.
pub const REFERENCE: &[(&str, f64, f64)] = &[
    ("America/New_York", 40.7128, -74.0060),
    ("America/Detroit", 42.3314, -83.0458),
    ("America/Indiana/Indianapolis", 39.7684, -86.1581),
    ("America/Kentucky/Louisville", 38.2527, -85.7585),
    ("America/Chicago", 41.8781, -87.6298),
    ("America/Denver", 39.7392, -104.9903),
    ("America/Phoenix", 33.4484, -112.0740),
    ("America/Boise", 43.6150, -116.2023),
    ("America/Los_Angeles", 34.0522, -118.2437),
    ("America/Anchorage", 61.2181, -149.9003),
    ("Pacific/Honolulu", 21.3069, -157.8583),
    ("America/Puerto_Rico", 18.4655, -66.1057),
    ("America/Toronto", 43.6532, -79.3832),
    ("America/Halifax", 44.6488, -63.5752),
    ("America/St_Johns", 47.5615, -52.7126),
    ("America/Winnipeg", 49.8951, -97.1384),
    ("America/Regina", 50.4452, -104.6189),
    ("America/Edmonton", 53.5461, -113.4938),
    ("America/Vancouver", 49.2827, -123.1207),
    ("America/Mexico_City", 19.4326, -99.1332),
    ("America/Bogota", 4.7110, -74.0721),
    ("America/Lima", -12.0464, -77.0428),
    ("America/Santiago", -33.4489, -70.6693),
    ("America/Argentina/Buenos_Aires", -34.6037, -58.3816),
    ("America/Sao_Paulo", -23.5505, -46.6333),
    ("Europe/London", 51.5074, -0.1278),
    ("Europe/Dublin", 53.3498, -6.2603),
    ("Europe/Lisbon", 38.7223, -9.1393),
    ("Europe/Madrid", 40.4168, -3.7038),
    ("Europe/Paris", 48.8566, 2.3522),
    ("Europe/Brussels", 50.8503, 4.3517),
    ("Europe/Amsterdam", 52.3676, 4.9041),
    ("Europe/Luxembourg", 49.6116, 6.1319),
    ("Europe/Berlin", 52.5200, 13.4050),
    ("Europe/Zurich", 47.3769, 8.5417),
    ("Europe/Vienna", 48.2082, 16.3738),
    ("Europe/Rome", 41.9028, 12.4964),
    ("Europe/Copenhagen", 55.6761, 12.5683),
    ("Europe/Oslo", 59.9139, 10.7522),
    ("Europe/Stockholm", 59.3293, 18.0686),
    ("Europe/Prague", 50.0755, 14.4378),
    ("Europe/Warsaw", 52.2297, 21.0122),
    ("Europe/Budapest", 47.4979, 19.0402),
    ("Europe/Zagreb", 45.8150, 15.9819),
    ("Europe/Helsinki", 60.1699, 24.9384),
    ("Europe/Tallinn", 59.4370, 24.7536),
    ("Europe/Riga", 56.9496, 24.1052),
    ("Europe/Vilnius", 54.6872, 25.2797),
    ("Europe/Athens", 37.9838, 23.7275),
    ("Europe/Sofia", 42.6977, 23.3219),
    ("Europe/Bucharest", 44.4268, 26.1025),
    ("Europe/Kyiv", 50.4501, 30.5234),
    ("Europe/Istanbul", 41.0082, 28.9784),
    ("Atlantic/Reykjavik", 64.1466, -21.9426),
    ("Africa/Johannesburg", -26.2041, 28.0473),
    ("Africa/Nairobi", -1.2921, 36.8219),
    ("Africa/Lagos", 6.5244, 3.3792),
    ("Asia/Dubai", 25.2048, 55.2708),
    ("Asia/Kolkata", 22.5726, 88.3639),
    ("Asia/Bangkok", 13.7563, 100.5018),
    ("Asia/Kuala_Lumpur", 3.1390, 101.6869),
    ("Asia/Singapore", 1.3521, 103.8198),
    ("Asia/Jakarta", -6.2088, 106.8456),
    ("Asia/Manila", 14.5995, 120.9842),
    ("Asia/Hong_Kong", 22.3193, 114.1694),
    ("Asia/Taipei", 25.0330, 121.5654),
    ("Asia/Seoul", 37.5665, 126.9780),
    ("Asia/Tokyo", 35.6762, 139.6503),
    ("Australia/Perth", -31.9505, 115.8605),
    ("Australia/Adelaide", -34.9285, 138.6007),
    ("Australia/Brisbane", -27.4698, 153.0251),
    ("Australia/Sydney", -33.8688, 151.2093),
    ("Australia/Melbourne", -37.8136, 144.9631),
    ("Pacific/Auckland", -36.8485, 174.7633),
    ("UTC", 51.4779, -0.0015),
];

/// The zone of countries that keep one, by their internet country code: a city's domain
/// settles what a border region's nearest reference point would not (Köln is nearer
/// Luxembourg than Berlin).
const COUNTRY_ZONES: &[(&str, &str)] = &[
    ("de", "Europe/Berlin"),
    ("ch", "Europe/Zurich"),
    ("at", "Europe/Vienna"),
    ("fr", "Europe/Paris"),
    ("be", "Europe/Brussels"),
    ("nl", "Europe/Amsterdam"),
    ("lu", "Europe/Luxembourg"),
    ("it", "Europe/Rome"),
    ("dk", "Europe/Copenhagen"),
    ("no", "Europe/Oslo"),
    ("se", "Europe/Stockholm"),
    ("fi", "Europe/Helsinki"),
    ("ee", "Europe/Tallinn"),
    ("lv", "Europe/Riga"),
    ("lt", "Europe/Vilnius"),
    ("pl", "Europe/Warsaw"),
    ("cz", "Europe/Prague"),
    ("hu", "Europe/Budapest"),
    ("hr", "Europe/Zagreb"),
    ("gr", "Europe/Athens"),
    ("bg", "Europe/Sofia"),
    ("ro", "Europe/Bucharest"),
    ("ua", "Europe/Kyiv"),
    ("tr", "Europe/Istanbul"),
    ("uk", "Europe/London"),
    ("ie", "Europe/Dublin"),
    ("is", "Atlantic/Reykjavik"),
    ("my", "Asia/Kuala_Lumpur"),
    ("sg", "Asia/Singapore"),
    ("jp", "Asia/Tokyo"),
    ("kr", "Asia/Seoul"),
    ("nz", "Pacific/Auckland"),
    ("za", "Africa/Johannesburg"),
    ("ke", "Africa/Nairobi"),
    ("co", "America/Bogota"),
    ("pe", "America/Lima"),
];

/// A zone guessed, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneGuess {
    /// The IANA name.
    pub zone: &'static str,
    /// How it was told, for the file's comment.
    pub why: String,
}

/// Guesses a zone from `(instant, offset)` observations, a point where requests are, and
/// the host's name (its country code, for countries of one zone). `None` when nothing says.
pub fn guess(observations: &[(Timestamp, Offset)], point: Option<(f64, f64)>, host: &str) -> Option<ZoneGuess> {
    let fits = |name: &str| {
        TimeZone::get(name).is_ok_and(|zone| observations.iter().all(|(at, offset)| zone.to_offset(*at) == *offset))
    };
    let country = host.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    if let Some((_, zone)) = COUNTRY_ZONES.iter().find(|(code, _)| *code == country).filter(|(_, zone)| fits(zone)) {
        let why = format!("its domain's country (.{country}), which keeps one zone");
        return Some(ZoneGuess { zone, why });
    }
    let matching: Vec<&(&str, f64, f64)> = REFERENCE
        .iter()
        .filter(|(name, _, _)| *name != "UTC" || observations.is_empty())
        .filter(|(name, _, _)| fits(name))
        .collect();
    let offsets = describe_offsets(observations);
    match (point, observations.is_empty()) {
        (None, true) => None,
        (Some((lat, long)), _) => {
            let nearest = matching.iter().min_by(|a, b| distance(a, lat, long).total_cmp(&distance(b, lat, long)))?;
            let why = if observations.is_empty() {
                format!("the zone nearest its requests (around {lat:.2}, {long:.2}); its datetimes carry no offset")
            } else {
                format!("its datetimes' offsets ({offsets}) and its requests around {lat:.2}, {long:.2}")
            };
            Some(ZoneGuess { zone: nearest.0, why })
        }
        (None, false) => {
            let first = matching.first()?;
            Some(ZoneGuess {
                zone: first.0,
                why: format!("its datetimes' offsets ({offsets}); no locations to choose by"),
            })
        }
    }
}

/// The distinct offsets observed, as `+01:00 and +02:00`.
fn describe_offsets(observations: &[(Timestamp, Offset)]) -> String {
    let mut offsets: Vec<i32> = observations.iter().map(|(_, o)| o.seconds()).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let text: Vec<String> =
        offsets.iter().map(|s| Offset::from_seconds(*s).map(|o| o.to_string()).unwrap_or_default()).collect();
    text.join(" and ")
}

/// Great-circle distance in kilometres from a reference point.
fn distance(reference: &(&str, f64, f64), lat: f64, long: f64) -> f64 {
    let (la1, lo1, la2, lo2) =
        (reference.1.to_radians(), reference.2.to_radians(), lat.to_radians(), long.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371.0 * h.sqrt().asin()
}

/// The reference point of a zone, when the table has it.
pub fn reference_point(zone: &str) -> Option<(f64, f64)> {
    REFERENCE.iter().find(|(name, _, _)| *name == zone).map(|(_, lat, long)| (*lat, *long))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn offset(hours: i8) -> Offset {
        Offset::constant(hours)
    }

    #[test]
    fn summer_and_winter_offsets_and_a_place_tell_the_zone() {
        let seen = [(at("2024-01-15T12:00:00Z"), offset(-6)), (at("2024-07-15T12:00:00Z"), offset(-5))];
        let chicago = guess(&seen, Some((41.9, -87.7)), "311.cityofchicago.org").unwrap();
        assert_eq!(chicago.zone, "America/Chicago");
        assert!(chicago.why.contains("-06") && chicago.why.contains("-05"), "{}", chicago.why);
        // The same offsets near Winnipeg: the nearest zone that keeps them.
        assert_eq!(guess(&seen, Some((49.9, -97.1)), "winnipeg.ca").unwrap().zone, "America/Winnipeg");
        // Phoenix keeps -07:00 all year: a summer -05:00 rules it out even nearby.
        assert_ne!(guess(&seen, Some((33.4, -112.0)), "127.0.0.1").unwrap().zone, "America/Phoenix");
    }

    #[test]
    fn a_place_alone_or_offsets_alone_still_guess() {
        assert_eq!(guess(&[], Some((50.94, 6.96)), "sags-uns.stadt-koeln.de").unwrap().zone, "Europe/Berlin");
        assert_eq!(guess(&[], Some((52.5, 13.4)), "127.0.0.1").unwrap().zone, "Europe/Berlin");
        let helsinki = [(at("2024-01-15T12:00:00Z"), offset(2)), (at("2024-07-15T12:00:00Z"), offset(3))];
        assert!(guess(&helsinki, None, "localhost").unwrap().zone.starts_with("Europe/"));
        assert_eq!(guess(&helsinki, None, "asiointi.hel.fi").unwrap().zone, "Europe/Helsinki");
        assert_eq!(guess(&[], None, "localhost"), None);
    }
}
