//! [`SearchIndex`]: the tantivy index in the index folder, one writer and one reader behind a
//! cheap-clone handle. Opening never fails on a missing, corrupt or outdated index: the folder
//! is emptied and a new index started from seq 0 (the store is the truth, the indexer
//! rebuilds it). It refuses to empty a folder holding anything that is not tantivy's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::indexer::LogMergePolicy;
use tantivy::query::QueryParser;
use tantivy::schema::Schema;
use tantivy::store::Compressor;
use tantivy::{Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument};

use super::columns::ColumnCache;
use super::schema::{self, Fields};
use super::{Result, SearchError};

/// Version of the schema and payload; a different one in the folder means rebuild.
const VERSION: u32 = 2;
/// Writer memory, shared by its threads (larger means fewer, bigger segments).
const WRITER_MEMORY: usize = 256 << 20;

/// A cheap-to-clone handle on the search index.
#[derive(Clone)]
pub struct SearchIndex {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub dir: PathBuf,
    pub fields: Fields,
    pub reader: IndexReader,
    pub parser: QueryParser,
    pub writer: Mutex<Writer>,
    pub columns: ColumnCache,
    /// The seq of the last commit, readable while the writer is busy catching up.
    pub searchable: AtomicI64,
}

/// The writer, the store seq its last commit covers and the store it was built from.
pub(super) struct Writer {
    pub writer: IndexWriter<TantivyDocument>,
    pub seq: i64,
    /// [`crate::store::Store::identity`] of the store indexed (`None` before the first commit).
    pub store: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    version: u32,
    seq: i64,
    #[serde(default)]
    store: Option<String>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the folder or a fresh index when needed.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(|source| SearchError::Folder { path: dir.to_path_buf(), source })?;
        let (schema, fields) = schema::build();
        let index = match open_existing(dir, &schema) {
            Ok(Some(index)) => index,
            Ok(None) => create(dir, schema)?,
            Err(reason) => {
                tracing::warn!(folder = %dir.display(), %reason, "Search index unusable: rebuilding it from the store");
                empty_folder(dir)?;
                create(dir, schema)?
            }
        };
        schema::register_analyzer(&index);
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
        let writer = index.writer_with_num_threads(threads, WRITER_MEMORY)?;
        writer.set_merge_policy(Box::new(merge_policy()));
        let (seq, store) = committed(&index).map_or((0, None), |p| (p.seq, p.store));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser = QueryParser::for_index(&index, schema::text_fields(&fields));
        parser.set_conjunction_by_default();
        let writer = Mutex::new(Writer { writer, seq, store });
        let searchable = AtomicI64::new(seq);
        let columns = ColumnCache::default();
        let inner = Inner { dir: dir.to_path_buf(), fields, reader, parser, writer, columns, searchable };
        Ok(SearchIndex { inner: Arc::new(inner) })
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The store seq covered by the last commit: everything up to it is searchable.
    pub fn indexed_seq(&self) -> i64 {
        self.writer().seq
    }

    /// The store seq searchable now, without waiting for a catch-up in progress (which holds
    /// the writer): what `/readyz` and the index lag compare with the store.
    pub fn searchable_seq(&self) -> i64 {
        self.inner.searchable.load(Ordering::Relaxed)
    }

    /// Documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Segments in the index's last saved state; background merges lower it after a bulk
    /// index (the query bench waits for it to settle).
    pub fn segment_count(&self) -> Result<usize> {
        Ok(self.writer().writer.index().searchable_segment_ids()?.len())
    }

    pub(super) fn writer(&self) -> MutexGuard<'_, Writer> {
        self.inner.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Writer {
    /// Commits what was added, recording `seq` and the store in the commit payload.
    pub fn commit(&mut self, seq: i64) -> Result<()> {
        let payload =
            serde_json::to_string(&Payload { version: VERSION, seq, store: self.store.clone() }).unwrap_or_default();
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.seq = seq;
        Ok(())
    }
}

/// Merges as soon as four segments of a size are there (tantivy waits for eight): a query
/// pays a fixed cost per segment, and this index is read far more often than written.
fn merge_policy() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_min_num_segments(4);
    policy
}

/// A new index: the document store (keys only) in small uncompressed blocks, so reading one
/// key touches a few hundred bytes.
fn create(dir: &Path, schema: Schema) -> tantivy::Result<Index> {
    let settings =
        IndexSettings { docstore_compression: Compressor::None, docstore_blocksize: 2048, ..IndexSettings::default() };
    Index::builder().schema(schema).settings(settings).create_in_dir(dir)
}

fn committed(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// Why an index found in the folder is not used (it is rebuilt from the store).
#[derive(Debug, thiserror::Error)]
enum Unusable {
    /// tantivy cannot open or read it.
    #[error("{0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Its fields are not this version's.
    #[error("its schema is not this version's")]
    Schema,
    /// It was not committed by this version.
    #[error("its commit payload is missing or from another version")]
    Payload,
}

/// The index in `dir` if it is usable; `None` when there is none yet.
fn open_existing(dir: &Path, schema: &Schema) -> std::result::Result<Option<Index>, Unusable> {
    if !dir.join("meta.json").exists() {
        return Ok(None);
    }
    let index = Index::open_in_dir(dir)?;
    if index.schema() != *schema {
        return Err(Unusable::Schema);
    }
    let has_docs = index.searchable_segment_metas()?.iter().any(|m| m.max_doc() > 0);
    match committed(&index) {
        Some(p) if p.version == VERSION => {}
        None if !has_docs => {}
        _ => return Err(Unusable::Payload),
    }
    index.reader()?;
    Ok(Some(index))
}

/// Removes tantivy's files from `dir` (a `.gitignore` stays); refuses when it holds anything
/// else.
fn empty_folder(dir: &Path) -> Result<()> {
    let io = |source| SearchError::Folder { path: dir.to_path_buf(), source };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == ".gitignore" {
            // The repository's `index/` keeps one, so the folder exists in a fresh clone.
            continue;
        }
        if !path.is_file() || !is_tantivy_file(name) {
            return Err(SearchError::NotAnIndex { path: dir.to_path_buf(), entry: name.to_string() });
        }
        files.push(path);
    }
    files.iter().try_for_each(std::fs::remove_file).map_err(io)
}

fn is_tantivy_file(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    matches!(name, "meta.json" | ".managed.json")
        || (name.starts_with(".tantivy-") && name.ends_with(".lock"))
        || (stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()))
}
