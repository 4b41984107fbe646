//! The PostgreSQL server the tests may use, named by `DINGCAL_TEST_POSTGRES`,
//! and a fresh schema on it for each test that uses it.
//!
//! Tests that need PostgreSQL are `#[ignore]`d, so that a plain `cargo test`
//! reports them as ignored rather than passed; `--include-ignored` runs
//! them, and then a missing `DINGCAL_TEST_POSTGRES` fails them with a
//! message instead of letting them pass without having run.
//!
//! Shared by the `api` and `store` test targets (each includes this file).

/// Names the PostgreSQL server: `postgres://USER@HOST:PORT/DB`.
pub const POSTGRES_VAR: &str = "DINGCAL_TEST_POSTGRES";

/// The PostgreSQL server's URL. Panics when `DINGCAL_TEST_POSTGRES` is
/// unset or empty: a test that needs PostgreSQL must not pass without it.
pub fn server() -> String {
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "this test needs PostgreSQL, and {POSTGRES_VAR} is not set: \
             set {POSTGRES_VAR}=postgres://USER@HOST:PORT/DB \
             (scripts/test.sh runs the PostgreSQL tests when it is set)"
        ),
    }
}

/// A schema of its own on the PostgreSQL server, dropped with everything in
/// it when this is dropped. `url` connects with it as the search path, and
/// with the schema's name as the application name, which marks the
/// sessions to end before the schema is dropped.
pub struct Schema {
    pub url: String,
    server: String,
    name: String,
}

impl Schema {
    /// A new, empty schema on `server`.
    pub fn create(server: &str) -> Schema {
        let name = format!("dingcal_test_{}", unique_suffix());
        run(server, &format!("CREATE SCHEMA {name}")).unwrap_or_else(|e| panic!("{e}"));
        let join = if server.contains('?') { '&' } else { '?' };
        Schema {
            url: format!("{server}{join}options=-c%20search_path%3D{name}&application_name={name}"),
            server: server.to_string(),
            name,
        }
    }

    /// Runs SQL with this schema as the search path.
    #[allow(dead_code)] // Not every target that includes this file uses it.
    pub fn run_sql(&self, sql: &str) {
        run(
            &self.server,
            &format!("SET search_path TO {}; {sql}", self.name),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for Schema {
    /// A server started in-process may still hold a transaction open on the
    /// schema (its housekeeping runs at start): its tasks cannot finish it
    /// while the test's runtime is blocked here, so DROP SCHEMA would wait
    /// on its locks until PostgreSQL ended the idle transaction (60 s). Its
    /// sessions are ended first.
    fn drop(&mut self) {
        let name = &self.name;
        let dropped = run(
            &self.server,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE application_name = '{name}' AND pid <> pg_backend_pid();
                 DROP SCHEMA {name} CASCADE"
            ),
        );
        match dropped {
            Ok(()) => {}
            // A test already failing is not made to abort by a second panic.
            Err(e) if std::thread::panicking() => eprintln!("{e}"),
            Err(e) => panic!("{e}"),
        }
    }
}

/// Runs SQL on the server from a thread and runtime of its own, so that it
/// can be called from anywhere: a `Drop`, or inside a test's runtime.
fn run(server: &str, sql: &str) -> Result<(), String> {
    let statement = sql.to_string();
    let (server, sql) = (server.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("no runtime for PostgreSQL: {e}"))?;
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
                .await
                .map_err(|e| format!("cannot connect to {server}: {e}"))?;
            tokio::spawn(connection);
            client
                .batch_execute(&sql)
                .await
                .map_err(|e| format!("{sql}: {e}"))
        })
    })
    .join()
    .unwrap_or_else(|_| Err(format!("running {statement:?} panicked")))
}

/// Unique among the tests of every process running at once.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}_{nanos}_{n}", std::process::id())
}
