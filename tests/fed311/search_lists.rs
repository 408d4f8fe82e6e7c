//! Lists in every time order (newest, oldest, latest updated), and relevance with filters,
//! checked against brute force over the stored records of two simulated cities: each list
//! holds exactly the filtered records, in order, page after page, with its exact total; a
//! filter never changes the relevance order of the records it keeps.

use crate::search::world;

use fed311::store::StoredRequest;
use serde_json::Value;
use world::*;

/// Which stored rows a query should find.
type Keep = Box<dyn Fn(&StoredRequest) -> bool>;

/// The time a sort orders by, as the API writes it (`None` when the record has none).
fn sort_time<'a>(record: &'a Value, sort: &str) -> Option<&'a str> {
    let field = if sort == "updated" { "updated_datetime" } else { "requested_datetime" };
    record[field].as_str()
}

/// Whether `records` come in `sort` order: latest first (oldest first for `oldest`),
/// records without the time last.
fn in_order(records: &[Value], sort: &str) -> bool {
    records.windows(2).all(|pair| match (sort_time(&pair[0], sort), sort_time(&pair[1], sort)) {
        (Some(a), Some(b)) if sort == "oldest" => a <= b,
        (Some(a), Some(b)) => a >= b,
        (_, None) => true,
        (None, Some(_)) => false,
    })
}

fn at(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[tokio::test]
async fn lists_in_every_time_order_hold_exactly_the_filtered_records() {
    let world = World::new(700).await;
    let rows = world.rows();
    let requested_in = |from: &str, to: &str| {
        let (from, to) = (at(from), at(to));
        move |r: &StoredRequest| r.request.requested_datetime.is_some_and(|t| t >= from && t <= to)
    };
    let updated_in = |from: &str, to: &str| {
        let (from, to) = (at(from), at(to));
        move |r: &StoredRequest| r.request.updated_datetime.is_some_and(|t| t >= from && t <= to)
    };
    let (early, late) = ("2016-01-01T00:00:00Z", "2022-06-30T23:59:59Z");
    let in_early = requested_in(early, late);
    let updated_early = updated_in(early, late);
    let updated_since = updated_in("2021-01-01T00:00:00Z", "2100-01-01T00:00:00Z");
    let cases: Vec<(String, Keep)> = vec![
        ("jurisdiction_id=alpha".into(), Box::new(|r| r.jurisdiction_id == "alpha")),
        ("jurisdiction_id=alpha,beta&status=closed".into(), Box::new(|r| r.request.status.as_str() == "closed")),
        (
            format!("jurisdiction_id=beta&start_date={early}&end_date={late}"),
            Box::new(move |r| r.jurisdiction_id == "beta" && in_early(r)),
        ),
        (
            format!("status=open&updated_after={early}&updated_before={late}"),
            Box::new(move |r| r.request.status.as_str() == "open" && updated_early(r)),
        ),
        (
            "jurisdiction_id=alpha&status=closed&updated_after=2021-01-01&start_date=2015-01-01".into(),
            Box::new(move |r| {
                r.jurisdiction_id == "alpha"
                    && r.request.status.as_str() == "closed"
                    && updated_since(r)
                    && r.request.requested_datetime.is_some_and(|t| t >= at("2015-01-01T00:00:00Z"))
            }),
        ),
    ];
    for (query, keep) in cases {
        let want = keys(rows.iter().filter(|r| keep(r)));
        assert!(!want.is_empty() && want.len() < rows.len(), "{query} is telling: {}", want.len());
        for sort in ["newest", "oldest", "updated"] {
            let got = world.all_pages(&format!("{query}&sort={sort}&limit=37")).await;
            assert_eq!(unique_keys(&got), want, "{query}&sort={sort}");
            assert!(in_order(&got, sort), "{query}&sort={sort} comes in order");
        }
    }
}

#[tokio::test]
async fn oldest_first_is_documented_and_other_orders_are_refused_naming_it() {
    let world = World::new(50).await;
    let (status, doc) = json(&world.url("/api/v1/openapi.json")).await;
    assert_eq!(status, 200);
    let parameters = doc["paths"]["/api/v1/requests"]["get"]["parameters"].as_array().unwrap();
    let sort = parameters.iter().find(|p| p["name"] == "sort").expect("sort is documented");
    let text = sort.to_string();
    for order in ["relevance", "newest", "oldest", "updated", "distance"] {
        assert!(text.contains(&format!("\"{order}\"")), "{order} in {text}");
    }
    let (status, problem) = json(&world.url("/api/v1/requests?sort=eldest")).await;
    assert_eq!((status, problem["parameter"].as_str()), (400, Some("sort")));
    assert!(problem["detail"].as_str().unwrap().contains("oldest"), "{problem}");
    let (status, page) = json(&world.url("/api/v1/requests?sort=oldest&limit=3")).await;
    assert_eq!(status, 200, "{page}");
    let oldest = page["requests"][0]["requested_datetime"].as_str().unwrap().to_string();
    let earliest = world.rows().iter().filter_map(|r| r.request.requested_datetime).min().unwrap();
    assert_eq!(at(&oldest), earliest, "the oldest request comes first");
}

#[tokio::test]
async fn a_filter_keeps_the_relevance_order_of_the_records_it_keeps() {
    let world = World::new(600).await;
    let rows = world.rows();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for row in &rows {
        let text =
            [&row.request.description, &row.request.service_name, &row.request.address, &row.request.status_notes]
                .map(|t| t.clone().unwrap_or_default())
                .join(" ");
        let distinct: std::collections::BTreeSet<String> = words(&text).into_iter().filter(|w| w.is_ascii()).collect();
        distinct.into_iter().for_each(|w| *counts.entry(w).or_default() += 1);
    }
    let mut by_count: Vec<(usize, String)> = counts.into_iter().map(|(w, n)| (n, w)).collect();
    by_count.sort();
    let common = by_count[by_count.len() - 1].1.clone();
    let second = by_count[by_count.len() - 3].1.clone();
    // A word too rare to be kept as a bitset (under 1 document in 64), in both filters' records.
    let in_both = |word: &str| {
        rows.iter().any(|r| r.jurisdiction_id == "alpha" && has_word(r, word))
            && rows
                .iter()
                .any(|r| r.jurisdiction_id == "beta" && r.request.status.as_str() == "closed" && has_word(r, word))
    };
    let rare = by_count.iter().find(|(n, w)| *n * 64 < rows.len() && in_both(w)).unwrap().1.clone();
    for text in [common.clone(), format!("{common}+{second}"), rare] {
        let everywhere = world.all_pages(&format!("q={text}&limit=50")).await;
        for (filter, keep) in [("jurisdiction_id=alpha", "alpha"), ("jurisdiction_id=beta&status=closed", "beta")] {
            let kept: Vec<Key> = everywhere
                .iter()
                .filter(|r| r["jurisdiction_id"] == keep && (keep == "alpha" || r["status"] == "closed"))
                .map(key_of)
                .collect();
            let filtered = world.all_pages(&format!("q={text}&{filter}&limit=13")).await;
            let got: Vec<Key> = filtered.iter().map(key_of).collect();
            assert!(!got.is_empty(), "q={text}&{filter} finds records");
            assert_eq!(got, kept, "q={text}&{filter}: the order of q={text} among the records kept");
        }
    }
}
