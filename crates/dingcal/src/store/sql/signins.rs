//! Sign-ins and sign-outs as rows, and the lists of an event's attendees
//! who have signed, or not yet.

use async_trait::async_trait;

use super::SqlStore;
use super::db::{Backend, Db, Sql, params, sql};
use super::load::{Target, resolve};
use crate::domain::series::InstanceId;
use crate::domain::signin::SignKind;
use crate::domain::{CorpId, EventId, UnionId, random_token};
use crate::error::{ApiError, ApiResult};
use crate::store::cursor::encode_position;
use crate::store::{Page, SignStore, Signed, WriteMeta};

/// The attendees who signed, in attendee order, after a position.
pub(super) const SIGNED: Sql = sql!(
    "SELECT a.union_id, a.position, s.at_ms FROM attendees a
     JOIN sign_ins s ON s.union_id = a.union_id
     WHERE a.event_id = $1 AND a.position > $2 AND s.event_id = $3 AND s.kind = $4
     ORDER BY a.position",
    limit 5
);

/// The attendees who have not, in attendee order, after a position.
pub(super) const NOT_SIGNED: Sql = sql!(
    "SELECT a.union_id, a.position FROM attendees a
     WHERE a.event_id = $1 AND a.position > $2 AND NOT EXISTS (
       SELECT 1 FROM sign_ins s WHERE s.event_id = $3 AND s.kind = $4 AND s.union_id = a.union_id)
     ORDER BY a.position",
    limit 5
);

/// The event (or occurrence) the caller is on, and the id of the event
/// whose attendees it has. Someone not on an event that exists is
/// `notInEvent`, as DingTalk answers; an event that does not exist is not
/// found.
async fn attended(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    id: &EventId,
) -> ApiResult<EventId> {
    match resolve(conn, corp_id, caller, id).await {
        Ok(Target::Event(stored, _)) => Ok(stored.event.id.clone()),
        Ok(Target::Instance(one)) => Ok(one.master.event.id.clone()),
        Err(e) if e.code == ApiError::event_not_found().code => {
            let master = InstanceId::parse(id).map_or_else(|| id.clone(), |i| i.master);
            let live = conn
                .query_opt(
                    sql!("SELECT deleted FROM events WHERE id = $1 AND corp_id = $2"),
                    params![master.as_str(), corp_id.as_str()],
                    |r| r.get::<bool>("deleted"),
                )
                .await?;
            match live {
                Some(false) => Err(ApiError::not_in_event()),
                _ => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

async fn sign(conn: &impl Db, meta: &WriteMeta, id: &EventId, kind: SignKind) -> ApiResult<i64> {
    attended(conn, &meta.corp_id, &meta.caller, id).await?;
    conn.execute(
        sql!(
            "INSERT INTO sign_ins (event_id, kind, union_id, at_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (event_id, kind, union_id) DO NOTHING"
        ),
        params![
            id.as_str(),
            kind.as_str(),
            meta.caller.as_str(),
            meta.now.as_millisecond()
        ],
    )
    .await?;
    conn.query_opt(
        sql!("SELECT at_ms FROM sign_ins WHERE event_id = $1 AND kind = $2 AND union_id = $3"),
        params![id.as_str(), kind.as_str(), meta.caller.as_str()],
        |r| r.get::<i64>("at_ms"),
    )
    .await?
    .ok_or_else(|| ApiError::internal("a sign-in just made is missing"))
}

/// The code of an event's link of that kind, if it was made.
async fn link_of(conn: &impl Db, event_id: &EventId, kind: SignKind) -> ApiResult<Option<String>> {
    conn.query_opt(
        sql!("SELECT code FROM sign_links WHERE event_id = $1 AND kind = $2"),
        params![event_id.as_str(), kind.as_str()],
        |r| r.get::<String>("code"),
    )
    .await
}

#[async_trait]
impl<B: Backend> SignStore for SqlStore<B> {
    async fn sign(&self, meta: WriteMeta, event_id: EventId, kind: SignKind) -> ApiResult<i64> {
        self.backend
            .write(move |conn| Box::pin(async move { sign(conn, &meta, &event_id, kind).await }))
            .await
    }

    async fn sign_list(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        kind: SignKind,
        done: bool,
        after: Option<i64>,
        limit: usize,
    ) -> ApiResult<Page<Signed>> {
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    let master = attended(conn, &corp_id, &caller, &event_id).await?;
                    let params = params![
                        master.as_str(),
                        after.unwrap_or(-1),
                        event_id.as_str(),
                        kind.as_str()
                    ];
                    let mut rows: Vec<(i64, Signed)> = conn
                        .query_limited(
                            if done { SIGNED } else { NOT_SIGNED },
                            params,
                            limit + 1,
                            |r| {
                                Ok((
                                    r.get("position")?,
                                    Signed {
                                        user: UnionId(r.get("union_id")?),
                                        at_ms: if done { Some(r.get("at_ms")?) } else { None },
                                    },
                                ))
                            },
                        )
                        .await?;
                    let more = rows.len() > limit;
                    rows.truncate(limit);
                    let next = rows
                        .last()
                        .filter(|_| more)
                        .map(|(position, _)| encode_position(*position));
                    Ok(Page {
                        items: rows.into_iter().map(|(_, s)| s).collect(),
                        next,
                        sync_token: None,
                    })
                })
            })
            .await
    }

    async fn sign_link(
        &self,
        corp_id: CorpId,
        event_id: EventId,
        kind: SignKind,
    ) -> ApiResult<String> {
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    if let Some(code) = link_of(conn, &event_id, kind).await? {
                        return Ok(code);
                    }
                    conn.execute(
                        sql!(
                            "INSERT INTO sign_links (code, corp_id, event_id, kind) VALUES ($1, $2, $3, $4)
                             ON CONFLICT (event_id, kind) DO NOTHING"
                        ),
                        params![
                            random_token(18),
                            corp_id.as_str(),
                            event_id.as_str(),
                            kind.as_str()
                        ],
                    )
                    .await?;
                    // Another node may have made it first: theirs stands.
                    link_of(conn, &event_id, kind)
                        .await?
                        .ok_or_else(|| ApiError::internal("a sign link just made is missing"))
                })
            })
            .await
    }

    async fn sign_link_target(
        &self,
        code: String,
    ) -> ApiResult<Option<(CorpId, EventId, SignKind)>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    let row = conn
                        .query_opt(
                            sql!("SELECT corp_id, event_id, kind FROM sign_links WHERE code = $1"),
                            params![code],
                            |r| {
                                Ok((
                                    r.get::<String>("corp_id")?,
                                    r.get::<String>("event_id")?,
                                    r.get::<String>("kind")?,
                                ))
                            },
                        )
                        .await?;
                    Ok(row.and_then(|(corp, event, kind)| {
                        Some((CorpId(corp), EventId(event), SignKind::parse(&kind)?))
                    }))
                })
            })
            .await
    }

    async fn organizer_of(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
    ) -> ApiResult<UnionId> {
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    match resolve(conn, &corp_id, &caller, &event_id).await? {
                        Target::Event(stored, _) => Ok(stored.event.organizer.clone()),
                        Target::Instance(one) => Ok(one.master.event.organizer.clone()),
                    }
                })
            })
            .await
    }
}
