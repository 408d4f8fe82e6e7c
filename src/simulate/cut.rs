//! Cutting a response off mid-body, as a dying upstream does: the headers announce the whole
//! body (`Content-Length`), half of it goes out, then the connection drops. Handlers cannot
//! reach the socket, so the listener wraps each connection in a [`CutStream`] whose
//! [`CutHandle`] reaches handlers as connection info; arming it cuts the next response.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

const DISARMED: usize = usize::MAX;

/// Arms the cut of one connection's next response.
#[derive(Debug, Clone)]
pub(crate) struct CutHandle(Arc<AtomicUsize>);

impl CutHandle {
    /// The next response on this connection stops after `body_bytes` bytes of its body.
    pub(crate) fn arm(&self, body_bytes: usize) {
        self.0.store(body_bytes.min(DISARMED - 1), Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, CutListener>> for CutHandle {
    fn connect_info(stream: IncomingStream<'_, CutListener>) -> Self {
        stream.io().handle.clone()
    }
}

/// A TCP listener whose connections can be cut.
pub(crate) struct CutListener(pub TcpListener);

impl Listener for CutListener {
    type Io = CutStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (CutStream, SocketAddr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        // Small answers should not wait on Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        (CutStream { inner: stream, handle: CutHandle(Arc::new(AtomicUsize::new(DISARMED))), state: State::Pass }, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// One connection, passing bytes through until its handle is armed.
pub(crate) struct CutStream {
    inner: TcpStream,
    handle: CutHandle,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Pass,
    /// Writing headers; `matched` bytes of the blank line seen so far.
    Headers {
        budget: usize,
        matched: usize,
    },
    /// Writing the body; `left` bytes may still go out.
    Body {
        left: usize,
    },
}

const BLANK_LINE: &[u8] = b"\r\n\r\n";

/// Scans `buf` for the end of the headers; returns the index just after it.
fn headers_end(buf: &[u8], matched: &mut usize) -> Option<usize> {
    for (i, &b) in buf.iter().enumerate() {
        *matched = if b == BLANK_LINE[*matched] { *matched + 1 } else { usize::from(b == b'\r') };
        if *matched == BLANK_LINE.len() {
            return Some(i + 1);
        }
    }
    None
}

impl CutStream {
    fn poll_cut_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.state {
            State::Pass => Pin::new(&mut self.inner).poll_write(cx, buf),
            State::Headers { budget, mut matched } => {
                let mut probe = matched;
                let end = headers_end(buf, &mut probe);
                let limit = end.map_or(buf.len(), |e| e.saturating_add(budget)).min(buf.len());
                let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &buf[..limit]))?;
                self.state = match end.filter(|e| *e <= n) {
                    Some(e) => State::Body { left: budget - (n - e) },
                    None => {
                        headers_end(&buf[..n], &mut matched);
                        State::Headers { budget, matched }
                    }
                };
                Poll::Ready(Ok(n))
            }
            State::Body { left: 0 } => {
                Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "simulated cut")))
            }
            State::Body { left } => {
                let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &buf[..buf.len().min(left)]))?;
                self.state = State::Body { left: left - n };
                Poll::Ready(Ok(n))
            }
        }
    }
}

impl AsyncWrite for CutStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let State::Pass = this.state {
            let budget = this.handle.0.swap(DISARMED, Ordering::SeqCst);
            if budget != DISARMED {
                this.state = State::Headers { budget, matched: 0 };
            }
        }
        this.poll_cut_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl AsyncRead for CutStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_blank_line_across_writes() {
        let mut matched = 0;
        assert_eq!(headers_end(b"HTTP/1.1 200 OK\r\nA: b\r", &mut matched), None);
        assert_eq!(headers_end(b"\n\r\nbody", &mut matched), Some(3));
        let mut fresh = 0;
        assert_eq!(headers_end(b"X\r\r\n\r\n", &mut fresh), Some(6));
    }
}
