//! Search across cities, checked against brute force: two simulated cities are harvested into
//! a real store and indexed into a real tantivy folder, and every answer of the federation
//! search (and the GeoReport extensions) must equal a scan of the stored records.

mod more;
pub mod world;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use world::*;

/// Words of every frequency: the commonest, a middling one, the rarest, and one per field kind.
fn sample_words(world: &World) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for row in world.rows() {
        let r = &row.request;
        let text =
            [&r.description, &r.service_name, &r.address, &r.status_notes].map(|t| t.clone().unwrap_or_default());
        let distinct: BTreeSet<String> = words(&text.join(" ")).into_iter().filter(|w| w.is_ascii()).collect();
        distinct.into_iter().for_each(|w| *counts.entry(w).or_default() += 1);
    }
    let mut by_count: Vec<(usize, String)> = counts.into_iter().map(|(w, n)| (n, w)).collect();
    by_count.sort();
    let pick = |i: usize| by_count[i.min(by_count.len() - 1)].1.clone();
    vec![pick(by_count.len() - 1), pick(by_count.len() / 2), pick(0), pick(by_count.len() * 3 / 4)]
}

#[tokio::test]
async fn text_search_finds_every_record_containing_the_word() {
    let world = World::new(500).await;
    let rows = world.rows();
    for word in sample_words(&world) {
        let want = keys(rows.iter().filter(|r| has_word(r, &word)));
        assert!(!want.is_empty(), "{word} occurs");
        let got = unique_keys(&world.all_pages(&format!("q={word}&limit=1000")).await);
        assert_eq!(got, want, "q={word}");
        let shouted = unique_keys(&world.all_pages(&format!("q={}&limit=1000", word.to_uppercase())).await);
        assert_eq!(shouted, want, "q={} (case folded)", word.to_uppercase());
    }
    let [a, b] = ["pothole", "main"];
    let want = keys(rows.iter().filter(|r| has_word(r, a) && has_word(r, b)));
    assert_eq!(unique_keys(&world.all_pages(&format!("q={a}+{b}&limit=1000")).await), want, "every word must appear");
}

#[tokio::test]
async fn bbox_and_radius_sets_are_exact() {
    let world = World::new(600).await;
    let rows = world.rows();
    let points: Vec<(f64, f64)> = rows.iter().filter_map(|r| r.request.lat.zip(r.request.long)).collect();
    assert!(points.len() < rows.len(), "some records have no coordinates");
    let (lat, long) = points[points.len() / 2];
    let (west, south, east, north) = (long - 0.03, lat - 0.02, long + 0.01, lat + 0.03);
    let in_box = |r: &&fed311::store::StoredRequest| {
        r.request
            .lat
            .zip(r.request.long)
            .is_some_and(|(y, x)| (south..=north).contains(&y) && (west..=east).contains(&x))
    };
    let want = keys(rows.iter().filter(in_box));
    assert!(want.len() > 5 && want.len() < rows.len() / 2, "a telling box: {}", want.len());
    let got = world.all_pages(&format!("bbox={west},{south},{east},{north}&limit=1000")).await;
    assert_eq!(unique_keys(&got), want);

    for radius in [250.0, 2_000.0, 900_000.0] {
        let near = |r: &&fed311::store::StoredRequest| {
            r.request.lat.zip(r.request.long).is_some_and(|(y, x)| metres(lat, long, y, x) <= radius)
        };
        let want = keys(rows.iter().filter(near));
        let query = format!("lat={lat}&long={long}&radius={radius}&sort=distance&limit=1000");
        let got = world.all_pages(&query).await;
        assert_eq!(unique_keys(&got), want, "radius {radius}");
        let distances: Vec<f64> =
            got.iter().map(|r| metres(lat, long, r["lat"].as_f64().unwrap(), r["long"].as_f64().unwrap())).collect();
        assert!(distances.windows(2).all(|w| w[0] <= w[1] + 1e-6), "nearest first");
    }
}

/// Which stored rows a query should find.
type Keep<'a> = Box<dyn Fn(&fed311::store::StoredRequest) -> bool + 'a>;

#[tokio::test]
async fn filters_combine() {
    let world = World::new(600).await;
    let rows = world.rows();
    let word = &sample_words(&world)[0];
    let codes: BTreeSet<String> = rows.iter().filter_map(|r| r.request.service_code.clone()).collect();
    let code = codes.iter().next().unwrap();
    let two: Vec<&String> = codes.iter().skip(1).take(2).collect();
    let (lat, long) = rows.iter().find_map(|r| r.request.lat.zip(r.request.long)).unwrap();
    let in_box = move |r: &fed311::store::StoredRequest| {
        r.request
            .lat
            .zip(r.request.long)
            .is_some_and(|(y, x)| (lat - 0.05..=lat).contains(&y) && (long..=long + 0.05).contains(&x))
    };
    let (start, end) = (jiff::Timestamp::from_second(1_500_000_000).unwrap(), jiff::Timestamp::now());
    let updated = jiff::Timestamp::from_second(1_600_000_000).unwrap();
    let cases: Vec<(String, Keep)> = vec![
        (
            "jurisdiction_id=alpha&status=closed".into(),
            Box::new(|r| r.jurisdiction_id == "alpha" && r.request.status.as_str() == "closed"),
        ),
        (
            format!("service_code={code}&q={word}"),
            Box::new(|r| r.request.service_code.as_ref() == Some(code) && has_word(r, word)),
        ),
        (
            format!("service_code={},{}&status=open,closed", two[0], two[1]),
            Box::new(|r| r.request.service_code.as_ref().is_some_and(|c| two.contains(&c))),
        ),
        (
            format!("q={word}&bbox={},{},{},{}&jurisdiction_id=alpha,beta", long, lat - 0.05, long + 0.05, lat),
            Box::new(move |r| has_word(r, word) && in_box(r)),
        ),
        (
            "category=pothole,graffiti&jurisdiction_id=beta".into(),
            Box::new(|r| r.jurisdiction_id == "beta" && r.category.is_some()),
        ),
        (
            format!("start_date={start}&end_date={end}&updated_after={updated}&status=open"),
            Box::new(move |r| {
                let q = &r.request;
                q.requested_datetime.is_some_and(|t| t >= start && t <= end)
                    && q.updated_datetime.is_some_and(|t| t >= updated)
                    && q.status.as_str() == "open"
            }),
        ),
    ];
    for (query, keep) in cases {
        let want = keys(rows.iter().filter(|r| keep(r)));
        assert!(!want.is_empty() && want.len() < rows.len(), "{query} is telling: {}", want.len());
        for sort in ["newest", "updated", "relevance"] {
            let got = world.all_pages(&format!("{query}&sort={sort}&limit=1000")).await;
            assert_eq!(unique_keys(&got), want, "{query}&sort={sort}");
        }
    }
}

#[tokio::test]
async fn cursor_paging_returns_each_record_once_while_data_changes() {
    let world = World::new(400).await;
    let before = keys(&world.rows());
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let after = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let (status, page) = json(&world.url(&format!("/api/v1/requests?sort=newest&limit=37{after}"))).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(page["requests"].as_array().unwrap().iter().cloned());
        pages += 1;
        if pages == 3 {
            change_the_store(&world).await;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let got = unique_keys(&seen);
    assert!(before.is_subset(&got), "every record present from the start came exactly once");
    let times: Vec<&str> = seen.iter().map(|r| r["requested_datetime"].as_str().unwrap_or("")).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1] || w[1].is_empty()), "newest first");
}

/// New requests and an edited one (its requested time unchanged), indexed mid-paging.
async fn change_the_store(world: &World) {
    let mut edited = world.rows().into_iter().find(|r| r.jurisdiction_id == "alpha").unwrap().request;
    edited.description = Some("Edited while a client pages".into());
    edited.raw = r#"{"edited":true}"#.into();
    let mut fresh = edited.clone();
    fresh.service_request_id = "NEW-1".into();
    fresh.requested_datetime = Some(jiff::Timestamp::now());
    world.store.upsert_requests("alpha", &[edited, fresh]).unwrap();
    let (index, store) = (world.index.clone(), world.store.clone());
    let n = tokio::task::spawn_blocking(move || index.catch_up(&store)).await.unwrap().unwrap();
    assert_eq!(n, 2, "only what changed is reindexed");
}

#[tokio::test]
async fn exports_hold_the_same_records_as_json() {
    let world = World::new(700).await;
    let query = "jurisdiction_id=alpha,beta&status=closed";
    let json_records = world.all_pages(&format!("{query}&limit=1000")).await;
    assert!(json_records.len() > 1000, "more than one batch: {}", json_records.len());
    let by_key: BTreeMap<Key, &Value> = json_records.iter().map(|r| (key_of(r), r)).collect();

    let (status, kind, body) = text(&world.url(&format!("/api/v1/requests?{query}&format=geojson"))).await;
    assert_eq!((status, kind.as_str()), (200, "application/geo+json"));
    let collection: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    let properties: Vec<Value> = features.iter().map(|f| f["properties"].clone()).collect();
    assert_eq!(unique_keys(&properties), by_key.keys().cloned().collect());
    for f in features {
        let record = by_key[&key_of(&f["properties"])];
        assert_eq!(&f["properties"], record);
        match record["lat"].as_f64() {
            Some(lat) => assert_eq!(f["geometry"]["coordinates"], serde_json::json!([record["long"], lat])),
            None => assert!(f["geometry"].is_null()),
        }
    }

    let (_, _, ndjson) = text(&world.url(&format!("/api/v1/requests?{query}&format=ndjson"))).await;
    let lines: Vec<Value> = ndjson.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        lines.iter().map(|r| (key_of(r), r.clone())).collect::<BTreeMap<_, _>>(),
        by_key.iter().map(|(k, v)| (k.clone(), (*v).clone())).collect()
    );

    let (_, kind, csv) = text(&world.url(&format!("/api/v1/requests?{query}&format=csv"))).await;
    assert!(kind.starts_with("text/csv"), "{kind}");
    let table = parse_csv(&csv);
    let header = &table[0];
    let record_fields: BTreeSet<&String> = json_records[0].as_object().unwrap().keys().collect();
    assert_eq!(header.iter().collect::<BTreeSet<_>>(), record_fields, "CSV columns are the record fields");
    assert_eq!(table.len() - 1, by_key.len());
    for row in &table[1..] {
        let cells: BTreeMap<&String, &String> = header.iter().zip(row).collect();
        let record =
            by_key[&(cells[&"jurisdiction_id".to_string()].clone(), cells[&"service_request_id".to_string()].clone())];
        for (column, cell) in cells {
            let want = match &record[column.as_str()] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(cell, &want, "{column}");
        }
    }
    let (_, _, few) = text(&world.url(&format!("/api/v1/requests?{query}&format=ndjson&limit=7"))).await;
    assert_eq!(few.lines().count(), 7, "limit caps a stream");
}
