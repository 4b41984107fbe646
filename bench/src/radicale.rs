//! Radicale, the CalDAV server the caldav suite sets dingcal against: a
//! Python that has it, found or made, and the server started on a free
//! loopback port with a storage folder of its own, killed when dropped.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Radicale the suite installs when no Python at hand has one: pinned,
/// so that runs of different days compare the same server.
pub const PINNED: &str = "3.9.0";
/// How long Radicale may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A Python interpreter that imports Radicale.
pub struct Python {
    pub path: PathBuf,
    pub version: String,
    pub radicale: String,
}

/// `$PYTHON` (else `python3`) if it imports Radicale; else the suite's own
/// virtualenv (`venv_dir`), made with that Python and given Radicale
/// `PINNED` by pip the first time, and reused after.
pub fn python() -> Result<Python, String> {
    let system = PathBuf::from(std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into()));
    if let Some(found) = probe(&system) {
        return Ok(found);
    }
    let venv = venv_dir()?;
    let venv_python = venv.join("bin").join("python");
    if let Some(found) = probe(&venv_python) {
        return Ok(found);
    }
    if !venv_python.is_file() {
        eprintln!(
            "radicale: {} has no Radicale; making a virtualenv in {}",
            system.display(),
            venv.display()
        );
        run(Command::new(&system).args(["-m", "venv"]).arg(&venv))
            .map_err(|e| format!("{e} (Debian needs the python3-venv package)"))?;
    }
    eprintln!("radicale: pip install radicale=={PINNED}");
    run(Command::new(&venv_python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(format!("radicale=={PINNED}")))?;
    probe(&venv_python).ok_or_else(|| {
        format!(
            "{} still cannot import radicale after pip installed it",
            venv_python.display()
        )
    })
}

/// Where the suite keeps its virtualenv, so that pip runs once and not in
/// every run: `dingcal-bench-radicale` in the cargo target folder, beside
/// `release/` (or `debug/`) where this binary lives.
pub fn venv_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this binary: {e}"))?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{} has no grandparent folder", exe.display()))?;
    Ok(target.join("dingcal-bench-radicale"))
}

/// The Python's and its Radicale's versions; `None` when there is no such
/// interpreter, or it has no Radicale.
fn probe(python: &Path) -> Option<Python> {
    let out = Command::new(python)
        .args([
            "-c",
            "import platform, radicale; print(platform.python_version(), radicale.VERSION)",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    match (out.status.success(), words.next(), words.next()) {
        (true, Some(version), Some(radicale)) => Some(Python {
            path: python.to_path_buf(),
            version: version.to_string(),
            radicale: radicale.to_string(),
        }),
        _ => None,
    }
}

/// Runs a set-up command, its output on stderr with the bench's progress
/// (stdout holds only the report).
fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

/// A running Radicale, killed if it is still running when dropped.
pub struct Radicale {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    log: PathBuf,
}

impl Radicale {
    /// Starts Radicale's own HTTP server (the default, `builtin`) on a free
    /// loopback port, storing in `folder`, logging warnings to `log`, with
    /// no authentication (any Basic credentials are taken as that user) and
    /// no configuration file but these options; waits until it listens.
    pub fn start(python: &Python, folder: &Path, log: &Path) -> Result<Radicale, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log_file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(&python.path)
            .args(["-m", "radicale"])
            // No values: read no configuration file, not even the system's.
            .arg("--config")
            .args(["--server-hosts", &addr.to_string()])
            .arg("--storage-filesystem-folder")
            .arg(folder)
            .args(["--auth-type", "none"])
            .args(["--logging-level", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.path.display()))?;
        let pid = child.id();
        // Constructed at once, so that an early return below kills it.
        let mut radicale = Radicale {
            child,
            addr,
            pid,
            log: log.to_path_buf(),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = radicale.child.try_wait() {
                return Err(format!(
                    "Radicale exited ({status}): {}",
                    radicale.log_tail()
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
                return Ok(radicale);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "Radicale did not listen on {addr} within {START_TIMEOUT:?}: {}",
                    radicale.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// An error of a request to Radicale, with the end of its log: the log
    /// goes with the run's scratch folder.
    pub fn failed(&self, error: String) -> String {
        format!("{error}\nRadicale's log ends:\n{}", self.log_tail())
    }

    /// The end of Radicale's log, for an error message.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }
}

impl Drop for Radicale {
    /// Radicale keeps nothing the run needs afterwards: no graceful stop.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
