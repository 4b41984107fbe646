//! The load generator: keep-alive connections (`client::Conn`), each
//! sending requests back to back, shared out between a few threads that each
//! run a single-threaded runtime of their own (`--threads`, as wrk's `-t`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::client::{Call, Conn, Target, answer_error};
use crate::procfs::{CpuClocks, CpuUse, Switches};

/// When a run of requests ends.
#[derive(Clone, Copy)]
pub enum Until {
    /// After a warm-up, measure for this long; a request counts when it was
    /// both sent and answered inside that window.
    Measured { warmup: Duration, measure: Duration },
    /// The same window, in which every answer that arrives counts, whenever
    /// its request was sent. For a server whose answers take a good part of
    /// the window: counting only the requests wholly inside it would leave
    /// out those that straddle its edges, and understate the server's rate
    /// by about its latency over the window's length.
    Arrivals { warmup: Duration, measure: Duration },
    /// Once this many requests have been sent, all of them measured.
    Count(u64),
}

/// What a run of requests measured.
pub struct Measured {
    /// Latency of every measured answer with the status its request
    /// expects (200 unless it says otherwise), in microseconds, sorted.
    latencies_us: Vec<u32>,
    /// How long the measured part lasted.
    pub elapsed: Duration,
    /// CPU time the server, the load generator and the machine used in
    /// that time.
    cpu: CpuUse,
    /// Answers with another status, and failed connections, warm-up included.
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

    /// Context switches of the server's threads per measured request,
    /// voluntary and involuntary.
    pub fn server_switches(&self) -> Switches<f64> {
        self.per_request(self.cpu.server_switches)
    }

    /// Context switches of the load generator's threads per measured
    /// request, voluntary and involuntary.
    pub fn client_switches(&self) -> Switches<f64> {
        self.per_request(self.cpu.client_switches)
    }

    fn per_request(&self, switches: Switches) -> Switches<f64> {
        let requests = self.requests().max(1) as f64;
        Switches {
            voluntary: switches.voluntary as f64 / requests,
            involuntary: switches.involuntary as f64 / requests,
        }
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
    /// The answers asked for by a run's `keep`, by request number.
    kept: Vec<(u64, Bytes)>,
}

impl ConnReport {
    fn error(&mut self, message: String) {
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }

    fn add(&mut self, other: ConnReport) {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.kept.extend(other.kept);
    }
}

/// Work for one load thread: builds, on that thread, the future its
/// runtime then runs to completion.
type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// The load generator's threads. Each runs a single-threaded tokio runtime
/// and owns its share of a run's connections outright: the connections of
/// one thread never wake another, and there is no work stealing. Like wrk's
/// `-t`, several threads keep the server fed while one of them is off its
/// core; one thread alone, on a machine whose cores it shares with the
/// server, leaves the server idle whenever the scheduler runs the server in
/// its place. The threads live as long as the generator, so that their CPU
/// time and context switches stay in /proc for every reading.
pub struct Generator {
    workers: Vec<mpsc::Sender<Job>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Generator {
    pub fn new(threads: usize) -> Result<Generator, String> {
        let mut generator = Generator {
            workers: Vec::with_capacity(threads),
            threads: Vec::with_capacity(threads),
        };
        for i in 0..threads {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start a load runtime: {e}"))?;
            let (jobs, queue) = mpsc::channel::<Job>();
            let thread = std::thread::Builder::new()
                .name(format!("load-{i}"))
                .spawn(move || {
                    for job in queue {
                        runtime.block_on(job());
                    }
                })
                .map_err(|e| format!("cannot start a load thread: {e}"))?;
            generator.workers.push(jobs);
            generator.threads.push(thread);
        }
        Ok(generator)
    }

    pub fn threads(&self) -> usize {
        self.workers.len()
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        // Closing the queues ends each thread's loop.
        self.workers.clear();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// When each connection stops, and which answers count.
#[derive(Clone, Copy)]
struct Window {
    measure_from: Instant,
    deadline: Option<Instant>,
    limit: u64,
    /// Whether an answer arriving in the window counts even if its request
    /// was sent before.
    arrivals: bool,
}

impl Window {
    fn new(start: Instant, until: Until) -> Window {
        match until {
            Until::Measured { warmup, measure } | Until::Arrivals { warmup, measure } => Window {
                measure_from: start + warmup,
                deadline: Some(start + warmup + measure),
                limit: u64::MAX,
                arrivals: matches!(until, Until::Arrivals { .. }),
            },
            Until::Count(n) => Window {
                measure_from: start,
                deadline: None,
                limit: n,
                arrivals: false,
            },
        }
    }
}

/// What every connection of a run shares.
struct Shared {
    make: Box<dyn Fn(u64) -> Call + Send + Sync>,
    keep: Box<dyn Fn(u64) -> bool + Send + Sync>,
    /// The number of the next request, across all connections and threads.
    next: AtomicU64,
}

/// One connection's requests, back to back, until its window closes.
async fn run_conn(mut conn: Conn, shared: Arc<Shared>, window: Window) -> ConnReport {
    let mut report = ConnReport::default();
    loop {
        let n = shared.next.fetch_add(1, Ordering::Relaxed);
        let sent = Instant::now();
        if n >= window.limit || window.deadline.is_some_and(|d| sent >= d) {
            break;
        }
        let call = (shared.make)(n);
        match conn.send(&call).await {
            Ok((status, body)) if status == call.expect => {
                let done = Instant::now();
                // Only requests wholly inside the window count, or, when
                // counting arrivals, answers inside it.
                let from = if window.arrivals { done } else { sent };
                if from >= window.measure_from && window.deadline.is_none_or(|d| done <= d) {
                    let us = (done - sent).as_micros();
                    report
                        .latencies_us
                        .push(u32::try_from(us).unwrap_or(u32::MAX));
                }
                if (shared.keep)(n) {
                    report.kept.push((n, body));
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
}

/// One load thread's part of a run: opens its connections, says it is
/// ready, waits for the common start, then runs them all.
async fn run_share(
    targets: Vec<Arc<Target>>,
    shared: Arc<Shared>,
    until: Until,
    ready: oneshot::Sender<Result<(), String>>,
    start: oneshot::Receiver<Instant>,
    done: oneshot::Sender<ConnReport>,
) {
    let mut conns = Vec::with_capacity(targets.len());
    for target in targets {
        match Conn::open(target).await {
            Ok(conn) => conns.push(conn),
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        }
    }
    let _ = ready.send(Ok(()));
    // No start means the run was called off (another thread could not
    // connect).
    let Ok(start) = start.await else {
        return;
    };
    let window = Window::new(start, until);
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|conn| tokio::spawn(run_conn(conn, shared.clone(), window)))
        .collect();
    let mut report = ConnReport::default();
    for task in tasks {
        match task.await {
            Ok(conn) => report.add(conn),
            Err(e) => report.error(format!("load task failed: {e}")),
        }
    }
    // The connections are dropped: let their tasks close the sockets now,
    // rather than when this runtime next runs.
    tokio::task::yield_now().await;
    let _ = done.send(report);
}

/// Opens `connections` connections, spread evenly over `targets` and over
/// the generator's threads, and has each send requests back to back until
/// `until`. `make(n)` builds the n-th request of the run; `n` counts across
/// all connections, so consecutive requests can round-robin over users, or
/// alternate between two answers. `clocks` are read at the edges of the
/// measured window.
pub async fn drive<F>(
    generator: &Generator,
    targets: &[Arc<Target>],
    clocks: &CpuClocks,
    connections: usize,
    until: Until,
    make: F,
) -> Result<Measured, String>
where
    F: Fn(u64) -> Call + Send + Sync + 'static,
{
    let (measured, _) = drive_keeping(generator, targets, clocks, connections, until, make, |_| {
        false
    })
    .await?;
    Ok(measured)
}

/// `drive` with one request, the same every time (a read measured for
/// its latency).
pub async fn drive_same(
    generator: &Generator,
    targets: &[Arc<Target>],
    clocks: &CpuClocks,
    connections: usize,
    until: Until,
    call: Call,
) -> Result<Measured, String> {
    drive(generator, targets, clocks, connections, until, move |_| {
        call.clone()
    })
    .await
}

/// `drive`, which also returns the body of every expected answer to a
/// request `n` for which `keep(n)`, with its `n`, in no particular order.
pub async fn drive_keeping<F, K>(
    generator: &Generator,
    targets: &[Arc<Target>],
    clocks: &CpuClocks,
    connections: usize,
    until: Until,
    make: F,
    keep: K,
) -> Result<(Measured, Vec<(u64, Bytes)>), String>
where
    F: Fn(u64) -> Call + Send + Sync + 'static,
    K: Fn(u64) -> bool + Send + Sync + 'static,
{
    let shared = Arc::new(Shared {
        make: Box::new(make),
        keep: Box::new(keep),
        next: AtomicU64::new(0),
    });
    // Connection i goes to target i mod targets; consecutive groups of one
    // connection per target go to the threads in turn, so each thread has
    // its share of every target.
    let threads = generator.threads().min(connections).max(1);
    let mut shares = vec![Vec::new(); threads];
    for i in 0..connections {
        shares[(i / targets.len()) % threads].push(targets[i % targets.len()].clone());
    }
    let mut ready = Vec::with_capacity(threads);
    let mut starts = Vec::with_capacity(threads);
    let mut dones = Vec::with_capacity(threads);
    for (worker, share) in generator.workers.iter().zip(shares) {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (start_tx, start_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let shared = shared.clone();
        let job: Job = Box::new(move || {
            Box::pin(run_share(share, shared, until, ready_tx, start_rx, done_tx))
        });
        worker
            .send(job)
            .map_err(|_| "a load thread has stopped".to_string())?;
        ready.push(ready_rx);
        starts.push(start_tx);
        dones.push(done_rx);
    }
    // Connect first, so that no connection set-up lands in a measurement;
    // an early return drops `starts`, which calls the run off.
    for r in ready {
        r.await
            .map_err(|_| "a load thread has stopped".to_string())??;
    }
    let start = Instant::now();
    for s in starts {
        let _ = s.send(start);
    }
    let window = Window::new(start, until);

    // This thread only reads the clocks at the window's edges, so each
    // reading lands within a timer tick of its edge.
    tokio::time::sleep_until(window.measure_from.into()).await;
    let cpu_from = clocks.read()?;
    // A timed window closes at its deadline, whatever is still in flight.
    let timed_close = match window.deadline {
        Some(deadline) => {
            tokio::time::sleep_until(deadline.into()).await;
            Some(clocks.read()?)
        }
        None => None,
    };

    let mut report = ConnReport::default();
    for d in dones {
        report.add(
            d.await
                .map_err(|_| "a load thread has stopped".to_string())?,
        );
    }
    report.latencies_us.sort_unstable();
    // A counted run closes when its last answer is in.
    let (cpu_to, elapsed) = match (timed_close, until) {
        (Some(cpu), Until::Measured { measure, .. } | Until::Arrivals { measure, .. }) => {
            (cpu, measure)
        }
        _ => (clocks.read()?, start.elapsed()),
    };
    let measured = Measured {
        latencies_us: report.latencies_us,
        elapsed,
        cpu: cpu_to - cpu_from,
        errors: report.errors,
        first_error: report.first_error,
    };
    Ok((measured, report.kept))
}
