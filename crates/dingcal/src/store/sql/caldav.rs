//! CalDAV's part of the store: the accounts GenerateCaldavAccount hands
//! out, an event whole as one calendar object (the series, its changed
//! occurrences and its cancelled ones), and the resource names CalDAV
//! clients gave the events they wrote.

use async_trait::async_trait;

use super::SqlStore;
use super::db::{Backend, Db, params, sql};
use super::load::{attendees_of, exceptions_of, visible, with_responses};
use crate::domain::event::EventView;
use crate::domain::limits::ATTENDEES_PER_EVENT;
use crate::domain::secret::{hash_secret, verify_secret};
use crate::domain::series::Series;
use crate::domain::{CorpId, EventId, UnionId, random_lowercase};
use crate::error::ApiResult;
use crate::store::{CaldavAccount, CaldavStore, CalendarObject, SyncToken};

/// How long the username's random part is (DingTalk's: `u_` and eight).
const USERNAME_CHARS: usize = 8;
/// How long a password is: longer than DingTalk's eight, since dingcal may
/// face a network.
const PASSWORD_CHARS: usize = 20;

async fn username_of(conn: &impl Db, user: &UnionId) -> ApiResult<Option<String>> {
    conn.query_opt(
        sql!("SELECT username FROM caldav_accounts WHERE union_id = $1"),
        params![user.as_str()],
        |r| r.get::<String>("username"),
    )
    .await
}

/// Records that a CalDAV client wrote the event under `resource` in its
/// organizer's calendar.
pub(super) async fn record_resource(
    conn: &impl Db,
    corp_id: &CorpId,
    owner: &UnionId,
    resource: &str,
    event_id: &EventId,
) -> ApiResult<()> {
    // A name whose event was deleted may be taken again.
    conn.execute(
        sql!(
            "INSERT INTO calendar_resources (corp_id, owner, resource, event_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (corp_id, resource, owner) DO UPDATE SET event_id = excluded.event_id"
        ),
        params![corp_id.as_str(), owner.as_str(), resource, event_id.as_str()],
    )
    .await
    .map(|_| ())
}

#[async_trait]
impl<B: Backend> CaldavStore for SqlStore<B> {
    async fn generate_caldav_account(
        &self,
        corp_id: CorpId,
        user: UnionId,
        device: String,
    ) -> ApiResult<CaldavAccount> {
        let password = random_lowercase(PASSWORD_CHARS);
        let hash = hash_secret(&password);
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    // One account per user: two devices asking at once
                    // must get the same username.
                    conn.lock_name(&format!("caldav:{}", user.as_str())).await?;
                    let username = match username_of(conn, &user).await? {
                        Some(name) => name,
                        None => format!("u_{}", random_lowercase(USERNAME_CHARS)),
                    };
                    conn.execute(
                        sql!(
                            "INSERT INTO caldav_accounts (username, device, corp_id, union_id, password_hash)
                             VALUES ($1, $2, $3, $4, $5)
                             ON CONFLICT (username, device) DO UPDATE SET password_hash = excluded.password_hash"
                        ),
                        params![username, device, corp_id.as_str(), user.as_str(), hash],
                    )
                    .await?;
                    Ok(CaldavAccount { username, password })
                })
            })
            .await
    }

    async fn caldav_login(
        &self,
        username: String,
        password: String,
    ) -> ApiResult<Option<(CorpId, UnionId)>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    let rows = conn
                        .query(
                            sql!(
                                "SELECT corp_id, union_id, password_hash FROM caldav_accounts
                                 WHERE username = $1"
                            ),
                            params![username],
                            |r| {
                                Ok((
                                    r.get::<String>("corp_id")?,
                                    r.get::<String>("union_id")?,
                                    r.get::<String>("password_hash")?,
                                ))
                            },
                        )
                        .await?;
                    Ok(rows
                        .into_iter()
                        .find(|(_, _, hash)| verify_secret(hash, &password))
                        .map(|(corp, user, _)| (CorpId(corp), UnionId(user))))
                })
            })
            .await
    }

    async fn caldav_username(&self, user: UnionId) -> ApiResult<Option<String>> {
        self.backend
            .read_alone(move |conn| Box::pin(async move { username_of(conn, &user).await }))
            .await
    }

    async fn calendar_object(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
    ) -> ApiResult<CalendarObject> {
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    let (stored, _) = visible(conn, &corp_id, &caller, &event_id).await?;
                    let attendees =
                        attendees_of(conn, &stored.event.id, ATTENDEES_PER_EVENT + 1).await?;
                    let mut object = CalendarObject {
                        overrides: Vec::new(),
                        cancelled: Vec::new(),
                        event: EventView {
                            event: stored.event.clone(),
                            attendees: Vec::new(),
                            series: None,
                        },
                    };
                    if let Some(series) = Series::of(&stored.event)? {
                        for (key, exception) in exceptions_of(conn, &stored.event.id).await? {
                            let Some(origin) = series.origin_at(key) else {
                                continue;
                            };
                            if exception.cancelled {
                                object.cancelled.push(origin);
                            } else if let Some(instance) =
                                series.instance(&stored.event, origin, Some(&exception))
                            {
                                object.overrides.push(with_responses(
                                    &instance,
                                    &stored.event.id,
                                    attendees.clone(),
                                    Some(&exception),
                                ));
                            }
                        }
                    }
                    object.event.attendees = attendees;
                    Ok(object)
                })
            })
            .await
    }

    async fn sync_token(&self) -> ApiResult<String> {
        self.backend
            .read(move |conn| {
                Box::pin(async move { Ok(SyncToken(conn.sync_point().await?).encode()) })
            })
            .await
    }

    async fn resource_events(
        &self,
        corp_id: CorpId,
        owner: UnionId,
        resource: String,
    ) -> ApiResult<Vec<EventId>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    // The owner's own first: of theirs, it is the one.
                    conn.query(
                        sql!(
                            "SELECT event_id, owner = $1 AS own FROM calendar_resources
                             WHERE corp_id = $2 AND resource = $3 ORDER BY own DESC"
                        ),
                        params![owner.as_str(), corp_id.as_str(), resource],
                        |r| r.get::<String>("event_id").map(EventId),
                    )
                    .await
                })
            })
            .await
    }
}
