//! What Linux's /proc says about a process's resident memory and CPU time,
//! and about the machine's, so that each phase can tell how the cores were
//! shared between the server, the load generator and the kernel.

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

/// CPU time used so far by the server, by this load generator, and by the
/// whole machine.
#[derive(Clone, Copy)]
pub struct CpuClocks {
    server_pid: u32,
}

#[derive(Clone, Copy, Default)]
pub struct CpuUse {
    pub server: Duration,
    pub client: Duration,
    pub machine: Duration,
}

impl CpuClocks {
    pub fn new(server_pid: u32) -> CpuClocks {
        CpuClocks { server_pid }
    }

    pub fn read(&self) -> Result<CpuUse, String> {
        Ok(CpuUse {
            server: cpu_time(Some(self.server_pid))?,
            client: cpu_time(None)?,
            machine: machine_busy()?,
        })
    }
}

impl std::ops::Add for CpuUse {
    type Output = CpuUse;

    fn add(self, more: CpuUse) -> CpuUse {
        CpuUse {
            server: self.server + more.server,
            client: self.client + more.client,
            machine: self.machine + more.machine,
        }
    }
}

impl std::ops::Sub for CpuUse {
    type Output = CpuUse;

    fn sub(self, earlier: CpuUse) -> CpuUse {
        CpuUse {
            server: self.server.saturating_sub(earlier.server),
            client: self.client.saturating_sub(earlier.client),
            machine: self.machine.saturating_sub(earlier.machine),
        }
    }
}
