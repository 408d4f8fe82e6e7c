//! Search: a tantivy index in the index folder that follows the store. SQLite is the truth;
//! the index only finds requests, and callers read the records from the store.
//!
//! - `schema.rs`: fields, the text analyzer, request → document; `periods.rs`: time periods.
//! - `columns.rs`: each segment's fast-field columns, opened once, with its id-filter bitsets
//!   (`filter.rs`) and its points sorted by cell (`points.rs`), which become bitset clauses
//!   (`bits.rs`).
//! - [`SearchIndex`] (`index.rs`): open or recreate the folder, one writer, one reader.
//! - `indexer.rs`: [`SearchIndex::catch_up`] tails the store's `seq` and records it in the
//!   commit payload; [`run_indexer`] does so every 500 ms inside `fed311 serve`.
//! - [`SearchQuery`] → [`SearchPage`] (`query.rs`, `find.rs`, `page.rs`): a list in a time
//!   order reads each segment's time orders (`ranking.rs`, `list.rs`); a text of common words
//!   is scored over bitsets (`words.rs`, `scored.rs`); anything else is planned
//!   (`plan.rs` splits the filters between the index and the collector's exact checks,
//!   `checks.rs`, [`area`]) and collected (`collect.rs` ranks by relevance, time or
//!   distance). `cursor.rs` makes exact keyset cursors; a page's hits carry the store `seq`
//!   its records are read by.
//! - [`Grid`] (`grid.rs`): a search's matches counted per cell of a map grid over a box.

#[cfg(test)]
mod agree;
pub mod area;
mod bits;
mod checks;
mod collect;
mod columns;
mod cursor;
mod filter;
mod find;
mod grid;
mod index;
mod indexer;
mod list;
mod page;
mod periods;
mod plan;
mod points;
mod query;
mod ranking;
mod schema;
mod scored;
mod words;

use std::path::{Path, PathBuf};

pub use area::{Bbox, BboxError, Radius};
pub use grid::{Grid, GridCell, MAX_ZOOM};
pub use index::SearchIndex;
pub use indexer::run_indexer;
pub use page::{Hit, SearchPage};
pub use query::{DEFAULT_LIMIT, MAX_LIMIT, SearchQuery, Sort};

use crate::store::{Store, StoreError};

/// Search failures.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A query parameter is wrong; `parameter` names it as the API spells it.
    #[error("{detail}")]
    Invalid {
        /// The parameter at fault.
        parameter: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// tantivy failed.
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The store failed while indexing.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index folder is unusable.
    #[error("cannot use index folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The index folder holds files that are not tantivy's, so it is not emptied.
    #[error("{path} is not an index folder (it holds `{entry}`); give --index an empty or index folder")]
    NotAnIndex {
        /// The folder.
        path: PathBuf,
        /// A foreign entry.
        entry: String,
    },
    /// The index holds something it should not.
    #[error("search index is damaged: {0}; run `fed311 reindex`")]
    Corrupt(&'static str),
}

/// Short alias for search results.
pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// `fed311 reindex`: empties the index in `index_dir` and indexes the whole store again;
/// returns how many requests were indexed.
pub async fn reindex(index_dir: &Path, store: Store) -> Result<u64> {
    let dir = index_dir.to_path_buf();
    tokio::task::spawn_blocking(move || SearchIndex::open(&dir)?.rebuild(&store))
        .await
        .map_err(|e| SearchError::Folder { path: index_dir.to_path_buf(), source: std::io::Error::other(e) })?
}
