//! The PostgreSQL side of the postgres suite, through PostgreSQL's own
//! command-line tools: a fresh schema per run (psql), and pgbench in it as
//! the yardsticks: inserting rows (for RespondEvent, PatchEvent and
//! CreateEvent), and its select-only transaction (for GetEvent).

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

/// pgbench's worker threads, one per core of the machine the figures in
/// BENCHMARKS.md come from.
pub const PGBENCH_THREADS: usize = 2;
/// The most pgbench clients: PostgreSQL allows 100 connections here, and
/// the dingcal server's pool may still hold some while pgbench runs.
pub const PGBENCH_MAX_CLIENTS: usize = 64;
/// What each pgbench transaction does: one row of about the size a
/// RespondEvent writes, committed on its own like each RespondEvent.
const PGBENCH_TABLE: &str =
    "CREATE TABLE pgbench_rows (id bigserial PRIMARY KEY, body text NOT NULL)";
const PGBENCH_SCRIPT: &str = "INSERT INTO pgbench_rows (body) VALUES (repeat('x', 1500));\n";

/// A schema created for one run, dropped with everything in it when this
/// is dropped, so that no run sees another's tables and none are left
/// behind, even when the run fails.
pub struct Schema {
    /// The server's URL as given, without a search_path.
    server: String,
    pub name: String,
}

impl Schema {
    /// Creates `dingcal_bench_<pid>_<n>` on the server at `url`.
    pub fn create(url: &str, n: usize) -> Result<Schema, String> {
        let name = format!("dingcal_bench_{}_{n}", std::process::id());
        psql(url, &format!("CREATE SCHEMA {name}"))?;
        eprintln!("created schema {name}");
        Ok(Schema {
            server: url.to_string(),
            name,
        })
    }

    /// The server's URL with every session's search_path set to this schema,
    /// as dingcal's `--db` and as pgbench's database.
    pub fn url(&self) -> String {
        with_search_path(&self.server, &self.name)
    }
}

/// `url` with libpq's `options` parameter setting search_path to `schema`,
/// percent-encoded as a URL query parameter.
fn with_search_path(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

impl Drop for Schema {
    fn drop(&mut self) {
        match psql(&self.server, &format!("DROP SCHEMA {} CASCADE", self.name)) {
            Ok(()) => eprintln!("dropped schema {}", self.name),
            Err(e) => eprintln!("dingcal-bench: could not drop schema {}: {e}", self.name),
        }
    }
}

/// Runs one SQL command with psql, stopping at the first error.
fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        // -X: no ~/.psqlrc, whose settings could change what the command does.
        .args(["-X", "-q", url, "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("cannot run psql (is the PostgreSQL client installed?): {e}"))?;
    checked("psql", sql, out).map(drop)
}

/// A command's output, or its failure with what it wrote to stderr.
fn checked(tool: &str, what: &str, out: Output) -> Result<Output, String> {
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{tool} failed on {what:?} ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// What pgbench measured.
pub struct Pgbench {
    pub clients: usize,
    pub seconds: u64,
    /// Transactions per second, without the time taken to connect.
    pub tps: f64,
}

/// Creates the table in `schema` and runs pgbench on it for `duration`
/// (rounded up to whole seconds, the finest pgbench takes) with `clients`
/// connections, prepared statements and no vacuum of its own tables (there
/// are none); `script` is where its transaction script is written.
/// synchronous_commit stays at the server's setting, as for dingcal.
pub fn pgbench(
    schema: &Schema,
    script: &Path,
    clients: usize,
    duration: Duration,
) -> Result<Pgbench, String> {
    let url = schema.url();
    psql(&url, PGBENCH_TABLE)?;
    std::fs::write(script, PGBENCH_SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;
    let args = [OsStr::new("-f"), script.as_os_str(), OsStr::new(&url)];
    run_pgbench(PGBENCH_SCRIPT.trim(), &args, clients, duration)
}

/// pgbench's own select-only transaction (`-S`: one primary-key read of
/// `pgbench_accounts`), on tables that `pgbench -i` (scale 1, 100,000
/// accounts, vacuumed) creates in `schema` first; otherwise run as
/// `pgbench` runs the insert.
pub fn pgbench_select(
    schema: &Schema,
    clients: usize,
    duration: Duration,
) -> Result<Pgbench, String> {
    let url = schema.url();
    eprintln!("pgbench -i in {}", schema.name);
    let out = Command::new("pgbench")
        .args(["-i", "-q"])
        .arg(&url)
        .output()
        .map_err(|e| format!("cannot run pgbench (is it installed?): {e}"))?;
    checked("pgbench", "-i", out)?;
    run_pgbench(
        "-S",
        &[OsStr::new("-S"), OsStr::new(&url)],
        clients,
        duration,
    )
}

/// Runs `pgbench -n -M prepared -c clients -j PGBENCH_THREADS -T seconds`
/// with `args` after those, and reads its rate; `what` names the run in
/// errors.
fn run_pgbench(
    what: &str,
    args: &[&OsStr],
    clients: usize,
    duration: Duration,
) -> Result<Pgbench, String> {
    let seconds = duration.as_secs_f64().ceil().max(1.0) as u64;
    eprintln!("pgbench {what}: {clients} clients for {seconds} s");
    let out = Command::new("pgbench")
        .args(["-n", "-M", "prepared"])
        .args(["-c", &clients.to_string()])
        .args(["-j", &PGBENCH_THREADS.to_string()])
        .args(["-T", &seconds.to_string()])
        .args(args)
        .output()
        .map_err(|e| format!("cannot run pgbench (is it installed?): {e}"))?;
    let out = checked("pgbench", what, out)?;
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = tps(&text).ok_or_else(|| format!("no tps line in pgbench's output:\n{text}"))?;
    Ok(Pgbench {
        clients,
        seconds,
        tps,
    })
}

/// The rate from pgbench's `tps = N (without initial connection time)`.
fn tps(output: &str) -> Option<f64> {
    output
        .lines()
        .filter(|line| line.contains("without initial connection time"))
        .find_map(|line| line.strip_prefix("tps = ")?.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_path_starts_the_query_of_a_url_without_one() {
        assert_eq!(
            with_search_path("postgres://u@h:5432/db", "s_1"),
            "postgres://u@h:5432/db?options=-c%20search_path%3Ds_1"
        );
    }

    #[test]
    fn search_path_joins_the_query_of_a_url_with_one() {
        assert_eq!(
            with_search_path("postgres://u@h/db?sslmode=disable", "s_1"),
            "postgres://u@h/db?sslmode=disable&options=-c%20search_path%3Ds_1"
        );
    }

    #[test]
    fn tps_is_read_from_the_line_without_connection_time() {
        // pgbench 15's summary.
        let output = "number of failed transactions: 0 (0.000%)\n\
                      latency average = 5.012 ms\n\
                      initial connection time = 714.304 ms\n\
                      tps = 12768.088018 (without initial connection time)\n";
        assert_eq!(tps(output), Some(12768.088018));
    }
}
