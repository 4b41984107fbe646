//! What Linux's /proc says about a process's resident memory and CPU time,
//! and about the machine's, so that each phase can tell how the cores were
//! shared between the servers, the database, the load generator and the
//! kernel.

use std::time::Duration;

/// /proc reports CPU times in clock ticks of USER_HZ, which is 100 on Linux
/// whatever the kernel's own tick rate.
const TICKS_PER_SECOND: u64 = 100;

/// A process's resident set size, from `VmRSS` in /proc/PID/status, in MiB.
pub fn rss_mib(pid: u32) -> Result<f64, String> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("{path} has no VmRSS line"))?;
    Ok(kib / 1024.0)
}

/// CPU time (user and system, all threads) a process has used so far;
/// `None` is this process.
fn cpu_time(pid: Option<u32>) -> Result<Duration, String> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_string(),
    };
    let stat = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    // The command name (field 2) may hold spaces, so count fields after its
    // closing parenthesis: utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok());
    let (Some(user), Some(system)) = (ticks(14), ticks(15)) else {
        return Err(format!("{path}: no utime and stime"));
    };
    Ok(Duration::from_millis(
        (user + system) * 1000 / TICKS_PER_SECOND,
    ))
}

/// How often a process's threads have given up their core so far: to wait
/// (voluntary: a read with nothing to read, a lock, an idle poll) or because
/// the scheduler took the core for another thread (involuntary).
#[derive(Clone, Copy, Default)]
pub struct Switches<T = u64> {
    pub voluntary: T,
    pub involuntary: T,
}

impl Switches {
    fn combine(self, other: Switches, f: impl Fn(u64, u64) -> u64) -> Switches {
        Switches {
            voluntary: f(self.voluntary, other.voluntary),
            involuntary: f(self.involuntary, other.involuntary),
        }
    }
}

/// Context switches of every live thread of a process (`None` is this
/// one), from each /proc/PID/task/TID/status: the process's own status
/// counts only its first thread. A thread that has exited takes its count
/// with it, which is why the load generator keeps its threads for the run.
fn switches(pid: Option<u32>) -> Result<Switches, String> {
    let tasks = match pid {
        Some(pid) => format!("/proc/{pid}/task"),
        None => "/proc/self/task".to_string(),
    };
    let mut total = Switches::default();
    let entries = std::fs::read_dir(&tasks).map_err(|e| format!("{tasks}: {e}"))?;
    for entry in entries.flatten() {
        // A thread may exit between the listing and the reading: skip it.
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let count = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        total.voluntary += count("voluntary_ctxt_switches:");
        total.involuntary += count("nonvoluntary_ctxt_switches:");
    }
    Ok(total)
}

/// CPU time all cores have spent busy so far, from the first line of
/// /proc/stat. This includes what no process is charged for, such as the
/// interrupt work that carries loopback TCP.
fn machine_busy() -> Result<Duration, String> {
    let stat = std::fs::read_to_string("/proc/stat").map_err(|e| format!("/proc/stat: {e}"))?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("cpu "))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // user nice system idle iowait irq softirq steal: all but idle and
    // iowait is busy (guest time is already inside user).
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = ticks[..] else {
        return Err("/proc/stat: no cpu line".into());
    };
    Ok(Duration::from_millis(
        (user + nice + system + irq + softirq + steal) * 1000 / TICKS_PER_SECOND,
    ))
}

/// CPU time of every process named `postgres`: the postmaster and the
/// backends it forks keep that name. They are found anew at each reading,
/// since backends come and go; one that exits between two readings takes its
/// time with it, which is why this suits long-lived pools like dingcal's.
fn postgres_time() -> Result<Duration, String> {
    let mut total = Duration::ZERO;
    let entries = std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))?;
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // A process may exit between the listing and the reading: skip it.
        let named = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim_end() == "postgres");
        if let (true, Ok(time)) = (named, cpu_time(Some(pid))) {
            total += time;
        }
    }
    Ok(total)
}

/// CPU time used so far by each dingcal node, by the PostgreSQL server when
/// asked, by this load generator, and by the whole machine.
#[derive(Clone)]
pub struct CpuClocks {
    servers: Vec<u32>,
    postgres: bool,
}

#[derive(Clone)]
pub struct CpuUse {
    /// Each dingcal node's, in the order the clocks were given them.
    pub servers: Vec<Duration>,
    /// All PostgreSQL server processes' together; zero unless asked for.
    pub postgres: Duration,
    pub client: Duration,
    pub machine: Duration,
    /// Context switches of all dingcal nodes together, and of this load
    /// generator.
    pub server_switches: Switches,
    pub client_switches: Switches,
}

impl CpuClocks {
    /// The clocks of the dingcal processes `servers`.
    pub fn new(servers: &[u32]) -> CpuClocks {
        CpuClocks {
            servers: servers.to_vec(),
            postgres: false,
        }
    }

    /// The same clocks, and PostgreSQL's: on PostgreSQL much of a write's
    /// work is the database server's, not dingcal's.
    pub fn with_postgres(self) -> CpuClocks {
        CpuClocks {
            postgres: true,
            ..self
        }
    }

    pub fn read(&self) -> Result<CpuUse, String> {
        Ok(CpuUse {
            servers: self
                .servers
                .iter()
                .map(|pid| cpu_time(Some(*pid)))
                .collect::<Result<_, _>>()?,
            postgres: if self.postgres {
                postgres_time()?
            } else {
                Duration::ZERO
            },
            client: cpu_time(None)?,
            machine: machine_busy()?,
            server_switches: self
                .servers
                .iter()
                .try_fold(Switches::default(), |sum, pid| {
                    Ok::<_, String>(sum.combine(switches(Some(*pid))?, |a, b| a + b))
                })?,
            client_switches: switches(None)?,
        })
    }
}

impl CpuUse {
    /// All dingcal nodes together.
    pub fn server(&self) -> Duration {
        self.servers.iter().sum()
    }

    /// Applies `f` to each pair of matching figures.
    fn combine(
        &self,
        other: &CpuUse,
        f: impl Fn(Duration, Duration) -> Duration,
        g: impl Fn(u64, u64) -> u64,
    ) -> CpuUse {
        CpuUse {
            servers: (self.servers.iter().zip(&other.servers))
                .map(|(a, b)| f(*a, *b))
                .collect(),
            postgres: f(self.postgres, other.postgres),
            client: f(self.client, other.client),
            machine: f(self.machine, other.machine),
            server_switches: self.server_switches.combine(other.server_switches, &g),
            client_switches: self.client_switches.combine(other.client_switches, &g),
        }
    }
}

impl std::ops::Add for CpuUse {
    type Output = CpuUse;

    fn add(self, more: CpuUse) -> CpuUse {
        self.combine(&more, |a, b| a + b, |a, b| a + b)
    }
}

impl std::ops::Sub for CpuUse {
    type Output = CpuUse;

    fn sub(self, earlier: CpuUse) -> CpuUse {
        self.combine(&earlier, Duration::saturating_sub, u64::saturating_sub)
    }
}
