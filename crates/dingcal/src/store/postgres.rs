//! The shared store: several dingcal nodes on one PostgreSQL database. Each
//! request is one transaction on a pooled connection, run on a blocking
//! thread; nothing a node keeps in memory is needed by another.
//!
//! - Writes run in READ COMMITTED and lock the event they change
//!   (`SELECT ... FOR UPDATE`) before reading it, so concurrent writers of
//!   one event, on any node, apply one after the other and lose nothing.
//! - An x-client-token is claimed with a transaction-scoped advisory lock,
//!   so its second request, on any node, is refused while the first runs
//!   and replays its outcome once it has committed.
//! - Reads run in REPEATABLE READ, one snapshot for the whole request.
//! - A change's sequence number is the id of the transaction that made it
//!   (`dingcal_seq()`, defined by the migration).
//!   Transaction ids are handed out in start order, not commit order, so a
//!   syncToken is the reading transaction's snapshot: every id below its
//!   xmax except those still running then. The next sync returns what it
//!   did not cover, so a write that commits late is still seen once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use postgres::{Client, NoTls, Statement};

use super::db::{Backend, Db, Param, Row};
use super::engine::SqlStore;
use super::{IdempotencyKey, SyncPoint, pending_migrations};
use crate::domain::EventId;
use crate::error::{ApiError, ApiResult};

const MIGRATIONS: &[&str] = &[include_str!("../../migrations/postgres/0001_init.sql")];
/// The most connections one node opens (dingcal's choice: on a small
/// machine more only queue inside PostgreSQL).
const POOL_MAX: usize = 8;
/// How long a new connection may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Every session's bounds: no statement, lock wait or open transaction
/// outlives a request's 30 s by much, so none holds a pooled connection or
/// a row lock for long after its request was given up on.
const SESSION: &str = "SET statement_timeout = '30s'; SET lock_timeout = '30s';
    SET idle_in_transaction_session_timeout = '60s'";
/// Any constant: the advisory lock nodes take to migrate one at a time.
const MIGRATION_LOCK: i64 = 0x0064_696e_6763_616c;

pub type PostgresStore = SqlStore<Postgres>;

pub struct Postgres {
    pool: Arc<Pool>,
    /// One per pooled connection: a request waits here, not in the pool.
    /// The blocking task holds its permit, so a request given up on (a
    /// timeout, a client gone) frees it only once its statements end.
    permits: Arc<tokio::sync::Semaphore>,
}

struct Pool {
    config: postgres::Config,
    idle: Mutex<Vec<PgConn>>,
}

/// How a request's statements run on their connection.
#[derive(Clone, Copy)]
enum Mode {
    /// One statement, committed on its own: no BEGIN, no COMMIT.
    Alone,
    /// A transaction in READ COMMITTED; its locks do the rest.
    Write,
    /// A transaction in one REPEATABLE READ snapshot.
    Read,
}

/// A connection with its prepared statements, by the address of their text
/// and whether a LIMIT is bound after it.
pub struct PgConn {
    client: RefCell<Client>,
    statements: RefCell<HashMap<(usize, bool), Statement>>,
}

impl Postgres {
    /// Connects, and migrates the database unless it is current.
    pub async fn open(url: &str) -> Result<PostgresStore, String> {
        let mut config = postgres::Config::from_str(url)
            .map_err(|e| format!("invalid PostgreSQL URL {url:?}: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let pool = Arc::new(Pool {
            config,
            idle: Mutex::new(Vec::new()),
        });
        let migrating = pool.clone();
        tokio::task::spawn_blocking(move || {
            let conn = migrating.connect()?;
            migrate(&mut conn.client.borrow_mut())?;
            migrating.give_back(conn);
            Ok::<_, String>(())
        })
        .await
        .map_err(|e| e.to_string())??;
        Ok(SqlStore::new(Postgres {
            pool,
            permits: Arc::new(tokio::sync::Semaphore::new(POOL_MAX)),
        }))
    }

    /// Runs `f` on a pooled connection, on a blocking thread; a
    /// transaction rolls back if `f` fails.
    async fn run<T, F>(&self, mode: Mode, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&PgConn) -> ApiResult<T> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = pool.take()?;
            let begin = match mode {
                Mode::Alone => {
                    let result = f(&conn);
                    pool.give_back(conn);
                    return result;
                }
                Mode::Write => "BEGIN",
                Mode::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            };
            let result = conn.batch(begin).and_then(|()| f(&conn));
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = conn.batch(end);
            // A connection whose transaction did not end cleanly is closed
            // rather than pooled.
            if ended.is_ok() {
                pool.give_back(conn);
            }
            ended.and(result)
        })
        .await
        .map_err(ApiError::internal)?
    }
}

impl Pool {
    fn connect(&self) -> Result<PgConn, String> {
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
        client
            .batch_execute(SESSION)
            .map_err(|e| format!("cannot configure the PostgreSQL session: {e}"))?;
        Ok(PgConn {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
        })
    }

    /// An idle connection still open (one the server closed, e.g. by a
    /// restart, is let go), or a new one.
    fn take(&self) -> ApiResult<PgConn> {
        while let Some(conn) = self.idle.lock().expect("pool poisoned").pop() {
            if !conn.client.borrow().is_closed() {
                return Ok(conn);
            }
        }
        self.connect().map_err(ApiError::internal)
    }

    fn give_back(&self, conn: PgConn) {
        if !conn.client.borrow().is_closed() {
            self.idle.lock().expect("pool poisoned").push(conn);
        }
    }
}

impl Drop for Pool {
    /// A client owns a small runtime of its own, which may not be dropped
    /// on an async worker: the idle ones are closed on a thread of their own.
    fn drop(&mut self) {
        let idle = std::mem::take(&mut *self.idle.lock().expect("pool poisoned"));
        let _ = std::thread::spawn(move || drop(idle)).join();
    }
}

impl PgConn {
    fn batch(&self, sql: &str) -> ApiResult<()> {
        self.client
            .borrow_mut()
            .batch_execute(sql)
            .map_err(ApiError::internal)
    }

    /// The statement, prepared once per connection: `?N` parameters become
    /// `$N`, and a bound LIMIT follows when `limited`.
    fn prepared(&self, sql: &'static str, params: usize, limited: bool) -> ApiResult<Statement> {
        let key = (sql.as_ptr() as usize, limited);
        if let Some(statement) = self.statements.borrow().get(&key) {
            return Ok(statement.clone());
        }
        let mut text = sql.replace('?', "$");
        if limited {
            text.push_str(&format!(" LIMIT ${}", params + 1));
        }
        let statement = self
            .client
            .borrow_mut()
            .prepare(&text)
            .map_err(ApiError::internal)?;
        self.statements.borrow_mut().insert(key, statement.clone());
        Ok(statement)
    }
}

impl Db for PgConn {
    fn query<T>(
        &self,
        sql: &'static str,
        params: &[&dyn Param],
        limit: Option<usize>,
        mut map: impl FnMut(&Row<'_>) -> ApiResult<T>,
    ) -> ApiResult<Vec<T>> {
        // A SELECT stops at its limit inside the server; a write with
        // RETURNING (which takes no LIMIT) has its rows cut here.
        let limited = limit.is_some() && sql.starts_with("SELECT");
        let statement = self.prepared(sql, params.len(), limited)?;
        let keep = limit.unwrap_or(usize::MAX);
        let limit = limit
            .filter(|_| limited)
            .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut bound: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.postgres()).collect();
        if let Some(limit) = &limit {
            bound.push(limit);
        }
        let rows = self
            .client
            .borrow_mut()
            .query(&statement, &bound)
            .map_err(ApiError::internal)?;
        rows.iter()
            .take(keep)
            .map(|r| map(&Row::Postgres(r)))
            .collect()
    }

    fn execute(&self, sql: &'static str, params: &[&dyn Param]) -> ApiResult<u64> {
        let statement = self.prepared(sql, params.len(), false)?;
        let bound: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p.postgres()).collect();
        self.client
            .borrow_mut()
            .execute(&statement, &bound)
            .map_err(ApiError::internal)
    }

    fn sync_point(&self) -> ApiResult<SyncPoint> {
        let snapshot: Option<String> =
            self.query_opt("SELECT pg_current_snapshot()::text", &[], |r| r.get(0))?;
        snapshot
            .as_deref()
            .and_then(sync_point_of)
            .ok_or_else(|| ApiError::internal(format!("unreadable snapshot {snapshot:?}")))
    }

    fn lock_event(&self, id: &EventId) -> ApiResult<()> {
        self.query(
            "SELECT 1 FROM events WHERE id = ?1 FOR UPDATE",
            &[&id.as_str()],
            None,
            |_| Ok(()),
        )?;
        Ok(())
    }

    fn claim(&self, key: &IdempotencyKey) -> ApiResult<()> {
        let name = format!("{}\n{}", key.app_key, key.token);
        let held = self.query_opt(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(?1, 0))",
            &[&name],
            |r| r.get::<bool>(0),
        )?;
        match held {
            Some(true) => Ok(()),
            _ => Err(ApiError::idempotency_processing()),
        }
    }
}

impl Backend for Postgres {
    type Conn = PgConn;

    async fn write_alone<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&PgConn) -> ApiResult<T> + Send + 'static,
    {
        self.run(Mode::Alone, f).await
    }

    async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&PgConn) -> ApiResult<T> + Send + 'static,
    {
        self.run(Mode::Write, f).await
    }

    async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&PgConn) -> ApiResult<T> + Send + 'static,
    {
        self.run(Mode::Read, f).await
    }

    async fn scan<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&PgConn) -> ApiResult<T> + Send + 'static,
    {
        self.read(f).await
    }
}

/// A snapshot's text (`xmin:xmax:xip,...`) as a sync point.
fn sync_point_of(snapshot: &str) -> Option<SyncPoint> {
    let mut parts = snapshot.split(':');
    let _xmin = parts.next()?;
    let xmax: i64 = parts.next()?.parse().ok()?;
    let running = parts.next()?;
    let pending = running
        .split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    Some(SyncPoint {
        upto: xmax - 1,
        pending,
    })
}

/// Applies the migrations the database lacks, one node at a time (the
/// others wait on the lock, then find nothing left to do); refuses a
/// database a newer dingcal has migrated further.
fn migrate(client: &mut Client) -> Result<(), String> {
    let sql = |e: postgres::Error| e.to_string();
    let mut tx = client.transaction().map_err(sql)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(sql)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS dingcal_schema (version BIGINT NOT NULL)")
        .map_err(sql)?;
    let applied: Option<i64> = tx
        .query_opt("SELECT version FROM dingcal_schema", &[])
        .map_err(sql)?
        .map(|r| r.get(0));
    for step in pending_migrations(applied.unwrap_or(0) as usize, MIGRATIONS)? {
        tx.batch_execute(step).map_err(sql)?;
    }
    tx.execute("DELETE FROM dingcal_schema", &[]).map_err(sql)?;
    tx.execute(
        "INSERT INTO dingcal_schema (version) VALUES ($1)",
        &[&(MIGRATIONS.len() as i64)],
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_a_sync_point() {
        assert_eq!(
            sync_point_of("10:20:10,14"),
            Some(SyncPoint {
                upto: 19,
                pending: vec![10, 14]
            })
        );
        assert_eq!(sync_point_of("7:7:").map(|p| p.upto), Some(6));
        assert_eq!(sync_point_of("garbage"), None);
    }
}
