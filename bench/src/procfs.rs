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
        })
    }
}

impl CpuUse {
    /// All dingcal nodes together.
    pub fn server(&self) -> Duration {
        self.servers.iter().sum()
    }

    /// Applies `f` to each pair of matching figures.
    fn combine(&self, other: &CpuUse, f: impl Fn(Duration, Duration) -> Duration) -> CpuUse {
        CpuUse {
            servers: (self.servers.iter().zip(&other.servers))
                .map(|(a, b)| f(*a, *b))
                .collect(),
            postgres: f(self.postgres, other.postgres),
            client: f(self.client, other.client),
            machine: f(self.machine, other.machine),
        }
    }
}

impl std::ops::Add for CpuUse {
    type Output = CpuUse;

    fn add(self, more: CpuUse) -> CpuUse {
        self.combine(&more, |a, b| a + b)
    }
}

impl std::ops::Sub for CpuUse {
    type Output = CpuUse;

    fn sub(self, earlier: CpuUse) -> CpuUse {
        self.combine(&earlier, Duration::saturating_sub)
    }
}
