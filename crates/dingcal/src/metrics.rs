//! The server's metrics, in Prometheus' text format at `GET /metrics`:
//! requests by operation and status, their latency by operation, refusals
//! by DingTalk code, the writes each SQLite commit carries, and how long a
//! request waits for a PostgreSQL connection. One set per process: every
//! server and store in it counts into the same.

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    operation: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Operation {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Code {
    code: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    latency: Histograms<Operation>,
    errors: Family<Code, Counter>,
    commit_writes: Histogram,
    pool_wait: Histogram,
}

/// Seconds, from 50 us to about 3.3 s.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
}

/// The metrics of this process.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Metrics {
        let requests = Family::<Request, Counter>::default();
        let latency: Histograms<Operation> = Family::new_with_constructor(latency_buckets);
        let errors = Family::<Code, Counter>::default();
        let commit_writes = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        let pool_wait = latency_buckets();
        let mut registry = Registry::with_prefix("dingcal");
        registry.register(
            "requests",
            "Requests answered, by SDK action name (or other) and HTTP status",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from a request's headers to its answer",
            latency.clone(),
        );
        registry.register(
            "errors",
            "Requests refused, by DingTalk error code",
            errors.clone(),
        );
        registry.register(
            "sqlite_commit_writes",
            "Writes carried by each commit of the SQLite writer (group commit)",
            commit_writes.clone(),
        );
        registry.register(
            "postgres_pool_wait_seconds",
            "Time a request waited for a PostgreSQL connection",
            pool_wait.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            errors,
            commit_writes,
            pool_wait,
        }
    }

    /// A request answered. `operation` is an SDK action name, or `other`.
    pub fn request(&self, operation: &'static str, status: u16, code: &'static str, seconds: f64) {
        self.requests
            .get_or_create(&Request { operation, status })
            .inc();
        self.latency
            .get_or_create(&Operation { operation })
            .observe(seconds);
        if !code.is_empty() {
            self.errors.get_or_create(&Code { code }).inc();
        }
    }

    pub fn commit(&self, writes: usize) {
        self.commit_writes.observe(writes as f64);
    }

    pub fn pool_wait(&self, seconds: f64) {
        self.pool_wait.observe(seconds);
    }

    /// Everything, in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
