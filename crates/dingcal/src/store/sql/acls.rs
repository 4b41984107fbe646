//! Access rules as rows, and a calendar's eTag.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::SqlStore;
use super::db::{Backend, Db, Row, Sql, params, sql};
use crate::domain::calendar::Privilege;
use crate::domain::limits::SHARES_PER_CALENDAR;
use crate::domain::{CorpId, UnionId, random_token};
use crate::error::{ApiError, ApiResult};
use crate::store::{Acl, AclStore, WriteMeta};

/// What one user was granted on another's calendar: asked on every
/// request a grantee makes there.
pub(super) const PRIVILEGE: Sql =
    sql!("SELECT privilege FROM acls WHERE owner = $1 AND grantee = $2 AND corp_id = $3");

fn acl_of(r: &Row<'_>) -> ApiResult<Acl> {
    Ok(Acl {
        acl_id: r.get("acl_id")?,
        owner: UnionId(r.get("owner")?),
        grantee: UnionId(r.get("grantee")?),
        privilege: Privilege::grantable(&r.get::<String>("privilege")?)?,
        send_msg: r.get("send_msg")?,
    })
}

async fn create(conn: &impl Db, meta: &WriteMeta, mut acl: Acl) -> ApiResult<Acl> {
    // The count and the insert see the calendar's rules alone.
    conn.lock_name(&format!("acls\n{}", acl.owner.as_str()))
        .await?;
    let current: Option<String> = conn
        .query_opt(
            sql!("SELECT acl_id FROM acls WHERE owner = $1 AND grantee = $2 AND corp_id = $3"),
            params![
                acl.owner.as_str(),
                acl.grantee.as_str(),
                meta.corp_id.as_str()
            ],
            |r| r.get("acl_id"),
        )
        .await?;
    if let Some(acl_id) = current {
        conn.execute(
            sql!(
                "UPDATE acls SET privilege = $1, send_msg = $2, seq = dingcal_seq() WHERE acl_id = $3"
            ),
            params![acl.privilege.as_str(), acl.send_msg, acl_id],
        )
        .await?;
        acl.acl_id = acl_id;
        return Ok(acl);
    }
    let shared: i64 = conn
        .query_opt(
            sql!("SELECT count(*) AS n FROM acls WHERE owner = $1"),
            params![acl.owner.as_str()],
            |r| r.get("n"),
        )
        .await?
        .unwrap_or(0);
    if shared >= SHARES_PER_CALENDAR as i64 {
        return Err(ApiError::invalid_parameter("shareExceedLimit"));
    }
    acl.acl_id = random_token(18);
    conn.execute(
        sql!(
            "INSERT INTO acls (acl_id, corp_id, owner, grantee, privilege, send_msg, seq)
             VALUES ($1, $2, $3, $4, $5, $6, dingcal_seq())"
        ),
        params![
            acl.acl_id,
            meta.corp_id.as_str(),
            acl.owner.as_str(),
            acl.grantee.as_str(),
            acl.privilege.as_str(),
            acl.send_msg
        ],
    )
    .await?;
    Ok(acl)
}

/// Counts and sums of change numbers over the rows that make up what the
/// owner's calendar shows (its events, everyone's answers to them, its
/// rules): any write to them moves one of the figures.
async fn tag(conn: &impl Db, corp_id: &CorpId, owner: &UnionId) -> ApiResult<String> {
    let figures: Option<[i64; 6]> = conn
        .query_opt(
            sql!(
                "SELECT
                   (SELECT count(*) FROM attendees a JOIN events e ON e.id = a.event_id
                     WHERE a.union_id = $1 AND e.corp_id = $2) AS events,
                   (SELECT CAST(coalesce(sum(e.seq), 0) AS BIGINT) FROM attendees a
                     JOIN events e ON e.id = a.event_id
                     WHERE a.union_id = $1 AND e.corp_id = $2) AS event_changes,
                   (SELECT count(*) FROM attendees a JOIN attendees c ON c.event_id = a.event_id
                     WHERE a.union_id = $1) AS answers,
                   (SELECT CAST(coalesce(sum(c.changed), 0) AS BIGINT) FROM attendees a
                     JOIN attendees c ON c.event_id = a.event_id
                     WHERE a.union_id = $1) AS answer_changes,
                   (SELECT count(*) FROM acls WHERE owner = $1 AND corp_id = $2) AS rules,
                   (SELECT CAST(coalesce(sum(seq), 0) AS BIGINT) FROM acls
                     WHERE owner = $1 AND corp_id = $2) AS rule_changes"
            ),
            params![owner.as_str(), corp_id.as_str()],
            |r| {
                Ok([
                    r.get("events")?,
                    r.get("event_changes")?,
                    r.get("answers")?,
                    r.get("answer_changes")?,
                    r.get("rules")?,
                    r.get("rule_changes")?,
                ])
            },
        )
        .await?;
    let text = format!("{:?}", figures.unwrap_or_default());
    Ok(URL_SAFE_NO_PAD.encode(&Sha256::digest(text.as_bytes())[..12]))
}

#[async_trait]
impl<B: Backend> AclStore for SqlStore<B> {
    async fn create_acl(&self, meta: WriteMeta, acl: Acl) -> ApiResult<Acl> {
        self.backend
            .write(move |conn| Box::pin(async move { create(conn, &meta, acl).await }))
            .await
    }

    async fn list_acls(&self, corp_id: CorpId, owner: UnionId) -> ApiResult<Vec<Acl>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    conn.query(
                        sql!(
                            "SELECT acl_id, owner, grantee, privilege, send_msg FROM acls
                             WHERE owner = $1 AND corp_id = $2 ORDER BY seq, acl_id"
                        ),
                        params![owner.as_str(), corp_id.as_str()],
                        acl_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn delete_acl(&self, meta: WriteMeta, owner: UnionId, acl_id: String) -> ApiResult<bool> {
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    let deleted = conn
                        .execute(
                            sql!(
                                "DELETE FROM acls WHERE acl_id = $1 AND owner = $2 AND corp_id = $3"
                            ),
                            params![acl_id, owner.as_str(), meta.corp_id.as_str()],
                        )
                        .await?;
                    Ok(deleted == 1)
                })
            })
            .await
    }

    async fn privilege(
        &self,
        corp_id: CorpId,
        owner: UnionId,
        grantee: UnionId,
    ) -> ApiResult<Option<Privilege>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    let name: Option<String> = conn
                        .query_opt(
                            PRIVILEGE,
                            params![owner.as_str(), grantee.as_str(), corp_id.as_str()],
                            |r| r.get("privilege"),
                        )
                        .await?;
                    name.as_deref().map(Privilege::grantable).transpose()
                })
            })
            .await
    }

    async fn shared_with(
        &self,
        corp_id: CorpId,
        grantee: UnionId,
    ) -> ApiResult<Vec<(UnionId, Privilege)>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    conn.query(
                        sql!(
                            "SELECT owner, privilege FROM acls
                             WHERE grantee = $1 AND corp_id = $2 ORDER BY owner"
                        ),
                        params![grantee.as_str(), corp_id.as_str()],
                        |r| {
                            Ok((
                                UnionId(r.get("owner")?),
                                Privilege::grantable(&r.get::<String>("privilege")?)?,
                            ))
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn calendar_tag(&self, corp_id: CorpId, owner: UnionId) -> ApiResult<String> {
        self.backend
            .read(move |conn| Box::pin(async move { tag(conn, &corp_id, &owner).await }))
            .await
    }
}
