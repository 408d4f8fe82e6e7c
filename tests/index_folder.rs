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
