//! Launching the dingcal server under test as a child process, reading its
//! memory, and stopping it.

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

/// A running dingcal process with its own temporary database and directory
/// file; both are removed when this is dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    dir: PathBuf,
}

impl Server {
    /// Writes `directory` (TOML) to a fresh temporary folder, starts
    /// `dingcal serve` on a free loopback port with a SQLite database in that
    /// folder, and waits for it to announce its address.
    pub fn start(binary: &Path, directory: &str) -> Result<Server, String> {
        if !binary.is_file() {
            return Err(format!(
                "no dingcal binary at {} (build it with `cargo build --release -p dingcal`, \
                 or pass --dingcal PATH / DINGCAL_BIN)",
                binary.display()
            ));
        }
        let dir = std::env::temp_dir().join(format!("dingcal-bench-{}", std::process::id()));
        // A leftover from an earlier run with the same pid must not leak its
        // database into this one.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let directory_file = dir.join("directory.toml");
        std::fs::write(&directory_file, directory)
            .map_err(|e| format!("{}: {e}", directory_file.display()))?;

        let mut child = Command::new(binary)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--db")
            .arg(format!("sqlite://{}", dir.join("bench.db").display()))
            .arg("--directory")
            .arg(&directory_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pid = child.id();
        let stdout = child.stdout.take().expect("stdout is piped");
        // A server that is constructed owns its folder from here on, so an
        // early return below still cleans up (through Drop).
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            pid,
            dir,
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
    /// Whatever happened, leave no server running and no files behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
