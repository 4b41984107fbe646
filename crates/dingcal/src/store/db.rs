//! What the store's logic needs of a SQL database, so that it is written once
//! for both backends. Statements are written in the dialect both accept
//! (`?N` parameters, which the PostgreSQL module renumbers as `$N` when it
//! prepares them; booleans compared with TRUE and FALSE; ON CONFLICT
//! upserts), and every backend caches them prepared.
//!
//! A write stamps what it changes with its change number by calling the SQL
//! function `dingcal_seq()`, which both backends provide: the database
//! numbers the change itself, so no statement waits for a number first.

use std::future::Future;

use crate::domain::EventId;
use crate::error::{ApiError, ApiResult};
use crate::store::{IdempotencyKey, SyncPoint};

/// A value bound to a statement, in either backend's own encoding.
pub trait Param: Sync {
    fn sqlite(&self) -> &dyn rusqlite::ToSql;
    fn postgres(&self) -> &(dyn postgres::types::ToSql + Sync);
}

impl<T: rusqlite::ToSql + postgres::types::ToSql + Sync> Param for T {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn postgres(&self) -> &(dyn postgres::types::ToSql + Sync) {
        self
    }
}

/// A column type both backends read.
pub trait Column: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}

impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Column for T {}

/// One row of an answer.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    pub fn get<T: Column>(&self, index: usize) -> ApiResult<T> {
        match self {
            Row::Sqlite(r) => Ok(r.get(index)?),
            Row::Postgres(r) => r.try_get(index).map_err(ApiError::internal),
        }
    }
}

/// The parameters of one statement, as `&[&dyn Param]`.
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$(&$value as &dyn $crate::store::db::Param),*] as &[&dyn $crate::store::db::Param]
    };
}
pub(crate) use params;

/// A connection inside a transaction: a write's or a read's.
pub trait Db {
    /// The rows of a query, mapped, at most `limit` of them.
    fn query<T>(
        &self,
        sql: &'static str,
        params: &[&dyn Param],
        limit: Option<usize>,
        map: impl FnMut(&Row<'_>) -> ApiResult<T>,
    ) -> ApiResult<Vec<T>>;

    /// Runs a statement; the number of rows it changed.
    fn execute(&self, sql: &'static str, params: &[&dyn Param]) -> ApiResult<u64>;

    /// The first row of a query, if any.
    fn query_opt<T>(
        &self,
        sql: &'static str,
        params: &[&dyn Param],
        map: impl FnMut(&Row<'_>) -> ApiResult<T>,
    ) -> ApiResult<Option<T>> {
        Ok(self.query(sql, params, Some(1), map)?.pop())
    }

    /// The changes committed and visible to this transaction: where a
    /// syncToken taken now stands.
    fn sync_point(&self) -> ApiResult<SyncPoint>;
    /// Holds the event (if it exists) against other writers until this
    /// transaction ends, so that a read-modify-write of it loses nothing.
    fn lock_event(&self, id: &EventId) -> ApiResult<()>;
    /// Refuses an x-client-token that another transaction is applying
    /// right now, and holds it against others until this one ends.
    fn claim(&self, key: &IdempotencyKey) -> ApiResult<()>;
}

/// How a backend runs the store's transactions.
pub trait Backend: Send + Sync + 'static {
    type Conn: Db;

    /// Runs `f` in a write transaction and answers once it is durably
    /// committed; nothing of it remains if `f` fails.
    fn write<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&Self::Conn) -> ApiResult<T> + Send + 'static;

    /// Runs `f`, which runs a single statement, as a write of its own: on
    /// PostgreSQL without BEGIN and COMMIT, one round trip.
    fn write_alone<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&Self::Conn) -> ApiResult<T> + Send + 'static;

    /// Runs a short read in one consistent snapshot.
    fn read<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&Self::Conn) -> ApiResult<T> + Send + 'static;

    /// Runs a read that may take milliseconds (a listing, a view,
    /// free/busy) in one consistent snapshot, off the request's thread.
    fn scan<T, F>(&self, f: F) -> impl Future<Output = ApiResult<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&Self::Conn) -> ApiResult<T> + Send + 'static;
}
