//! A research lab: two simulated cities in different time zones served on 127.0.0.1,
//! harvested into a real SQLite store and served (with a real search index) by fed311; plus
//! the ground truth every answer is checked against: each city's own data, categorized the
//! way the taxonomy says, and brute-force statistics written independently of fed311's code.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use fed311::domain::{ServiceRequest, Status};
use fed311::harvest::harvest_city;
use fed311::registry::Registry;
use fed311::simulate::{Behaviour, SimCity, SimServer, spawn};
use fed311::store::Store;
use fed311::upstream::Client;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::common;

/// id, time zone (far apart, so local months differ from UTC ones), seed.
pub const CITIES: &[(&str, &str, u64)] = &[("a", "America/Chicago", 31), ("b", "Europe/Helsinki", 32)];

/// One request of the ground truth.
pub struct Truth {
    pub jurisdiction_id: String,
    pub request: ServiceRequest,
    pub category: &'static str,
    pub zone: TimeZone,
}

/// Harvested cities behind a fed311 API.
pub struct Lab {
    pub api: SocketAddr,
    pub store: Store,
    pub registry: Registry,
    pub servers: Vec<SimServer>,
    pub client: Client,
    pub jurisdictions: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl Lab {
    /// `records` requests per city, harvested once, indexed and served.
    pub async fn new(records: usize) -> Lab {
        let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut servers = Vec::new();
        for (id, zone, seed) in CITIES {
            let server = spawn(SimCity::generate(*seed, records, zone), Behaviour::default()).await.unwrap();
            let file = format!(
                "id = \"{id}\"\nname = \"City {id}\"\nendpoint = \"{}\"\ntimezone = \"{zone}\"\nrate_limit = \"1000/s\"\n",
                server.url()
            );
            std::fs::write(jurisdictions.path().join(format!("{id}.toml")), file).unwrap();
            servers.push(server);
        }
        let registry = Registry::load(jurisdictions.path()).unwrap();
        let store = Store::open(data.path()).unwrap();
        let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(5)).unwrap();
        let api = SocketAddr::from(([127, 0, 0, 1], 0));
        let mut lab = Lab { api, store, registry, servers, client, jurisdictions, data };
        lab.harvest().await;
        lab.api = common::spawn_fed311(lab.jurisdictions.path(), lab.data.path()).await;
        lab
    }

    /// One incremental pass over every city.
    pub async fn harvest(&self) {
        for city in self.registry.iter() {
            let report = harvest_city(&self.client, &self.store, city, false).await;
            assert!(report.succeeded(), "harvest of {} failed: {:?}", city.id, report.failure);
        }
    }

    /// The simulated city behind a jurisdiction.
    pub fn city(&self, id: &str) -> &SimServer {
        let i = CITIES.iter().position(|(city, _, _)| *city == id).unwrap();
        &self.servers[i]
    }

    /// Every request of every city as the city holds it, with the category its service gets.
    pub fn truth(&self) -> Vec<Truth> {
        let mut all = Vec::new();
        for ((id, zone, _), server) in CITIES.iter().zip(&self.servers) {
            let by_code: HashMap<String, &'static str> = server
                .city
                .services()
                .iter()
                .map(|s| (s.service_code.clone(), fed311::taxonomy::classify_service(None, s).category))
                .collect();
            for request in server.city.requests() {
                let code = request.service_code.clone().expect("simulated requests have codes");
                let category = by_code[&code];
                all.push(Truth {
                    jurisdiction_id: id.to_string(),
                    request,
                    category,
                    zone: TimeZone::get(zone).unwrap(),
                });
            }
        }
        all
    }

    /// A URL on the API.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.api)
    }

    /// GETs JSON from the API.
    pub async fn json(&self, path_and_query: &str) -> (u16, Value) {
        common::get_json(&self.url(path_and_query)).await
    }
}

impl Truth {
    pub fn closed(&self) -> bool {
        self.request.status == Status::Closed
    }

    /// Seconds from request to close: the store's close time is the updated time the city
    /// gave when it closed the request.
    pub fn close_seconds(&self) -> Option<i64> {
        let r = &self.request;
        let (requested, closed) = (r.requested_datetime?, r.updated_datetime?);
        self.closed().then(|| closed.as_second() - requested.as_second())
    }

    /// `YYYY-MM` of the requested time on the city's own calendar.
    pub fn month(&self) -> String {
        let local = self.zone.to_datetime(self.request.requested_datetime.expect("requested"));
        format!("{:04}-{:02}", local.year(), local.month())
    }
}

/// Expected statistics of one group.
#[derive(Debug, Default)]
pub struct Expected {
    pub count: u64,
    pub closed: u64,
    pub seconds: Vec<i64>,
}

/// Brute force: every group of `rows` under `key`.
pub fn expected<'a>(
    rows: impl IntoIterator<Item = &'a Truth>,
    key: impl Fn(&Truth) -> Vec<String>,
) -> BTreeMap<Vec<String>, Expected> {
    let mut groups: BTreeMap<Vec<String>, Expected> = BTreeMap::new();
    for row in rows {
        let group = groups.entry(key(row)).or_default();
        group.count += 1;
        group.closed += u64::from(row.closed());
        group.seconds.extend(row.close_seconds());
    }
    groups
}

/// The `p` quantile in days, interpolating linearly between the two nearest ranks.
pub fn quantile_days(values: &[i64], p: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let position = p * (n - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(n - 1);
    let fraction = position - below as f64;
    let seconds = sorted[below] as f64 * (1.0 - fraction) + sorted[above] as f64 * fraction;
    Some(seconds / 86_400.0)
}

/// Asserts `/api/v1/stats?{query}` equals the brute-force groups, keyed by `fields`, in
/// key order.
pub async fn assert_stats(lab: &Lab, query: &str, fields: &[&str], want: &BTreeMap<Vec<String>, Expected>) {
    let (status, body) = lab.json(&format!("/api/v1/stats?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    let groups = body["groups"].as_array().unwrap_or_else(|| panic!("{query}: {body}"));
    let keys: Vec<Vec<String>> = groups
        .iter()
        .map(|g| fields.iter().map(|f| g[*f].as_str().unwrap_or_else(|| panic!("{f} in {g}")).to_string()).collect())
        .collect();
    assert_eq!(keys, want.keys().cloned().collect::<Vec<_>>(), "{query}: the groups, in key order");
    for (group, (key, expected)) in groups.iter().zip(want) {
        assert_eq!(group["count"].as_u64(), Some(expected.count), "{query} {key:?} count");
        assert_eq!(group["closed"].as_u64(), Some(expected.closed), "{query} {key:?} closed");
        for (field, p) in [("median_days_to_close", 0.5), ("p90_days_to_close", 0.9)] {
            assert_close(&group[field], quantile_days(&expected.seconds, p), &format!("{query} {key:?} {field}"));
        }
    }
}

/// A JSON number (or null) against an expected value, to a relative 1e-9.
pub fn assert_close(got: &Value, want: Option<f64>, what: &str) {
    match (got.as_f64(), want) {
        (None, None) if got.is_null() => {}
        (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{what}: {a} != {b}"),
        _ => panic!("{what}: got {got}, want {want:?}"),
    }
}

/// Whether the lab's timestamp `t` lies in `[start, end]`.
pub fn within(t: Option<Timestamp>, start: Timestamp, end: Timestamp) -> bool {
    t.is_some_and(|t| t >= start && t <= end)
}
