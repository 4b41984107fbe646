//! The embedded store. One writer thread owns the write connection and
//! commits the writes queued meanwhile as one transaction (a savepoint each,
//! so one failing request rolls back alone), synced to disk before any of
//! them is answered. Reads run on a small pool of read-only connections,
//! beside the writer, which WAL allows.
//!
//! SQLite never makes a statement wait on I/O the way a network database
//! does, so the store's work, written as futures for both backends, runs
//! here to completion in one poll, on the thread that asked for it.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::task::{Context, Poll, Waker};

use rusqlite::functions::FunctionFlags;
use rusqlite::{CachedStatement, Connection, OpenFlags};
use tokio::sync::oneshot;

use super::cursor::SyncPoint;
use super::idempotency::IdempotencyKey;
use super::migrate;
use super::sql::db::{Backend, BoxFuture, Db, Param, Row, Sql};
use super::sql::{Caches, SqlStore};
use crate::domain::EventId;
use crate::error::{ApiError, ApiResult};

/// Prepared statements kept per connection: more than the store has, so
/// none is ever parsed twice.
const STATEMENT_CACHE: usize = 128;
/// The database belongs to this process alone: the `unix-excl` VFS holds
/// its file lock for good and keeps the WAL index in memory, so no read or
/// write takes a file lock of its own, and no second server can open it.
const VFS: &str = "unix-excl";
/// Listings, views and free/busy queries running at once.
const SCANS_AT_ONCE: usize = 4;
/// The most writes one commit carries.
const BATCH_MAX: usize = 512;

type Finish = Box<dyn FnOnce(ApiResult<()>) + Send>;
type Job = Box<dyn FnOnce(&SqliteConn) -> (bool, Finish) + Send>;

pub type SqliteStore = SqlStore<Sqlite>;

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => {
                tracing::warn!("the disk holding the SQLite database is full: {e}");
                ApiError::store_full()
            }
            _ => ApiError::internal(e),
        }
    }
}

/// A connection the store's work can share across its futures, with the
/// store's caches.
pub struct SqliteConn(Mutex<Connection>, Arc<Caches>);

impl SqliteConn {
    fn new(conn: Connection, caches: &Arc<Caches>) -> SqliteConn {
        SqliteConn(Mutex::new(conn), caches.clone())
    }

    /// A statement that panicked holding the lock was rolled back with its
    /// savepoint: the connection is still sound.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run(&self, sql: &'static str) -> ApiResult<()> {
        self.lock().prepare_cached(sql)?.execute([])?;
        Ok(())
    }
}

/// The statement, prepared once per connection. Its `$N` parameters must
/// first appear in order, since SQLite numbers them so; debug builds check.
fn prepare<'c>(conn: &'c Connection, sql: Sql) -> ApiResult<CachedStatement<'c>> {
    let statement = conn.prepare_cached(sql.sqlite)?;
    debug_assert!(
        (1..=statement.parameter_count())
            .all(|i| statement.parameter_name(i) == Some(format!("${i}").as_str())),
        "parameters out of order in {}",
        sql.sqlite
    );
    Ok(statement)
}

/// Runs the rows of a query through `map`, at most `limit` of them.
fn rows<T>(
    conn: &SqliteConn,
    sql: Sql,
    params: &[&dyn Param],
    limit: usize,
    mut map: impl FnMut(&Row<'_>) -> ApiResult<T>,
) -> ApiResult<Vec<T>> {
    let conn = conn.lock();
    let mut statement = prepare(&conn, sql)?;
    let names: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut rows = statement.query(rusqlite::params_from_iter(
        params.iter().map(|p| p.sqlite()),
    ))?;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(row) = rows.next()? else { break };
        out.push(map(&Row::Sqlite(row, &names))?);
    }
    Ok(out)
}

/// The writer numbers each write in commit order (see `Counter`), so the
/// last number committed is where a syncToken stands, with nothing
/// pending. Writes are serial, so locks and claims have nothing to hold.
impl Db for SqliteConn {
    async fn query<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<Vec<T>> {
        rows(self, sql, params, usize::MAX, map)
    }

    /// SQLite plans a statement anew for every value of a bound LIMIT, so
    /// the limit is where stepping stops instead.
    async fn query_limited<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        limit: usize,
        map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<Vec<T>> {
        rows(self, sql, params, limit, map)
    }

    async fn query_opt<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<Option<T>> {
        Ok(rows(self, sql, params, 1, map)?.pop())
    }

    async fn execute(&self, sql: Sql, params: &[&dyn Param]) -> ApiResult<u64> {
        let conn = self.lock();
        let changed = prepare(&conn, sql)?.execute(rusqlite::params_from_iter(
            params.iter().map(|p| p.sqlite()),
        ))?;
        Ok(changed as u64)
    }

    async fn sync_point(&self) -> ApiResult<SyncPoint> {
        let upto = self
            .lock()
            .prepare_cached("SELECT value FROM counters WHERE name = 'change'")?
            .query_row([], |r| r.get(0))?;
        Ok(SyncPoint {
            upto,
            pending: Vec::new(),
        })
    }

    async fn lock_event(&self, _id: &EventId) -> ApiResult<()> {
        Ok(())
    }

    // The one writer holds every name.
    async fn lock_name(&self, _name: &str) -> ApiResult<()> {
        Ok(())
    }

    async fn claim(&self, _key: &IdempotencyKey) -> ApiResult<()> {
        Ok(())
    }

    fn caches(&self) -> &Caches {
        &self.1
    }
}

/// The output of a unit of work, which on SQLite is ready at its first poll.
fn run_now<T>(mut work: BoxFuture<'_, ApiResult<T>>) -> ApiResult<T> {
    match work.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => Err(ApiError::internal("a SQLite unit of work waited")),
    }
}

pub struct Sqlite {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Option<Arc<ReadPool>>,
    /// Bounds how many scans run at once.
    scans: tokio::sync::Semaphore,
}

struct ReadPool {
    path: std::path::PathBuf,
    idle: Mutex<Vec<SqliteConn>>,
    caches: Arc<Caches>,
}

impl ReadPool {
    fn take(&self) -> ApiResult<SqliteConn> {
        if let Some(conn) = self.idle.lock().expect("read pool poisoned").pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags_and_vfs(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            VFS,
        )?;
        conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = 1;")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SqliteConn::new(conn, &self.caches))
    }

    /// Runs `f` on a pooled connection, in one read transaction when
    /// `snapshot` (each statement outside one takes and drops the shared
    /// lock itself). A connection whose BEGIN or COMMIT failed is dropped,
    /// not pooled: it could be left inside a transaction, holding an old
    /// snapshot.
    fn run<T>(
        &self,
        snapshot: bool,
        f: impl for<'c> FnOnce(&'c SqliteConn) -> BoxFuture<'c, ApiResult<T>>,
    ) -> ApiResult<T> {
        let conn = self.take()?;
        if snapshot {
            conn.run("BEGIN")?;
        }
        let result = run_now(f(&conn));
        if snapshot {
            conn.run("COMMIT")?;
        }
        self.idle.lock().expect("read pool poisoned").push(conn);
        result
    }
}

/// Opens (creating it if need be) the database file and migrates it.
pub fn open_file(path: &Path) -> Result<SqliteStore, String> {
    let conn = Connection::open_with_flags_and_vfs(path, OpenFlags::default(), VFS)
        .map_err(|e| format!("cannot open SQLite database {}: {e}", path.display()))?;
    // FULL: the WAL is synced at every commit, so an answered write
    // survives a crash of the machine, not only of the process. The writer
    // keeps 8 MB of pages (SQLite's default is 2 MB): a create inserts into
    // seven B-trees, and their upper levels should stay in memory. Each
    // write of a batch runs in a savepoint, whose journal of pages, in a
    // temporary file by default, cost a pwrite per page changed: it stays
    // in memory.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;
         PRAGMA wal_autocheckpoint = 10000; PRAGMA cache_size = -8192;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| format!("cannot configure SQLite: {e}"))?;
    let caches = Arc::new(Caches::default());
    let readers = Arc::new(ReadPool {
        path: path.to_path_buf(),
        idle: Mutex::new(Vec::new()),
        caches: caches.clone(),
    });
    start(conn, caches, Some(readers))
}

/// An in-memory database lives in one connection, so its reads are served
/// by the writer too.
pub fn open_memory() -> Result<SqliteStore, String> {
    let conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
    start(conn, Arc::default(), None)
}

fn start(
    mut conn: Connection,
    caches: Arc<Caches>,
    readers: Option<Arc<ReadPool>>,
) -> Result<SqliteStore, String> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    migrate(&mut conn).map_err(|e| format!("cannot migrate the SQLite database: {e}"))?;
    let counter = Counter::on(&conn).map_err(|e| format!("cannot read the change counter: {e}"))?;
    let (tx, rx) = mpsc::channel::<Job>();
    let writer = std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || write_loop(SqliteConn::new(conn, &caches), counter, rx))
        .map_err(|e| e.to_string())?;
    Ok(SqlStore::new(Sqlite {
        jobs: Mutex::new(Some(tx)),
        writer: Mutex::new(Some(writer)),
        readers,
        scans: tokio::sync::Semaphore::new(SCANS_AT_ONCE),
    }))
}

impl Backend for Sqlite {
    type Conn = SqliteConn;
    const COMMITS_TOGETHER: bool = true;

    async fn write_alone<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c SqliteConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        self.write(f).await
    }

    /// Runs `f` in the writer's next transaction and answers once that
    /// transaction is committed and synced.
    async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c SqliteConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        // What the write logs on the writer thread carries the request's
        // span, and so its id.
        let span = tracing::Span::current();
        let job: Job = Box::new(move |conn| {
            let _request = span.enter();
            let result = run_now(f(conn));
            let keep = result.is_ok();
            let finish: Finish = Box::new(move |committed| {
                let _ = reply.send(committed.and(result));
            });
            (keep, finish)
        });
        let sender = self
            .jobs
            .lock()
            .expect("writer handle poisoned")
            .clone()
            .ok_or_else(|| ApiError::internal("the store is shut down"))?;
        sender
            .send(job)
            .map_err(|_| ApiError::internal("the SQLite writer has stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("the SQLite writer dropped a write"))?
    }

    /// Runs a point read on the calling worker thread. Such reads are short
    /// and WAL never makes them wait for the writer, so handing them to a
    /// blocking thread would cost more than it saves.
    async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c SqliteConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        match &self.readers {
            Some(pool) => pool.run(true, f),
            None => self.write(f).await,
        }
    }

    /// Like `read`, without a transaction around the one statement.
    async fn read_alone<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c SqliteConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        match &self.readers {
            Some(pool) => pool.run(false, f),
            None => self.write(f).await,
        }
    }

    /// Runs a read that may take milliseconds (a listing, a view, free/busy)
    /// on a blocking thread, so that it holds up no other request.
    async fn scan<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c SqliteConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        let Some(pool) = self.readers.clone() else {
            return self.write(f).await;
        };
        // Bounded, so the pool (each connection with its page cache) stays small.
        let _permit = self.scans.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || pool.run(true, f))
            .await
            .map_err(ApiError::internal)?
    }
}

impl Drop for Sqlite {
    /// Lets the writer finish what is queued, then stops it.
    fn drop(&mut self) {
        self.jobs.lock().expect("writer handle poisoned").take();
        if let Some(handle) = self.writer.lock().expect("writer handle poisoned").take() {
            let _ = handle.join();
        }
    }
}

/// Applies the migrations the database lacks, in one transaction; refuses a
/// database a newer dingcal has migrated further.
fn migrate(conn: &mut Connection) -> Result<(), String> {
    let sql = |e: rusqlite::Error| e.to_string();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    let applied: usize = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    for step in migrate::pending(applied, migrate::SQLITE)? {
        tx.execute_batch(step).map_err(sql)?;
    }
    tx.pragma_update(None, "user_version", migrate::SQLITE.len())
        .map_err(sql)?;
    tx.commit().map_err(sql)
}

/// The change counter: the number of the write under way, which the
/// writer connection's `dingcal_seq()` answers. It lives in memory, as only
/// the writer writes, and is stored in `counters` with each commit, in the
/// same transaction as the rows it stamped.
struct Counter(Arc<AtomicI64>);

impl Counter {
    /// The counter as stored, with `dingcal_seq()` defined on `conn`.
    fn on(conn: &Connection) -> rusqlite::Result<Counter> {
        let stored: i64 = conn.query_row(
            "SELECT value FROM counters WHERE name = 'change'",
            [],
            |r| r.get(0),
        )?;
        let value = Arc::new(AtomicI64::new(stored));
        let read = value.clone();
        conn.create_scalar_function("dingcal_seq", 0, FunctionFlags::SQLITE_UTF8, move |_| {
            Ok(read.load(Ordering::Relaxed))
        })?;
        Ok(Counter(value))
    }

    /// Numbers the next write.
    fn next(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn store(&self, conn: &SqliteConn) -> ApiResult<()> {
        conn.lock()
            .prepare_cached("UPDATE counters SET value = ?1 WHERE name = 'change'")?
            .execute([self.0.load(Ordering::Relaxed)])?;
        Ok(())
    }
}

fn write_loop(conn: SqliteConn, counter: Counter, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        crate::metrics::metrics().commit(batch.len());
        let mut finishes = Vec::with_capacity(batch.len());
        let committed = run_batch(&conn, &counter, batch, &mut finishes);
        if committed.is_err() {
            let _ = conn.run("ROLLBACK");
        }
        for finish in finishes {
            finish(committed.clone());
        }
    }
}

/// Runs a batch of writes in one transaction, each in a savepoint of its
/// own, and commits it.
fn run_batch(
    conn: &SqliteConn,
    counter: &Counter,
    batch: Vec<Job>,
    finishes: &mut Vec<Finish>,
) -> ApiResult<()> {
    conn.run("BEGIN")?;
    let mut failure = None;
    for job in batch {
        counter.next();
        let outcome = conn.run("SAVEPOINT job").and_then(|()| {
            // A panicking request must not take the writer, and every other
            // request with it, down: its savepoint rolls back and its caller
            // sees its reply channel dropped.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn))) {
                Ok((keep, finish)) => {
                    finishes.push(finish);
                    if keep {
                        conn.run("RELEASE job")
                    } else {
                        conn.run("ROLLBACK TO job")
                            .and_then(|()| conn.run("RELEASE job"))
                    }
                }
                Err(_) => {
                    tracing::error!("a write panicked and was rolled back");
                    conn.run("ROLLBACK TO job")
                        .and_then(|()| conn.run("RELEASE job"))
                }
            }
        });
        if let Err(e) = outcome {
            failure = Some(e);
        }
    }
    match failure {
        Some(e) => Err(e),
        None => {
            counter.store(conn)?;
            conn.run("COMMIT")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With STAT4, SQLite re-plans statements at every execution; with
    /// MEMORY_MANAGEMENT or MEMSTATUS, the reading threads queue on global
    /// mutexes (.cargo/config.toml builds it without them).
    #[test]
    fn the_bundled_sqlite_is_built_as_configured() {
        let conn = Connection::open_in_memory().unwrap();
        let options: Vec<String> = conn
            .prepare("PRAGMA compile_options")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!options.iter().any(|o| o.contains("STAT4")), "{options:?}");
        assert!(
            !options.iter().any(|o| o.contains("MEMORY_MANAGEMENT")),
            "{options:?}"
        );
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }
}
