//! What the store's logic needs of a SQL database, so that it is written
//! once for both backends.
//!
//! Statements are written in the dialect both accept (`$N` parameters,
//! numbered in the order they first appear, which is how SQLite numbers
//! them; booleans compared with TRUE and FALSE; ON CONFLICT upserts). A
//! statement carries each backend's text, the same text unless they must
//! differ: a LIMIT taken from a parameter is bound on PostgreSQL, while
//! SQLite, which plans a statement anew for every value of a bound LIMIT,
//! steps only as far as the limit instead. Each backend caches prepared
//! statements by their text.
//!
//! A write stamps what it changes with its change number by calling the SQL
//! function `dingcal_seq()`, which both backends provide: the database
//! numbers the change itself, so no statement waits for a number first.

use std::future::Future;
use std::pin::Pin;

use super::cache::Caches;
use crate::domain::EventId;
use crate::error::{ApiError, ApiResult};
use crate::store::cursor::SyncPoint;
use crate::store::idempotency::IdempotencyKey;

/// The future a unit of work on a connection returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One statement, as each backend runs it.
#[derive(Debug, Clone, Copy)]
pub struct Sql {
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// A statement both backends run as written; with `limit N`, PostgreSQL's
/// text ends with `LIMIT $N`, bound by [`Db::query_limited`].
macro_rules! sql {
    ($text:literal) => {
        $crate::store::sql::db::Sql {
            sqlite: $text,
            postgres: $text,
        }
    };
    ($text:literal, limit $n:literal) => {
        $crate::store::sql::db::Sql {
            sqlite: $text,
            postgres: concat!($text, " LIMIT $", $n),
        }
    };
}
pub(crate) use sql;

/// A value bound to a statement, in either backend's own encoding.
pub trait Param: Sync {
    fn sqlite(&self) -> &dyn rusqlite::ToSql;
    fn postgres(&self) -> &(dyn tokio_postgres::types::ToSql + Sync);
}

impl<T: rusqlite::ToSql + tokio_postgres::types::ToSql + Sync> Param for T {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn postgres(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        self
    }
}

/// The parameters of one statement, as `&[&dyn Param]`.
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$(&$value as &dyn $crate::store::sql::db::Param),*] as &[&dyn $crate::store::sql::db::Param]
    };
}
pub(crate) use params;

/// A column type both backends read.
pub trait Column: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a> {}

impl<T: rusqlite::types::FromSql + for<'a> tokio_postgres::types::FromSql<'a>> Column for T {}

/// One row of an answer; columns are read by name.
pub enum Row<'a> {
    /// A SQLite row, with its statement's column names (looked up once per
    /// run of the statement: SQLite's own lookup converts and compares
    /// every name at every call).
    Sqlite(&'a rusqlite::Row<'a>, &'a [&'a str]),
    Postgres(&'a tokio_postgres::Row),
}

impl Row<'_> {
    pub fn get<T: Column>(&self, column: &str) -> ApiResult<T> {
        match self {
            Row::Sqlite(r, names) => {
                let index = names.iter().position(|n| *n == column).ok_or_else(|| {
                    ApiError::internal(format!("no column {column} in the answer"))
                })?;
                Ok(r.get(index)?)
            }
            Row::Postgres(r) => Ok(r.try_get(column)?),
        }
    }
}

/// A connection inside a transaction: a write's or a read's.
pub trait Db: Sync {
    /// Every row of a query, mapped.
    fn query<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> impl Future<Output = ApiResult<Vec<T>>> + Send;

    /// The first `limit` rows of a query written with `sql!(.., limit N)`,
    /// mapped; `params` are the others.
    fn query_limited<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        limit: usize,
        map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> impl Future<Output = ApiResult<Vec<T>>> + Send;

    /// The first row of a query, if any.
    fn query_opt<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> impl Future<Output = ApiResult<Option<T>>> + Send;

    /// Runs a statement; the number of rows it changed.
    fn execute(
        &self,
        sql: Sql,
        params: &[&dyn Param],
    ) -> impl Future<Output = ApiResult<u64>> + Send;

    /// The changes committed and visible to this transaction: where a
    /// syncToken taken now stands.
    fn sync_point(&self) -> impl Future<Output = ApiResult<SyncPoint>> + Send;
    /// Holds the event (if it exists) against other writers until this
    /// transaction ends, so that a read-modify-write of it loses nothing.
    fn lock_event(&self, id: &EventId) -> impl Future<Output = ApiResult<()>> + Send;
    /// Holds `name` against other writers until this transaction ends: for
    /// a read-then-write over rows that may not exist yet (a calendar's
    /// access rules, a room's bookings).
    fn lock_name(&self, name: &str) -> impl Future<Output = ApiResult<()>> + Send;
    /// Refuses an x-client-token that another transaction is applying
    /// right now, and holds it against others until this one ends.
    fn claim(&self, key: &IdempotencyKey) -> impl Future<Output = ApiResult<()>> + Send;
    /// What the store's connections have decoded, shared by all of them.
    fn caches(&self) -> &Caches;
}

/// How a backend runs the store's units of work. Each takes a function of
/// the connection giving the work's future; nothing of a write remains if
/// its work fails.
pub trait Backend: Send + Sync + 'static {
    type Conn: Db;

    /// Whether the backend itself commits the writes waiting at one moment
    /// together (SQLite's writer thread), so that gathering independent
    /// writes into one unit of work saves nothing.
    const COMMITS_TOGETHER: bool;

    /// Runs `f` in a write transaction and answers once it is durably
    /// committed.
    fn write<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c Self::Conn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static;

    /// Runs `f`, which runs a single statement, as a write of its own: on
    /// PostgreSQL without BEGIN and COMMIT, one round trip.
    fn write_alone<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c Self::Conn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static;

    /// Runs a read of a single statement, which is its own snapshot: on
    /// PostgreSQL without BEGIN and COMMIT, one round trip.
    fn read_alone<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c Self::Conn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static;

    /// Runs a short read in one consistent snapshot.
    fn read<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c Self::Conn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static;

    /// Runs a read that may take milliseconds (a listing, a view,
    /// free/busy) in one consistent snapshot, without holding up others.
    fn scan<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c Self::Conn) -> BoxFuture<'c, ApiResult<T>> + Clone + Send + 'static;
}
