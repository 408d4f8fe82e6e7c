//! Feeds of a search, read back with real parsers: two simulated cities harvested into a real
//! store and index behind a real fed311 API (the search tests' world). An Atom feed must parse
//! with `atom_syndication`, an RSS feed must parse and validate with `rss`, each must hold
//! exactly the records of the same search on `/api/v1/requests` sorted by updated time, and
//! the newest updates of the brute-force matches; a radius feed only what lies within it.

use crate::search::world;

use std::collections::BTreeSet;

use atom_syndication::Feed;
use fed311::store::StoredRequest;
use rss::validation::Validate;
use serde_json::Value;
use world::*;

/// The record URL a feed must link to, written independently of fed311.
fn record_url(world: &World, jid: &str, id: &str) -> String {
    format!("http://{}/api/v1/requests/{jid}/{id}", world.api)
}

/// The first page of the same search as JSON, most recently updated first.
async fn json_search(world: &World, query: &str, limit: usize) -> Vec<Value> {
    let (status, page) = json(&world.url(&format!("/api/v1/requests?{query}&sort=updated&limit={limit}"))).await;
    assert_eq!(status, 200, "{page}");
    page["requests"].as_array().unwrap().clone()
}

/// The record's updated time as the feed must give it (seconds).
fn updated(record: &Value) -> i64 {
    let text =
        ["updated_datetime", "requested_datetime", "last_seen"].iter().find_map(|f| record[*f].as_str()).unwrap();
    text.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// The row's updated time as the feed orders by it (`None` sorts last).
fn row_updated(row: &StoredRequest) -> Option<i64> {
    row.request.updated_datetime.map(|t| t.as_second())
}

/// The record's own updated time, as the search orders by it.
fn record_updated(record: &Value) -> Option<i64> {
    record["updated_datetime"].as_str().map(|t| t.parse::<jiff::Timestamp>().unwrap().as_second())
}

async fn atom(world: &World, query: &str) -> Feed {
    let (status, kind, body) = text(&world.url(&format!("/api/v1/feeds/requests.atom?{query}"))).await;
    assert_eq!(status, 200, "{query}: {body}");
    assert_eq!(kind, "application/atom+xml; charset=utf-8");
    body.parse::<Feed>().unwrap_or_else(|e| panic!("{query}: not Atom ({e}): {body}"))
}

async fn rss(world: &World, query: &str) -> rss::Channel {
    let (status, kind, body) = text(&world.url(&format!("/api/v1/feeds/requests.rss?{query}"))).await;
    assert_eq!(status, 200, "{query}: {body}");
    assert_eq!(kind, "application/rss+xml; charset=utf-8");
    let channel = rss::Channel::read_from(body.as_bytes()).unwrap_or_else(|e| panic!("{query}: not RSS ({e}): {body}"));
    channel.validate().unwrap_or_else(|e| panic!("{query}: invalid RSS ({e}): {body}"));
    channel
}

/// The `georss:point` of an Atom entry, as (lat, long).
fn point(extensions: &atom_syndication::extension::ExtensionMap) -> Option<(f64, f64)> {
    lat_long(extensions.get("georss")?.get("point")?.first()?.value()?)
}

/// The `georss:point` of an RSS item, as (lat, long).
fn rss_point(extensions: &rss::extension::ExtensionMap) -> Option<(f64, f64)> {
    lat_long(extensions.get("georss")?.get("point")?.first()?.value()?)
}

fn lat_long(value: &str) -> Option<(f64, f64)> {
    let (lat, long) = value.split_once(' ')?;
    Some((lat.parse().unwrap(), long.parse().unwrap()))
}

/// The entries are the newest updates among the matches: none left out was updated later.
fn newest_of(matches: &[StoredRequest], shown: &[(Key, Option<i64>)]) {
    let keys: BTreeSet<&Key> = shown.iter().map(|(k, _)| k).collect();
    let oldest_shown = shown.iter().map(|(_, t)| *t).min().unwrap();
    let left_out =
        matches.iter().filter(|r| !keys.contains(&(r.jurisdiction_id.clone(), r.request.service_request_id.clone())));
    let newest_left = left_out.map(row_updated).max().flatten();
    assert!(
        newest_left <= oldest_shown,
        "a record updated at {newest_left:?} is missing; the feed goes to {oldest_shown:?}"
    );
    assert!(shown.windows(2).all(|w| w[0].1 >= w[1].1), "newest updates first");
}

#[tokio::test]
async fn atom_feed_holds_the_newest_updates_of_the_search() {
    let world = World::new(300).await;
    let query = "category=pothole&jurisdiction_id=alpha,beta&limit=40";
    let feed = atom(&world, query).await;
    assert!(feed.id().contains("/api/v1/feeds/requests.atom?") && !feed.title().value.is_empty());
    assert!(feed.links().iter().any(|l| l.rel() == "self" && l.href() == feed.id()));
    assert!(!feed.authors().is_empty(), "a feed author, since entries have none");
    let records = json_search(&world, "category=pothole&jurisdiction_id=alpha,beta", 40).await;
    assert_eq!(feed.entries().len(), 40);
    let mut shown = Vec::new();
    for (entry, record) in feed.entries().iter().zip(&records) {
        let (jid, id) = key_of(record);
        assert_eq!(entry.id(), record_url(&world, &jid, &id), "same records in the same order");
        let link = entry.links().iter().find(|l| l.rel() == "alternate").expect("an alternate link");
        assert_eq!(link.href(), entry.id());
        assert_eq!(entry.updated().timestamp(), updated(record));
        let published =
            record["requested_datetime"].as_str().map(|t| t.parse::<jiff::Timestamp>().unwrap().as_second());
        assert_eq!(entry.published().map(|p| p.timestamp()), published);
        let title = &entry.title().value;
        for part in ["service_name", "address"].iter().filter_map(|f| record[*f].as_str()) {
            assert!(title.contains(part.trim()), "{title} names {part}");
        }
        let summary = &entry.summary().expect("a summary").value;
        assert!(summary.contains(&format!("Status: {}", record["status"].as_str().unwrap())), "{summary}");
        if let Some(description) = record["description"].as_str() {
            assert!(summary.contains(description.trim()), "{summary}");
        }
        assert_eq!(entry.categories().iter().map(|c| c.term()).collect::<Vec<_>>(), vec!["pothole"]);
        assert_eq!(point(entry.extensions()), record["lat"].as_f64().zip(record["long"].as_f64()));
        shown.push(((jid, id), record_updated(record)));
    }
    let newest = feed.entries().iter().map(|e| e.updated().timestamp()).max();
    assert_eq!(Some(feed.updated().timestamp()), newest, "the feed is as fresh as its newest entry");
    let matches: Vec<StoredRequest> =
        world.rows().into_iter().filter(|r| r.category.as_deref() == Some("pothole")).collect();
    newest_of(&matches, &shown);
    assert_eq!(atom(&world, "").await.entries().len(), 50, "50 entries by default");
    assert_eq!(atom(&world, "limit=200").await.entries().len(), 200);
    let empty = atom(&world, "q=xyzzyplugh").await;
    assert!(empty.entries().is_empty() && !empty.updated().to_rfc3339().is_empty(), "an empty feed is still a feed");
}

#[tokio::test]
async fn rss_feed_holds_the_same_records_and_validates() {
    let world = World::new(300).await;
    let query = "jurisdiction_id=beta&status=open";
    let channel = rss(&world, &format!("{query}&limit=25")).await;
    assert!(!channel.title().is_empty() && !channel.description().is_empty() && channel.link().starts_with("http://"));
    let records = json_search(&world, query, 25).await;
    assert_eq!(channel.items().len(), records.len());
    let mut shown = Vec::new();
    for (item, record) in channel.items().iter().zip(&records) {
        let (jid, id) = key_of(record);
        let guid = item.guid().expect("a guid");
        assert!(guid.is_permalink());
        assert_eq!(guid.value(), record_url(&world, &jid, &id), "same records in the same order");
        assert_eq!(item.link(), Some(guid.value()));
        let date = jiff::fmt::rfc2822::parse(item.pub_date().expect("a pubDate")).unwrap().timestamp().as_second();
        assert_eq!(date, updated(record));
        assert!(item.title().is_some_and(|t| !t.is_empty()) && item.description().is_some());
        let georss = rss_point(item.extensions());
        assert_eq!(georss, record["lat"].as_f64().zip(record["long"].as_f64()));
        shown.push(((jid, id), record_updated(record)));
    }
    let matches: Vec<StoredRequest> = world
        .rows()
        .into_iter()
        .filter(|r| r.jurisdiction_id == "beta" && r.request.status.as_str() == "open")
        .collect();
    newest_of(&matches, &shown);
}

#[tokio::test]
async fn radius_feed_holds_only_what_lies_within() {
    let world = World::new(400).await;
    let rows = world.rows();
    let (lat, long) =
        rows.iter().filter(|r| r.jurisdiction_id == "alpha").find_map(|r| r.request.lat.zip(r.request.long)).unwrap();
    let radius = 1500.0;
    let within: Vec<StoredRequest> = rows
        .into_iter()
        .filter(|r| r.request.lat.zip(r.request.long).is_some_and(|(y, x)| metres(lat, long, y, x) <= radius))
        .collect();
    assert!(within.len() > 3 && within.len() < 200, "a telling circle: {}", within.len());
    let query = format!("lat={lat}&long={long}&radius={radius}&limit=200");
    let feed = atom(&world, &query).await;
    let got: BTreeSet<String> = feed.entries().iter().map(|e| e.id().to_string()).collect();
    let want: BTreeSet<String> =
        within.iter().map(|r| record_url(&world, &r.jurisdiction_id, &r.request.service_request_id)).collect();
    assert_eq!(got, want, "exactly the records within {radius} m");
    for entry in feed.entries() {
        let (y, x) = point(entry.extensions()).expect("a point");
        assert!(metres(lat, long, y, x) <= radius + 0.01, "{} lies within", entry.id());
    }
    let channel = rss(&world, &query).await;
    let items: BTreeSet<String> =
        channel.items().iter().filter_map(|i| i.guid().map(|g| g.value().to_string())).collect();
    assert_eq!(items, want);
}

#[tokio::test]
async fn bad_parameters_are_problems_naming_them() {
    let world = World::new(20).await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("sort=newest", "sort"),
        ("cursor=abc", "cursor"),
        ("format=csv", "format"),
        ("bbox=1,2,3", "bbox"),
        ("lat=95&long=0&radius=10", "lat"),
        ("lat=45&long=0", "radius"),
        ("updated_after=soon", "updated_after"),
        ("jurisdiction_id=atlantis", "jurisdiction_id"),
        ("colour=red", "colour"),
    ];
    for dialect in ["atom", "rss"] {
        for (query, parameter) in cases {
            let (status, kind, body) = text(&world.url(&format!("/api/v1/feeds/requests.{dialect}?{query}"))).await;
            assert_eq!((status, kind.as_str()), (400, "application/problem+json"), "{dialect} {query}: {body}");
            let problem: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(problem["parameter"], parameter, "{dialect} {query}: {body}");
        }
    }
    let response = reqwest::Client::new()
        .get(world.url("/api/v1/feeds/requests.atom"))
        .header("host", "evil\"><x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400, "a Host that is no host name");
    assert_eq!(response.json::<Value>().await.unwrap()["parameter"], "Host");
}

#[tokio::test]
async fn markup_and_control_characters_from_a_city_stay_well_formed() {
    let world = World::new(20).await;
    let mut edited = world.rows().into_iter().find(|r| r.jurisdiction_id == "alpha").unwrap().request;
    edited.description = Some("Pipes & <drains> \"]]> overflow\u{1}\u{b} here".into());
    edited.address = Some("1 <Main> & 'Side'".into());
    edited.updated_datetime = Some(jiff::Timestamp::now());
    world.store.upsert_requests("alpha", &[edited.clone()]).unwrap();
    let (index, store) = (world.index.clone(), world.store.clone());
    tokio::task::spawn_blocking(move || index.catch_up(&store)).await.unwrap().unwrap();
    let url = record_url(&world, "alpha", &edited.service_request_id);
    let feed = atom(&world, "jurisdiction_id=alpha&limit=3").await;
    let entry = &feed.entries()[0];
    assert_eq!(entry.id(), url, "the freshest update comes first");
    assert!(entry.title().value.ends_with("at 1 <Main> & 'Side'"), "{}", entry.title().value);
    assert!(entry.summary().unwrap().value.contains("Pipes & <drains> \"]]> overflow here"));
    let channel = rss(&world, "jurisdiction_id=alpha&limit=3").await;
    assert!(channel.items()[0].description().unwrap().contains("Pipes & <drains>"));
}
