//! Streamed answers (`format=geojson|csv|ndjson`): the whole result set, page after page of
//! keys from the index (cursor paging, so each record comes once) and records from the
//! store, written by the one record writer ([`crate::export::record`]) in ~64 KiB chunks
//! through a small channel. Memory stays bounded however
//! many rows there are; a client that goes away stops the work at the next chunk.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use crate::api::AppState;
use crate::export::Format;
use crate::export::record::RecordWriter;
use crate::search::{MAX_LIMIT, SearchPage, SearchQuery};

/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the client at most.
const IN_FLIGHT: usize = 4;

type Chunk = Result<Bytes, std::io::Error>;

/// The channel's receiving end as a body stream.
struct Chunks(mpsc::Receiver<Chunk>);

impl futures_core::Stream for Chunks {
    type Item = Chunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        self.0.poll_recv(cx)
    }
}

/// What the stream needs: the query (with its first page already found, so a bad query is
/// answered with a 400 before anything is streamed) and the row cap.
pub struct Streamed {
    /// The query; its cursor moves page by page.
    pub query: SearchQuery,
    /// The first page.
    pub first: SearchPage,
    /// The output form.
    pub format: Format,
    /// At most this many records.
    pub rows: Option<u64>,
}

/// Batch size of streamed searches.
pub const BATCH: usize = MAX_LIMIT;

/// Starts streaming `streamed` from the store in `state`.
pub fn stream(state: AppState, streamed: Streamed) -> Response {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let total = streamed.first.total.to_string();
    let content_type = streamed.format.media_type();
    tokio::task::spawn_blocking(move || match produce(&state, streamed, &tx) {
        Ok(()) => {}
        Err(Stop::Gone) => tracing::debug!("Export stopped: the client went away"),
        Err(e) => {
            tracing::error!(error = %e, "Export failed midway");
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let headers =
        [(header::CONTENT_TYPE, content_type.to_string()), (header::HeaderName::from_static("x-total-count"), total)];
    (headers, Body::from_stream(Chunks(rx))).into_response()
}

/// Why an export stopped early.
#[derive(Debug, thiserror::Error)]
enum Stop {
    #[error("the client went away")]
    Gone,
    #[error("the search index went away")]
    NoIndex,
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

fn produce(state: &AppState, mut streamed: Streamed, tx: &mpsc::Sender<Chunk>) -> Result<(), Stop> {
    let mut writer = RecordWriter::new(streamed.format);
    let mut out = Vec::with_capacity(CHUNK * 2);
    writer.head(&mut out);
    let mut left = streamed.rows.unwrap_or(u64::MAX);
    let mut page = std::mem::replace(&mut streamed.first, SearchPage::empty());
    loop {
        page.truncate(usize::try_from(left).unwrap_or(usize::MAX));
        left -= page.hits.len() as u64;
        for stored in page.records(&state.store)? {
            // Records always serialize; a failure would only drop the one record.
            let _ = writer.record(&mut out, &stored);
            if out.len() >= CHUNK {
                send(tx, &mut out)?;
            }
        }
        let Some(cursor) = page.next_cursor.take().filter(|_| left > 0) else { break };
        streamed.query.cursor = Some(cursor);
        let index = state.index.as_ref().ok_or(Stop::NoIndex)?;
        page = index.search(&streamed.query)?;
    }
    writer.tail(&mut out);
    send(tx, &mut out)
}

fn send(tx: &mpsc::Sender<Chunk>, out: &mut Vec<u8>) -> Result<(), Stop> {
    let chunk = Bytes::from(std::mem::replace(out, Vec::with_capacity(CHUNK * 2)));
    tx.blocking_send(Ok(chunk)).map_err(|_| Stop::Gone)
}
