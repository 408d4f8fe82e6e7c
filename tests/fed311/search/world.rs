//! A world to search: two simulated cities served on 127.0.0.1, harvested into a real SQLite
//! store, indexed into a real tantivy folder and served by fed311; plus the brute-force
//! helpers every answer is checked against (independent of fed311's own code).

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::net::SocketAddr;

use fed311::app::{App, Roles, Settings};
use fed311::search::SearchIndex;
use fed311::store::{Store, StoredRequest};
use serde_json::Value;

use crate::common::world::SimCities;

/// `(jurisdiction_id, service_request_id)`.
pub type Key = (String, String);

/// The cities: id, time zone (which fixes the centre), seed.
pub const CITIES: &[(&str, &str, u64)] = &[("alpha", "America/Toronto", 11), ("beta", "America/New_York", 12)];

/// Two harvested and indexed cities behind a fed311 API.
pub struct World {
    pub api: SocketAddr,
    pub store: Store,
    pub index: SearchIndex,
    pub index_dir: std::path::PathBuf,
    pub cities: SimCities,
}

impl World {
    /// Harvests `records` requests per city, gives them categories, indexes and serves them.
    pub async fn new(records: usize) -> World {
        let cities = SimCities::start(CITIES, records).await;
        cities.harvest().await;
        let store = cities.store.clone();
        for (id, _, _) in CITIES {
            assert_eq!(store.count_requests(id).unwrap() as usize, records, "{id} fully harvested");
        }
        set_categories(&store);
        let index_dir = cities.data.path().join("index");
        let index = SearchIndex::open(&index_dir).unwrap();
        assert_eq!(index.catch_up(&store).unwrap() as usize, records * CITIES.len());
        let settings = Settings {
            roles: Roles::API,
            ..Settings::new(cities.jurisdictions.path(), cities.data.path(), &index_dir)
        };
        let registry = cities.registry.clone();
        let app = App::assemble(settings, registry, store.clone(), Some(index.clone())).await.unwrap();
        let (api, _) = app.spawn().await.unwrap();
        World { api, store, index, index_dir, cities }
    }

    /// Every stored request (the ground truth searches are checked against).
    pub fn rows(&self) -> Vec<StoredRequest> {
        self.store.requests_after_seq(0, usize::MAX >> 1).unwrap()
    }

    /// A URL on the API.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.api)
    }

    /// Every record of a JSON search, following cursors; checks `total` on every page.
    pub async fn all_pages(&self, query: &str) -> Vec<Value> {
        let (mut found, mut cursor, mut total) = (Vec::new(), None::<String>, None);
        loop {
            let after = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
            let (status, page) = json(&self.url(&format!("/api/v1/requests?{query}{after}"))).await;
            assert_eq!(status, 200, "{query}: {page}");
            let this_total = page["total"].as_u64().unwrap();
            assert_eq!(*total.get_or_insert(this_total), this_total, "total is stable across pages");
            found.extend(page["requests"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(found.len() as u64, total.unwrap_or(0), "{query}: paging returns `total` records");
        found
    }
}

/// Canonical categories straight into SQLite (before indexing), until harvests classify.
fn set_categories(store: &Store) {
    let conn = rusqlite::Connection::open(store.path().expect("a SQLite store")).unwrap();
    conn.execute(
        "UPDATE requests SET category = CASE WHEN CAST(service_code AS INTEGER) % 3 = 0 THEN 'pothole' \
         WHEN CAST(service_code AS INTEGER) % 3 = 1 THEN 'graffiti' ELSE NULL END",
        [],
    )
    .unwrap();
}

/// GETs JSON.
pub async fn json(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: invalid JSON ({e}): {body}")))
}

/// GETs text with its content type.
pub async fn text(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, kind, response.text().await.unwrap())
}

/// The key of a record as the API writes it.
pub fn key_of(record: &Value) -> Key {
    let field = |name: &str| record[name].as_str().unwrap_or_else(|| panic!("{name} missing: {record}")).to_string();
    (field("jurisdiction_id"), field("service_request_id"))
}

/// The keys of API records, checking there is no duplicate.
pub fn unique_keys(records: &[Value]) -> BTreeSet<Key> {
    let keys: BTreeSet<Key> = records.iter().map(key_of).collect();
    assert_eq!(keys.len(), records.len(), "a record came twice");
    keys
}

/// The keys of stored rows.
pub fn keys<'a>(rows: impl IntoIterator<Item = &'a StoredRequest>) -> BTreeSet<Key> {
    rows.into_iter().map(|r| (r.jurisdiction_id.clone(), r.request.service_request_id.clone())).collect()
}

/// Words of a text: runs of letters and digits, lowercased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether a row holds `word` in a searched text field.
pub fn has_word(row: &StoredRequest, word: &str) -> bool {
    let r = &row.request;
    [&r.description, &r.service_name, &r.address, &r.status_notes]
        .iter()
        .any(|field| field.as_deref().is_some_and(|t| words(t).iter().any(|w| w == word)))
}

/// Great-circle metres on a sphere of the mean Earth radius.
pub fn metres(lat1: f64, long1: f64, lat2: f64, long2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (long2 - long1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * a.sqrt().asin()
}

/// Ray casting: whether (x, y) is inside the ring (a closed list of [x, y]).
pub fn in_ring(ring: &[[f64; 2]], x: f64, y: f64) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        let ([x1, y1], [x2, y2]) = (pair[0], pair[1]);
        if (y1 > y) != (y2 > y) && x < (x2 - x1) * (y - y1) / (y2 - y1) + x1 {
            inside = !inside;
        }
    }
    inside
}

/// Parses RFC 4180 CSV (quoted cells with doubled quotes and line breaks).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    rows
}
