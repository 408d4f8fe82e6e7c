//! One set of store behaviour tests, run against both backends: each body takes a [`Store`]
//! and runs once on SQLite (a temporary folder) and once on PostgreSQL (a fresh database per
//! test, dropped at the end). PostgreSQL's server comes from `FED311_TEST_POSTGRES` (e.g.
//! `postgres://fed311:fed311@127.0.0.1:5432/fed311`); without it the PostgreSQL half says
//! `skipping`, unless `FED311_REQUIRE_POSTGRES=1` (CI), which makes it fail.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fed311::domain::{RequestFilter, Service, ServiceRequest, Status};
use fed311::store::{
    CityClaim, Health, PlannedSweep, Progress, RequestPage, ScratchDatabase, StatsRow, StatsScope, Store, StoreLocation,
};
use jiff::Timestamp;

use crate::common::get_json;
use crate::common::world::SimCities;

/// A store under test and what keeps it alive.
struct Backend {
    name: &'static str,
    store: Store,
    location: StoreLocation,
    _dir: Option<tempfile::TempDir>,
    _database: Option<ScratchDatabase>,
}

impl Backend {
    /// Another handle on the same store (another node, or `fed311 harvest --once` beside it).
    fn reopen(&self) -> Store {
        Store::connect(&self.location).expect("the store reopens")
    }
}

fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let location = StoreLocation::Sqlite(dir.path().to_path_buf());
    let store = Store::connect(&location).unwrap();
    Backend { name: "sqlite", store, location, _dir: Some(dir), _database: None }
}

/// A fresh PostgreSQL database, or `None` (after saying `skipping`) when none is configured.
fn postgres(test: &str) -> Option<Backend> {
    let url = crate::common::test_postgres(test)?;
    let database = ScratchDatabase::create(&url, "fed311_t").expect("a scratch database");
    let location = database.location().clone();
    let store = Store::connect(&location).expect("the PostgreSQL store opens");
    Some(Backend { name: "postgres", store, location, _dir: None, _database: Some(database) })
}

/// Runs `body` on SQLite, then on PostgreSQL when there is one.
fn on_both(test: &str, body: impl Fn(&Backend)) {
    body(&sqlite());
    if let Some(pg) = postgres(test) {
        body(&pg);
    }
}

fn at(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp::from_second(seconds).unwrap())
}

fn request(id: &str, requested: i64, updated: i64) -> ServiceRequest {
    ServiceRequest {
        requested_datetime: at(requested),
        updated_datetime: at(updated),
        description: Some(format!("pothole {id}")),
        service_code: Some(format!("s{}", id.len() % 3)),
        lat: Some(45.0 + requested as f64 / 1e9),
        long: Some(-75.0),
        raw: format!("{{\"service_request_id\":\"{id}\",\"updated\":{updated}}}"),
        ..ServiceRequest::new(id)
    }
}

#[test]
fn unchanged_writes_nothing_and_a_change_bumps_seq_and_history() {
    on_both("upsert", |b| {
        let s = &b.store;
        let batch: Vec<_> = (1..=3).map(|i| request(&format!("r{i}"), 1_600_000_000 + i, 1_600_000_100)).collect();
        let v0 = s.data_version().unwrap();
        let first = s.upsert_requests("city", &batch).unwrap();
        assert_eq!((first.inserted, first.changed, first.unchanged), (3, 0, 0), "{}", b.name);
        assert_eq!(s.max_seq().unwrap(), 3, "{}", b.name);
        let v1 = s.data_version().unwrap();
        assert_ne!(v0, v1, "{}: a write moves data_version", b.name);

        let again = s.upsert_requests("city", &batch).unwrap();
        assert_eq!((again.inserted, again.changed, again.unchanged), (0, 0, 3), "{}", b.name);
        assert_eq!(s.max_seq().unwrap(), 3, "{}", b.name);
        assert_eq!(s.data_version().unwrap(), v1, "{}: nothing written, same version", b.name);

        let mut closed = request("r2", 1_600_000_002, 1_600_000_500);
        closed.status = Status::Closed;
        closed.status_notes = Some("fixed".into());
        let changed = s.upsert_requests("city", &[closed]).unwrap();
        assert_eq!((changed.changed, changed.unchanged), (1, 0), "{}", b.name);
        let stored = s.get_request("city", "r2").unwrap().unwrap();
        assert_eq!(stored.seq, 4, "{}", b.name);
        assert_eq!(stored.closed_at, at(1_600_000_500), "{}", b.name);
        assert_eq!(stored.request.raw, request("r2", 1_600_000_002, 1_600_000_500).raw, "{}", b.name);
        let history = s.history_entries("city", "r2").unwrap();
        let changes: Vec<&str> = history.iter().map(|h| h.change.as_str()).collect();
        assert_eq!(changes, ["created", "status,status_notes,updated_datetime"], "{}", b.name);
        assert_eq!(history[1].status, Status::Closed, "{}", b.name);

        let older = request("r2", 1_600_000_002, 1_600_000_200);
        assert_eq!(s.upsert_requests("city", &[older]).unwrap().stale, 1, "{}: an older version is stale", b.name);
        assert_eq!(s.count_requests("city").unwrap(), 3, "{}", b.name);
        assert_eq!(s.open_request_ids("city").unwrap(), ["r1", "r3"], "{}", b.name);
        assert_eq!(s.newest_requested("city").unwrap(), Some(1_600_000_003), "{}", b.name);
    });
}

#[test]
fn two_reports_under_one_id_keep_the_same_one_whatever_the_order() {
    on_both("duplicates", |b| {
        let s = &b.store;
        let (one, other) = (request("dup", 1_600_000_000, 1_600_000_100), request("dup", 1_500_000_000, 1_600_000_900));
        let forward = s.upsert_categorized("a", &[one.clone(), other.clone()], &[]).unwrap();
        let backward = s.upsert_categorized("b", &[other.clone(), one.clone()], &[]).unwrap();
        assert_eq!(forward.duplicate_ids, ["dup"], "{}", b.name);
        assert_eq!(backward.duplicate_ids, ["dup"], "{}", b.name);
        let (a, bb) = (s.get_request("a", "dup").unwrap().unwrap(), s.get_request("b", "dup").unwrap().unwrap());
        assert_eq!(a.request, bb.request, "{}", b.name);
        assert_eq!(a.request.updated_datetime, at(1_600_000_900), "{}: the newest updated wins", b.name);
        assert_eq!(s.history_entries("a", "dup").unwrap().len(), 1, "{}: a switch is no change", b.name);
        // The batch written twice leaves one row, under the last write's seq.
        assert_eq!(s.requests_after_seq(0, 10).unwrap().len(), 2, "{}", b.name);
    });
}

#[test]
fn followers_read_every_seq_in_order_in_pages() {
    on_both("after_seq", |b| {
        let s = &b.store;
        let batch: Vec<_> = (0..25).map(|i| request(&format!("k{i:02}"), 1_600_000_000 + i, 1_600_000_000)).collect();
        s.upsert_categorized("city", &batch, &[Some("pothole".into())]).unwrap();
        let (mut after, mut seen) = (0, Vec::new());
        loop {
            let page = s.requests_after_seq(after, 7).unwrap();
            let Some(last) = page.last() else { break };
            after = last.seq;
            assert!(page.iter().all(|r| r.request.raw.is_empty()), "{}: lists carry no raw payload", b.name);
            seen.extend(page.into_iter().map(|r| r.seq));
        }
        assert_eq!(seen, (1..=25).collect::<Vec<_>>(), "{}", b.name);
        let by_seq = s.get_requests_by_seq(&[3, 99, 1]).unwrap();
        let ids: Vec<Option<&str>> =
            by_seq.iter().map(|r| r.as_ref().map(|r| r.request.service_request_id.as_str())).collect();
        assert_eq!(ids, [Some("k02"), None, Some("k00")], "{}", b.name);
        assert_eq!(by_seq[2].as_ref().unwrap().category.as_deref(), Some("pothole"), "{}", b.name);
        let keys =
            [("city".to_string(), "k05".to_string()), ("nowhere".into(), "x".into()), ("city".into(), "k01".into())];
        let got: Vec<String> =
            s.get_requests(&keys).unwrap().into_iter().map(|r| r.request.service_request_id).collect();
        assert_eq!(got, ["k05", "k01"], "{}", b.name);
    });
}

/// Several writers (each its own store handle, as several nodes are) insert while a follower
/// tails `seq`: the follower sees every row exactly once, in increasing seq, whatever order the
/// writers' transactions commit in.
#[test]
fn concurrent_writers_never_make_a_follower_skip_a_seq() {
    on_both("concurrent", |b| {
        const WRITERS: usize = 4;
        const BATCHES: usize = 30;
        const PER_BATCH: usize = 20;
        let done = Arc::new(AtomicBool::new(false));
        let follower = {
            let (store, done) = (b.reopen(), done.clone());
            std::thread::spawn(move || {
                let (mut after, mut seen) = (0, Vec::new());
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let page = store.requests_after_seq(after, 13).unwrap();
                    if let Some(last) = page.last() {
                        after = last.seq;
                    }
                    let empty = page.is_empty();
                    seen.extend(page.into_iter().map(|r| (r.seq, r.jurisdiction_id, r.request.service_request_id)));
                    if finished && empty {
                        return seen;
                    }
                }
            })
        };
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = b.reopen();
                std::thread::spawn(move || {
                    for n in 0..BATCHES {
                        let batch: Vec<_> = (0..PER_BATCH)
                            .map(|i| request(&format!("w{w}-{n}-{i}"), 1_600_000_000 + i as i64, 1_600_000_000))
                            .collect();
                        assert_eq!(store.upsert_requests(&format!("city{w}"), &batch).unwrap().inserted, 20);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
        let seen = follower.join().unwrap();
        assert_eq!(seen.len(), WRITERS * BATCHES * PER_BATCH, "{}: every row once", b.name);
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{}: seqs increase", b.name);
        let keys: HashSet<_> = seen.iter().map(|(_, j, id)| (j.clone(), id.clone())).collect();
        assert_eq!(keys.len(), seen.len(), "{}: no row twice", b.name);
        assert_eq!(b.store.max_seq().unwrap(), (WRITERS * BATCHES * PER_BATCH) as i64, "{}", b.name);
    });
}

#[test]
fn the_outbox_moves_a_submission_through_its_states() {
    on_both("outbox", |b| {
        let s = &b.store;
        let form = vec![("service_code".to_string(), "pothole".to_string()), ("lat".into(), "45.1".into())];
        s.enqueue("t1", "city", "pothole", &form).unwrap();
        s.enqueue("t2", "city", "pothole", &form).unwrap();
        assert_eq!(s.outbox_depth().unwrap(), 2, "{}", b.name);
        let claim = Duration::from_secs(300);
        let due = s.claim_due_submissions("node-a", 10, claim).unwrap();
        assert_eq!(due.len(), 2, "{}", b.name);
        assert!(s.claim_due_submissions("node-b", 10, claim).unwrap().is_empty(), "{}: claimed by a", b.name);
        assert!(!s.submission_sending("t1", "node-b").unwrap(), "{}: only the holder sends", b.name);
        assert_eq!(due[0].form, form, "{}", b.name);
        assert_eq!(s.next_submission_due().unwrap(), Some(0), "{}", b.name);

        assert!(s.submission_sending("t1", "node-a").unwrap(), "{}", b.name);
        s.submission_awaiting("t1", "city-token", Some("thanks"), 300).unwrap();
        let t1 = s.submission("t1").unwrap().unwrap();
        assert_eq!((t1.state.as_str(), t1.attempts, t1.city_token.as_deref()), ("awaiting", 1, Some("city-token")));
        s.submission_delivered("t1", "4711", None).unwrap();
        let t1 = s.submission("t1").unwrap().unwrap();
        assert_eq!((t1.state.as_str(), t1.service_request_id.as_deref()), ("delivered", Some("4711")), "{}", b.name);
        assert_eq!(t1.service_notice.as_deref(), Some("thanks"), "{}", b.name);

        assert!(s.submission_sending("t2", "node-a").unwrap(), "{}", b.name);
        s.submission_retry("t2", "pending", 120, "timed out").unwrap();
        assert!(s.claim_due_submissions("node-b", 10, claim).unwrap().is_empty(), "{}: not due", b.name);
        assert!((119..=120).contains(&s.next_submission_due().unwrap().unwrap()), "{}", b.name);
        s.submission_refused("t2", "the city refused it (HTTP 422): bad", Some(422)).unwrap();
        let t2 = s.submission("t2").unwrap().unwrap();
        assert_eq!((t2.state.as_str(), t2.refusal_status, t2.attempts), ("refused", Some(422), 1), "{}", b.name);
        assert_eq!(s.outbox_depth().unwrap(), 0, "{}", b.name);
        assert!(s.submission("nope").unwrap().is_none(), "{}", b.name);
    });
}

#[test]
fn a_batch_and_the_progress_after_it_are_saved_together() {
    on_both("batch_progress", |b| {
        let s = &b.store;
        s.harvest_started("city").unwrap();
        let batch: Vec<_> = (1..=3).map(|i| request(&format!("p{i}"), 1_600_000_000 + i, 1_600_000_100 + i)).collect();
        let first =
            Progress { pending: r#"[{"axis":"requested","from":1,"to":2}]"#, newest_updated: Some(1_600_000_103) };
        let done = s.upsert_with_progress("city", &batch, &[], first).unwrap();
        assert_eq!(done.counts.inserted, 3, "{}", b.name);
        let state = s.harvest_state("city").unwrap();
        assert_eq!((state.pending.as_deref(), state.newest_updated), (Some(first.pending), first.newest_updated));
        // Nothing new to write: the progress is saved all the same.
        let version = s.data_version().unwrap();
        let done =
            s.upsert_with_progress("city", &batch, &[], Progress { pending: "[]", newest_updated: None }).unwrap();
        assert_eq!(done.counts.unchanged, 3, "{}", b.name);
        let state = s.harvest_state("city").unwrap();
        assert_eq!((state.pending.as_deref(), state.newest_updated), (Some("[]"), first.newest_updated), "{}", b.name);
        assert_ne!(s.data_version().unwrap(), version, "{}: saved progress is a change", b.name);
        // A batch PostgreSQL refuses (text with a NUL byte, which SQLite keeps) saves no
        // progress either.
        if b.name == "postgres" {
            let broken = request("p\0null", 1_600_000_004, 1_600_000_104);
            let failed =
                s.upsert_with_progress("city", &[broken], &[], Progress { pending: "[9]", newest_updated: None });
            assert!(failed.is_err(), "PostgreSQL refuses a NUL byte");
            assert_eq!(
                s.harvest_state("city").unwrap().pending.as_deref(),
                Some("[]"),
                "the batch's progress is not saved"
            );
        }
        // An error quoting a city that sent a NUL is kept (as U+FFFD on PostgreSQL).
        s.harvest_finished("city", Some("HTTP 500: \"a\0b\"")).unwrap();
        let kept = s.harvest_state("city").unwrap().last_error.unwrap();
        assert!(kept.starts_with("HTTP 500: \"a") && kept.ends_with("b\""), "{}: {kept:?}", b.name);
    });
}

#[test]
fn harvest_state_keeps_plans_pending_spans_and_health() {
    on_both("harvest_state", |b| {
        let s = &b.store;
        assert_eq!(s.harvest_state("city").unwrap().health(), Health::Pending, "{}", b.name);
        s.harvest_started("city").unwrap();
        assert_eq!(s.harvest_state("city").unwrap().health(), Health::Harvesting, "{}", b.name);
        let pending = r#"[{"axis":"requested","from":1,"to":2}]"#;
        let plan = PlannedSweep {
            backfilled_until: Some(1000),
            pending: pending.into(),
            recent_rescan_at: Some(7),
            full_rescan_at: None,
        };
        s.harvest_planned("city", &plan).unwrap();
        s.harvest_progress("city", Progress { pending: "[]", newest_updated: Some(50) }).unwrap();
        s.harvest_progress("city", Progress { pending: "[]", newest_updated: Some(40) }).unwrap();
        s.harvest_progress("city", Progress { pending: "[]", newest_updated: None }).unwrap();
        s.save_learned("city", r#"{"format":"json"}"#, Some(-3), r#"{"calls":1}"#).unwrap();
        s.save_learned("city", r#"{"format":"json"}"#, None, r#"{"calls":2}"#).unwrap();
        s.harvest_finished("city", None).unwrap();
        let state = s.harvest_state("city").unwrap();
        assert_eq!(state.backfilled_until, Some(1000), "{}", b.name);
        assert_eq!(state.newest_updated, Some(50), "{}: the newest stays", b.name);
        assert_eq!(state.pending.as_deref(), Some("[]"), "{}", b.name);
        assert_eq!((state.recent_rescan_at, state.full_rescan_at), (Some(7), None), "{}", b.name);
        assert_eq!(state.clock_offset, Some(-3), "{}", b.name);
        assert_eq!(state.last_pass.as_deref(), Some(r#"{"calls":2}"#), "{}", b.name);
        assert_eq!((state.health(), state.running_since), (Health::Ok, None), "{}", b.name);
        assert!(s.last_successes().unwrap().contains_key("city"), "{}", b.name);

        s.harvest_planned("city", &PlannedSweep { pending: pending.into(), ..Default::default() }).unwrap();
        s.harvest_finished("city", Some("HTTP 500")).unwrap();
        s.harvest_finished("city", Some("HTTP 502")).unwrap();
        let state = s.harvest_state("city").unwrap();
        assert_eq!(state.backfilled_until, Some(1000), "{}: a plan without one keeps it", b.name);
        assert_eq!(state.pending.as_deref(), Some(pending), "{}: failed spans wait for the next pass", b.name);
        assert_eq!((state.consecutive_failures, state.last_error.as_deref()), (2, Some("HTTP 502")), "{}", b.name);
        assert_eq!(state.health(), Health::Failing, "{}", b.name);
    });
}

#[test]
fn one_node_at_a_time_holds_a_city() {
    on_both("leases", |b| {
        let (s, other) = (&b.store, b.reopen());
        let lease = Duration::from_secs(60);
        assert_eq!(s.claim_city("city", "a", lease).unwrap(), CityClaim::Ours { failures: 0 }, "{}", b.name);
        assert!(matches!(other.claim_city("city", "b", lease).unwrap(), CityClaim::Wait(_)), "{}", b.name);
        assert_eq!(other.city_holder("city").unwrap().as_deref(), Some("a"), "{}", b.name);
        assert!(s.renew_city("city", "a", lease).unwrap(), "{}", b.name);
        assert!(!other.renew_city("city", "b", lease).unwrap(), "{}: b holds nothing", b.name);
        s.finish_city("city", "a", Duration::from_secs(600), 2).unwrap();
        assert_eq!(s.city_holder("city").unwrap(), None, "{}", b.name);
        let CityClaim::Wait(wait) = other.claim_city("city", "b", lease).unwrap() else {
            panic!("{}: the city is not due for ten minutes", b.name)
        };
        assert!(wait > Duration::from_secs(590), "{}: {wait:?}", b.name);
        s.finish_city("city", "b", Duration::ZERO, 0).unwrap();
        assert!(
            matches!(other.claim_city("city", "b", lease).unwrap(), CityClaim::Wait(_)),
            "{}: a's finish only",
            b.name
        );

        assert_eq!(s.claim_city("town", "a", lease).unwrap(), CityClaim::Ours { failures: 0 }, "{}", b.name);
        s.release_city("town", "a").unwrap();
        assert_eq!(other.claim_city("town", "b", lease).unwrap(), CityClaim::Ours { failures: 0 }, "{}", b.name);
        s.finish_city("town", "b", Duration::ZERO, 3).unwrap();
        // Due again in (at least) a second, with its failures kept for the backoff.
        assert!(matches!(s.claim_city("town", "b", lease).unwrap(), CityClaim::Wait(_)), "{}", b.name);
        std::thread::sleep(Duration::from_millis(2100));
        assert_eq!(s.claim_city("town", "b", lease).unwrap(), CityClaim::Ours { failures: 3 }, "{}", b.name);
    });
}

#[test]
fn leases_leave_cached_answers_alone_on_postgres() {
    // PostgreSQL's data_version moves only with data a client sees (SQLite's moves with any
    // change of the file): nodes looking at cities must not drop every node's cached answers.
    let Some(b) = postgres("leases_and_data_version") else { return };
    let (s, lease) = (&b.store, Duration::from_secs(60));
    let before = s.data_version().unwrap();
    assert_eq!(s.claim_city("city", "a", lease).unwrap(), CityClaim::Ours { failures: 0 });
    assert!(matches!(b.reopen().claim_city("city", "b", lease).unwrap(), CityClaim::Wait(_)));
    assert!(s.renew_city("city", "a", lease).unwrap());
    s.finish_city("city", "a", Duration::from_secs(600), 0).unwrap();
    assert_eq!(s.claim_city("town", "a", lease).unwrap(), CityClaim::Ours { failures: 0 });
    s.release_city("town", "a").unwrap();
    assert_eq!(s.data_version().unwrap(), before);
}

#[test]
fn identity_is_kept_by_a_store_and_differs_between_stores() {
    on_both("identity", |b| {
        let id = b.store.identity().to_string();
        assert_eq!(id.len(), 32, "{}: {id}", b.name);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{}: {id}", b.name);
        assert_eq!(b.reopen().identity(), id, "{}", b.name);
    });
    let (one, two) = (sqlite(), sqlite());
    assert_ne!(one.store.identity(), two.store.identity());
    if let (Some(one), Some(two)) = (postgres("identity"), postgres("identity")) {
        assert_ne!(one.store.identity(), two.store.identity());
    }
}

#[test]
fn data_version_moves_when_another_handle_commits() {
    on_both("data_version", |b| {
        let other = b.reopen();
        let before = b.store.data_version().unwrap();
        other.harvest_started("city").unwrap();
        let after = moved_from(&b.store, before);
        assert_ne!(before, after, "{}", b.name);
        other.sync_jurisdiction("city", "City", "http://127.0.0.1:9/", "UTC").unwrap();
        let synced = moved_from(&b.store, after);
        assert_ne!(after, synced, "{}", b.name);
        other.sync_jurisdiction("city", "City", "http://127.0.0.1:9/", "UTC").unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(b.store.data_version().unwrap(), synced, "{}: an unchanged registry writes nothing", b.name);
    });
}

/// The store's `data_version` once it differs from `from`, or `from` after two seconds: another
/// handle's commit reaches a PostgreSQL store as a notification, within milliseconds.
fn moved_from(s: &Store, from: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let now = s.data_version().unwrap();
        if now != from || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Everything the API and exports read, from one set of writes, as comparable text.
fn readings(s: &Store) -> Vec<String> {
    let mut out = Vec::new();
    let services = |codes: &[&str]| -> Vec<Service> {
        codes
            .iter()
            .map(|c| Service {
                service_code: c.to_string(),
                service_name: format!("Service {c}"),
                description: None,
                metadata: c.len() > 2,
                service_type: Some("realtime".into()),
                keywords: None,
                group: None,
            })
            .collect()
    };
    s.sync_jurisdiction("b-city", "B", "http://127.0.0.1:9/b/", "UTC").unwrap();
    s.sync_jurisdiction("a-city", "A", "http://127.0.0.1:9/a/", "UTC").unwrap();
    out.push(format!("services written {}", s.upsert_services("a-city", &services(&["s0", "s1", "s2"])).unwrap()));
    out.push(format!("services again {}", s.upsert_services("a-city", &services(&["s0", "s1", "s2"])).unwrap()));
    out.push(format!("services unlisted {}", s.upsert_services("a-city", &services(&["s0", "Z9"])).unwrap()));
    let rows = vec![("s0".to_string(), "pothole".to_string(), r#"{"kind":"rule"}"#.to_string())];
    out.push(format!(
        "categories {} {}",
        s.set_service_categories("a-city", &rows).unwrap(),
        s.set_service_categories("a-city", &rows).unwrap()
    ));
    out.push(format!("{:?}", s.list_services("a-city").unwrap()));
    out.push(format!("{:?}", s.crosswalk(None).unwrap()));
    out.push(format!("{:?}", s.crosswalk(Some("b-city")).unwrap()));
    out.push(format!("{:?}", s.service_definition("a-city", "s0").unwrap()));
    out.push(format!("{:?}", s.service_definition("a-city", "nope").unwrap()));
    out.push(format!("{:?}", s.jurisdiction_endpoints().unwrap()));
    out.push(format!("changeset {}", s.changeset(&["a-city".into()]).unwrap().is_some()));

    for (j, n, offset) in [("a-city", 40, 0), ("b-city", 25, 1)] {
        // Ties of requested time within a city (ordered by id), none across cities.
        let mut batch: Vec<_> = (0..n)
            .map(|i| {
                let id = format!("{}{i}", if i % 2 == 0 { "Z" } else { "a" });
                request(&id, 1_600_000_000 + (i % 7) * 100 + offset, 1_600_000_000 + i)
            })
            .collect();
        batch[3].requested_datetime = None;
        batch[5].status = Status::Closed;
        batch[6].status = Status::Closed;
        batch[7].lat = None;
        let categories: Vec<Option<String>> = (0..n).map(|i| (i % 3 == 0).then(|| "pothole".to_string())).collect();
        out.push(format!("{:?}", s.upsert_categorized(j, &batch, &categories).unwrap()));
    }
    let filter = RequestFilter { statuses: vec![Status::Open], ..Default::default() };
    let page = RequestPage { filter: filter.clone(), offset: 2, limit: 30, ..Default::default() };
    out.extend(
        s.list_requests(&page).unwrap().iter().map(|r| {
            format!("{} {} {:?}", r.jurisdiction_id, r.request.service_request_id, r.request.requested_datetime)
        }),
    );
    let page = RequestPage { ids: vec!["a1".into(), "Z2".into()], limit: 10, ..Default::default() };
    out.extend(
        s.list_requests(&page)
            .unwrap()
            .iter()
            .map(|r| format!("ids {} {}", r.jurisdiction_id, r.request.service_request_id)),
    );
    let mut keys = Vec::new();
    let mut after = None;
    loop {
        let batch = s.request_keys_after(&["a-city".into()], after.as_ref(), 9).unwrap();
        let Some(last) = batch.last().cloned() else { break };
        keys.extend(batch);
        after = Some(last);
    }
    out.push(format!("keys {keys:?}"));
    out.push(format!("all keys {}", s.request_keys_after(&[], None, 1000).unwrap().len()));
    out.push(format!("points {:?}", s.points("a-city", 10).unwrap()));
    let stats = |scope: StatsScope<'_>| {
        let mut rows = Vec::new();
        s.visit_stats_rows(scope, |r: StatsRow<'_>| rows.push(format!("{r:?}"))).unwrap();
        rows.sort();
        rows
    };
    out.extend(stats(StatsScope::Filter(&RequestFilter::default())));
    out.extend(stats(StatsScope::Filter(&RequestFilter { categories: vec!["pothole".into()], ..filter })));
    out.extend(stats(StatsScope::Keys(&keys[..5])));
    out.extend(histories(s));
    out
}

/// Every kind of history a request can have (never changed, changed within its first batch,
/// changed later, changed twice, replaced by another report under its id, given a category
/// alone), read back entry by entry: PostgreSQL writes a `created` entry only once its request
/// is rewritten, SQLite at once, and both must answer alike.
fn histories(s: &Store) -> Vec<String> {
    let closed = |mut r: ServiceRequest| {
        r.status = Status::Closed;
        r.status_raw = Some("Done".into());
        r
    };
    let base = |id: &str| request(id, 1_600_000_000, 1_600_000_100);
    let later = |id: &str| request(id, 1_600_000_000, 1_600_000_200);
    let first = vec![base("h1"), base("h2"), base("h3"), base("h4"), base("h5"), closed(later("h5")), base("h6")];
    let other_report = request("h4", 1_500_000_000, 1_600_000_300);
    let mut described = later("h6");
    described.description = Some("deep pothole".into());
    let second = vec![base("h1"), closed(later("h2")), base("h3"), other_report, described.clone()];
    let categories = [None, None, Some("pothole".to_string()), None, None];
    let mut noted = closed(request("h2", 1_600_000_000, 1_600_000_400));
    noted.status_notes = Some("filled".into());
    let mut out = vec![
        format!("{:?}", s.upsert_requests("h-city", &first).unwrap()),
        format!("{:?}", s.upsert_categorized("h-city", &second, &categories).unwrap()),
        format!("{:?}", s.upsert_requests("h-city", &[noted, described]).unwrap()),
    ];
    for id in ["h1", "h2", "h3", "h4", "h5", "h6", "missing"] {
        let first_seen = s.get_request("h-city", id).unwrap().map(|r| r.first_seen);
        for h in s.history_entries("h-city", id).unwrap() {
            let when = if Some(h.seen_at) == first_seen { "first seen" } else { "later" };
            out.push(format!(
                "history {id} {} {when} {:?} {:?} {:?} {:?} {:?}",
                h.change, h.status, h.status_raw, h.status_notes, h.updated_at, h.description
            ));
        }
    }
    out
}

#[test]
fn both_backends_answer_every_read_the_same() {
    let Some(pg) = postgres("same_answers") else {
        return;
    };
    let lite = sqlite();
    let (want, got) = (readings(&lite.store), readings(&pg.store));
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "reading {i} differs");
    }
    assert_eq!(want.len(), got.len());
}

/// A simulated city harvested into each backend and served through `App`: the GeoReport list
/// and the federation search answer alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_harvested_into_postgres_is_served_as_from_sqlite() {
    let Some(pg) = tokio::task::spawn_blocking(|| postgres("end_to_end")).await.unwrap() else {
        return;
    };
    let cities = SimCities::start(&[("town", "America/Toronto", 7)], 300).await;
    cities.harvest().await;
    let index = tempfile::tempdir().unwrap();
    let into_pg = pg.store.clone();
    let report =
        fed311::harvest::harvest_city(&cities.client, &into_pg, cities.registry.get("town").unwrap(), false).await;
    assert!(report.succeeded(), "{:?}", report.failure);
    assert_eq!(report.counts.inserted, 300);

    let mut answers = Vec::new();
    for (location, index) in [
        (StoreLocation::Sqlite(cities.data.path().to_path_buf()), cities.data.path().join("index")),
        (pg.location.clone(), index.path().to_path_buf()),
    ] {
        let settings = fed311::app::Settings {
            store: location,
            ..crate::common::test_settings(cities.jurisdictions.path(), cities.data.path())
        };
        let settings = fed311::app::Settings { index: Some(index), ..settings };
        let (api, _stop) = crate::common::spawn_app(settings).await;
        let mut got = Vec::new();
        for path in [
            "/open311/v2/requests.json?jurisdiction_id=town&page_size=50",
            "/open311/v2/requests.json?jurisdiction_id=town&status=closed&page=2&page_size=20",
            "/api/v1/requests?jurisdiction_id=town&q=pothole&limit=20",
            "/api/v1/stats?jurisdiction_id=town&group_by=status",
        ] {
            let (status, body) = get_json(&format!("http://{api}{path}")).await;
            assert_eq!(status, 200, "{path}: {body}");
            got.push(strip_volatile(body));
        }
        answers.push(got);
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0][0].as_array().is_some_and(|a| a.len() == 50), "{}", answers[0][0]);
}

/// Drops what differs between two harvests by nature: timings, and when each record was seen
/// (the two harvests may fall in different seconds).
fn strip_volatile(mut value: serde_json::Value) -> serde_json::Value {
    match &mut value {
        serde_json::Value::Object(object) => {
            for key in ["took_ms", "generated_at", "as_of", "first_seen", "last_seen"] {
                object.remove(key);
            }
            for child in object.values_mut() {
                *child = strip_volatile(child.take());
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter_mut() {
                *item = strip_volatile(item.take());
            }
        }
        _ => {}
    }
    value
}

/// A node whose version listener loses its connection (a PostgreSQL restart, a proxy
/// timeout, an administrator) still sees other nodes' writes: it reads the version from the
/// table until the listener is back, and the listener comes back by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_whose_listener_is_cut_off_still_sees_other_nodes_writes() {
    let Some(b) = tokio::task::spawn_blocking(|| postgres("listener")).await.unwrap() else { return };
    let StoreLocation::Postgres(url) = b.location.clone() else { unreachable!("a PostgreSQL backend") };
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let b = Arc::new(b);
    let other = {
        let b = b.clone();
        tokio::task::spawn_blocking(move || b.reopen()).await.unwrap()
    };
    let count = |sql: &'static str| {
        let admin = &admin;
        async move { admin.query_one(sql, &[&fed311::store::POSTGRES_LISTENER_NAME]).await.unwrap().get::<_, i64>(0) }
    };
    let listening =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1";
    let cut = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
               WHERE datname = current_database() AND application_name = $1";
    assert_eq!(eventually(|| count(listening), 2).await, 2, "each store listens");
    assert_eq!(count(cut).await, 2);
    for round in 0..2 {
        let before = b.store.data_version().unwrap();
        let writer = other.clone();
        tokio::task::spawn_blocking(move || writer.harvest_started(&format!("city-{round}")).unwrap()).await.unwrap();
        let store = b.store.clone();
        let after = tokio::task::spawn_blocking(move || moved_from(&store, before)).await.unwrap();
        assert_ne!(before, after, "round {round}: another node's write is seen");
        if round == 0 {
            assert_eq!(eventually(|| count(listening), 2).await, 2, "the listeners come back");
        }
    }
}

/// `probe`'s answer once it is `want`, or its last answer after five seconds.
async fn eventually<F: std::future::Future<Output = i64>>(probe: impl Fn() -> F, want: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = probe().await;
        if got == want || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
