//! The load generator: keep-alive HTTP/1.1 connections made directly with
//! hyper's connection API (no pool, no retries, nothing between the timer and
//! the socket), each sending requests back to back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::procfs::{CpuClocks, CpuUse};

const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-acs-dingtalk-access-token");

/// Where requests go and the credentials they carry.
pub struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    token: Option<HeaderValue>,
}

impl Target {
    pub fn new(addr: SocketAddr) -> Target {
        let host = HeaderValue::from_str(&addr.to_string()).expect("a socket address is ASCII");
        Target {
            addr,
            host,
            token: None,
        }
    }

    /// The same target, with every request carrying `token`.
    pub fn with_token(&self, token: &str) -> Result<Target, String> {
        Ok(Target {
            addr: self.addr,
            host: self.host.clone(),
            token: Some(
                HeaderValue::from_str(token).map_err(|e| format!("access token {token:?}: {e}"))?,
            ),
        })
    }
}

/// One request. Built up front where possible: `Uri` and `Bytes` clone by
/// reference count, so sending a prepared call costs no parsing or copying.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub uri: Uri,
    pub body: Bytes,
}

impl Call {
    pub fn get(path: &str) -> Call {
        Call {
            method: Method::GET,
            uri: uri(path),
            body: Bytes::new(),
        }
    }

    pub fn post(path: &str, body: impl Into<Bytes>) -> Call {
        Call {
            method: Method::POST,
            uri: uri(path),
            body: body.into(),
        }
    }

    pub fn put(path: &str, body: impl Into<Bytes>) -> Call {
        Call {
            method: Method::PUT,
            uri: uri(path),
            body: body.into(),
        }
    }

    fn describe(&self) -> String {
        format!("{} {}", self.method, self.uri)
    }
}

/// Every path the bench builds is ASCII ids joined by slashes.
fn uri(path: &str) -> Uri {
    path.parse()
        .unwrap_or_else(|e| panic!("bad request path {path:?}: {e}"))
}

/// One keep-alive connection.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    target: Arc<Target>,
}

impl Conn {
    pub async fn open(target: Arc<Target>) -> Result<Conn, String> {
        let stream = TcpStream::connect(target.addr)
            .await
            .map_err(|e| format!("connect {}: {e}", target.addr))?;
        // Requests are small and answered one at a time; Nagle would only
        // add delay.
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {}: {e}", target.addr))?;
        // The connection task does the socket I/O. Its error, if any, also
        // fails the request in flight, which is where it gets reported.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn { sender, target })
    }

    /// Sends `call` and reads the whole answer, so that the connection is
    /// ready for the next request.
    pub async fn send(&mut self, call: &Call) -> Result<(StatusCode, Bytes), String> {
        let failed = |e: hyper::Error| format!("{}: {e}", call.describe());
        self.sender.ready().await.map_err(failed)?;
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(call.uri.clone())
            .header(HOST, self.target.host.clone());
        if let Some(token) = &self.target.token {
            request = request.header(TOKEN_HEADER, token.clone());
        }
        if !call.body.is_empty() {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let request = request
            .body(Full::new(call.body.clone()))
            .map_err(|e| format!("{}: {e}", call.describe()))?;
        let response = self.sender.send_request(request).await.map_err(failed)?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(failed)?;
        Ok((status, body.to_bytes()))
    }

    /// Sends `call` and insists on a 200, for setting things up.
    pub async fn expect_ok(&mut self, call: &Call) -> Result<Bytes, String> {
        match self.send(call).await? {
            (StatusCode::OK, body) => Ok(body),
            (status, body) => Err(answer_error(call, status, &body)),
        }
    }
}

fn answer_error(call: &Call, status: StatusCode, body: &[u8]) -> String {
    format!(
        "{} answered {status}: {}",
        call.describe(),
        String::from_utf8_lossy(body)
    )
}

/// When a run of requests ends.
#[derive(Clone, Copy)]
pub enum Until {
    /// After a warm-up, measure for this long.
    Measured { warmup: Duration, measure: Duration },
    /// Once this many requests have been sent, all of them measured.
    Count(u64),
}

/// What a run of requests measured.
pub struct Measured {
    /// Latency of every measured 200 answer, in microseconds, sorted.
    latencies_us: Vec<u32>,
    /// How long the measured part lasted.
    pub elapsed: Duration,
    /// CPU time the server, the load generator and the machine used in
    /// that time.
    cpu: CpuUse,
    /// Answers other than 200, and failed connections, warm-up included.
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Measured {
    /// Two measured runs of the same requests as one.
    pub fn merge(mut self, other: Measured) -> Measured {
        self.latencies_us.extend(other.latencies_us);
        self.latencies_us.sort_unstable();
        Measured {
            latencies_us: self.latencies_us,
            elapsed: self.elapsed + other.elapsed,
            cpu: self.cpu + other.cpu,
            errors: self.errors + other.errors,
            first_error: self.first_error.or(other.first_error),
        }
    }

    pub fn requests(&self) -> u64 {
        self.latencies_us.len() as u64
    }

    pub fn rate(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency below which `q` (0..=1) of the measured requests fell, in
    /// milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = (q * self.latencies_us.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.latencies_us.len()) - 1;
        f64::from(self.latencies_us[index]) / 1000.0
    }

    /// Where the CPU time of the measured part went.
    pub fn cpu(&self) -> &CpuUse {
        &self.cpu
    }

    /// Server CPU time per measured request, in microseconds.
    pub fn server_cpu_us(&self) -> f64 {
        self.cpu.server().as_secs_f64() * 1e6 / self.requests().max(1) as f64
    }

    /// How many cores the server kept busy on average.
    pub fn server_cores(&self) -> f64 {
        self.cpu.server().as_secs_f64() / self.elapsed.as_secs_f64()
    }

    /// How many cores the load generator kept busy on average.
    pub fn client_cores(&self) -> f64 {
        self.cpu.client.as_secs_f64() / self.elapsed.as_secs_f64()
    }

    /// How many cores were busy on average, whoever used them.
    pub fn machine_cores(&self) -> f64 {
        self.cpu.machine.as_secs_f64() / self.elapsed.as_secs_f64()
    }
}

/// What one connection saw.
#[derive(Default)]
struct ConnReport {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

impl ConnReport {
    fn error(&mut self, message: String) {
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }
}

/// Opens `connections` connections, spread evenly over `targets`, and has
/// each send requests back to back until `until`. `make(n)` builds the n-th request of the run; `n` counts
/// across all connections, so consecutive requests can round-robin over
/// users, or alternate between two answers. `clocks` are read at the edges
/// of the measured window.
pub async fn drive<F>(
    targets: &[Arc<Target>],
    clocks: &CpuClocks,
    connections: usize,
    until: Until,
    make: F,
) -> Result<Measured, String>
where
    F: Fn(u64) -> Call + Send + Sync + 'static,
{
    // Connect first, so that no connection set-up lands in a measurement.
    let mut conns = Vec::with_capacity(connections);
    for target in targets.iter().cycle().take(connections) {
        conns.push(Conn::open(target.clone()).await?);
    }
    let make = Arc::new(make);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let (measure_from, deadline, limit) = match until {
        Until::Measured { warmup, measure } => {
            (start + warmup, Some(start + warmup + measure), u64::MAX)
        }
        Until::Count(n) => (start, None, n),
    };

    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let make = make.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let mut report = ConnReport::default();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let sent = Instant::now();
                    if n >= limit || deadline.is_some_and(|d| sent >= d) {
                        break;
                    }
                    let call = make(n);
                    match conn.send(&call).await {
                        Ok((StatusCode::OK, _)) => {
                            let done = Instant::now();
                            // Only requests wholly inside the window count.
                            if sent >= measure_from && deadline.is_none_or(|d| done <= d) {
                                let us = (done - sent).as_micros();
                                report
                                    .latencies_us
                                    .push(u32::try_from(us).unwrap_or(u32::MAX));
                            }
                        }
                        Ok((status, body)) => report.error(answer_error(&call, status, &body)),
                        // A broken connection cannot carry on; its error fails the run.
                        Err(e) => {
                            report.error(e);
                            break;
                        }
                    }
                }
                report
            })
        })
        .collect();

    // This task only reads the clocks at the window's edges. Tokio checks its
    // timers every few dozen task polls, so each reading lands well within a
    // millisecond of its edge even while the connections keep the thread busy.
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu_from = clocks.read()?;
    // A timed window closes at its deadline, whatever is still in flight.
    let timed_close = match deadline {
        Some(deadline) => {
            tokio::time::sleep_until(deadline.into()).await;
            Some(clocks.read()?)
        }
        None => None,
    };

    let mut latencies_us = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let report = task.await.map_err(|e| format!("load task failed: {e}"))?;
        latencies_us.extend(report.latencies_us);
        errors += report.errors;
        first_error = first_error.or(report.first_error);
    }
    latencies_us.sort_unstable();
    // A counted run closes when its last answer is in.
    let (cpu_to, elapsed) = match (timed_close, until) {
        (Some(cpu), Until::Measured { measure, .. }) => (cpu, measure),
        _ => (clocks.read()?, start.elapsed()),
    };
    Ok(Measured {
        latencies_us,
        elapsed,
        cpu: cpu_to - cpu_from,
        errors,
        first_error,
    })
}
