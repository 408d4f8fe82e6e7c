//! Streamed answers (`format=geojson|csv|ndjson`): the whole result set, page after page of
//! keys from the index (cursor paging, so each record comes once) and records from the
//! store, written in ~64 KiB chunks through a small channel. Memory stays bounded however
//! many rows there are; a client that goes away stops the work at the next chunk.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use super::form::Format;
use super::record;
use crate::api::AppState;
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
pub struct Export {
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

/// Starts streaming `export` from the store in `state`.
pub fn stream(state: AppState, export: Export) -> Response {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let total = export.first.total.to_string();
    let content_type = match export.format {
        Format::GeoJson => "application/geo+json",
        Format::Csv => "text/csv; charset=utf-8",
        Format::Json | Format::NdJson => "application/x-ndjson",
    };
    tokio::task::spawn_blocking(move || match produce(&state, export, &tx) {
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

fn produce(state: &AppState, mut export: Export, tx: &mpsc::Sender<Chunk>) -> Result<(), Stop> {
    let format = export.format;
    let mut out = Vec::with_capacity(CHUNK * 2);
    out.extend_from_slice(record::head(format).as_bytes());
    if format == Format::Csv {
        record::csv_header(&mut out);
    }
    let mut left = export.rows.unwrap_or(u64::MAX);
    let mut page = std::mem::replace(&mut export.first, SearchPage::empty());
    let mut first = true;
    loop {
        page.truncate(usize::try_from(left).unwrap_or(usize::MAX));
        left -= page.hits.len() as u64;
        for stored in page.records(&state.store)? {
            record::write(&mut out, format, &stored, first);
            first = false;
            if out.len() >= CHUNK {
                send(tx, &mut out)?;
            }
        }
        let Some(cursor) = page.next_cursor.take().filter(|_| left > 0) else { break };
        export.query.cursor = Some(cursor);
        let index = state.index.as_ref().ok_or(Stop::NoIndex)?;
        page = index.search(&export.query)?;
    }
    out.extend_from_slice(record::tail(format).as_bytes());
    send(tx, &mut out)
}

fn send(tx: &mpsc::Sender<Chunk>, out: &mut Vec<u8>) -> Result<(), Stop> {
    let chunk = Bytes::from(std::mem::replace(out, Vec::with_capacity(CHUNK * 2)));
    tx.blocking_send(Ok(chunk)).map_err(|_| Stop::Gone)
}
