//! The trace of each request: a span (at debug level) around its handling,
//! and an access log line at info level once it is answered, with the
//! request id, the operation by its SDK action name, the app and user of
//! its token, the status, the DingTalk code of a refusal and the time
//! taken. Laid on the routes, so that the route matched is known.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::{Instrument, Level};

use super::{AppState, controls, error, operations};
use crate::directory::Grant;
use crate::domain::time::push_digits;
use crate::error::ApiError;
use crate::metrics::metrics;

/// The grant of the request's token, once checked, or of the app whose key
/// and secret a token request carried: filled by the `Access` extractor and
/// the token handlers, read by the access log.
#[derive(Clone, Default)]
pub struct Caller(Arc<OnceLock<Arc<Grant>>>);

impl Caller {
    pub fn set(&self, grant: &Arc<Grant>) {
        let _ = self.0.set(grant.clone());
    }
}

/// How log lines are written: `text` for people, `json` (one object per
/// line, in tracing-subscriber's shape) for log collectors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The access log: one line per request, formatted on the request's thread
/// into a shared buffer that a thread of the log's own writes to standard
/// error every `FLUSH_EVERY`, many lines per write. Nothing wakes that
/// thread per line: through `tracing`'s formatter and its writer thread,
/// woken for each line, the log cost healthz more than a third of its
/// rate. Off when `DINGCAL_LOG` turns `dingcal::access` off, and when no
/// log is set up at all (tests).
pub struct AccessLog {
    pending: Option<Arc<Mutex<Vec<u8>>>>,
    stop: Option<mpsc::Sender<()>>,
    writer: Option<std::thread::JoinHandle<()>>,
    format: LogFormat,
}

/// How often the buffered lines are written.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Lines past this much unwritten are dropped: the log never holds up a
/// request, nor takes memory without bound.
const PENDING_MAX: usize = 8 * 1024 * 1024;

impl AccessLog {
    pub fn start(format: LogFormat) -> AccessLog {
        let off = AccessLog {
            pending: None,
            stop: None,
            writer: None,
            format,
        };
        if !tracing::enabled!(target: "dingcal::access", Level::INFO) {
            return off;
        }
        let pending = Arc::new(Mutex::new(Vec::with_capacity(PENDING_MAX / 8)));
        let (stop, stopped) = mpsc::channel::<()>();
        let buffered = pending.clone();
        let writer = std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || {
                let mut out = Vec::new();
                loop {
                    let last = !matches!(
                        stopped.recv_timeout(FLUSH_EVERY),
                        Err(mpsc::RecvTimeoutError::Timeout)
                    );
                    std::mem::swap(
                        &mut out,
                        &mut *buffered.lock().expect("access log poisoned"),
                    );
                    let _ = std::io::stderr().lock().write_all(&out);
                    out.clear();
                    if last {
                        break;
                    }
                }
            });
        match writer {
            Ok(writer) => AccessLog {
                pending: Some(pending),
                stop: Some(stop),
                writer: Some(writer),
                format,
            },
            Err(e) => {
                tracing::warn!("no access log: cannot start its writer: {e}");
                off
            }
        }
    }

    fn write(&self, entry: &Entry<'_>) {
        let Some(pending) = &self.pending else {
            return;
        };
        LINE.with_borrow_mut(|line| {
            line.clear();
            push_line(line, entry, self.format);
            let mut all = pending.lock().expect("access log poisoned");
            if all.len() + line.len() <= PENDING_MAX {
                all.extend_from_slice(line.as_bytes());
            }
        });
    }
}

thread_local! {
    /// A line being made, and the current second as text with the second
    /// it stands for: formatting a date is most of a line's cost.
    static LINE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    static SECOND: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
}

/// `2026-12-03T08:47:56.980214Z`, now.
fn push_now(out: &mut String) {
    let now = jiff::Timestamp::now();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != now.as_second() {
            *second = now.as_second();
            text.clear();
            let whole = jiff::Timestamp::from_second(now.as_second()).unwrap_or(now);
            let _ = write!(text, "{whole:.0}");
            text.pop(); // the `Z`
        }
        out.push_str(text);
    });
    out.push('.');
    push_digits(out, now.subsec_microsecond().unsigned_abs(), 6);
    out.push('Z');
}

/// A string as JSON writes it (which the text line uses too); ids and codes
/// need no escaping, so only what does is escaped.
fn push_quoted(out: &mut String, value: &str) {
    if value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(value);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::from(value).to_string());
    }
}

/// Milliseconds to the microsecond: `12.345`.
fn push_ms(out: &mut String, elapsed: Duration) {
    let us = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
    let _ = write!(out, "{}.", us / 1000);
    push_digits(out, us % 1000, 3);
}

/// One line: `key="value"` pairs after the time and level, or the same
/// fields in tracing-subscriber's JSON shape.
fn push_line(out: &mut String, e: &Entry<'_>, format: LogFormat) {
    let json = format == LogFormat::Json;
    if json {
        out.push_str("{\"timestamp\":\"");
        push_now(out);
        out.push_str("\",\"level\":\"INFO\",\"fields\":{");
    } else {
        push_now(out);
        out.push_str("  INFO dingcal::access:");
    }
    let name = |out: &mut String, name: &str| {
        if json {
            if !out.ends_with('{') {
                out.push(',');
            }
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
        } else {
            out.push(' ');
            out.push_str(name);
            out.push('=');
        }
    };
    for (field, value) in [
        ("request_id", e.request_id),
        ("operation", e.operation),
        ("app", e.app),
        ("user", e.user),
    ] {
        name(out, field);
        push_quoted(out, value);
    }
    name(out, "status");
    let _ = write!(out, "{}", e.status);
    name(out, "code");
    push_quoted(out, e.code);
    name(out, "ms");
    push_ms(out, e.elapsed);
    if json {
        out.push_str("},\"target\":\"dingcal::access\"}");
    }
    out.push('\n');
}

impl Drop for AccessLog {
    /// Writes what is buffered before the process ends.
    fn drop(&mut self) {
        self.stop.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

struct Entry<'a> {
    request_id: &'a str,
    operation: &'a str,
    app: &'a str,
    user: &'a str,
    status: u16,
    code: &'a str,
    elapsed: Duration,
}

pub async fn trace(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("", MatchedPath::as_str);
    let action = operations::name(request.method(), route);
    let operation = action.unwrap_or(route);
    let request_id = request.headers().get(error::REQUEST_ID_HEADER).cloned();
    let id = request_id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let span = tracing::debug_span!("request", method = %request.method(), route, request_id = id);
    let caller = Caller::default();
    request.extensions_mut().insert(caller.clone());
    // With the emulator controls on, a call of the SDK may meet a fault or
    // the throttle instead of its handler, and is journaled.
    let call = match action {
        Some(_) if state.admin_token.is_some() => Some(controls::Call::of(&request)),
        _ => None,
    };
    let intercepted = match (&call, action) {
        (Some(call), Some(action)) => state.controls.intercept(&state, call, action, id).await,
        _ => None,
    };
    let (response, forced_code) = match intercepted {
        Some((answer, code)) => (answer, Some(code)),
        None => (next.run(request).instrument(span).await, None),
    };
    let grant = caller.0.get();
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let error = response.extensions().get::<ApiError>();
    // Metrics label by the API's own codes; an injected one is the
    // journal's and the log's.
    let api_code = error.map_or("", |e| e.code);
    let code = forced_code.as_deref().unwrap_or(api_code);
    if let Some(call) = &call {
        state.controls.record(
            state.clock.now(),
            call,
            operation,
            id,
            grant,
            status,
            code,
            elapsed,
        );
    }
    if let Some(detail) = error.and_then(|e| e.detail.as_deref()) {
        tracing::error!(request_id = id, operation, detail, "internal error");
    }
    metrics().request(
        action.unwrap_or("other"),
        status,
        api_code,
        elapsed.as_secs_f64(),
    );
    state.access.write(&Entry {
        request_id: id,
        operation,
        app: grant.map_or("", |g| g.app_key.as_str()),
        user: grant
            .and_then(|g| g.user.as_ref())
            .map_or("", |u| u.as_str()),
        status,
        code,
        elapsed,
    });
    response
}
