//! Subscribed calendars and subscriptions as rows.

use async_trait::async_trait;

use super::SqlStore;
use super::db::{Backend, Db, Row, Sql, params, sql};
use crate::domain::limits::SUBSCRIPTIONS_PER_USER;
use crate::domain::subscribed::{SubscribeScope, SubscribedCalendar};
use crate::domain::{CorpId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::{SubscribedStore, WriteMeta};

fn ids(list: &[UnionId]) -> ApiResult<String> {
    Ok(serde_json::to_string(
        &list.iter().map(UnionId::as_str).collect::<Vec<_>>(),
    )?)
}

fn union_ids(text: &str) -> ApiResult<Vec<UnionId>> {
    Ok(serde_json::from_str::<Vec<String>>(text)?
        .into_iter()
        .map(UnionId)
        .collect())
}

fn calendar_of(r: &Row<'_>) -> ApiResult<SubscribedCalendar> {
    Ok(SubscribedCalendar {
        calendar_id: r.get("calendar_id")?,
        author: UnionId(r.get("author")?),
        name: r.get("name")?,
        description: r.get("description")?,
        managers: union_ids(&r.get::<String>("managers")?)?,
        scope: SubscribeScope {
            union_ids: union_ids(&r.get::<String>("scope_union_ids")?)?,
            conversation_ids: serde_json::from_str(&r.get::<String>("scope_groups")?)?,
            corp_ids: serde_json::from_str(&r.get::<String>("scope_corp_ids")?)?,
        },
    })
}

const ONE: Sql = sql!(
    "SELECT calendar_id, author, name, description, managers, scope_union_ids, scope_groups,
       scope_corp_ids FROM subscribed_calendars WHERE calendar_id = $1 AND corp_id = $2"
);

async fn create(conn: &impl Db, meta: &WriteMeta, c: &SubscribedCalendar) -> ApiResult<()> {
    conn.execute(
        sql!(
            "INSERT INTO subscribed_calendars (calendar_id, corp_id, author, name, description,
               managers, scope_union_ids, scope_groups, scope_corp_ids)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        params![
            c.calendar_id,
            meta.corp_id.as_str(),
            c.author.as_str(),
            c.name,
            c.description,
            ids(&c.managers)?,
            ids(&c.scope.union_ids)?,
            serde_json::to_string(&c.scope.conversation_ids)?,
            serde_json::to_string(&c.scope.corp_ids)?
        ],
    )
    .await?;
    Ok(())
}

/// Replaces the settings of a calendar that still exists (one deleted
/// meanwhile is not made again).
async fn update(conn: &impl Db, meta: &WriteMeta, c: &SubscribedCalendar) -> ApiResult<()> {
    let changed = conn
        .execute(
            sql!(
                "UPDATE subscribed_calendars SET name = $1, description = $2, managers = $3,
                   scope_union_ids = $4, scope_groups = $5, scope_corp_ids = $6
                 WHERE calendar_id = $7 AND corp_id = $8"
            ),
            params![
                c.name,
                c.description,
                ids(&c.managers)?,
                ids(&c.scope.union_ids)?,
                serde_json::to_string(&c.scope.conversation_ids)?,
                serde_json::to_string(&c.scope.corp_ids)?,
                c.calendar_id,
                meta.corp_id.as_str()
            ],
        )
        .await?;
    if changed == 1 {
        Ok(())
    } else {
        Err(ApiError::calendar_not_found())
    }
}

async fn delete(conn: &impl Db, meta: &WriteMeta, calendar_id: &str) -> ApiResult<()> {
    for statement in [
        sql!("DELETE FROM subscriptions WHERE calendar_id = $1"),
        // Its events stand in its name; they go with it, and free their rooms.
        sql!("DELETE FROM room_slots WHERE organizer = $1"),
    ] {
        conn.execute(statement, params![calendar_id]).await?;
    }
    conn.execute(
        sql!(
            "UPDATE events SET deleted = TRUE, seq = dingcal_seq()
             WHERE organizer = $1 AND corp_id = $2 AND deleted = FALSE"
        ),
        params![calendar_id, meta.corp_id.as_str()],
    )
    .await?;
    conn.execute(
        sql!("DELETE FROM subscribed_calendars WHERE calendar_id = $1 AND corp_id = $2"),
        params![calendar_id, meta.corp_id.as_str()],
    )
    .await?;
    Ok(())
}

async fn subscribe(conn: &impl Db, meta: &WriteMeta, calendar_id: &str) -> ApiResult<()> {
    let user = meta.caller.as_str();
    conn.lock_name(&format!("subscriptions\n{user}")).await?;
    let already = conn
        .query_opt(
            sql!("SELECT calendar_id FROM subscriptions WHERE union_id = $1 AND calendar_id = $2"),
            params![user, calendar_id],
            |r| r.get::<String>("calendar_id"),
        )
        .await?;
    if already.is_some() {
        return Ok(());
    }
    let count: i64 = conn
        .query_opt(
            sql!("SELECT count(*) AS n FROM subscriptions WHERE union_id = $1"),
            params![user],
            |r| r.get("n"),
        )
        .await?
        .unwrap_or(0);
    if count >= SUBSCRIPTIONS_PER_USER as i64 {
        return Err(ApiError::exceed_subscribe_limit());
    }
    conn.execute(
        sql!("INSERT INTO subscriptions (union_id, calendar_id) VALUES ($1, $2)"),
        params![user, calendar_id],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl<B: Backend> SubscribedStore for SqlStore<B> {
    async fn create_subscribed(
        &self,
        meta: WriteMeta,
        calendar: SubscribedCalendar,
    ) -> ApiResult<()> {
        self.backend
            .write(move |conn| Box::pin(async move { create(conn, &meta, &calendar).await }))
            .await
    }

    async fn update_subscribed(
        &self,
        meta: WriteMeta,
        calendar: SubscribedCalendar,
    ) -> ApiResult<()> {
        self.backend
            .write(move |conn| Box::pin(async move { update(conn, &meta, &calendar).await }))
            .await
    }

    async fn subscribed(
        &self,
        corp_id: CorpId,
        calendar_id: String,
        user: UnionId,
    ) -> ApiResult<Option<(SubscribedCalendar, bool)>> {
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    let Some(calendar) = conn
                        .query_opt(ONE, params![calendar_id, corp_id.as_str()], calendar_of)
                        .await?
                    else {
                        return Ok(None);
                    };
                    let subscribed = conn
                        .query_opt(
                            sql!(
                                "SELECT calendar_id FROM subscriptions
                                 WHERE union_id = $1 AND calendar_id = $2"
                            ),
                            params![user.as_str(), calendar_id],
                            |r| r.get::<String>("calendar_id"),
                        )
                        .await?
                        .is_some();
                    Ok(Some((calendar, subscribed)))
                })
            })
            .await
    }

    async fn delete_subscribed(&self, meta: WriteMeta, calendar_id: String) -> ApiResult<()> {
        self.backend
            .write(move |conn| Box::pin(async move { delete(conn, &meta, &calendar_id).await }))
            .await
    }

    async fn subscribe(&self, meta: WriteMeta, calendar_id: String) -> ApiResult<()> {
        self.backend
            .write(move |conn| Box::pin(async move { subscribe(conn, &meta, &calendar_id).await }))
            .await
    }

    async fn unsubscribe(&self, meta: WriteMeta, calendar_id: String) -> ApiResult<()> {
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    conn.execute(
                        sql!("DELETE FROM subscriptions WHERE union_id = $1 AND calendar_id = $2"),
                        params![meta.caller.as_str(), calendar_id],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn calendars_of(
        &self,
        corp_id: CorpId,
        user: UnionId,
    ) -> ApiResult<Vec<(SubscribedCalendar, bool)>> {
        // A scan of the org's calendars: not on a connection other reads
        // share.
        self.backend
            .scan(move |conn| {
                Box::pin(async move {
                    // Managers are found by a text match on the JSON list,
                    // which an id with `%` or `_` may widen: each is checked.
                    let manager = format!("%{}%", serde_json::to_string(user.as_str())?);
                    let found = conn
                        .query(
                            sql!(
                                "SELECT calendar_id, author, name, description, managers,
                                   scope_union_ids, scope_groups, scope_corp_ids,
                                   EXISTS (SELECT 1 FROM subscriptions s
                                     WHERE s.union_id = $1 AND s.calendar_id = c.calendar_id)
                                     AS subscribed
                                 FROM subscribed_calendars c
                                 WHERE c.corp_id = $2 AND (c.author = $1 OR c.managers LIKE $3
                                   OR EXISTS (SELECT 1 FROM subscriptions s
                                     WHERE s.union_id = $1 AND s.calendar_id = c.calendar_id))
                                 ORDER BY c.calendar_id"
                            ),
                            params![user.as_str(), corp_id.as_str(), manager],
                            |r| Ok((calendar_of(r)?, r.get::<bool>("subscribed")?)),
                        )
                        .await?;
                    Ok(found
                        .into_iter()
                        .filter(|(c, subscribed)| *subscribed || c.may_manage(&user))
                        .collect())
                })
            })
            .await
    }
}
