//! Every change to events, as the statements it runs inside its write's
//! transaction. What a change may do is decided by `domain::policy`; this
//! module reads and writes the rows.

use std::collections::HashMap;
use std::sync::Arc;

use super::db::{Db, params, sql};
use super::load::{
    OneInstance, StoredEvent, Target, attendee_of, attendees_of, attendees_page, instance_view,
    load_event, resolve, view, visible,
};
use super::responses::{Answer, set_responses};
use super::rows::{
    INSERT_EVENT, extent, insert_attendees, invite, place_attendees, save_event, uninvite,
    write_event,
};
use crate::domain::attendee::{Attendee, Invitee, ResponseStatus};
use crate::domain::event::{Event, EventChanges, EventView};
use crate::domain::limits::GET_EVENT_MAX_ATTENDEES;
use crate::domain::policy::{self, Deletion, Invitation};
use crate::domain::series::InstanceId;
use crate::domain::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::stored::encode_exception;
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
        write_event(conn, meta, &stored, &placed, INSERT_EVENT),
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
