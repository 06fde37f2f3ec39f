//! The connection layer: accepting connections under a cap that fits the
//! descriptor limit (at the cap, the stalest connection that is only
//! waiting on its client makes room: [`crate::slots`]), HTTP/1.1 with a
//! header-read timeout, an idle timeout on every socket (WebSockets
//! included), panic containment around every request, the request log
//! (`info`), and graceful shutdown. The limits are in [`crate::config`].

use crate::config::{
    Limits, DEFAULT_MAX_CONNECTIONS, FD_LIMIT_TARGET, RESERVED_FDS, SHUTDOWN_GRACE,
};
use crate::dispatch::Call;
use crate::gateway::Gateway;
use crate::http;
use crate::slots::{Phase, Place, Slot, Slots};
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use futures_util::FutureExt;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, Sleep};
use tower_service::Service;

/// How long to wait before accepting again when the process is out of
/// descriptors or memory (after evicting one connection, if it could).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// At the cap with no connection to evict, how often to look again while
/// the new connection waits for a place.
const EVICT_RETRY: Duration = Duration::from_millis(100);
/// How often, at most, the log warns that the cap was reached.
const CAP_WARNING_INTERVAL: Duration = Duration::from_secs(10);

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
///
/// Connections are accepted whether or not a place is free (so at most
/// one more than the cap is open): at the cap, the new one takes the
/// place of the connection that has waited longest on its client
/// ([`Slots::evict_one`]), or waits for a place when every connection is
/// busy. Out of descriptors, one connection is evicted and accepting
/// pauses for [`ACCEPT_BACKOFF`]: the listener never spins.
pub async fn serve(
    listener: TcpListener,
    gw: Arc<Gateway>,
    cap: usize,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = gw.cfg.limits.clone();
    let router = http::router(gw);
    let permits = Arc::new(Semaphore::new(cap));
    let slots = Arc::new(Slots::default());
    // Dropping `stop` asks every connection to finish; `done` closes once
    // every connection task has ended.
    let (stop, stopping) = watch::channel(());
    let (done, finished) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    let mut warned: Option<Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => match classify(e) {
                    AcceptError::Retry => continue,
                    AcceptError::Backoff(e) => {
                        let evicted = slots.evict_one();
                        tracing::warn!(
                            "cannot accept a connection ({e}); {}",
                            match evicted {
                                Some((phase, _)) => format!("evicted one {}", phase.describe()),
                                None => "every connection is busy".into(),
                            }
                        );
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                    AcceptError::Fatal(e) => return Err(e),
                },
            },
            () = &mut shutdown => break,
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if warned.is_none_or(|w| w.elapsed() >= CAP_WARNING_INTERVAL) {
                    tracing::warn!(
                        "at the connection cap ({cap}): new connections take the place of the stalest ones waiting on their clients"
                    );
                    warned = Some(Instant::now());
                }
                let Some(p) = make_room(&slots, &permits, peer, &mut shutdown).await else {
                    break;
                };
                p
            }
        };
        let _ = stream.set_nodelay(true);
        let place = slots.place(permit);
        let io = Watched::new(stream, limits.idle_timeout, place);
        let started = io.started.clone();
        tokio::spawn(connection(
            io,
            peer,
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

/// At the cap: evict the stalest connection waiting on its client (again
/// every [`EVICT_RETRY`] while none can be) until a place is free for the
/// connection from `peer`; `None` when the server stops meanwhile.
async fn make_room(
    slots: &Slots,
    permits: &Arc<Semaphore>,
    peer: SocketAddr,
    shutdown: &mut Pin<&mut impl Future<Output = ()>>,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    loop {
        if let Some((phase, waited)) = slots.evict_one() {
            tracing::debug!(
                "evicted a connection {} for {waited:.1?} to make room for {peer}",
                phase.describe()
            );
        }
        tokio::select! {
            p = permits.clone().acquire_owned() => return Some(p.expect("the semaphore is never closed")),
            () = tokio::time::sleep(EVICT_RETRY) => {}
            () = shutdown.as_mut() => return None,
        }
    }
}

/// What a failed `accept` means for the loop.
enum AcceptError {
    /// That one connection failed: accept the next.
    Retry,
    /// Out of descriptors or memory: make room, pause, then accept again.
    Backoff(io::Error),
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
            AcceptError::Backoff(e)
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
    peer: SocketAddr,
    started: Arc<AtomicBool>,
    router: Router,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<()>,
    _alive: watch::Receiver<()>,
) {
    let slot = io.place.slot.clone();
    let conn_slot = slot.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let (router, slot) = (router.clone(), conn_slot.clone());
        async move {
            let call = Call::new(Some(peer));
            let (method, path) = (req.method().clone(), route_label(req.uri().path()));
            slot.set(match req.body().is_end_stream() {
                true => Phase::Busy,
                false => Phase::Body,
            });
            let mut req = req.map(|inner| {
                Body::new(Tracked {
                    inner,
                    slot: slot.clone(),
                })
            });
            req.extensions_mut().insert(call.clone());
            req.extensions_mut().insert(slot.clone());
            let resp = respond(router, req).await;
            // Next: a kept-alive connection waits for its next head; an
            // upgraded one is a WebSocket, evictable until it authenticates.
            slot.set(match resp.status() {
                StatusCode::SWITCHING_PROTOCOLS => Phase::Socket,
                _ => Phase::Head,
            });
            call.log(method.as_str(), path, &resp.status().as_u16());
            Ok::<_, std::convert::Infallible>(resp)
        }
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
        () = slot.evicted() => return,
        _ = stopping.changed() => {}
    }
    if !started.load(Ordering::Relaxed) {
        return;
    }
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
}

/// A request path as the log shows it: the gateway's own routes as they
/// are, anything else by its shape only (a path is the client's to fill,
/// and could hold anything, a secret included).
fn route_label(path: &str) -> &'static str {
    const ROUTES: &[&str] = &[
        "/api/v1/auth/login",
        "/api/v1/auth/bootstrap",
        "/api/v1/auth/bootstrap-status",
        "/api/v1/auth/change-password",
        "/api/v1/iam",
        "/api/v1/socket",
    ];
    match ROUTES.iter().find(|r| **r == path) {
        Some(r) => r,
        None if path.starts_with("/api/v1/") => "/api/v1/{other}",
        None => "{other}",
    }
}

/// A request body that tells its connection's [`Slot`] when it has been
/// read to the end (the connection is then busy, not evictable).
struct Tracked {
    inner: Incoming,
    slot: Arc<Slot>,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) || self.inner.is_end_stream() {
            self.slot.set(Phase::Busy);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
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
    place: Place,
}

impl Watched {
    fn new(inner: TcpStream, idle: Duration, place: Place) -> Watched {
        Watched {
            inner,
            started: Arc::new(AtomicBool::new(false)),
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            place,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Out of descriptors (or memory), the accept loop makes room and
    /// pauses instead of spinning on the error; a failed connection is
    /// skipped; anything else ends serving.
    #[test]
    fn accept_errors_back_off_skip_or_end() {
        for errno in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
            let e = io::Error::from_raw_os_error(errno);
            assert!(matches!(classify(e), AcceptError::Backoff(_)), "{errno}");
        }
        for kind in [io::ErrorKind::ConnectionAborted, io::ErrorKind::WouldBlock] {
            assert!(matches!(classify(kind.into()), AcceptError::Retry));
        }
        let e = io::Error::from_raw_os_error(libc::EBADF);
        assert!(matches!(classify(e), AcceptError::Fatal(_)));
        assert!(ACCEPT_BACKOFF >= Duration::from_millis(10));
    }

    #[test]
    fn only_the_gateways_own_routes_are_logged_as_they_are() {
        assert_eq!(route_label("/api/v1/iam"), "/api/v1/iam");
        assert_eq!(route_label("/api/v1/tg_secret"), "/api/v1/{other}");
        assert_eq!(route_label("/eyJhbGciOi.x.y"), "{other}");
    }
}
