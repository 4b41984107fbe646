//! Accepting connections, each bounded in time and the whole server in how
//! many it holds, and stopping within a deadline. axum's own `serve` has
//! none of these: a client that sends a header one byte at a time, or
//! holds a connection idle, kept it (and its file descriptor) for ever, and
//! one such client kept the process alive after SIGTERM.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::AppState;

/// What a connection and a request may take; `dingcal serve`'s flags set
/// them, and the README lists their defaults.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// To send a request's line and headers, counted from when the server
    /// waits for them: on a kept-alive connection, from the end of the
    /// previous answer, so it bounds idle connections too.
    pub header_read: Duration,
    /// Between two pieces of a request's body: a stalled body is cut off.
    pub body_idle: Duration,
    /// A whole request once its headers are in, reading its body included.
    pub request: Duration,
    /// Open connections at once; one more waits to be accepted.
    pub max_connections: usize,
    /// The memory the bodies of requests in flight may hold together; a
    /// request whose body finds it full waits for room, within `body_idle`.
    pub body_memory_mib: usize,
    /// After SIGTERM, for requests in flight to finish before the rest of
    /// the connections are closed.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body_idle: Duration::from_secs(10),
            request: Duration::from_secs(30),
            max_connections: 10_000,
            body_memory_mib: 256,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl Limits {
    pub(super) fn body_memory_kib(&self) -> usize {
        self.body_memory_mib.saturating_mul(1024)
    }
}

/// Serves until `shutdown` resolves, then lets requests in flight finish
/// for at most `limits.shutdown_grace` and closes what is left.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    let app = super::app(state);
    let http = hyper::server::conn::http1::Builder::new();
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Open::default());
    let sweeper = tokio::spawn(sweep(open.clone(), limits.header_read));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        // A free slot first: past the limit, connections wait in the
        // listener's backlog rather than take descriptors.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, say: wait, rather than spin.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let id = open.next.fetch_add(1, Ordering::Relaxed);
        let connection = Connection {
            app: app.clone(),
            http: http.clone(),
            watcher: graceful.watcher(),
            activity: activity.clone(),
        };
        let task = tokio::spawn({
            let (open, tls) = (open.clone(), tls.clone());
            async move {
                // The handshake is bounded as the headers are: the sweep
                // closes a connection idle for longer than the header
                // limit, and it is idle until its first request. A
                // connection's own failure (a client gone, a handshake
                // refused) is the client's business.
                match tls {
                    None => connection.run(stream).await,
                    Some(tls) => match tls.accept(stream).await {
                        Ok(stream) => {
                            // Its first request gets the whole header limit.
                            connection.activity.wrote();
                            connection.run(stream).await;
                        }
                        Err(e) => tracing::debug!("a TLS handshake failed: {e}"),
                    },
                }
                open.remove(id);
                drop(slot);
            }
        });
        open.insert(id, activity, task.abort_handle());
    }
    drop(listener);
    sweeper.abort();
    // A connection still in its TLS handshake has no request to finish,
    // and hyper cannot tell it to close: it would hold the shutdown for
    // the whole grace.
    open.close_unstarted();
    let waiting = graceful.count();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                "closing the connections still open {:?} after the signal (of {waiting})",
                limits.shutdown_grace
            );
            open.close_all();
        }
    }
    Ok(())
}

/// What serves one connection, once it is accepted (and, over TLS, its
/// handshake done).
struct Connection<A> {
    app: A,
    http: hyper::server::conn::http1::Builder,
    watcher: hyper_util::server::graceful::Watcher,
    activity: Arc<Activity>,
}

impl<A> Connection<A>
where
    A: Clone
        + tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = Infallible,
            Future: Send,
        > + Send
        + 'static,
{
    async fn run<S>(self, stream: S)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        self.activity.started.store(true, Ordering::Release);
        let Connection {
            app,
            http,
            watcher,
            activity,
        } = self;
        let service = {
            let activity = activity.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                activity.busy.fetch_add(1, Ordering::AcqRel);
                // hyper hands over its own body type; the app reads axum's.
                let answer = app.clone().oneshot(request.map(axum::body::Body::new));
                let activity = activity.clone();
                async move {
                    let answer = answer.await?;
                    Ok::<_, Infallible>(answer.map(|body| Watched { body, activity }))
                }
            })
        };
        let io = Tracked {
            io: TokioIo::new(stream),
            activity,
        };
        let _ = watcher.watch(http.serve_connection(io, service)).await;
    }
}

/// What a connection is doing: answering requests (from their headers to
/// their answers), or waiting for the next one since a time.
struct Activity {
    /// Requests under way (more than one when a client pipelines).
    busy: AtomicUsize,
    /// Served by HTTP: past its TLS handshake, if it has one.
    started: std::sync::atomic::AtomicBool,
    /// Nanoseconds after `EPOCH` when it last became idle, or last wrote:
    /// an answer handed over is still being sent while the socket takes
    /// it, however slowly the client reads.
    idle_since: AtomicU64,
}

/// The clock of idle times: a process-wide start.
static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn now_nanos() -> u64 {
    let epoch = EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl Activity {
    fn new() -> Activity {
        Activity {
            busy: AtomicUsize::new(0),
            started: std::sync::atomic::AtomicBool::new(false),
            idle_since: AtomicU64::new(now_nanos()),
        }
    }

    fn wrote(&self) {
        self.idle_since.store(now_nanos(), Ordering::Release);
    }

    fn answered(&self) {
        self.wrote();
        self.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The open connections, each with how to close it. A connection idle
/// longer than the header limit (it has sent no complete request since its
/// last answer went out, or since it opened) is closed by `sweep`, one
/// task for all: a timer per request, as hyper's header timeout makes,
/// cost about 5 % of healthz's rate.
#[derive(Default)]
struct Open {
    next: AtomicU64,
    all: Mutex<HashMap<u64, (Arc<Activity>, tokio::task::AbortHandle)>>,
}

impl Open {
    fn insert(&self, id: u64, activity: Arc<Activity>, task: tokio::task::AbortHandle) {
        self.all
            .lock()
            .expect("connections poisoned")
            .insert(id, (activity, task));
    }

    fn remove(&self, id: u64) {
        self.all.lock().expect("connections poisoned").remove(&id);
    }

    /// Closes the connections not yet served by HTTP.
    fn close_unstarted(&self) {
        self.all
            .lock()
            .expect("connections poisoned")
            .retain(|_, (activity, task)| {
                let started = activity.started.load(Ordering::Acquire);
                if !started {
                    task.abort();
                }
                started
            });
    }

    /// Closes every connection still open (their requests are given up).
    fn close_all(&self) {
        for (_, (_, task)) in self.all.lock().expect("connections poisoned").drain() {
            task.abort();
        }
    }
}

/// Closes, every quarter of `limit` (at most every second), the
/// connections idle for longer than `limit`.
async fn sweep(open: Arc<Open>, limit: Duration) {
    let limit_nanos = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
    let mut tick =
        tokio::time::interval((limit / 4).clamp(Duration::from_millis(10), Duration::from_secs(1)));
    loop {
        tick.tick().await;
        let now = now_nanos();
        open.all
            .lock()
            .expect("connections poisoned")
            .retain(|_, (activity, task)| {
                // One that ended as it was being listed is forgotten here.
                if task.is_finished() {
                    return false;
                }
                let idle = activity.busy.load(Ordering::Acquire) == 0
                    && now.saturating_sub(activity.idle_since.load(Ordering::Acquire))
                        > limit_nanos;
                if idle {
                    task.abort();
                }
                !idle
            });
    }
}

/// An answer's body, which marks its request done once hyper has taken it
/// all (or dropped it unsent); the socket's writes then keep the
/// connection from counting as idle while the answer goes out.
struct Watched {
    body: axum::body::Body,
    activity: Arc<Activity>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.activity.answered();
    }
}

/// A connection's socket, which notes each write in its activity.
struct Tracked<S> {
    io: TokioIo<S>,
    activity: Arc<Activity>,
}

impl<S> Tracked<S> {
    fn noted<T>(&self, written: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        if let Poll::Ready(Ok(_)) = &written {
            self.activity.wrote();
        }
        written
    }
}

impl<S: tokio::io::AsyncRead + Unpin> hyper::rt::Read for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> hyper::rt::Write for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write(cx, buf);
        self.noted(written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.noted(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        // Over TLS, an answer's last records leave on a flush.
        let flushed = Pin::new(&mut self.io).poll_flush(cx);
        self.noted(flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl Body for Watched {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
