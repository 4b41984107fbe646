//! A PostgreSQL connection as the store's work sees it: its statements,
//! locks and sync points, and what its errors mean.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use deadpool_postgres::{Object, PoolError};
use tokio_postgres::types::ToSql;

use crate::domain::EventId;
use crate::error::{ApiError, ApiResult};
use crate::store::cursor::SyncPoint;
use crate::store::idempotency::IdempotencyKey;
use crate::store::sql::Caches;
use crate::store::sql::db::{Db, Param, Row, Sql, params, sql};

/// Whether `e` says the connection is gone (lost, or its server shutting
/// down or not yet up): the database's state, not a fault of the request.
pub(super) fn connection_lost(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    e.is_closed()
        || e.code().is_some_and(|code| {
            [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
            ]
            .contains(code)
        })
        || (e.as_db_error().is_none()
            && std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()))
}

/// A lost connection may be retried by the client (503); so may a full
/// disk, once space is freed. Anything else is an internal error.
impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        if connection_lost(&e) {
            tracing::warn!("the PostgreSQL connection was lost: {e}");
            ApiError::store_unavailable()
        } else if e.code() == Some(&SqlState::DISK_FULL) {
            tracing::warn!("PostgreSQL's disk is full: {e}");
            ApiError::store_full()
        } else {
            ApiError::internal(e)
        }
    }
}

impl From<PoolError> for ApiError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Backend(e) => e.into(),
            // No connection could be made or had in time.
            e => {
                tracing::warn!("no PostgreSQL connection: {e}");
                ApiError::store_unavailable()
            }
        }
    }
}

/// A pooled connection, as the store's work sees it, with the store's
/// caches.
pub struct PgConn {
    pub(super) client: Client,
    caches: Arc<Caches>,
    /// Set once a statement failed because the connection is gone: the
    /// client may not know it yet when PostgreSQL's last word was an error.
    lost: AtomicBool,
}

/// A connection leased to one unit of work, or one that reads share.
#[expect(
    clippy::large_enum_variant,
    reason = "one lives per unit of work, in its future: boxing would allocate for each"
)]
pub(super) enum Client {
    Leased(Object),
    Shared(Arc<Object>),
}

impl std::ops::Deref for Client {
    type Target = Object;

    fn deref(&self) -> &Object {
        match self {
            Client::Leased(object) => object,
            Client::Shared(object) => object,
        }
    }
}

impl PgConn {
    pub(super) fn new(client: Client, caches: Arc<Caches>) -> PgConn {
        PgConn {
            client,
            caches,
            lost: AtomicBool::new(false),
        }
    }

    pub(super) fn failed(&self, e: tokio_postgres::Error) -> ApiError {
        if connection_lost(&e) {
            self.lost.store(true, Ordering::Relaxed);
        }
        e.into()
    }

    pub(super) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed) || self.client.is_closed()
    }
}

impl PgConn {
    async fn prepared(&self, sql: Sql) -> ApiResult<tokio_postgres::Statement> {
        self.client
            .prepare_cached(sql.postgres)
            .await
            .map_err(|e| self.failed(e))
    }

    /// The rows of a statement, its parameters bound in order.
    async fn rows(
        &self,
        sql: Sql,
        params: &[&(dyn ToSql + Sync)],
    ) -> ApiResult<Vec<tokio_postgres::Row>> {
        let statement = self.prepared(sql).await?;
        self.client
            .query(&statement, params)
            .await
            .map_err(|e| self.failed(e))
    }
}

fn bound<'a>(params: &'a [&'a dyn Param]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p.postgres()).collect()
}

impl Db for PgConn {
    async fn query<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        mut map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<Vec<T>> {
        let rows = self.rows(sql, &bound(params)).await?;
        rows.iter().map(|r| map(&Row::Postgres(r))).collect()
    }

    async fn query_limited<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        limit: usize,
        mut map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<Vec<T>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut all = bound(params);
        all.push(&limit);
        let rows = self.rows(sql, &all).await?;
        rows.iter().map(|r| map(&Row::Postgres(r))).collect()
    }

    async fn query_opt<T: Send>(
        &self,
        sql: Sql,
        params: &[&dyn Param],
        mut map: impl FnMut(&Row<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<Option<T>> {
        let rows = self.rows(sql, &bound(params)).await?;
        rows.first().map(|r| map(&Row::Postgres(r))).transpose()
    }

    async fn execute(&self, sql: Sql, params: &[&dyn Param]) -> ApiResult<u64> {
        let statement = self.prepared(sql).await?;
        self.client
            .execute(&statement, &bound(params))
            .await
            .map_err(|e| self.failed(e))
    }

    async fn sync_point(&self) -> ApiResult<SyncPoint> {
        let snapshot: Option<String> = self
            .query_opt(
                sql!("SELECT pg_current_snapshot()::text AS snapshot"),
                params![],
                |r| r.get("snapshot"),
            )
            .await?;
        snapshot
            .as_deref()
            .and_then(sync_point_of)
            .ok_or_else(|| ApiError::internal(format!("unreadable snapshot {snapshot:?}")))
    }

    async fn lock_event(&self, id: &EventId) -> ApiResult<()> {
        self.query(
            sql!("SELECT 1 AS locked FROM events WHERE id = $1 FOR UPDATE"),
            params![id.as_str()],
            |_| Ok(()),
        )
        .await?;
        Ok(())
    }

    async fn lock_name(&self, name: &str) -> ApiResult<()> {
        self.query(
            sql!("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))"),
            params![name],
            |_| Ok(()),
        )
        .await?;
        Ok(())
    }

    async fn claim(&self, key: &IdempotencyKey) -> ApiResult<()> {
        let name = format!("{}\n{}", key.app_key, key.token);
        let held = self
            .query_opt(
                sql!("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS held"),
                params![name],
                |r| r.get::<bool>("held"),
            )
            .await?;
        match held {
            Some(true) => Ok(()),
            _ => Err(ApiError::idempotency_processing()),
        }
    }

    fn caches(&self) -> &Caches {
        &self.caches
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
