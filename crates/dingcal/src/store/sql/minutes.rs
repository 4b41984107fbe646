//! AI minutes attached to events.

use async_trait::async_trait;

use super::SqlStore;
use super::db::{Backend, Db, params, sql};
use super::load::visible;
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::{Minutes, MinutesStore};

#[async_trait]
impl<B: Backend> MinutesStore for SqlStore<B> {
    async fn add_minutes(
        &self,
        corp_id: CorpId,
        event_id: EventId,
        minutes: Minutes,
    ) -> ApiResult<()> {
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    let found = conn
                        .query_opt(
                            sql!("SELECT id FROM events WHERE id = $1 AND corp_id = $2 AND deleted = FALSE"),
                            params![event_id.as_str(), corp_id.as_str()],
                            |r| r.get::<String>("id"),
                        )
                        .await?;
                    if found.is_none() {
                        return Err(ApiError::event_not_found());
                    }
                    conn.execute(
                        sql!(
                            "INSERT INTO minutes (event_id, minutes_id, corp_id, creator, position)
                             VALUES ($1, $2, $3, $4,
                               (SELECT COALESCE(MAX(position), 0) + 1 FROM minutes WHERE event_id = $5))
                             ON CONFLICT (event_id, minutes_id) DO UPDATE SET creator = excluded.creator"
                        ),
                        params![
                            event_id.as_str(),
                            minutes.minutes_id,
                            corp_id.as_str(),
                            minutes.creator.as_str(),
                            event_id.as_str()
                        ],
                    )
                    .await
                    .map(|_| ())
                })
            })
            .await
    }

    async fn minutes(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        only_caller: bool,
    ) -> ApiResult<Vec<Minutes>> {
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    visible(conn, &corp_id, &caller, &event_id).await?;
                    let all = conn
                        .query(
                            sql!("SELECT minutes_id, creator FROM minutes WHERE event_id = $1 ORDER BY position"),
                            params![event_id.as_str()],
                            |r| {
                                Ok(Minutes {
                                    minutes_id: r.get("minutes_id")?,
                                    creator: UnionId(r.get("creator")?),
                                })
                            },
                        )
                        .await?;
                    Ok(all
                        .into_iter()
                        .filter(|m| !only_caller || m.creator == caller)
                        .collect())
                })
            })
            .await
    }
}
