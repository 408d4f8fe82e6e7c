//! The indexer: the index follows the store by tailing `seq`. Everything past the seq recorded
//! in the last commit is read in seq order, upserted (delete the key's term, add the new
//! document) and committed with the new seq as payload, so a crash or a deleted folder only
//! means catching up again. Commits happen every ~2 s during a long catch-up and once at its
//! end, never per batch; the reader is reloaded after each commit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tantivy::Term;
use tokio::sync::watch;

use super::Result;
use super::index::{SearchIndex, Writer};
use super::schema;
use crate::store::{Store, StoredRequest};

/// Rows read from the store at a time.
const BATCH: usize = 10_000;
/// Longest time between commits while catching up.
const COMMIT_EVERY: Duration = Duration::from_secs(2);
/// How often the running indexer looks for new rows.
const POLL_EVERY: Duration = Duration::from_millis(500);

impl SearchIndex {
    /// Indexes everything the store holds past the last commit, then commits; returns how
    /// many requests were (re)indexed. Safe to call from several threads (they take turns).
    pub fn catch_up(&self, store: &Store) -> Result<u64> {
        self.catch_up_until(store, &AtomicBool::new(false))
    }

    /// Empties the index and indexes the whole store again.
    pub fn rebuild(&self, store: &Store) -> Result<u64> {
        {
            let mut w = self.writer();
            w.writer.delete_all_documents()?;
            w.store = Some(store.identity().to_string());
            w.commit(0)?;
        }
        self.inner.reader.reload()?;
        self.inner.searchable.store(0, std::sync::atomic::Ordering::Relaxed);
        self.catch_up(store)
    }

    /// Like [`SearchIndex::catch_up`], stopping at the next commit once `stop` is set.
    pub fn catch_up_until(&self, store: &Store, stop: &AtomicBool) -> Result<u64> {
        let built_from = self.writer().store.clone();
        let other_store = built_from.as_deref().is_some_and(|id| id != store.identity());
        if other_store || self.indexed_seq() > store.max_seq()? {
            // Built from another store (a different `--data`, or a restored backup; an index
            // from before stores had an identity shows it by being ahead). Start over.
            tracing::warn!(indexed = self.indexed_seq(), "Search index belongs to another store: rebuilding it");
            return self.rebuild(store);
        }
        let mut w = self.writer();
        w.store = Some(store.identity().to_string());
        let done = self.follow(&mut w, store, stop);
        if done.is_err() {
            // Forget what was added since the last commit: the next round adds it again.
            if let Err(e) = w.writer.rollback() {
                tracing::warn!(error = %e, "Could not roll the index writer back");
            }
        }
        done
    }

    fn follow(&self, w: &mut Writer, store: &Store, stop: &AtomicBool) -> Result<u64> {
        // A fresh index holds no key yet: rows up to the store's current seq are read once
        // each, so they need no delete. Later rows may be rewrites of earlier ones.
        let fresh = w.seq == 0 && self.inner.reader.searcher().num_docs() == 0;
        let no_delete_until = if fresh { store.max_seq()? } else { 0 };
        let (mut seq, mut indexed, mut pending) = (w.seq, 0u64, 0u64);
        let mut last_commit = Instant::now();
        loop {
            let rows = store.requests_after_seq(seq, BATCH)?;
            let Some(last) = rows.last() else { break };
            seq = last.seq;
            self.add_rows(w, &rows, no_delete_until)?;
            (indexed, pending) = (indexed + rows.len() as u64, pending + rows.len() as u64);
            if last_commit.elapsed() >= COMMIT_EVERY {
                self.commit(w, seq)?;
                (pending, last_commit) = (0, Instant::now());
                if stop.load(Ordering::Relaxed) {
                    return Ok(indexed);
                }
            }
            if rows.len() < BATCH {
                break;
            }
        }
        if pending > 0 {
            self.commit(w, seq)?;
        }
        Ok(indexed)
    }

    fn add_rows(&self, w: &Writer, rows: &[StoredRequest], no_delete_until: i64) -> Result<()> {
        let f = &self.inner.fields;
        for row in rows {
            if row.seq > no_delete_until {
                let key = schema::key(&row.jurisdiction_id, &row.request.service_request_id);
                w.writer.delete_term(Term::from_field_text(f.key, &key));
            }
            w.writer.add_document(schema::document(f, row))?;
        }
        Ok(())
    }

    fn commit(&self, w: &mut Writer, seq: i64) -> Result<()> {
        w.commit(seq)?;
        self.inner.reader.reload()?;
        self.inner.searchable.store(seq, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

/// Follows the store until `shutdown` turns true (or its sender is dropped): catches up, then
/// looks for new rows every 500 ms. Errors are logged and retried on the next round.
pub async fn run_indexer(index: SearchIndex, store: Store, mut shutdown: watch::Receiver<bool>) {
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let mut failing = false;
    while !*shutdown.borrow() {
        let (i, s, flag) = (index.clone(), store.clone(), stop.clone());
        let mut work = tokio::task::spawn_blocking(move || i.catch_up_until(&s, &flag));
        let done = tokio::select! {
            done = &mut work => done,
            _ = shutdown.changed() => {
                stop.store(true, Ordering::Relaxed);
                work.await
            }
        };
        let failed = matches!(done, Ok(Err(_)));
        match &done {
            Ok(Ok(n)) if *n > 0 => tracing::debug!(indexed = *n, seq = index.indexed_seq(), "Indexed new requests"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) if !failing => tracing::error!(error = %e, "Indexing failed; retrying"),
            Ok(Err(_)) => {}
            Err(e) => tracing::error!(error = %e, "Indexing task died; retrying"),
        }
        failing = failed;
        tokio::select! {
            _ = tokio::time::sleep(POLL_EVERY) => {}
            changed = shutdown.changed() => if changed.is_err() { break },
        }
    }
    tracing::info!(seq = index.indexed_seq(), "Indexer stopped");
}
