//! The socket of one connection, watched: every byte read or written is an activity the
//! connection's watchdog reads (see [`Activity`]), and the first bytes of each request are
//! kept so that an answer hyper writes by itself can be put in the caller's dialect (see
//! [`super::own_errors`]).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::own_errors;

/// How much of a request's start is kept: enough for its method and path.
const CAPTURE: usize = 1024;

/// What a connection is doing, shared by its socket, its service and its watchdog. Times are
/// milliseconds since the connection opened, plus one (0 means "none").
#[derive(Debug)]
pub struct Activity {
    opened: Instant,
    last_io: AtomicU64,
    head_since: AtomicU64,
    in_flight: AtomicUsize,
}

/// Why a watchdog closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// A request's head (request line and headers) did not arrive in time.
    Header,
    /// Nothing was sent either way for the idle timeout, between requests.
    Idle,
}

impl Expiry {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Expiry::Header => "header_timeout",
            Expiry::Idle => "idle_timeout",
        }
    }
}

impl Activity {
    /// A connection opened now.
    pub fn new() -> Arc<Activity> {
        let activity = Activity {
            opened: Instant::now(),
            last_io: AtomicU64::new(1),
            head_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        };
        Arc::new(activity)
    }

    fn now(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64 + 1
    }

    fn on_read(&self) {
        let now = self.now();
        self.last_io.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Relaxed) == 0 {
            // Bytes between requests start the next request's head.
            let _ = self.head_since.compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn on_write(&self) {
        self.last_io.store(self.now(), Ordering::Relaxed);
    }

    /// A request's head was read and handed to the service: it is being answered until the
    /// returned guard drops.
    pub fn request_started(self: &Arc<Activity>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(0, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// When the connection expires unless something happens, and why; `None` while a
    /// request is being answered (a handler is never cut off).
    pub fn deadline(&self, header_timeout: Duration, idle_timeout: Duration) -> Option<(Instant, Expiry)> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let at = |since: u64, timeout: Duration| self.opened + Duration::from_millis(since - 1) + timeout;
        match self.head_since.load(Ordering::Relaxed) {
            0 => Some((at(self.last_io.load(Ordering::Relaxed), idle_timeout), Expiry::Idle)),
            since => Some((at(since, header_timeout), Expiry::Header)),
        }
    }
}

/// A request being answered; dropping it marks the end.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.on_write();
    }
}

/// A socket whose traffic updates an [`Activity`] and whose own-error answers are rewritten.
pub struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
    /// The start of the request being read (cleared by the first read after a write).
    capture: Vec<u8>,
    answered: bool,
    /// A rewritten answer still to send, and how much of it is sent.
    rewrite: Option<(Vec<u8>, usize)>,
    rewritten: bool,
}

impl<S> Watched<S> {
    /// Watches `inner` for `activity`.
    pub fn new(inner: S, activity: Arc<Activity>) -> Watched<S> {
        Watched { inner, activity, capture: Vec::new(), answered: true, rewrite: None, rewritten: false }
    }
}

impl<S: AsyncWrite + Unpin> Watched<S> {
    /// Sends what is left of a rewritten answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, sent)) = &mut self.rewrite {
            if *sent == bytes.len() {
                self.rewrite = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *sent += n;
        }
        Poll::Ready(Ok(()))
    }

    /// hyper's own answer to an unreadable head becomes one in the caller's dialect: the
    /// whole of `buf` is taken, the replacement is sent instead.
    fn replace(&mut self, cx: &mut Context<'_>, buf: &[u8], claimed: usize) -> Option<Poll<io::Result<usize>>> {
        if !self.rewritten {
            let status = own_errors::hypers_answer(buf)?;
            self.rewrite = Some((own_errors::answer(status, &self.capture), 0));
            self.rewritten = true;
        }
        // After the rewritten answer hyper only closes; anything more it writes is dropped.
        Some(match self.drain(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(claimed)),
        })
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        let this = &mut *self;
        let new = &buf.filled()[before..];
        if !new.is_empty() {
            this.activity.on_read();
            if this.answered {
                this.capture.clear();
                this.answered = false;
            }
            let room = CAPTURE.saturating_sub(this.capture.len()).min(new.len());
            this.capture.extend_from_slice(&new[..room]);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let Some(done) = this.replace(cx, buf, buf.len()) {
            return done;
        }
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.activity.on_write();
        this.answered = true;
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
        let total = bufs.iter().map(|b| b.len()).sum();
        if let Some(done) = this.replace(cx, first, total) {
            return done;
        }
        let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        this.activity.on_write();
        this.answered = true;
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_in_progress_expires_on_the_header_timeout_and_a_quiet_one_on_the_idle_timeout() {
        let (header, idle) = (Duration::from_secs(2), Duration::from_secs(30));
        let activity = Activity::new();
        let (at, why) = activity.deadline(header, idle).unwrap();
        assert_eq!(why, Expiry::Idle);
        assert!(at >= activity.opened + idle);
        activity.on_read();
        assert_eq!(activity.deadline(header, idle).unwrap().1, Expiry::Header);
        let busy = activity.request_started();
        assert_eq!(activity.deadline(header, idle), None, "a request being answered never expires");
        drop(busy);
        assert_eq!(activity.deadline(header, idle).unwrap().1, Expiry::Idle);
    }
}
