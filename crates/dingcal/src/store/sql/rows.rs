//! The rows an event is stored in: its own (placed for listings, stamped
//! with the write's change number) and its attendees'.

use super::db::{Db, Sql, params, sql};
use super::load::{StoredEvent, attendee_of, exceptions_of};
use super::rooms;
use crate::domain::UnionId;
use crate::domain::attendee::{Attendee, Invitee, ResponseStatus};
use crate::domain::event::Event;
use crate::domain::policy::{self, Invitation};
use crate::domain::series::Series;
use crate::error::ApiResult;
use crate::store::WriteMeta;
use crate::store::stored::encode_event;

/// The span below which free/busy's bound on single events never falls
/// (two days, as `longest_single` starts).
const SHORT_SPAN: i64 = 2 * 86_400;

/// Where an event stands in listings: its start key, whether it masters a
/// series, and the span of all its occurrences, moved ones included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Extent {
    pub(super) start_key: i64,
    pub(super) end_key: i64,
    pub(super) recurring: bool,
    pub(super) series_start_key: i64,
    pub(super) series_end_key: i64,
}

pub(super) async fn extent(conn: &impl Db, event: &Event) -> ApiResult<Extent> {
    let (start_key, end_key) = event.when.keys();
    let Some(series) = Series::of(event)? else {
        return Ok(Extent {
            start_key,
            end_key,
            recurring: false,
            series_start_key: start_key,
            series_end_key: end_key,
        });
    };
    let (mut lo, mut hi) = (start_key, series.last_end_key());
    for moved in exceptions_of(conn, &event.id)
        .await?
        .values()
        .filter_map(|x| x.event.as_ref())
    {
        let (s, e) = moved.when.keys();
        lo = lo.min(s);
        hi = hi.max(e);
    }
    Ok(Extent {
        start_key,
        end_key,
        recurring: true,
        series_start_key: lo,
        series_end_key: hi,
    })
}

/// An event's row as a new event writes it.
macro_rules! insert_event {
    () => {
        "INSERT INTO events (id, corp_id, organizer, all_day, start_key, end_key, attendee_count,
           next_position, deleted, seq, body, recurring, series_start_key, series_end_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, dingcal_seq(), $10, $11, $12, $13)"
    };
}

/// A new event's row: a plain insert, which on PostgreSQL costs less than
/// the upsert (no speculative insertion).
pub(super) const INSERT_EVENT: Sql = Sql {
    sqlite: insert_event!(),
    postgres: insert_event!(),
};

/// The row of an event that may exist.
const UPSERT_EVENT: Sql = {
    macro_rules! upsert {
        () => {
            concat!(
                insert_event!(),
                " ON CONFLICT (id) DO UPDATE SET organizer = excluded.organizer,
               all_day = excluded.all_day, start_key = excluded.start_key,
               end_key = excluded.end_key, attendee_count = excluded.attendee_count,
               next_position = excluded.next_position, deleted = excluded.deleted, seq = excluded.seq,
               body = excluded.body, recurring = excluded.recurring,
               series_start_key = excluded.series_start_key, series_end_key = excluded.series_end_key"
            )
        };
    }
    Sql {
        sqlite: upsert!(),
        postgres: upsert!(),
    }
};

/// Saves the event, stamped with this write's change number, with the
/// rooms it holds.
pub(super) async fn save_event(
    conn: &impl Db,
    meta: &WriteMeta,
    stored: &StoredEvent,
) -> ApiResult<()> {
    let placed = extent(conn, &stored.event).await?;
    write_event(conn, meta, stored, &placed, UPSERT_EVENT).await
}

/// Writes the event's row, placed at `p`, with `statement` (an insert or an
/// upsert), and holds its rooms.
pub(super) async fn write_event(
    conn: &impl Db,
    meta: &WriteMeta,
    stored: &StoredEvent,
    p: &Extent,
    statement: Sql,
) -> ApiResult<()> {
    let e = &stored.event;
    conn.execute(
        statement,
        params![
            e.id.as_str(),
            meta.corp_id.as_str(),
            e.organizer.as_str(),
            e.when.is_all_day(),
            p.start_key,
            p.end_key,
            stored.attendee_count,
            stored.next_position,
            stored.deleted,
            encode_event(e)?,
            p.recurring,
            p.series_start_key,
            p.series_end_key,
        ],
    )
    .await?;
    // Free/busy's bound on single events (see `schedule`) grows with the
    // longest; the short ones, nearly all, leave it alone.
    let span = p.end_key - p.start_key;
    if !p.recurring && span > SHORT_SPAN {
        conn.execute(
            sql!("UPDATE longest_single SET seconds = $1 WHERE seconds < $1"),
            params![span],
        )
        .await?;
    }
    // An event with rooms holds them anew wherever it now stands, or
    // fails if one is taken there.
    if !e.meeting_rooms.is_empty() {
        rooms::hold(conn, stored).await?;
    }
    Ok(())
}

/// Copies the event's placement onto its attendee rows, after its time or
/// recurrence changed.
pub(super) async fn place_attendees(conn: &impl Db, event: &Event) -> ApiResult<()> {
    let p = extent(conn, event).await?;
    conn.execute(
        sql!(
            "UPDATE attendees SET all_day = $1, start_key = $2, recurring = $3, series_start_key = $4,
               series_end_key = $5
             WHERE event_id = $6"
        ),
        params![
            event.when.is_all_day(),
            p.start_key,
            p.recurring,
            p.series_start_key,
            p.series_end_key,
            event.id.as_str(),
        ],
    )
    .await?;
    Ok(())
}

/// Adds attendees to the event, at positions from `first` on, in one
/// statement whatever their number: their rows come as one JSON parameter.
/// (On PostgreSQL each statement is a round of the protocol and of the
/// executor: one row apiece cost a CreateEvent with two attendees more than
/// all its other statements together.)
pub(super) async fn insert_attendees(
    conn: &impl Db,
    event: &Event,
    p: &Extent,
    first: i64,
    attendees: &[&Attendee],
) -> ApiResult<()> {
    let rows: Vec<serde_json::Value> = attendees
        .iter()
        .zip(first..)
        .map(|(a, position)| {
            serde_json::json!({
                "union_id": a.id.as_str(),
                "position": position,
                "is_optional": a.is_optional,
                "is_organizer": a.is_organizer,
                "response_status": a.response_status.as_str(),
            })
        })
        .collect();
    conn.execute(
        Sql {
            sqlite: "INSERT INTO attendees (event_id, union_id, position, is_optional, is_organizer,
                       response_status, all_day, start_key, recurring, series_start_key, series_end_key)
                     SELECT $1, json_extract(a.value, '$.union_id'), json_extract(a.value, '$.position'),
                       json_extract(a.value, '$.is_optional'), json_extract(a.value, '$.is_organizer'),
                       json_extract(a.value, '$.response_status'), $2, $3, $4, $5, $6
                     FROM json_each($7) AS a",
            postgres: "INSERT INTO attendees (event_id, union_id, position, is_optional, is_organizer,
                         response_status, all_day, start_key, recurring, series_start_key, series_end_key)
                       SELECT $1, a.union_id, a.position, a.is_optional, a.is_organizer,
                         a.response_status, $2, $3, $4, $5, $6
                       FROM json_to_recordset($7::text::json) AS a(union_id TEXT, position BIGINT,
                         is_optional BOOLEAN, is_organizer BOOLEAN, response_status TEXT)",
        },
        params![
            event.id.as_str(),
            event.when.is_all_day(),
            p.start_key,
            p.recurring,
            p.series_start_key,
            p.series_end_key,
            serde_json::Value::Array(rows).to_string(),
        ],
    )
    .await?;
    Ok(())
}

/// Invites those not yet on the event and sets `isOptional` anew for those
/// who are (see `policy::invitation`); the event keeps its bound of 5,000.
pub(super) async fn invite(
    conn: &impl Db,
    stored: &mut StoredEvent,
    invitees: &[Invitee],
) -> ApiResult<()> {
    let mut new = Vec::new();
    for invitee in invitees {
        let current = attendee_of(conn, &stored.event.id, &invitee.id).await?;
        match policy::invitation(&stored.event.organizer, invitee, current.as_ref()) {
            Invitation::New => new.push(invitee),
            Invitation::Optional(is_optional) => {
                conn.execute(
                    sql!(
                        "UPDATE attendees SET is_optional = $1 WHERE event_id = $2 AND union_id = $3"
                    ),
                    params![is_optional, stored.event.id.as_str(), invitee.id.as_str()],
                )
                .await?;
            }
            Invitation::Organizer | Invitation::Unchanged => {}
        }
    }
    policy::check_event_total(stored.attendee_count as usize + new.len())?;
    if new.is_empty() {
        return Ok(());
    }
    let p = extent(conn, &stored.event).await?;
    for invitee in &new {
        conn.execute(
            sql!("DELETE FROM removals WHERE union_id = $1 AND event_id = $2"),
            params![invitee.id.as_str(), stored.event.id.as_str()],
        )
        .await?;
    }
    let attendees: Vec<Attendee> = new
        .iter()
        .map(|invitee| Attendee {
            id: invitee.id.clone(),
            is_optional: invitee.is_optional,
            response_status: ResponseStatus::NeedsAction,
            is_organizer: false,
        })
        .collect();
    let added: Vec<&Attendee> = attendees.iter().collect();
    insert_attendees(conn, &stored.event, &p, stored.next_position, &added).await?;
    stored.next_position += added.len() as i64;
    stored.attendee_count += added.len() as i64;
    Ok(())
}

/// Takes attendees off the event, leaving each a removal for their sync.
pub(super) async fn uninvite(
    conn: &impl Db,
    stored: &mut StoredEvent,
    ids: &[UnionId],
) -> ApiResult<()> {
    for id in ids {
        let removed = conn
            .execute(
                sql!(
                    "DELETE FROM attendees WHERE event_id = $1 AND union_id = $2 AND is_organizer = FALSE"
                ),
                params![stored.event.id.as_str(), id.as_str()],
            )
            .await?;
        if removed > 0 {
            conn.execute(
                sql!(
                    "INSERT INTO removals (union_id, event_id, seq) VALUES ($1, $2, dingcal_seq())
                     ON CONFLICT (union_id, event_id) DO UPDATE SET seq = excluded.seq"
                ),
                params![id.as_str(), stored.event.id.as_str()],
            )
            .await?;
        }
        stored.attendee_count -= removed as i64;
    }
    Ok(())
}
