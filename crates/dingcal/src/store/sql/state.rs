//! The store's state as a whole, for the emulator controls: reset, and
//! the clock.

use async_trait::async_trait;

use super::SqlStore;
use jiff::Timestamp;

use super::db::{Backend, Db, Sql, params, sql};
use super::dump;
use super::load::{attendees_of, decoded, exceptions_of};
use crate::domain::attendee::ResponseStatus;
use crate::domain::limits::{ATTENDEES_PER_EVENT, REMINDER_MINUTES_MAX};
use crate::domain::reminder::{self, Due};
use crate::domain::series::InstanceId;
use crate::domain::time::ClockSetting;
use crate::domain::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::StateStore;

fn nanos(t: Timestamp) -> ApiResult<i64> {
    i64::try_from(t.as_nanosecond())
        .map_err(|_| ApiError::invalid_parameter("the clock must be within 1678 to 2262"))
}

fn instant(ns: i64) -> ApiResult<Timestamp> {
    Timestamp::from_nanosecond(i128::from(ns)).map_err(ApiError::internal)
}

/// Everything but the directory (orgs, users, apps, rooms, categories,
/// plugins) and the change counter, which only moves forward so that no
/// syncToken given before a reset reads as one given after.
const STATE: [Sql; 17] = [
    sql!("DELETE FROM access_tokens"),
    sql!("DELETE FROM auth_codes"),
    sql!("DELETE FROM refresh_tokens"),
    sql!("DELETE FROM idempotency"),
    sql!("DELETE FROM attendees"),
    sql!("DELETE FROM exceptions"),
    sql!("DELETE FROM removals"),
    sql!("DELETE FROM room_slots"),
    sql!("DELETE FROM sign_ins"),
    sql!("DELETE FROM sign_links"),
    sql!("DELETE FROM minutes"),
    sql!("DELETE FROM calendar_resources"),
    sql!("DELETE FROM events"),
    sql!("DELETE FROM acls"),
    sql!("DELETE FROM subscriptions"),
    sql!("DELETE FROM subscribed_calendars"),
    sql!("DELETE FROM caldav_accounts"),
];

/// Deletes the state, keeping the directory.
async fn empty(conn: &impl Db) -> ApiResult<()> {
    for statement in STATE {
        conn.execute(statement, &[]).await?;
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> StateStore for SqlStore<B> {
    async fn reset(&self) -> ApiResult<()> {
        self.backend
            .write(move |conn| Box::pin(async move { empty(conn).await }))
            .await
    }

    async fn export(&self) -> ApiResult<serde_json::Value> {
        self.backend
            .scan(move |conn| Box::pin(async move { dump::export(conn).await }))
            .await
    }

    async fn import(&self, document: serde_json::Value) -> ApiResult<()> {
        let document = std::sync::Arc::new(document);
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    let theirs = document.get("directory").map(dump::without_secrets);
                    if theirs != Some(dump::without_secrets(&dump::directory(conn).await?)) {
                        return Err(ApiError::invalid_parameter(
                            "The document's directory is not this server's: import replaces the state only. Start a server on an empty database with --seed FILE to load a directory too.",
                        ));
                    }
                    empty(conn).await?;
                    dump::import_state(conn, &document).await
                })
            })
            .await
    }

    async fn seed(&self, document: serde_json::Value) -> ApiResult<bool> {
        let document = std::sync::Arc::new(document);
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    // Of several nodes starting at once, one seeds.
                    conn.lock_name("seed").await?;
                    let orgs = conn
                        .query(sql!("SELECT corp_id FROM orgs"), &[], |r| {
                            r.get::<String>("corp_id")
                        })
                        .await?;
                    if !orgs.is_empty() {
                        return Ok(false);
                    }
                    dump::seed(conn, &document).await?;
                    Ok(true)
                })
            })
            .await
    }

    async fn clock(&self) -> ApiResult<Option<ClockSetting>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    let row = conn
                        .query_opt(
                            sql!("SELECT at_ns, anchor_ns, frozen FROM clock WHERE id = 1"),
                            &[],
                            |r| {
                                Ok((
                                    r.get::<i64>("at_ns")?,
                                    r.get::<i64>("anchor_ns")?,
                                    r.get::<bool>("frozen")?,
                                ))
                            },
                        )
                        .await?;
                    row.map(|(at, anchor, frozen)| {
                        Ok(ClockSetting {
                            at: instant(at)?,
                            anchor: instant(anchor)?,
                            frozen,
                        })
                    })
                    .transpose()
                })
            })
            .await
    }

    async fn due_reminders(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> ApiResult<Vec<(Due, Vec<UnionId>)>> {
        self.backend
            .scan(move |conn| {
                Box::pin(async move {
                    // Every event that may start within the longest lead
                    // (and a day's slack for all-day keys) after `from`.
                    let lo = from.as_second().saturating_sub(86_400);
                    let hi = to.as_second() + REMINDER_MINUTES_MAX * 60 + 86_400;
                    let events = conn
                        .query(
                            sql!(
                                "SELECT id, body, seq FROM events
                                 WHERE deleted = FALSE AND series_end_key > $1 AND series_start_key < $2"
                            ),
                            params![lo, hi],
                            |r| decoded(conn, &EventId(r.get("id")?), r),
                        )
                        .await?;
                    let mut out = Vec::new();
                    for event in events {
                        let exceptions = match event.recurrence {
                            Some(_) => exceptions_of(conn, &event.id).await?,
                            None => Default::default(),
                        };
                        let due = reminder::due(&event, &exceptions, from, to)?;
                        if due.is_empty() {
                            continue;
                        }
                        let attendees = attendees_of(conn, &event.id, ATTENDEES_PER_EVENT + 1).await?;
                        for d in due {
                            // An occurrence's own answers stand over the series'.
                            let own = InstanceId::parse(&d.event_id)
                                .and_then(|i| exceptions.get(&i.origin.key()))
                                .map(|x| &x.responses);
                            let reminded = attendees
                                .iter()
                                .filter(|a| {
                                    let status = own
                                        .and_then(|r| r.get(&a.id))
                                        .unwrap_or(&a.response_status);
                                    *status != ResponseStatus::Declined
                                })
                                .map(|a| a.id.clone())
                                .collect();
                            out.push((d, reminded));
                        }
                    }
                    out.sort_by_key(|(d, _)| d.at);
                    Ok(out)
                })
            })
            .await
    }

    async fn set_clock(&self, setting: Option<ClockSetting>) -> ApiResult<()> {
        let values = setting
            .map(|s| Ok::<_, ApiError>((nanos(s.at)?, nanos(s.anchor)?, s.frozen)))
            .transpose()?;
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    conn.execute(sql!("DELETE FROM clock"), &[]).await?;
                    if let Some((at, anchor, frozen)) = values {
                        conn.execute(
                            sql!(
                                "INSERT INTO clock (id, at_ns, anchor_ns, frozen) VALUES (1, $1, $2, $3)"
                            ),
                            params![at, anchor, frozen],
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .await
    }
}
