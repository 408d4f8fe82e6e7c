//! The repository's `index/` folder holds a `.gitignore`: an unusable index there (another
//! version's, or corrupt) is rebuilt without touching it, so `fed311 serve` works on its
//! defaults in a clone.

use fed311::search::SearchIndex;

#[test]
fn an_unusable_index_beside_a_gitignore_is_rebuilt_and_the_gitignore_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "*\n!.gitignore\n").unwrap();
    std::fs::write(dir.path().join("meta.json"), "{ not an index }").unwrap();
    let index = SearchIndex::open(dir.path()).expect("rebuilt in place");
    assert_eq!(index.num_docs(), 0);
    assert_eq!(std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(), "*\n!.gitignore\n");
    drop(index);
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    std::fs::write(dir.path().join("meta.json"), "{ not an index }").unwrap();
    assert!(SearchIndex::open(dir.path()).is_err(), "a folder holding other files is never emptied");
}

fn requests(n: usize) -> Vec<fed311::domain::ServiceRequest> {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"service_request_id":"R{i}","status":"open","description":"pothole {i}","requested_datetime":"2024-05-01T10:00:00Z"}}"#))
        .collect();
    fed311::wire::read::parse_requests(format!("[{}]", items.join(",")).as_bytes(), &jiff::tz::TimeZone::UTC)
        .unwrap()
        .items
}

#[test]
fn an_index_ahead_of_its_store_is_rebuilt_from_that_store() {
    use fed311::store::Store;
    let (big, small, index_dir) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = Store::open(big.path()).unwrap();
    first.upsert_requests("a", &requests(5)).unwrap();
    let index = SearchIndex::open(index_dir.path()).unwrap();
    index.catch_up(&first).unwrap();
    assert_eq!(index.num_docs(), 5);
    // The same index folder, now beside a smaller store: it must show that store, not the old.
    let second = Store::open(small.path()).unwrap();
    second.upsert_requests("b", &requests(2)).unwrap();
    index.catch_up(&second).unwrap();
    assert_eq!(index.num_docs(), 2);
}

#[test]
fn an_index_behind_another_store_is_rebuilt_from_that_store() {
    use fed311::domain::RequestFilter;
    use fed311::search::SearchQuery;
    use fed311::store::Store;
    let (small, big, index_dir) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = Store::open(small.path()).unwrap();
    first.upsert_requests("a", &requests(2)).unwrap();
    let index = SearchIndex::open(index_dir.path()).unwrap();
    index.catch_up(&first).unwrap();
    drop(index);
    // Another store whose seq is past the index's: only its identity tells them apart.
    let second = Store::open(big.path()).unwrap();
    second.upsert_requests("b", &requests(5)).unwrap();
    assert_ne!(first.identity(), second.identity());
    let index = SearchIndex::open(index_dir.path()).unwrap();
    index.catch_up(&second).unwrap();
    assert_eq!(index.num_docs(), 5);
    let from_first = SearchQuery { filter: RequestFilter::of_jurisdiction("a"), ..SearchQuery::default() };
    assert_eq!(index.search(&from_first).unwrap().total, 0, "nothing of the first store is left");
    let reopened = Store::open(big.path()).unwrap();
    assert_eq!(reopened.identity(), second.identity(), "a store keeps its identity");
}
