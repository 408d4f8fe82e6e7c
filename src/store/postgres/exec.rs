//! Where the PostgreSQL connections run, and how callers wait for them. Each connection's
//! socket is driven by one small tokio runtime of fed311's own (one worker thread, made on the
//! first connect, never dropped); a caller blocks on its query's future with [`block_on`],
//! which parks the calling thread until the connection's task wakes it. Query futures only
//! talk to the connection task through channels, so they can be polled on any thread: a
//! `spawn_blocking` thread, a plain one, or an async worker (which blocks as it would on
//! SQLite). tokio's own `block_on` refuses async threads, which is why this one exists.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use tokio::runtime::Runtime;
use tokio_postgres::{Client, NoTls};

use crate::store::{Result, StoreError};

/// The runtime the connections run on.
fn runtime() -> Result<&'static Runtime> {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("fed311-postgres")
        .enable_all()
        .build()
        .map_err(|e| StoreError::Task(format!("starting the PostgreSQL runtime: {e}")))?;
    // Two first connects at once: one runtime is kept, the other dropped here (not in an
    // async context, so dropping it is allowed).
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Opens a connection to `url` (TLS is left to the network: connect over loopback or a
/// private network, or through a TLS-terminating proxy).
pub(super) fn connect(url: &str) -> Result<Client> {
    let runtime = runtime()?;
    let url = url.to_string();
    let task = runtime.spawn(async move {
        let (client, connection) = tokio_postgres::connect(&url, NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!("PostgreSQL connection closed: {e}");
            }
        });
        Ok::<_, tokio_postgres::Error>(client)
    });
    match block_on(task) {
        Ok(connected) => Ok(connected?),
        Err(e) => Err(StoreError::Task(e.to_string())),
    }
}

/// Wakes a parked thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, parking between polls.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}
