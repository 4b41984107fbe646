//! Meeting rooms as rows: the stretches each booking holds (`room_slots`),
//! checked against the room's other stretches whenever an event with rooms
//! is saved; the room operations; a room's schedule.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

use super::SqlStore;
use super::db::{Backend, Db, Row, Sql, params, sql};
use super::load::{StoredEvent, exceptions_of};
use super::rows::save_event;
use super::writes::organized;
use crate::domain::room::{self, RoomStatus, Stretch};
use crate::domain::time::{When, Window, date_of_key};
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::{Outcome, RoomSlot, RoomStore, WriteMeta};

/// Holds the event's rooms for every stretch it takes, replacing what it
/// held before; refused (`meetingRoomNotAvailable`) where another event
/// holds one of them. Rooms are locked in id order, so two writers never
/// wait on each other in a circle.
pub async fn hold(conn: &impl Db, stored: &StoredEvent) -> ApiResult<()> {
    let event = &stored.event;
    conn.execute(
        sql!("DELETE FROM room_slots WHERE event_id = $1"),
        params![event.id.as_str()],
    )
    .await?;
    let mut holding: Vec<_> = event
        .meeting_rooms
        .iter()
        .filter(|r| r.response_status.holds())
        .collect();
    if stored.deleted || holding.is_empty() {
        return Ok(());
    }
    holding.sort_by(|a, b| a.room_id.cmp(&b.room_id));
    let exceptions = if event.recurrence.is_some() {
        exceptions_of(conn, &event.id).await?
    } else {
        BTreeMap::new()
    };
    let stretches = room::stretches(event, &exceptions)?;
    for booked in holding {
        conn.lock_name(&format!("room\n{}", booked.room_id)).await?;
        for stretch in &stretches {
            if taken(conn, &booked.room_id, stretch).await? {
                return Err(ApiError::room_not_available());
            }
            let (start, end) = stretch.when.keys();
            let zone = match &stretch.when {
                When::Timed { time_zone, .. } => time_zone.as_str(),
                When::AllDay { .. } => "UTC",
            };
            conn.execute(
                sql!(
                    "INSERT INTO room_slots (room_id, start_key, end_key, occurrence_id, event_id,
                       organizer, status, all_day, time_zone)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ),
                params![
                    booked.room_id,
                    start,
                    end,
                    stretch.id.as_str(),
                    event.id.as_str(),
                    event.organizer.as_str(),
                    booked.response_status.as_str(),
                    stretch.when.is_all_day(),
                    zone
                ],
            )
            .await?;
        }
    }
    Ok(())
}

/// The first stretch of a room starting within a span.
pub(super) const STARTING_WITHIN: Sql = sql!(
    "SELECT start_key FROM room_slots
     WHERE room_id = $1 AND start_key >= $2 AND start_key < $3
     ORDER BY start_key LIMIT 1"
);

/// The last stretch of a room starting before an instant.
pub(super) const LAST_BEFORE: Sql = sql!(
    "SELECT occurrence_id, organizer, status, start_key, end_key, all_day, time_zone
     FROM room_slots WHERE room_id = $1 AND start_key < $2
     ORDER BY start_key DESC LIMIT 1"
);

/// The stretches of a room starting within a span, in order.
pub(super) const ALL_WITHIN: Sql = sql!(
    "SELECT occurrence_id, organizer, status, start_key, end_key, all_day, time_zone
     FROM room_slots WHERE room_id = $1 AND start_key >= $2 AND start_key < $3
     ORDER BY start_key"
);

/// Whether another stretch of the room overlaps this one. The room's
/// stretches do not overlap each other, so only two can: the first that
/// starts within it, and the last that starts before it.
async fn taken(conn: &impl Db, room_id: &str, stretch: &Stretch) -> ApiResult<bool> {
    let (start, end) = stretch.when.keys();
    let inside = conn
        .query_opt(STARTING_WITHIN, params![room_id, start, end], |r| {
            r.get::<i64>("start_key")
        })
        .await?;
    if inside.is_some() {
        return Ok(true);
    }
    let before = conn
        .query_opt(LAST_BEFORE, params![room_id, start], |r| {
            r.get::<i64>("end_key")
        })
        .await?;
    Ok(before.is_some_and(|e| e > start))
}

fn slot_of(r: &Row<'_>) -> ApiResult<RoomSlot> {
    let (start, end): (i64, i64) = (r.get("start_key")?, r.get("end_key")?);
    let when = if r.get::<bool>("all_day")? {
        When::AllDay {
            start: date_of_key(start),
            end: date_of_key(end),
        }
    } else {
        let at = |key: i64| Timestamp::from_second(key).map_err(ApiError::internal);
        When::Timed {
            start: at(start)?,
            end: at(end)?,
            time_zone: r.get("time_zone")?,
        }
    };
    Ok(RoomSlot {
        event_id: EventId(r.get("occurrence_id")?),
        organizer: UnionId(r.get("organizer")?),
        status: RoomStatus::parse(Some(&r.get::<String>("status")?))?,
        when,
    })
}

/// What holds the room within the window, in start order: the stretches
/// starting in it, and the last one starting before it if it runs into it.
async fn schedule_of(conn: &impl Db, room_id: &str, window: &Window) -> ApiResult<Vec<RoomSlot>> {
    let (lo, hi) = window.instant;
    let mut slots = conn
        .query(LAST_BEFORE, params![room_id, lo], |r| {
            Ok((r.get::<i64>("end_key")?, slot_of(r)?))
        })
        .await?
        .into_iter()
        .filter(|(end, _)| *end > lo)
        .map(|(_, slot)| slot)
        .collect::<Vec<_>>();
    slots.extend(
        conn.query(ALL_WITHIN, params![room_id, lo, hi], slot_of)
            .await?,
    );
    Ok(slots)
}

/// Changes the rooms of an event its organizer holds, then saves it (which
/// holds the rooms anew, or refuses).
async fn change_rooms(
    conn: &impl Db,
    meta: &WriteMeta,
    event_id: &EventId,
    change: impl FnOnce(&mut crate::domain::event::Event) -> ApiResult<()>,
) -> ApiResult<Outcome> {
    let mut stored = organized(conn, meta, event_id).await?;
    let event = Arc::make_mut(&mut stored.event);
    change(event)?;
    event.updated = meta.now;
    save_event(conn, meta, &stored).await?;
    // An event left with no room holds none (saving skips events without).
    if stored.event.meeting_rooms.is_empty() {
        hold(conn, &stored).await?;
    }
    Ok(Outcome::Done)
}

#[async_trait]
impl<B: Backend> RoomStore for SqlStore<B> {
    async fn add_rooms(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        rooms: Vec<(String, bool)>,
    ) -> ApiResult<Outcome> {
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move {
                change_rooms(conn, meta, &event_id, |e| room::add_rooms(e, &rooms)).await
            })
        })
        .await
    }

    async fn remove_rooms(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        room_ids: Vec<String>,
    ) -> ApiResult<Outcome> {
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move {
                change_rooms(conn, meta, &event_id, |e| {
                    e.meeting_rooms.retain(|r| !room_ids.contains(&r.room_id));
                    Ok(())
                })
                .await
            })
        })
        .await
    }

    async fn respond_room(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        room_id: String,
        status: RoomStatus,
    ) -> ApiResult<Outcome> {
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move {
                change_rooms(conn, meta, &event_id, |e| {
                    if room::respond(e, &room_id, status) {
                        Ok(())
                    } else {
                        Err(ApiError::invalid_parameter("roomId invalid"))
                    }
                })
                .await
            })
        })
        .await
    }

    async fn room_schedule(
        &self,
        _corp_id: CorpId,
        room_ids: Vec<String>,
        window: Window,
    ) -> ApiResult<Vec<Vec<RoomSlot>>> {
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    let mut all = Vec::with_capacity(room_ids.len());
                    for room_id in &room_ids {
                        all.push(schedule_of(conn, room_id, &window).await?);
                    }
                    Ok(all)
                })
            })
            .await
    }
}
