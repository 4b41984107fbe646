//! Accepting connections, each bounded in time and the whole server in how
//! many it holds, and stopping within a deadline. axum's own `serve` has
//! none of these: a client that sends a header one byte at a time, or
//! holds a connection idle, kept it (and its file descriptor) for ever, and
//! one such client kept the process alive after SIGTERM.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
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
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    let app = super::app(state);
    // hyper hands over its own body type; the app reads axum's.
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        app.clone().oneshot(request.map(axum::body::Body::new))
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let graceful = GracefulShutdown::new();
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
        let connection = http.serve_connection(TokioIo::new(stream), service.clone());
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection's own failure (a client gone, a header too slow)
            // is the client's business.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let open = graceful.count();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                "closing the connections still open {:?} after the signal (of {open})",
                limits.shutdown_grace
            );
        }
    }
    Ok(())
}
