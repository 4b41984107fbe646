//! The shared store: several dingcal nodes on one PostgreSQL database. Each
//! unit of work runs on a pooled connection (tokio-postgres, pooled by
//! deadpool), except reads of single statements, which share a few
//! connections, pipelined; nothing a node keeps in memory is needed by
//! another.
//!
//! - Writes run in READ COMMITTED and lock the event they change
//!   (`SELECT ... FOR UPDATE`) before reading it, so concurrent writers of
//!   one event, on any node, apply one after the other and lose nothing.
//! - An x-client-token is claimed with a transaction-scoped advisory lock,
//!   so its second request, on any node, is refused while the first runs
//!   and replays its outcome once it has committed.
//! - Reads run in REPEATABLE READ, one snapshot for the whole request.
//! - A change's number is the id of the transaction that made it
//!   (`dingcal_seq()`, defined by the migration). Transaction ids are
//!   handed out in start order, not commit order, so a syncToken is the
//!   reading transaction's snapshot: every id below its xmax except those
//!   still running then. The next sync returns what it did not cover, so a
//!   write that commits late is still seen once.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod};
use tokio_postgres::NoTls;

pub use self::conn::PgConn;
use self::conn::{Client, connection_lost};
use super::migrate;
use super::sql::db::{Backend, BoxFuture};
use super::sql::{Caches, SqlStore};
use crate::error::{ApiError, ApiResult};

mod conn;

/// The most connections one node leases, a unit of work on each (dingcal's
/// choice: on a small machine more only queue inside PostgreSQL).
const POOL_MAX: usize = 8;
/// The connections that single-statement reads share besides. Their
/// statements are sent as they come, several in one write, and PostgreSQL
/// answers them in order: a GetEvent then costs a fraction of a round
/// trip's system calls and wake-ups, which on loopback are most of its
/// cost. (dingcal's choice, measured on 2 cores: two served as many reads
/// but held more behind each statement, a p99 twice as long.)
const SHARED_READERS: usize = 4;
/// How long a new connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request waits for PostgreSQL to take connections again
/// before it is answered 503 (dingcal's choice: a restart takes seconds,
/// and the request's own limit is 30 s).
const RECONNECT_FOR: Duration = Duration::from_secs(10);
/// Every session's bounds: no statement, lock wait or open transaction
/// outlives a request's 30 s by much, so none holds a connection or a row
/// lock for long after its request was given up on.
const SESSION: &str =
    "-c statement_timeout=30s -c lock_timeout=30s -c idle_in_transaction_session_timeout=60s";
/// Any constant: the advisory lock nodes take to migrate one at a time.
const MIGRATION_LOCK: i64 = 0x0064_696e_6763_616c;

pub type PostgresStore = SqlStore<Postgres>;

pub struct Postgres {
    /// The connections leased to units of work.
    pool: Pool,
    /// The connections reads share, one per slot of `shared`.
    readers: Pool,
    caches: Arc<Caches>,
    shared: [SharedSlot; SHARED_READERS],
    /// The shared connection the next read takes.
    next_shared: AtomicUsize,
}

/// Holds a shared connection, taken from `readers` when first needed and
/// again once found lost.
#[derive(Default)]
struct SharedSlot {
    held: Mutex<Option<Arc<Object>>>,
    /// Taken by the read that fills the slot: the others wait for it rather
    /// than ask the readers' pool, which holds one connection per slot.
    filling: tokio::sync::Mutex<()>,
}

impl SharedSlot {
    /// The slot's connection, unless it has none or has lost it.
    fn open(&self) -> Option<Arc<Object>> {
        let held = self.held.lock().expect("shared reader poisoned");
        held.clone().filter(|c| !c.is_closed())
    }
}

/// Holds a connection for one unit of work. Given back to the pool only
/// once the work has ended its transaction; a unit of work dropped part-way
/// (its request given up on) closes the connection instead, which makes
/// PostgreSQL roll the transaction back.
struct Lease(Option<PgConn>);

impl Lease {
    fn conn(&self) -> &PgConn {
        self.0.as_ref().expect("a leased connection")
    }

    /// The work ended cleanly: the connection may serve the next one.
    fn release(mut self) {
        self.0.take();
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(PgConn {
            client: Client::Leased(object),
            ..
        }) = self.0.take()
        {
            drop(Object::take(object));
        }
    }
}

/// Connects the pool, and migrates the database unless it is current.
pub async fn open(url: &str) -> Result<PostgresStore, String> {
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|e| format!("invalid PostgreSQL URL {url:?}: {e}"))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let options = match config.get_options() {
        Some(own) => format!("{own} {SESSION}"),
        None => SESSION.to_string(),
    };
    config.options(&options);
    let pool_of = |size| {
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(size)
            .build()
            .map_err(|e| format!("cannot make the PostgreSQL pool: {e}"))
    };
    let (pool, readers) = (pool_of(POOL_MAX)?, pool_of(SHARED_READERS)?);
    let mut client = pool
        .get()
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    migrate(&mut client)
        .await
        .map_err(|e| format!("cannot migrate the PostgreSQL database: {e}"))?;
    Ok(SqlStore::new(Postgres {
        pool,
        readers,
        caches: Arc::default(),
        shared: Default::default(),
        next_shared: AtomicUsize::new(0),
    }))
}

/// How a unit of work may be tried again if its connection is lost.
#[derive(Clone, Copy, PartialEq)]
enum Retry {
    /// It only reads: it may always run again.
    Reads,
    /// A transaction: it may run again unless its COMMIT went out.
    UntilCommit,
    /// Statements that commit one by one: some may have been applied.
    Never,
}

impl Postgres {
    /// Runs `f` on a pooled connection between `begin` and COMMIT (or, if
    /// it fails, ROLLBACK); with no `begin`, as statements of their own. A
    /// pooled connection found lost before anything was applied (PostgreSQL
    /// restarted, or the backend was terminated before the pool could
    /// notice) is dropped, and the work runs again on the next one: at
    /// worst every pooled connection is dead, and a new one is made.
    async fn run<T, F>(&self, begin: Option<&'static str>, retry: Retry, f: F) -> ApiResult<T>
    where
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>> + Clone,
    {
        for _ in 0..POOL_MAX {
            match self.attempt(begin, retry, f.clone()).await {
                Ok(result) => return result,
                Err(lost) => tracing::info!("running again on another connection after: {lost}"),
            }
        }
        self.attempt(begin, Retry::Never, f)
            .await
            .unwrap_or_else(Err)
    }

    /// A connection from the pool. While PostgreSQL refuses new ones (it
    /// is restarting), asked for again, for a while: a restart then costs
    /// the requests that arrive during it some time, not an error.
    async fn connection(pool: &Pool) -> ApiResult<Object> {
        let asked = Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            match pool.get().await {
                Ok(conn) => {
                    crate::metrics::metrics().pool_wait(asked.elapsed().as_secs_f64());
                    return Ok(conn);
                }
                Err(PoolError::Backend(e))
                    if connection_lost(&e) && asked.elapsed() + pause < RECONNECT_FOR =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// One try of `run`: `Err` when a connection that had served before
    /// was found lost and `retry` says the work may run again. (A new
    /// connection lost says that PostgreSQL itself is gone.)
    async fn attempt<T, F>(
        &self,
        begin: Option<&'static str>,
        retry: Retry,
        f: F,
    ) -> Result<ApiResult<T>, ApiError>
    where
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>>,
    {
        let conn = match Self::connection(&self.pool).await {
            Ok(conn) => conn,
            Err(e) => return Ok(Err(e)),
        };
        let lease = Lease(Some(PgConn::new(Client::Leased(conn), self.caches.clone())));
        let client = &lease.conn().client;
        // Whether a failure may be retried, `before_commit` saying if it
        // came before the transaction's end was sent.
        let pooled = Object::metrics(client).recycle_count > 0;
        let retryable = |before_commit: bool| {
            pooled
                && lease.conn().is_lost()
                && (retry == Retry::Reads || (retry == Retry::UntilCommit && before_commit))
        };
        let Some(begin) = begin else {
            let result = f(lease.conn()).await;
            return match result {
                Err(e) if retryable(true) => Err(e),
                result => {
                    lease.release();
                    Ok(result)
                }
            };
        };
        // BEGIN goes out with the work's first statements, in one round
        // trip: the server takes them in the order they were sent.
        let (begun, result) =
            futures_util::future::join(client.batch_execute(begin), f(lease.conn())).await;
        if let Err(e) = begun {
            let e = lease.conn().failed(e);
            return if retryable(true) { Err(e) } else { Ok(Err(e)) };
        }
        let result = match result {
            Err(e) if retryable(true) => return Err(e),
            result => result,
        };
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        // A connection whose transaction did not end cleanly is closed (by
        // the lease) rather than pooled.
        if let Err(e) = client.batch_execute(end).await {
            let e = lease.conn().failed(e);
            return if retryable(false) { Err(e) } else { Ok(Err(e)) };
        }
        lease.release();
        Ok(result)
    }
}

impl Postgres {
    /// Runs a read of single statements on a shared connection, beside
    /// the other reads on it. A read dropped part-way leaves nothing behind
    /// (its answer is read and thrown away), and one that finds its
    /// connection lost runs again on a new one.
    async fn read_shared<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>> + Clone,
    {
        let mut tries = 0;
        loop {
            let (slot, object) = self.shared_client().await?;
            let conn = PgConn::new(Client::Shared(object.clone()), self.caches.clone());
            let result = f.clone()(&conn).await;
            // At worst the connection of every slot was dead, and so was
            // each that the pool then handed back.
            if result.is_ok() || !conn.is_lost() || tries == 2 * SHARED_READERS {
                return result;
            }
            tries += 1;
            tracing::info!("reading again on another connection");
            let mut held = self.shared[slot]
                .held
                .lock()
                .expect("shared reader poisoned");
            if held.as_ref().is_some_and(|c| Arc::ptr_eq(c, &object)) {
                *held = None;
            }
        }
    }

    /// The next shared connection, taken from the pool if its slot has
    /// none yet or its last one was lost.
    async fn shared_client(&self) -> ApiResult<(usize, Arc<Object>)> {
        let slot = self.next_shared.fetch_add(1, Ordering::Relaxed) % SHARED_READERS;
        let shared = &self.shared[slot];
        if let Some(object) = shared.open() {
            return Ok((slot, object));
        }
        let _filling = shared.filling.lock().await;
        if let Some(object) = shared.open() {
            return Ok((slot, object));
        }
        // The lost connection goes back to the pool (which discards it)
        // once the reads still holding it have failed: the slot lets go.
        shared.held.lock().expect("shared reader poisoned").take();
        let new = Arc::new(Self::connection(&self.readers).await?);
        *shared.held.lock().expect("shared reader poisoned") = Some(new.clone());
        Ok((slot, new))
    }
}

impl Backend for Postgres {
    type Conn = PgConn;
    const COMMITS_TOGETHER: bool = false;

    async fn write_alone<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        self.run(None, Retry::Never, f).await
    }

    async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        self.run(Some("BEGIN"), Retry::UntilCommit, f).await
    }

    async fn read_alone<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        self.read_shared(f).await
    }

    async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        self.run(
            Some("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
            Retry::Reads,
            f,
        )
        .await
    }

    async fn scan<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c PgConn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static,
    {
        self.read(f).await
    }
}

/// Applies the migrations the database lacks, one node at a time (the
/// others wait on the lock, then find nothing left to do); refuses a
/// database a newer dingcal has migrated further.
async fn migrate(client: &mut Object) -> Result<(), String> {
    let sql = |e: tokio_postgres::Error| e.to_string();
    let tx = client.transaction().await.map_err(sql)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(sql)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS dingcal_schema (version BIGINT NOT NULL)")
        .await
        .map_err(sql)?;
    let applied: Option<i64> = tx
        .query_opt("SELECT version FROM dingcal_schema", &[])
        .await
        .map_err(sql)?
        .map(|r| r.get(0));
    for step in migrate::pending(applied.unwrap_or(0) as usize, migrate::POSTGRES)? {
        tx.batch_execute(step).await.map_err(sql)?;
    }
    tx.execute("DELETE FROM dingcal_schema", &[])
        .await
        .map_err(sql)?;
    tx.execute(
        "INSERT INTO dingcal_schema (version) VALUES ($1)",
        &[&(migrate::POSTGRES.len() as i64)],
    )
    .await
    .map_err(sql)?;
    tx.commit().await.map_err(sql)
}
