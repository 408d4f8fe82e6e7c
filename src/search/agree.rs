//! The shortcuts (`list.rs`, `scored.rs`) against the collector, on a real store and a
//! real index of several segments with deleted documents: every page, cursor and total of
//! every list and text search must be the collector's, document for document. The data
//! has many equal times (ties broken by the key hash), requests without times, words at
//! every frequency (one held hundreds of times by one request) and texts of every length.

use jiff::Timestamp;

use super::query::{SearchQuery, Sort};
use super::{SearchIndex, SearchPage};
use crate::domain::{RequestFilter, ServiceRequest, Status};
use crate::store::Store;

const CITIES: [&str; 3] = ["north", "south", "east"];
const FILLER: [&str; 8] = ["blue", "lamp", "curb", "fence", "drain", "sign", "bench", "wall"];

/// xorshift64: the same data every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn request(rng: &mut Rng, id: u64) -> ServiceRequest {
    let at = |n: u64| Timestamp::from_second(1_500_000_000 + n as i64 * 3_600).ok();
    let requested = if rng.chance(4) { None } else { at(rng.below(400)) };
    let updated = if rng.chance(4) { None } else { at(rng.below(420)) };
    let mut words: Vec<&str> = Vec::new();
    for (word, percent) in [("pothole", 45), ("street", 30), ("night", 20), ("water", 8), ("rare", 1)] {
        if rng.chance(percent) {
            (0..1 + rng.below(3)).for_each(|_| words.push(word));
        }
    }
    (0..rng.below(14)).for_each(|_| words.push(FILLER[rng.below(8) as usize]));
    if id == 77 {
        words.extend(["pothole"; 300]);
    }
    ServiceRequest {
        status: if rng.chance(60) { Status::Closed } else { Status::Open },
        service_code: Some(format!("s{}", rng.below(5))),
        description: Some(words.join(" ")),
        requested_datetime: requested,
        updated_datetime: updated,
        ..ServiceRequest::new(format!("R-{id}"))
    }
}

/// A store of 3,000 requests indexed in four commits, then 300 of them changed.
fn world() -> (tempfile::TempDir, Store, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let index = SearchIndex::open(&dir.path().join("index")).unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for batch in 0..4u64 {
        for (i, city) in CITIES.iter().enumerate() {
            let requests: Vec<ServiceRequest> =
                (0..250).map(|n| request(&mut rng, batch * 1000 + i as u64 * 250 + n)).collect();
            store.upsert_requests(city, &requests).unwrap();
        }
        index.catch_up(&store).unwrap();
    }
    let changed: Vec<ServiceRequest> = (0..300).map(|n| request(&mut rng, n * 7 % 1000)).collect();
    store.upsert_requests("north", &changed).unwrap();
    index.catch_up(&store).unwrap();
    (dir, store, index)
}

fn query(filter: RequestFilter, text: Option<&str>, sort: Sort, limit: usize) -> SearchQuery {
    SearchQuery { filter, text: text.map(str::to_string), sort, limit, ..SearchQuery::default() }
}

fn at(hours: i64) -> Option<Timestamp> {
    Timestamp::from_second(1_500_000_000 + hours * 3_600).ok()
}

/// Every page of `q` both ways, following cursors; the shortcut must be taken.
fn agree(index: &SearchIndex, q: &SearchQuery) {
    let searcher = index.inner.reader.searcher();
    let columns = index.inner.columns.for_searcher(&searcher).unwrap();
    assert!(index.shortcut(q, &searcher, &columns, None, 1).unwrap().is_some(), "a shortcut takes {q:?}");
    let mut q = q.clone();
    let mut pages = 0;
    loop {
        let (fast, collected): (SearchPage, SearchPage) =
            (index.search_by(&q, true).unwrap(), index.search_by(&q, false).unwrap());
        assert_eq!(fast, collected, "{q:?}, page {pages}");
        pages += 1;
        match fast.next_cursor {
            Some(cursor) if pages < 40 => q.cursor = Some(cursor),
            _ => break,
        }
    }
    let offset = SearchQuery { offset: 7, cursor: None, ..q };
    assert_eq!(index.search_by(&offset, true).unwrap(), index.search_by(&offset, false).unwrap(), "{offset:?}");
}

#[test]
fn lists_and_common_words_answer_as_the_collector_does() {
    let (_dir, _store, index) = world();
    let segments = index.inner.reader.searcher().segment_readers().len();
    let deletes = index.inner.reader.searcher().segment_readers().iter().any(|r| r.num_deleted_docs() > 0);
    assert!(segments > 1 && deletes, "{segments} segments, deletes: {deletes}");
    let city = |ids: &[&str]| RequestFilter {
        jurisdictions: ids.iter().map(|s| s.to_string()).collect(),
        ..RequestFilter::default()
    };
    let closed = |f: RequestFilter| RequestFilter { statuses: vec![Status::Closed], ..f };
    let mut filters = vec![
        RequestFilter::default(),
        city(&["north"]),
        city(&["south", "east"]),
        closed(city(&["north"])),
        RequestFilter { service_codes: vec!["s1".into(), "s3".into()], ..city(&["east"]) },
        RequestFilter { start: at(100), end: at(180), ..city(&["north"]) },
        RequestFilter { updated_after: at(50), ..closed(RequestFilter::default()) },
        RequestFilter { updated_after: at(350), updated_before: at(380), ..city(&["south"]) },
        RequestFilter { start: at(10), updated_before: at(300), ..RequestFilter::default() },
        RequestFilter { start: at(399), end: at(399), ..RequestFilter::default() },
        city(&["nowhere"]),
    ];
    for filter in &filters {
        for sort in [Sort::Newest, Sort::Oldest, Sort::RecentlyUpdated] {
            for limit in [1, 13, 200] {
                agree(&index, &query(filter.clone(), None, sort, limit));
            }
        }
    }
    filters.truncate(5);
    for filter in &filters {
        for text in ["pothole", "street night", "pothole street night", "night pothole pothole", "Water"] {
            for limit in [1, 9, 100] {
                agree(&index, &query(filter.clone(), Some(text), Sort::Relevance, limit));
            }
        }
    }
}

#[test]
fn a_rare_word_or_a_place_takes_the_collector() {
    let (_dir, _store, index) = world();
    let searcher = index.inner.reader.searcher();
    let columns = index.inner.columns.for_searcher(&searcher).unwrap();
    let rare = query(RequestFilter::default(), Some("rare"), Sort::Relevance, 10);
    let phrase = query(RequestFilter::default(), Some("\"pothole street\""), Sort::Relevance, 10);
    let either = query(RequestFilter::default(), Some("pothole OR night"), Sort::Relevance, 10);
    let by_time = query(RequestFilter::default(), Some("pothole"), Sort::Newest, 10);
    let boxed =
        SearchQuery { bbox: Some(super::Bbox::WORLD), ..query(RequestFilter::default(), None, Sort::Newest, 5) };
    for q in [rare, phrase, either, by_time, boxed] {
        assert!(index.shortcut(&q, &searcher, &columns, None, 11).unwrap().is_none(), "{q:?}");
    }
}
