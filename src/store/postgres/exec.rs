//! Where the PostgreSQL connections run, and how callers wait for them. Each connection's
//! socket is driven by one small tokio runtime of fed311's own (one worker thread, made on the
//! first connect, never dropped); a caller blocks on its query's future with [`block_on`],
//! which parks the calling thread until the connection's task wakes it. Query futures only
//! talk to the connection task through channels, so they can be polled on any thread: a
//! `spawn_blocking` thread, a plain one, or an async worker (which blocks as it would on
//! SQLite). tokio's own `block_on` refuses async threads, which is why this one exists.

use std::future::Future;
use std::pin::Pin;
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
    let config = config(url, "fed311")?;
    let task = runtime.spawn(async move {
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!("PostgreSQL connection closed: {}", StoreError::from(e));
            }
        });
        Ok::<_, tokio_postgres::Error>(client)
    });
    match block_on(task) {
        Ok(connected) => Ok(connected?),
        Err(e) => Err(StoreError::Task(e.to_string())),
    }
}

/// The connection settings of `url`, named `application` in PostgreSQL's views
/// (`pg_stat_activity`) unless the URL names it.
pub(super) fn config(url: &str, application: &str) -> Result<tokio_postgres::Config> {
    let mut config: tokio_postgres::Config = url.parse()?;
    if config.get_application_name().is_none() {
        config.application_name(application);
    }
    Ok(config)
}

/// Runs `future` on the connections' runtime, in the background.
pub(super) fn spawn<F>(future: F) -> Result<tokio::task::JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(runtime()?.spawn(future))
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

/// Awaits `futures` together, their outputs in their order. On its first poll each query
/// future of tokio-postgres sends its request, and they are first polled in order: the
/// requests go out back to back (pipelined), and the answers come in one round trip.
pub(super) async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(out) => *output = Some(out),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Runs `first` (when there is one) and `then` together on this thread, sent in that order:
/// a transaction's `BEGIN` goes out with its first statement.
pub(super) fn block_on_after<A: Future, B: Future>(first: Option<A>, then: B) -> (Option<A::Output>, B::Output) {
    let mut first = first.map(Box::pin);
    let mut then = Box::pin(then);
    let (mut first_out, mut then_out) = (None, None);
    let out = block_on(std::future::poll_fn(|cx| {
        if let (Some(future), None) = (first.as_mut(), first_out.as_ref()) {
            if let Poll::Ready(out) = future.as_mut().poll(cx) {
                first_out = Some(out);
            }
        }
        if then_out.is_none() {
            if let Poll::Ready(out) = then.as_mut().poll(cx) {
                then_out = Some(out);
            }
        }
        let first_done = first.is_none() || first_out.is_some();
        match then_out.take() {
            Some(out) if first_done => Poll::Ready(out),
            waiting => {
                then_out = waiting;
                Poll::Pending
            }
        }
    }));
    (first_out, out)
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
