//! For researchers: `/api/v1/stats`, checked against brute force over the simulated cities'
//! own data; the record endpoint with its history, the category crosswalk and bulk exports
//! (`research/records.rs`, `research/export.rs`). Real cities on 127.0.0.1, a real SQLite
//! store in a temporary folder, a real index and the real fed311 API.

use crate::common;
mod export;
mod lab;
mod records;

use lab::*;
use serde_json::Value;

#[tokio::test]
async fn stats_per_jurisdiction_and_status_equal_brute_force() {
    let lab = Lab::new(400).await;
    let truth = lab.truth();
    let by_city = expected(&truth, |t| vec![t.jurisdiction_id.clone()]);
    assert!(by_city.values().all(|g| g.closed > 10 && g.closed < g.count), "telling data: {by_city:?}");
    assert_stats(&lab, "group_by=jurisdiction", &["jurisdiction_id"], &by_city).await;
    let by_status = expected(&truth, |t| vec![t.jurisdiction_id.clone(), t.request.status.as_str().to_string()]);
    assert_stats(&lab, "group_by=jurisdiction,status", &["jurisdiction_id", "status"], &by_status).await;
    let everything = expected(&truth, |_| vec![]);
    assert_stats(&lab, "", &[], &everything).await;
}

#[tokio::test]
async fn stats_by_month_and_category_equal_brute_force() {
    let lab = Lab::new(400).await;
    let truth = lab.truth();
    let by_month = expected(&truth, |t| vec![t.month()]);
    assert!(by_month.len() > 24, "many months: {}", by_month.len());
    assert_stats(&lab, "group_by=month", &["month"], &by_month).await;
    let by_category = expected(&truth, |t| vec![t.category.to_string(), t.jurisdiction_id.clone()]);
    assert!(by_category.len() > 4, "several categories: {:?}", by_category.keys());
    assert_stats(&lab, "group_by=category,jurisdiction", &["category", "jurisdiction_id"], &by_category).await;
}

#[tokio::test]
async fn stats_filters_combine() {
    let lab = Lab::new(400).await;
    let truth = lab.truth();
    let closed_a = truth.iter().filter(|t| t.jurisdiction_id == "a" && t.closed());
    let want = expected(closed_a, |t| vec![t.request.service_code.clone().unwrap()]);
    assert_stats(&lab, "status=closed&jurisdiction_id=a&group_by=service_code", &["service_code"], &want).await;

    let (start, end): (jiff::Timestamp, jiff::Timestamp) =
        ("2020-03-01T00:00:00Z".parse().unwrap(), "2022-06-30T00:00:00Z".parse().unwrap());
    let commonest = commonest_category(&truth);
    let span: Vec<&Truth> = truth.iter().filter(|t| within(t.request.requested_datetime, start, end)).collect();
    let kept: Vec<&Truth> = span.iter().copied().filter(|t| t.category != commonest).collect();
    assert!(!kept.is_empty() && kept.len() < span.len(), "the category filter is telling");
    let want = expected(kept, |t| vec![t.jurisdiction_id.clone(), t.month()]);
    let others: Vec<&str> = fed311::taxonomy::categories().iter().map(|c| c.slug).filter(|s| *s != commonest).collect();
    let query =
        format!("start_date={start}&end_date={end}&category={}&group_by=jurisdiction_id,month", others.join(","));
    assert_stats(&lab, &query, &["jurisdiction_id", "month"], &want).await;
}

#[tokio::test]
async fn stats_with_text_and_place_go_through_the_index() {
    let lab = Lab::new(400).await;
    let word = common_word(&lab.truth());
    let record = &lab.truth()[7].request;
    let (lat, long) = (record.lat.unwrap_or(41.9), record.long.unwrap_or(-87.6));
    for filters in
        [format!("q={word}"), format!("q={word}&status=closed"), format!("lat={lat}&long={long}&radius=3000")]
    {
        let (status, _, body) = common::get(&lab.url(&format!("/api/v1/requests?{filters}&format=ndjson"))).await;
        assert_eq!(status, 200, "{filters}: {body}");
        let found: Vec<Value> =
            body.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
        assert!(found.len() > 5, "{filters} is telling: {}", found.len());
        let rows: Vec<Truth> = lab.truth().into_iter().filter(|t| found.iter().any(|f| is(f, t))).collect();
        assert_eq!(rows.len(), found.len(), "{filters}: every match is a city's request");
        let want = expected(&rows, |t| vec![t.jurisdiction_id.clone(), t.request.status.as_str().to_string()]);
        let query = format!("{filters}&group_by=jurisdiction,status");
        assert_stats(&lab, &query, &["jurisdiction_id", "status"], &want).await;
    }
}

#[tokio::test]
async fn stats_reject_bad_parameters_naming_them() {
    let lab = Lab::new(20).await;
    for (query, parameter) in [
        ("group_by=colour", "group_by"),
        ("group_by=status,status", "group_by"),
        ("group_by=month&limit=5", "limit"),
        ("format=csv", "format"),
        ("status=pending", "status"),
        ("jurisdiction_id=atlantis", "jurisdiction_id"),
        ("start_date=2024-02-01&end_date=2024-01-01", "start_date"),
        ("start_date=yesterday", "start_date"),
        ("bbox=1,2,3", "bbox"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = lab.json(&format!("/api/v1/stats?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["parameter"], parameter, "{query}: {body}");
    }
}

fn commonest_category(truth: &[Truth]) -> &'static str {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    truth.iter().for_each(|t| *counts.entry(t.category).or_default() += 1);
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c).unwrap()
}

/// A word of middling frequency in the cities' descriptions.
fn common_word(truth: &[Truth]) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for t in truth {
        let text = t.request.description.clone().unwrap_or_default().to_lowercase();
        let words: std::collections::BTreeSet<&str> =
            text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 3).collect();
        words.into_iter().for_each(|w| *counts.entry(w.to_string()).or_default() += 1);
    }
    let mut by_count: Vec<(usize, String)> = counts.into_iter().map(|(w, n)| (n, w)).filter(|(n, _)| *n > 20).collect();
    by_count.sort();
    by_count[by_count.len() / 2].1.clone()
}

fn is(record: &Value, t: &Truth) -> bool {
    record["jurisdiction_id"] == t.jurisdiction_id.as_str()
        && record["service_request_id"] == t.request.service_request_id.as_str()
}
