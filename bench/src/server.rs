//! Launching the dingcal servers under test as child processes, and
//! stopping them; the temporary folder their files live in.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the server may take to load the directory and start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the server may take to finish in-flight work after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A fresh temporary folder holding the directory file, and whatever else a
/// run writes (a SQLite database, pgbench's script); removed when dropped.
pub struct Scratch {
    dir: PathBuf,
    /// The directory (TOML) every server of the run upserts at start.
    pub directory: PathBuf,
}

impl Scratch {
    pub fn new(directory: &str) -> Result<Scratch, String> {
        let dir = std::env::temp_dir().join(format!("dingcal-bench-{}", std::process::id()));
        // A leftover from an earlier run with the same pid must not leak its
        // database into this one.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // Constructed before the first write, so that a failure below still
        // removes the folder (through Drop).
        let scratch = Scratch {
            directory: dir.join("directory.toml"),
            dir,
        };
        std::fs::write(&scratch.directory, directory)
            .map_err(|e| format!("{}: {e}", scratch.directory.display()))?;
        Ok(scratch)
    }

    /// A file of that name in the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A SQLite database in the folder, as dingcal's `--db`.
    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.path("bench.db").display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `nodes` dingcal servers on the database `db`, one after another
/// (the first runs the migrations alone), hands them to `work`, then stops
/// them gracefully. Whatever `work` returns, no server is left running.
pub fn with_nodes<T>(
    binary: &Path,
    db: &str,
    directory: &Path,
    nodes: usize,
    work: impl FnOnce(&[Server]) -> Result<T, String>,
) -> Result<T, String> {
    let mut servers = Vec::with_capacity(nodes);
    for _ in 0..nodes {
        eprintln!("starting {} on {db}", binary.display());
        let server = Server::start(binary, db, directory)?;
        eprintln!("dingcal pid {} on {}", server.pid, server.addr);
        servers.push(server);
    }
    let done = work(&servers)?;
    for server in servers {
        let status = server.stop()?;
        eprintln!("dingcal stopped: {status}");
    }
    Ok(done)
}

/// Starts one dingcal server on `db`, as `with_nodes` does, for `work`.
pub fn with_server<T>(
    binary: &Path,
    db: &str,
    directory: &Path,
    work: impl FnOnce(&Server) -> Result<T, String>,
) -> Result<T, String> {
    with_nodes(binary, db, directory, 1, |servers| work(&servers[0]))
}

/// A running dingcal process, killed if it is still running when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
}

impl Server {
    /// Starts `dingcal serve` on a free loopback port with the database `db`
    /// (a `--db` URL) and the directory file `directory`, and waits for it to
    /// announce its address.
    pub fn start(binary: &Path, db: &str, directory: &Path) -> Result<Server, String> {
        if !binary.is_file() {
            return Err(format!(
                "no dingcal binary at {} (build it with `cargo build --release -p dingcal`, \
                 or pass --dingcal PATH / DINGCAL_BIN)",
                binary.display()
            ));
        }
        let mut child = Command::new(binary)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(["--db", db])
            .arg("--directory")
            .arg(directory)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("stdout is piped");
        // A server that is constructed is killed by Drop, so an early
        // return below leaves no process behind.
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            pid,
        };

        // The reader thread hands over the announced address, then keeps
        // draining stdout so the server can never block on a full pipe.
        let (found, announced) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = found.send(addr.trim().to_string());
                    break;
                }
            }
            lines.for_each(drop);
        });
        let addr = announced.recv_timeout(START_TIMEOUT).map_err(|_| {
            let status = server.child.try_wait().ok().flatten();
            format!("dingcal did not announce its address (exit status: {status:?})")
        })?;
        server.addr = addr
            .parse()
            .map_err(|e| format!("dingcal announced {addr:?}: {e}"))?;
        Ok(server)
    }

    /// Sends SIGTERM (the graceful stop the contract promises) and waits for
    /// the process to exit.
    pub fn stop(mut self) -> Result<ExitStatus, String> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        if !sent.success() {
            return Err(format!("kill -TERM {} failed: {sent}", self.pid));
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(None) => {
                    return Err(format!(
                        "dingcal did not exit within {STOP_TIMEOUT:?} of SIGTERM"
                    ));
                }
                Err(e) => return Err(format!("waiting for dingcal: {e}")),
            }
        }
    }
}

impl Drop for Server {
    /// Whatever happened, leave no server running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
