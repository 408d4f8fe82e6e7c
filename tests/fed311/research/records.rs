//! One record with its history, and the category crosswalk, over the lab's cities.

use std::collections::BTreeSet;

use fed311::domain::Status;
use fed311::domain::time::format_utc;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::lab::*;

fn record_path(jurisdiction_id: &str, id: &str) -> String {
    format!(
        "/api/v1/requests/{jurisdiction_id}/{}",
        url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    )
}

#[tokio::test]
async fn record_shows_history_open_then_closed() {
    let lab = Lab::new(200).await;
    let day_ago = Timestamp::now() - SignedDuration::from_hours(24);
    let open = lab.truth().into_iter().find(|t| {
        t.jurisdiction_id == "b"
            && t.request.status == Status::Open
            && t.request.updated_datetime.is_some_and(|u| u < day_ago)
    });
    let id = open.expect("an old open request").request.service_request_id;
    let (status, before) = lab.json(&record_path("b", &id)).await;
    assert_eq!(status, 200, "{before}");
    let (_, listed) = lab
        .json(&format!(
            "/api/v1/requests?jurisdiction_id=b&q={}",
            before["description"].as_str().unwrap().split(' ').next().unwrap()
        ))
        .await;
    let same = listed["requests"].as_array().unwrap().iter().find(|r| r["service_request_id"] == id.as_str());
    let mut without_history = before.clone();
    without_history.as_object_mut().unwrap().remove("history");
    assert_eq!(same, Some(&without_history), "the record is the search's record plus history");
    assert_eq!(before["status"], "open");
    assert_eq!(before["closed_datetime"], Value::Null);
    assert_eq!(statuses(&before), vec!["open"]);

    let closed_at = Timestamp::from_second(Timestamp::now().as_second()).unwrap();
    assert!(lab.city("b").city.close(&id, closed_at));
    lab.harvest().await;
    let (status, after) = lab.json(&record_path("b", &id)).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["status"], "closed");
    assert_eq!(after["closed_datetime"], format_utc(closed_at).as_str());
    assert_eq!(after["status_notes"], "Closed by the simulation.");
    assert_eq!(after["first_seen"], before["first_seen"], "first seen stays");
    assert_eq!(statuses(&after), vec!["open", "closed"]);
    let history = after["history"].as_array().unwrap();
    assert_eq!(history[0]["change"], "created");
    assert!(history[1]["change"].as_str().unwrap().contains("status"), "{after}");
    assert_eq!(history[1]["status_notes"], "Closed by the simulation.");
    assert_eq!(history[1]["updated_datetime"], format_utc(closed_at).as_str());
    assert!(history[0]["seen_at"].as_str() <= history[1]["seen_at"].as_str(), "oldest first");
    for field in
        ["jurisdiction_id", "category", "status_raw", "first_seen", "last_seen", "requested_datetime", "service_code"]
    {
        assert!(after.get(field).is_some(), "{field} in {after}");
    }
}

fn statuses(record: &Value) -> Vec<&str> {
    record["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn unknown_records_are_404_problems() {
    let lab = Lab::new(20).await;
    let id = lab.truth()[0].request.service_request_id.clone();
    for path in [record_path("a", "no-such-id"), record_path("nowhere", &id), record_path("a", &format!("{id}/x"))] {
        let (status, kind, body) = crate::common::get(&lab.url(&path)).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(kind.starts_with("application/problem+json"), "{path}: {kind}");
    }
    let (status, _) = lab.json(&record_path("a", &id)).await;
    assert_eq!(status, 200, "the same id is known in its own city");
}

#[tokio::test]
async fn categories_cover_every_service_of_every_city() {
    let lab = Lab::new(20).await;
    let (status, body) = lab.json("/api/v1/categories").await;
    assert_eq!(status, 200, "{body}");
    let slugs: Vec<&str> = body["categories"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    let want: Vec<&str> = fed311::taxonomy::categories().iter().map(|c| c.slug).collect();
    assert_eq!(slugs, want);
    assert!(body["categories"][0]["name"].is_string() && body["categories"][0]["description"].is_string());
    let rows = body["crosswalk"].as_array().unwrap();
    let mut expected = BTreeSet::new();
    for (id, _, _) in CITIES {
        for service in lab.city(id).city.services() {
            let decision = fed311::taxonomy::classify_service(None, &service);
            let row =
                rows.iter().find(|r| r["jurisdiction_id"] == *id && r["service_code"] == service.service_code.as_str());
            let row = row.unwrap_or_else(|| panic!("no crosswalk row for {id}/{}", service.service_code));
            assert_eq!(row["service_name"], service.service_name.as_str());
            assert_eq!(row["category"], decision.category, "{row}");
            assert_eq!(row["how"], serde_json::to_value(decision.how).unwrap(), "{row}");
            expected.insert((id.to_string(), service.service_code.clone()));
        }
    }
    assert_eq!(rows.len(), expected.len(), "one row per service");
    let (_, only_a) = lab.json("/api/v1/categories?jurisdiction_id=a").await;
    let only_a = only_a["crosswalk"].as_array().unwrap();
    assert!(!only_a.is_empty() && only_a.iter().all(|r| r["jurisdiction_id"] == "a"));
    for (query, parameter) in [("jurisdiction_id=atlantis", "jurisdiction_id"), ("colour=red", "colour")] {
        let (status, body) = lab.json(&format!("/api/v1/categories?{query}")).await;
        assert_eq!((status, body["parameter"].as_str()), (400, Some(parameter)), "{body}");
    }
}
