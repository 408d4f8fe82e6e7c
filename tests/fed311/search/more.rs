//! The rest of the search checks: polygons, the GeoReport extensions, bad parameters, an index
//! folder deleted or corrupted, and the indexer following the store while serving.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fed311::search::{SearchIndex, SearchQuery, Sort};
use serde_json::{Value, json};

use super::world::*;

#[tokio::test]
async fn polygon_search_is_exact() {
    let world = World::new(500).await;
    let rows = world.rows();
    let points: Vec<(f64, f64)> = rows.iter().filter_map(|r| r.request.lat.zip(r.request.long)).collect();
    let (lat, long) = points[0];
    let ring = [[long - 0.03, lat - 0.02], [long + 0.03, lat - 0.025], [long, lat + 0.03], [long - 0.03, lat - 0.02]];
    let want =
        keys(rows.iter().filter(|r| r.request.lat.zip(r.request.long).is_some_and(|(y, x)| in_ring(&ring, x, y))));
    assert!(want.len() > 3 && want.len() < rows.len() / 2, "a telling polygon: {}", want.len());
    let body =
        json!({"polygon": {"type": "Polygon", "coordinates": [ring]}, "limit": 1000, "status": ["open", "closed"]});
    let response = reqwest::Client::new().post(world.url("/api/v1/requests/search")).json(&body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page: Value = response.json().await.unwrap();
    assert_eq!(unique_keys(page["requests"].as_array().unwrap()), want);
    assert_eq!(page["total"].as_u64(), Some(want.len() as u64));

    let short_position = json!([[0, 0], [1, 0], [], [0, 0]]);
    let unclosed = json!([[0, 0], [1, 0], [1, 1], [0, 1]]);
    for bad in [
        json!({"type": "Point", "coordinates": [1.0, 2.0]}),
        json!({"type": "LineString", "coordinates": [[0, 0], [1]]}),
        json!({"type": "Polygon", "coordinates": [short_position]}),
        json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1], [0, 0]]]]}),
        json!({"type": "Polygon", "coordinates": [unclosed]}),
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}),
        json!({"type": "Polygon", "coordinates": []}),
        json!({"type": "MultiPolygon", "coordinates": []}),
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}),
        json!({"type": "Polygon", "coordinates": [[[0, 0], [0, 91], [1, 1], [0, 0]]]}),
    ] {
        let body = json!({ "polygon": bad });
        let response =
            reqwest::Client::new().post(world.url("/api/v1/requests/search")).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{bad}");
        assert_eq!(response.json::<Value>().await.unwrap()["parameter"], "polygon", "{bad}");
    }
}

#[tokio::test]
async fn georeport_list_takes_q_bbox_and_radius() {
    let world = World::new(500).await;
    let rows: Vec<_> = world.rows().into_iter().filter(|r| r.jurisdiction_id == "beta").collect();
    let (lat, long) = rows.iter().find_map(|r| r.request.lat.zip(r.request.long)).unwrap();
    let base = "/open311/v2/requests.json?jurisdiction_id=beta&page_size=1000";
    let near = |r: &&fed311::store::StoredRequest| {
        r.request.lat.zip(r.request.long).is_some_and(|(y, x)| metres(lat, long, y, x) <= 3000.0)
    };
    let boxed = |r: &&fed311::store::StoredRequest| {
        r.request
            .lat
            .zip(r.request.long)
            .is_some_and(|(y, x)| (lat - 0.01..=lat + 0.01).contains(&y) && (long - 0.02..=long).contains(&x))
    };
    let cases: Vec<(String, BTreeSet<Key>)> = vec![
        (format!("{base}&q=pothole"), keys(rows.iter().filter(|r| has_word(r, "pothole")))),
        (format!("{base}&lat={lat}&long={long}&radius=3000"), keys(rows.iter().filter(near))),
        (
            format!("{base}&bbox={},{},{},{}", long - 0.02, lat - 0.01, long, lat + 0.01),
            keys(rows.iter().filter(boxed)),
        ),
        (
            format!("{base}&q=pothole&status=open"),
            keys(rows.iter().filter(|r| has_word(r, "pothole") && r.request.status.as_str() == "open")),
        ),
    ];
    for (url, want) in cases {
        assert!(!want.is_empty(), "{url} is telling");
        let (status, list) = json(&world.url(&url)).await;
        assert_eq!(status, 200, "{url}: {list}");
        let got: Vec<Value> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["jurisdiction_id"] = json!("beta");
                r
            })
            .collect();
        assert_eq!(unique_keys(&got), want, "{url}");
        assert!(list[0].get("jurisdiction_id").is_none(), "the spec's record shape");
    }
    let (status, page_two) =
        json(&world.url("/open311/v2/requests.json?jurisdiction_id=beta&q=pothole&page_size=2&page=2")).await;
    assert_eq!(status, 200);
    let (_, first_four) =
        json(&world.url("/open311/v2/requests.json?jurisdiction_id=beta&q=pothole&page_size=4")).await;
    assert_eq!(page_two.as_array().unwrap()[..], first_four.as_array().unwrap()[2..4]);
    let (status, errors) = json(&world.url("/open311/v2/requests.json?jurisdiction_id=beta&radius=100")).await;
    assert_eq!(status, 400, "{errors}");
}

#[tokio::test]
async fn bad_parameters_are_problems_naming_them() {
    let world = World::new(50).await;
    let cases = [
        ("bbox=1,2,3", "bbox"),
        ("bbox=10,50,11,40", "bbox"),
        ("lat=95&long=0&radius=10", "lat"),
        ("lat=45&long=0", "radius"),
        ("lat=45&long=0&radius=-3", "radius"),
        ("radius=100", "lat"),
        ("start_date=yesterday", "start_date"),
        ("start_date=2024-02-01&end_date=2024-01-01", "start_date"),
        ("status=pending", "status"),
        ("sort=random", "sort"),
        ("sort=distance", "sort"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("cursor=nonsense", "cursor"),
        ("format=xml", "format"),
        ("jurisdiction_id=atlantis", "jurisdiction_id"),
        ("q=%21%21%21", "q"),
        ("colour=red", "colour"),
        ("category=potholes", "category"),
        ("category=pothole,bogus", "category"),
    ];
    for (query, parameter) in cases {
        let (status, kind, body) = text(&world.url(&format!("/api/v1/requests?{query}"))).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(kind, "application/problem+json", "{query}");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["parameter"], parameter, "{query}: {body}");
    }
    let (_, page) = json(&world.url("/api/v1/requests?limit=2&sort=newest")).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, problem) = json(&world.url(&format!("/api/v1/requests?sort=updated&cursor={cursor}"))).await;
    assert_eq!((status, problem["parameter"].as_str()), (400, Some("cursor")), "a cursor belongs to its sort order");
    let (status, problem) =
        json(&world.url(&format!("/api/v1/requests?sort=newest&status=open&cursor={cursor}"))).await;
    assert_eq!((status, problem["parameter"].as_str()), (400, Some("cursor")), "and to its filters");
    let (status, _) = json(&world.url(&format!("/api/v1/requests?limit=5&sort=newest&cursor={cursor}"))).await;
    assert_eq!(status, 200, "but not to its page size");
}

#[tokio::test]
async fn a_costly_text_query_is_refused_and_the_server_lives_on() {
    let world = World::new(50).await;
    let nested = format!("{}pothole", "(".repeat(2000));
    let negated = format!("{}pothole", "NOT ".repeat(2000));
    let long = "pothole ".repeat(100);
    for q in [nested.as_str(), negated.as_str(), long.as_str()] {
        let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        for path in ["/api/v1/requests", "/api/v1/stats", "/api/v1/feeds/requests.atom"] {
            let (status, body) = json(&world.url(&format!("{path}?q={encoded}"))).await;
            assert_eq!((status, body["parameter"].as_str()), (400, Some("q")), "{path}: {body}");
        }
        let body = json!({"q": q});
        let response =
            reqwest::Client::new().post(world.url("/api/v1/requests/search")).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
    }
    let (status, _) = json(&world.url("/api/v1/requests?q=pothole")).await;
    assert_eq!(status, 200, "still serving");
}

#[tokio::test]
async fn a_deleted_or_corrupt_index_folder_is_rebuilt_with_the_same_answers() {
    let world = World::new(300).await;
    let query = SearchQuery { text: Some("pothole".into()), sort: Sort::Newest, limit: 1000, ..SearchQuery::default() };
    let before = world.index.search(&query).unwrap();
    assert!(before.total > 0);
    let dir = world.index_dir.clone();
    let World { index, store, .. } = world;
    drop(index);
    std::fs::remove_dir_all(&dir).unwrap();
    let reopened = SearchIndex::open(&dir).unwrap();
    assert_eq!(reopened.num_docs(), 0);
    reopened.catch_up(&store).unwrap();
    assert_eq!(reopened.search(&query).unwrap(), before);
    drop(reopened);

    std::fs::write(dir.join("meta.json"), "{ not json").unwrap();
    let repaired = SearchIndex::open(&dir).unwrap();
    assert_eq!(repaired.indexed_seq(), 0, "a corrupt index starts again");
    repaired.catch_up(&store).unwrap();
    assert_eq!(repaired.search(&query).unwrap(), before);
    drop(repaired);
    let reopened = SearchIndex::open(&dir).unwrap();
    assert_eq!(reopened.indexed_seq(), store.max_seq().unwrap(), "the commit payload remembers the seq");
    assert_eq!(reopened.catch_up(&store).unwrap(), 0, "nothing to redo after a clean reopen");
}

#[tokio::test]
async fn the_running_indexer_follows_the_store() {
    let world = World::new(50).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let indexer = tokio::spawn(fed311::search::run_indexer(world.index.clone(), world.store.clone(), stopped));
    let mut fresh = world.rows()[0].request.clone();
    fresh.service_request_id = "FRESH-1".into();
    fresh.description = Some("Zeppelin moored on the roof".into());
    world.store.upsert_requests("alpha", &[fresh]).unwrap();
    let started = Instant::now();
    loop {
        let (_, page) = json(&world.url("/api/v1/requests?q=zeppelin")).await;
        if page["total"] == 1 {
            assert_eq!(page["requests"][0]["service_request_id"], "FRESH-1");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "not searchable within 5 s: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), indexer).await.expect("indexer stops").unwrap();
}

#[tokio::test]
async fn fed311_reindex_builds_an_index_from_the_store() {
    let world = World::new(200).await;
    let elsewhere = tempfile::tempdir().unwrap();
    let index_dir = elsewhere.path().join("index");
    let (jurisdictions, data) =
        (world.cities.jurisdictions.path().to_path_buf(), world.cities.data.path().to_path_buf());
    let dir = index_dir.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_fed311"))
            .arg("--jurisdictions")
            .arg(&jurisdictions)
            .arg("--data")
            .arg(&data)
            .arg("--index")
            .arg(&dir)
            .arg("reindex")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("indexed 400 requests"), "{stdout}");
    let rebuilt = SearchIndex::open(&index_dir).unwrap();
    assert_eq!(rebuilt.num_docs(), 400);
    assert_eq!(rebuilt.indexed_seq(), world.store.max_seq().unwrap());
    let query = SearchQuery { text: Some("pothole".into()), limit: 1000, ..SearchQuery::default() };
    assert_eq!(rebuilt.search(&query).unwrap(), world.index.search(&query).unwrap());
}

#[tokio::test]
async fn relevance_pages_are_the_same_whether_ranking_prunes_or_visits_every_match() {
    let world = World::new(600).await;
    let word = super::sample_words(&world).remove(0);
    // A plain word is ranked by block-max WAND; with a time filter every match is visited.
    let pruned = world.all_pages(&format!("q={word}&limit=7")).await;
    let visited = world.all_pages(&format!("q={word}&updated_after=1990-01-01&limit=7")).await;
    let ids = |page: &[Value]| page.iter().map(|r| r["service_request_id"].clone()).collect::<Vec<_>>();
    assert!(pruned.len() > 50, "a word most records hold: {}", pruned.len());
    assert_eq!(ids(&pruned), ids(&visited), "the same records in the same order, page after page");
}
