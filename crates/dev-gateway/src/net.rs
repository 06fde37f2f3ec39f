//! The connection layer: accepting connections under a cap that fits the
//! descriptor limit, HTTP/1.1 with a header-read timeout, an idle timeout
//! on every socket (WebSockets included), panic containment around every
//! request, and graceful shutdown. The limits are in [`crate::config`].

use crate::config::{
    Limits, DEFAULT_MAX_CONNECTIONS, FD_LIMIT_TARGET, RESERVED_FDS, SHUTDOWN_GRACE,
};
use crate::gateway::Gateway;
use crate::http;
use axum::body::Body;
use axum::response::Response;
use axum::Router;
use futures_util::FutureExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::panic::AssertUnwindSafe;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tower_service::Service;

/// How long to wait before accepting again when the process is out of
/// descriptors or memory.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Raise the soft descriptor limit towards the hard one (up to
/// [`FD_LIMIT_TARGET`]), then work out how many connections fit under it:
/// [`DEFAULT_MAX_CONNECTIONS`] or the configured number, keeping
/// [`RESERVED_FDS`] back for the gateway itself.
pub fn connection_cap(limits: &Limits) -> anyhow::Result<usize> {
    let soft = raise_fd_limit();
    let fits = usize::try_from(soft.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
    match limits.max_connections {
        Some(n) if n > fits => anyhow::bail!(
            "--max-connections {n} does not fit the file-descriptor limit ({soft}, of which {RESERVED_FDS} are kept for the gateway itself): raise ulimit -n or lower --max-connections"
        ),
        Some(n) => Ok(n),
        None if fits == 0 => anyhow::bail!(
            "the file-descriptor limit ({soft}) leaves no room for connections: raise ulimit -n"
        ),
        None => Ok(DEFAULT_MAX_CONNECTIONS.min(fits)),
    }
}

/// The soft `RLIMIT_NOFILE` after trying to raise it.
fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return DEFAULT_MAX_CONNECTIONS as u64 + RESERVED_FDS;
        }
        let want = lim.rlim_max.min(FD_LIMIT_TARGET);
        if lim.rlim_cur < want {
            let raised = libc::rlimit {
                rlim_cur: want,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = want;
            }
        }
    }
    lim.rlim_cur
}

/// Serve `gw` on `listener`, at most `cap` connections at a time, until
/// `shutdown` completes; then let open requests finish. Only a failure
/// of the listening socket itself ends it early, with the error.
pub async fn serve(
    listener: TcpListener,
    gw: Arc<Gateway>,
    cap: usize,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = gw.cfg.limits.clone();
    let router = http::router(gw);
    let permits = Arc::new(Semaphore::new(cap));
    // Dropping `stop` asks every connection to finish; `done` closes once
    // every connection task has ended.
    let (stop, stopping) = watch::channel(());
    let (done, finished) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => match classify(e) {
                    AcceptError::Retry => continue,
                    AcceptError::Backoff => {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                    AcceptError::Fatal(e) => return Err(e),
                },
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let io = Watched::new(stream, limits.idle_timeout, permit);
        let started = io.started.clone();
        tokio::spawn(connection(
            io,
            started,
            router.clone(),
            limits.header_read_timeout,
            stopping.clone(),
            finished.clone(),
        ));
    }
    drop(stop);
    drop(finished);
    done.closed().await;
    Ok(())
}

/// What a failed `accept` means for the loop.
enum AcceptError {
    /// That one connection failed: accept the next.
    Retry,
    /// Out of descriptors or memory: pause, then accept again.
    Backoff,
    /// The listening socket itself failed: serving ends.
    Fatal(io::Error),
}

fn classify(e: io::Error) -> AcceptError {
    use io::ErrorKind::*;
    match e.kind() {
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock => {
            AcceptError::Retry
        }
        _ if matches!(
            e.raw_os_error(),
            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
        ) =>
        {
            AcceptError::Backoff
        }
        _ => AcceptError::Fatal(io::Error::new(
            e.kind(),
            format!("cannot accept connections: {e}"),
        )),
    }
}

/// One connection: HTTP/1.1 requests (and an upgrade to the socket) until
/// the client leaves, a timeout closes it, or the server stops. When it
/// stops, a connection on which nothing has arrived yet closes at once,
/// and one with a request under way gets [`SHUTDOWN_GRACE`] to finish.
async fn connection(
    io: Watched,
    started: Arc<AtomicBool>,
    router: Router,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<()>,
    _alive: watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let router = router.clone();
        async move { Ok::<_, std::convert::Infallible>(respond(router, req.map(Body::new)).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    let mut conn = pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stopping.changed() => {}
    }
    if !started.load(Ordering::Relaxed) {
        return;
    }
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
}

/// Route one request; a panic anywhere in its handling becomes a 500
/// `internal-error` reply, and the connection and the server carry on.
pub(crate) async fn respond(mut router: Router, req: hyper::Request<Body>) -> Response {
    match AssertUnwindSafe(router.call(req)).catch_unwind().await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => http::internal_error(),
    }
}

/// A connection's socket. Once nothing has moved in either direction for
/// the idle timeout, a pending read or write fails (`TimedOut`), which
/// closes the connection. It holds the connection's place under the cap
/// until it is dropped, however long an upgraded socket lives.
pub(crate) struct Watched {
    inner: TcpStream,
    /// Whether any byte has arrived.
    started: Arc<AtomicBool>,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    _place: OwnedSemaphorePermit,
}

impl Watched {
    fn new(inner: TcpStream, idle: Duration, place: OwnedSemaphorePermit) -> Watched {
        Watched {
            inner,
            started: Arc::new(AtomicBool::new(false)),
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            _place: place,
        }
    }

    fn moved(&mut self) {
        self.started.store(true, Ordering::Relaxed);
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    /// For a pending operation: `Ready(Err)` once the connection has been
    /// idle too long.
    fn idle_out<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Pending => self.idle_out(cx),
            ready => {
                if buf.filled().len() > before {
                    self.moved();
                }
                ready
            }
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.idle_out(cx),
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            ready => ready,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.idle_out(cx),
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            ready => ready,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.idle_out(cx),
            ready => ready,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
