//! Every change to events, as the statements it runs inside its write's
//! transaction. What a change may do is decided by `domain::policy`; this
//! module reads and writes the rows.

use std::collections::HashMap;
use std::sync::Arc;

use super::db::{Db, Sql, params, sql};
use super::load::{
    OneInstance, StoredEvent, Target, attendee_of, attendees_of, attendees_page, exceptions_of,
    instance_view, load_event, resolve, view, visible,
};
use super::responses::{Answer, set_responses};
use super::rooms;
use crate::domain::attendee::{Attendee, Invitee, ResponseStatus};
use crate::domain::event::{Event, EventChanges, EventView};
use crate::domain::limits::GET_EVENT_MAX_ATTENDEES;
use crate::domain::policy::{self, Deletion, Invitation};
use crate::domain::series::{InstanceId, Series};
use crate::domain::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::stored::{encode_event, encode_exception};
use crate::store::{Outcome, WriteMeta};

/// How many attendees a write's answer shows: GetEvent's largest page.
const ANSWER_ATTENDEES: usize = GET_EVENT_MAX_ATTENDEES as usize;

pub async fn create_event(
    conn: &impl Db,
    meta: &WriteMeta,
    event: Event,
    invitees: Vec<Invitee>,
) -> ApiResult<Outcome> {
    // A new event has no one on it and no one has left it: its attendees
    // are the organizer, then those invited, as listed; nothing needs
    // reading, not even for the answer.
    let mut attendees = vec![Attendee {
        id: event.organizer.clone(),
        is_optional: false,
        response_status: policy::ORGANIZER_RESPONSE,
        is_organizer: true,
    }];
    attendees.extend(
        invitees
            .into_iter()
            .filter(|i| policy::invitation(&event.organizer, i, None) == Invitation::New)
            .map(|i| Attendee {
                id: i.id,
                is_optional: i.is_optional,
                response_status: ResponseStatus::NeedsAction,
                is_organizer: false,
            }),
    );
    let others = attendees.len() - 1;
    policy::check_event_total(others)?;
    let stored = StoredEvent {
        event: Arc::new(event),
        deleted: false,
        attendee_count: others as i64,
        next_position: attendees.len() as i64,
    };
    let placed = extent(conn, &stored.event).await?;
    // The two statements do not depend on each other: on PostgreSQL they
    // go out together, one round trip.
    let everyone: Vec<&Attendee> = attendees.iter().collect();
    futures_util::future::try_join(
        insert_attendees(conn, &stored.event, &placed, 0, &everyone),
        write_event(conn, meta, &stored, INSERT_EVENT),
    )
    .await?;
    if let Some(name) = &stored.event.ical {
        super::caldav::record_resource(
            conn,
            &meta.corp_id,
            &stored.event.organizer,
            &name.resource,
            &stored.event.id,
        )
        .await?;
    }
    attendees.truncate(ANSWER_ATTENDEES);
    Ok(Outcome::Event(Box::new(EventView {
        event: stored.event,
        attendees,
        series: None,
    })))
}

pub async fn patch_event(
    conn: &impl Db,
    meta: &WriteMeta,
    event_id: &EventId,
    changes: EventChanges,
) -> ApiResult<Outcome> {
    lock_target(conn, event_id).await?;
    match resolve(conn, &meta.corp_id, &meta.caller, event_id).await? {
        Target::Instance(mut one) => {
            policy::may_change(&one.me)?;
            policy::check_occurrence_changes(&changes)?;
            let mut event = one.instance.event.clone();
            changes.apply(&mut event, meta.now)?;
            one.exception.event = Some(event.clone());
            one.instance.event = event;
            save_exception(conn, &one).await?;
            Arc::make_mut(&mut one.master.event).updated = meta.now;
            save_event(conn, meta, &one.master).await?;
            let view = instance_view(conn, &one, ANSWER_ATTENDEES).await?;
            Ok(Outcome::Event(Box::new(view)))
        }
        Target::Event(mut stored, me) => {
            policy::may_change(&me)?;
            let before = stored.event.clone();
            let replacement = changes.attendees.clone();
            changes.apply(Arc::make_mut(&mut stored.event), meta.now)?;
            replace_series(conn, &before, &stored.event).await?;
            if let Some(list) = replacement {
                let current = attendees_page(conn, event_id, -1, usize::MAX).await?;
                let leaving = policy::leaving(current.iter().map(|(_, a)| a), &list);
                uninvite(conn, &mut stored, &leaving).await?;
                invite(conn, &mut stored, &list).await?;
            }
            save_event(conn, meta, &stored).await?;
            answer(conn, stored.event).await
        }
    }
}

/// Patches of one event (by plain id, without attendee lists), applied in
/// the order given as if one after the other, in one unit of work: each is
/// checked against the event as the ones before it left it, and answered
/// with the event as it left it; one refused changes nothing. `None` when
/// the id names no event of the org (perhaps an occurrence): each patch
/// must then go its own way.
pub async fn patch_together(
    conn: &impl Db,
    event_id: &EventId,
    patches: Vec<(WriteMeta, EventChanges)>,
) -> ApiResult<Option<Vec<ApiResult<Outcome>>>> {
    let Some((first, _)) = patches.first() else {
        return Ok(Some(Vec::new()));
    };
    conn.lock_event(event_id).await?;
    let Some((mut stored, _)) = load_event(conn, &first.corp_id, &first.caller, event_id).await?
    else {
        return Ok(None);
    };
    let original = stored.event.clone();
    let mut callers: HashMap<UnionId, Option<Attendee>> = HashMap::new();
    let mut applied = Vec::with_capacity(patches.len());
    let mut last = None;
    for (meta, changes) in patches {
        let me = match callers.get(&meta.caller) {
            Some(me) => me.clone(),
            None => {
                let me = attendee_of(conn, event_id, &meta.caller).await?;
                callers.insert(meta.caller.clone(), me.clone());
                me
            }
        };
        let patched = policy::may_see(me, stored.deleted)
            .and_then(|me| policy::may_change(&me))
            .and_then(|()| {
                let mut event = (*stored.event).clone();
                changes.apply(&mut event, meta.now)?;
                Ok(Arc::new(event))
            });
        if let Ok(event) = &patched {
            stored.event = event.clone();
            last = Some(meta);
        }
        applied.push(patched);
    }
    if let Some(meta) = last {
        replace_series(conn, &original, &stored.event).await?;
        save_event(conn, &meta, &stored).await?;
    }
    let attendees = attendees_of(conn, event_id, ANSWER_ATTENDEES).await?;
    Ok(Some(
        applied
            .into_iter()
            .map(|patched| {
                patched.map(|event| {
                    Outcome::Event(Box::new(EventView {
                        event,
                        attendees: attendees.clone(),
                        series: None,
                    }))
                })
            })
            .collect(),
    ))
}

pub async fn delete_event(
    conn: &impl Db,
    meta: &WriteMeta,
    event_id: &EventId,
) -> ApiResult<Outcome> {
    lock_target(conn, event_id).await?;
    match resolve(conn, &meta.corp_id, &meta.caller, event_id).await? {
        Target::Instance(mut one) => {
            match policy::deletion(&one.me) {
                Deletion::Cancel => {
                    one.exception.cancelled = true;
                    one.exception.event = None;
                }
                Deletion::Leave => {
                    one.exception
                        .responses
                        .insert(one.me.id.clone(), policy::LEFT_OCCURRENCE);
                }
            }
            save_exception(conn, &one).await?;
            save_event(conn, meta, &one.master).await?;
        }
        Target::Event(mut stored, me) => {
            match policy::deletion(&me) {
                Deletion::Cancel => stored.deleted = true,
                Deletion::Leave => {
                    uninvite(conn, &mut stored, std::slice::from_ref(&me.id)).await?;
                }
            }
            save_event(conn, meta, &stored).await?;
        }
    }
    Ok(Outcome::Done)
}

/// RespondEvent as a transaction of its own: the caller's row of an event,
/// else their answer to one occurrence of a series.
pub async fn respond(
    conn: &impl Db,
    meta: &WriteMeta,
    event_id: &EventId,
    status: ResponseStatus,
) -> ApiResult<Outcome> {
    let answer = Answer {
        corp_id: meta.corp_id.clone(),
        event_id: event_id.clone(),
        caller: meta.caller.clone(),
        status,
    };
    if set_responses(conn, std::slice::from_ref(&answer)).await?[0] {
        return Ok(Outcome::Done);
    }
    let exists = conn
        .query_opt(
            sql!("SELECT id FROM events WHERE id = $1"),
            params![event_id.as_str()],
            |r| r.get::<String>("id"),
        )
        .await?;
    if exists.is_some() {
        return Err(ApiError::event_not_found());
    }
    lock_target(conn, event_id).await?;
    let Target::Instance(mut one) = resolve(conn, &meta.corp_id, &meta.caller, event_id).await?
    else {
        return Err(ApiError::event_not_found());
    };
    one.exception.responses.insert(one.me.id.clone(), status);
    save_exception(conn, &one).await?;
    save_event(conn, meta, &one.master).await?;
    Ok(Outcome::Done)
}

pub async fn add_attendees(
    conn: &impl Db,
    meta: &WriteMeta,
    event_id: &EventId,
    invitees: Vec<Invitee>,
) -> ApiResult<Outcome> {
    let mut stored = organized(conn, meta, event_id).await?;
    invite(conn, &mut stored, &invitees).await?;
    Arc::make_mut(&mut stored.event).updated = meta.now;
    save_event(conn, meta, &stored).await?;
    Ok(Outcome::Done)
}

pub async fn remove_attendees(
    conn: &impl Db,
    meta: &WriteMeta,
    event_id: &EventId,
    ids: Vec<UnionId>,
) -> ApiResult<Outcome> {
    let mut stored = organized(conn, meta, event_id).await?;
    policy::check_removal(&stored.event.organizer, &ids)?;
    uninvite(conn, &mut stored, &ids).await?;
    Arc::make_mut(&mut stored.event).updated = meta.now;
    save_event(conn, meta, &stored).await?;
    Ok(Outcome::Done)
}

/// TransferEvent: the organizer hands the event (a whole series) to `to`,
/// who joins it if not on it and accepts it; the old organizer stays on it
/// as an attendee who accepted, or leaves it (`exit`).
pub async fn transfer_event(
    conn: &impl Db,
    meta: &WriteMeta,
    event_id: &EventId,
    to: &UnionId,
    exit: bool,
) -> ApiResult<Outcome> {
    lock_target(conn, event_id).await?;
    let (mut stored, me) = match resolve(conn, &meta.corp_id, &meta.caller, event_id).await? {
        Target::Instance(_) => {
            return Err(ApiError::invalid_parameter(
                "An occurrence cannot be transferred; transfer its series",
            ));
        }
        Target::Event(stored, me) => (stored, me),
    };
    policy::may_change(&me)?;
    let from = stored.event.organizer.clone();
    policy::check_transfer(&from, to)?;
    let joining = Invitee {
        id: to.clone(),
        is_optional: false,
    };
    invite(conn, &mut stored, std::slice::from_ref(&joining)).await?;
    conn.execute(
        sql!("UPDATE attendees SET is_organizer = FALSE WHERE event_id = $1 AND union_id = $2"),
        params![event_id.as_str(), from.as_str()],
    )
    .await?;
    conn.execute(
        sql!(
            "UPDATE attendees SET is_organizer = TRUE, response_status = $1
             WHERE event_id = $2 AND union_id = $3"
        ),
        params![
            policy::ORGANIZER_RESPONSE.as_str(),
            event_id.as_str(),
            to.as_str()
        ],
    )
    .await?;
    let event = Arc::make_mut(&mut stored.event);
    event.organizer = to.clone();
    event.updated = meta.now;
    if exit {
        uninvite(conn, &mut stored, std::slice::from_ref(&from)).await?;
    }
    save_event(conn, meta, &stored).await?;
    Ok(Outcome::Done)
}

/// After a patch from `before` to `after`: a series moved or re-patterned
/// keeps none of its exceptions (see `policy::drops_exceptions`), and its
/// attendee rows take its new place in listings.
async fn replace_series(conn: &impl Db, before: &Event, after: &Event) -> ApiResult<()> {
    if !policy::drops_exceptions(before, after) {
        return Ok(());
    }
    conn.execute(
        sql!("DELETE FROM exceptions WHERE series_id = $1"),
        params![after.id.as_str()],
    )
    .await?;
    place_attendees(conn, after).await
}

/// A write's answer: the event as it now stands.
async fn answer(conn: &impl Db, event: Arc<Event>) -> ApiResult<Outcome> {
    Ok(Outcome::Event(Box::new(
        view(conn, event, ANSWER_ATTENDEES).await?,
    )))
}

/// The event, locked, if the caller may change it.
pub(super) async fn organized(
    conn: &impl Db,
    meta: &WriteMeta,
    id: &EventId,
) -> ApiResult<StoredEvent> {
    conn.lock_event(id).await?;
    let (stored, me) = visible(conn, &meta.corp_id, &meta.caller, id).await?;
    policy::may_change(&me)?;
    Ok(stored)
}

/// Holds the event an id names against other writers: the event itself,
/// and the series if the id also reads as one of its occurrences (a plain
/// id can look like one).
async fn lock_target(conn: &impl Db, id: &EventId) -> ApiResult<()> {
    conn.lock_event(id).await?;
    match InstanceId::parse(id) {
        Some(key) => conn.lock_event(&key.master).await,
        None => Ok(()),
    }
}

/// Where an event stands in listings: its start key, whether it masters a
/// series, and the span of all its occurrences, moved ones included.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Extent {
    start_key: i64,
    end_key: i64,
    recurring: bool,
    series_start_key: i64,
    series_end_key: i64,
}

async fn extent(conn: &impl Db, event: &Event) -> ApiResult<Extent> {
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
const INSERT_EVENT: Sql = Sql {
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
    write_event(conn, meta, stored, UPSERT_EVENT).await
}

/// Writes the event's row with `statement` (an insert or an upsert), and
/// holds its rooms.
async fn write_event(
    conn: &impl Db,
    meta: &WriteMeta,
    stored: &StoredEvent,
    statement: Sql,
) -> ApiResult<()> {
    let e = &stored.event;
    let p = extent(conn, e).await?;
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
    // An event with rooms holds them anew wherever it now stands, or
    // fails if one is taken there.
    if !e.meeting_rooms.is_empty() {
        rooms::hold(conn, stored).await?;
    }
    Ok(())
}

/// Copies the event's placement onto its attendee rows, after its time or
/// recurrence changed.
async fn place_attendees(conn: &impl Db, event: &Event) -> ApiResult<()> {
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
async fn insert_attendees(
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
async fn invite(conn: &impl Db, stored: &mut StoredEvent, invitees: &[Invitee]) -> ApiResult<()> {
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
async fn uninvite(conn: &impl Db, stored: &mut StoredEvent, ids: &[UnionId]) -> ApiResult<()> {
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

/// Stores an occurrence's exception; when it moves the occurrence outside
/// the series' span, the span on every attendee row grows with it.
async fn save_exception(conn: &impl Db, one: &OneInstance) -> ApiResult<()> {
    let before = extent(conn, &one.master.event).await?;
    conn.execute(
        sql!(
            "INSERT INTO exceptions (series_id, origin_key, body) VALUES ($1, $2, $3)
             ON CONFLICT (series_id, origin_key) DO UPDATE SET body = excluded.body"
        ),
        params![
            one.master.event.id.as_str(),
            one.instance.origin.key(),
            encode_exception(&one.exception)?
        ],
    )
    .await?;
    if extent(conn, &one.master.event).await? != before {
        place_attendees(conn, &one.master.event).await?;
    }
    Ok(())
}
