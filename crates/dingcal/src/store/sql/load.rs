//! Reading events as they are stored: the event row with the caller's own
//! attendee entry, attendee pages, exceptions, and what an event id names
//! for the caller (an event, or one occurrence of a series).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::db::{Db, Row, Sql, params, sql};
use crate::domain::attendee::{Attendee, ResponseStatus};
use crate::domain::event::{Event, EventView};
use crate::domain::policy;
use crate::domain::series::{Exception, Instance, InstanceId, Origin, Series};
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::stored::{decode_event, decode_exception};

/// An event with the caller's own entry: see `load_event`.
pub(super) const EVENT_WITH_ME: Sql = sql!(
    "SELECT e.body, e.seq, e.deleted, e.attendee_count, e.next_position,
            a.union_id, a.is_optional, a.response_status, a.is_organizer
         FROM events e LEFT JOIN attendees a ON a.event_id = e.id AND a.union_id = $1
         WHERE e.id = $2 AND e.corp_id = $3"
);

/// An event's attendees in the order they were invited.
pub(super) const ATTENDEES_PAGE: Sql = sql!(
    "SELECT union_id, is_optional, response_status, is_organizer, position FROM attendees
     WHERE event_id = $1 AND position > $2 ORDER BY position",
    limit 3
);

/// An event with its first attendees: see `event_page`.
pub(super) const EVENT_PAGE: Sql = sql!(
    // Driven by the attendees, in the order they were invited, so that a
    // large event is read only as far as the page (an event without any
    // attendee row is seen by no one anyway).
    "SELECT e.seq, e.body, e.deleted, e.attendee_count,
       a.union_id, a.is_optional, a.response_status, a.is_organizer
     FROM attendees a JOIN events e ON e.id = a.event_id
     WHERE a.event_id = $1 AND e.corp_id = $2
     ORDER BY a.position",
    limit 3
);

/// `EVENT_PAGE` without the body, for an event the cache holds: on SQLite
/// it reads covering indexes only, not the table rows.
pub(super) const EVENT_PAGE_HEADER: Sql = sql!(
    "SELECT e.seq, e.deleted, e.attendee_count,
       a.union_id, a.is_optional, a.response_status, a.is_organizer
     FROM attendees a JOIN events e ON e.id = a.event_id
     WHERE a.event_id = $1 AND e.corp_id = $2
     ORDER BY a.position",
    limit 3
);

/// An event row.
pub struct StoredEvent {
    /// Shared with the cache of decoded events; a write changes its own copy.
    pub event: Arc<Event>,
    pub deleted: bool,
    /// Attendees besides the organizer.
    pub attendee_count: i64,
    /// The position the next attendee gets.
    pub next_position: i64,
}

/// An attendee from its row's columns.
pub fn attendee(r: &Row<'_>) -> ApiResult<Attendee> {
    let status: String = r.get("response_status")?;
    Ok(Attendee {
        id: UnionId(r.get("union_id")?),
        is_optional: r.get("is_optional")?,
        response_status: ResponseStatus::parse(Some(&status))
            .unwrap_or(ResponseStatus::NeedsAction),
        is_organizer: r.get("is_organizer")?,
    })
}

/// An event of the org, with the caller's own attendee entry if they have
/// one: one statement, as every request by a user begins with it.
pub async fn load_event(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    id: &EventId,
) -> ApiResult<Option<(StoredEvent, Option<Attendee>)>> {
    conn.query_opt(
        EVENT_WITH_ME,
        params![caller.as_str(), id.as_str(), corp_id.as_str()],
        |r| {
            let me = match r.get::<Option<String>>("union_id")? {
                Some(_) => Some(attendee(r)?),
                None => None,
            };
            let stored = StoredEvent {
                event: decoded(conn, id, r)?,
                deleted: r.get("deleted")?,
                attendee_count: r.get("attendee_count")?,
                next_position: r.get("next_position")?,
            };
            Ok((stored, me))
        },
    )
    .await
}

/// The event of a row holding its `seq` and `body`, decoded only if the
/// cache lacks it at that change number.
pub fn decoded(conn: &impl Db, id: &EventId, r: &Row<'_>) -> ApiResult<Arc<Event>> {
    conn.caches().events.get_or(id, r.get("seq")?, || {
        decode_event(&r.get::<String>("body")?)
    })
}

pub async fn attendee_of(
    conn: &impl Db,
    event_id: &EventId,
    user: &UnionId,
) -> ApiResult<Option<Attendee>> {
    conn.query_opt(
        sql!(
            "SELECT union_id, is_optional, response_status, is_organizer FROM attendees
             WHERE event_id = $1 AND union_id = $2"
        ),
        params![event_id.as_str(), user.as_str()],
        attendee,
    )
    .await
}

/// Attendees in the order they were invited, after position `after`, at
/// most `limit`, with their positions.
pub async fn attendees_page(
    conn: &impl Db,
    event_id: &EventId,
    after: i64,
    limit: usize,
) -> ApiResult<Vec<(i64, Attendee)>> {
    conn.query_limited(
        ATTENDEES_PAGE,
        params![event_id.as_str(), after],
        limit,
        |r| Ok((r.get("position")?, attendee(r)?)),
    )
    .await
}

/// An event's first `max` attendees, in the order they were invited.
pub async fn attendees_of(
    conn: &impl Db,
    event_id: &EventId,
    max: usize,
) -> ApiResult<Vec<Attendee>> {
    Ok(attendees_page(conn, event_id, -1, max)
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect())
}

/// An event with its first attendees, as one statement reads it.
pub struct EventPage {
    pub event: Arc<Event>,
    pub deleted: bool,
    pub attendees: Vec<Attendee>,
    /// The caller's entry, if they attend.
    pub me: Option<Attendee>,
}

/// An event of the org with its first `max` attendees, in one statement
/// when the cache holds the event as it stands (the header alone is read)
/// or lacks it (the body is read too); a cached event that has changed
/// since takes a second. The caller's own entry is looked for among those
/// attendees, and read on its own only when the event has more. `None`
/// when there is no such event (or it has no attendee, which no one may
/// see).
pub async fn event_page(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    id: &EventId,
    max: usize,
) -> ApiResult<Option<EventPage>> {
    let cached = conn.caches().events.peek(id);
    let known = cached.as_ref();
    let read = |with_body: bool| async move {
        let mut header = None;
        let rows = conn
            .query_limited(
                if with_body {
                    EVENT_PAGE
                } else {
                    EVENT_PAGE_HEADER
                },
                params![id.as_str(), corp_id.as_str()],
                max.max(1),
                |r| {
                    if header.is_none() {
                        let event = match known {
                            Some((seq, cached)) if !with_body => {
                                (r.get::<i64>("seq")? == *seq).then(|| cached.clone())
                            }
                            _ => Some(decoded(conn, id, r)?),
                        };
                        let others: i64 = r.get("attendee_count")?;
                        header = Some((event, r.get::<bool>("deleted")?, others));
                    }
                    attendee(r)
                },
            )
            .await?;
        Ok::<_, ApiError>(header.map(|h| (h, rows)))
    };
    let found = match read(known.is_none()).await? {
        Some(((None, ..), _)) => read(true).await?,
        found => found,
    };
    let Some(((Some(event), deleted, others), attendees)) = found else {
        return Ok(None);
    };
    let mut me = attendees.iter().find(|a| &a.id == caller).cloned();
    // Everyone was read unless the page is full and the event has more (its
    // organizer and `others`).
    if me.is_none() && attendees.len() == max && (others as usize) >= max {
        me = attendee_of(conn, id, caller).await?;
    }
    Ok(Some(EventPage {
        event,
        deleted,
        attendees,
        me,
    }))
}

/// The event with its first `max_attendees`.
pub async fn view(conn: &impl Db, event: Arc<Event>, max_attendees: usize) -> ApiResult<EventView> {
    Ok(EventView {
        attendees: attendees_of(conn, &event.id, max_attendees).await?,
        event,
        series: None,
    })
}

/// The event as the caller may see it, with their entry.
pub async fn visible(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    id: &EventId,
) -> ApiResult<(StoredEvent, Attendee)> {
    let (stored, me) = load_event(conn, corp_id, caller, id)
        .await?
        .ok_or_else(ApiError::event_not_found)?;
    let me = policy::may_see(me, stored.deleted)?;
    Ok((stored, me))
}

/// What an event id names for the caller: an event, or one occurrence of
/// a series.
pub enum Target {
    Event(Box<StoredEvent>, Attendee),
    Instance(Box<OneInstance>),
}

/// One occurrence, with its series and what differs in it.
pub struct OneInstance {
    pub master: StoredEvent,
    pub me: Attendee,
    pub instance: Instance,
    pub exception: Exception,
}

pub async fn resolve(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    id: &EventId,
) -> ApiResult<Target> {
    if let Some((stored, me)) = load_event(conn, corp_id, caller, id).await? {
        let me = policy::may_see(me, stored.deleted)?;
        return Ok(Target::Event(Box::new(stored), me));
    }
    let key = InstanceId::parse(id).ok_or_else(ApiError::event_not_found)?;
    let (master, me) = visible(conn, corp_id, caller, &key.master).await?;
    let series = Series::of(&master.event)?.ok_or_else(ApiError::event_not_found)?;
    if !series.has(key.origin) {
        return Err(ApiError::event_not_found());
    }
    let exception = exception_of(conn, &key.master, key.origin.key())
        .await?
        .unwrap_or_default();
    let instance = series
        .instance(&master.event, key.origin, Some(&exception))
        .ok_or_else(ApiError::event_not_found)?;
    Ok(Target::Instance(Box::new(OneInstance {
        master,
        me,
        instance,
        exception,
    })))
}

/// A series' exceptions by the key of their original start.
pub async fn exceptions_of(
    conn: &impl Db,
    series_id: &EventId,
) -> ApiResult<BTreeMap<i64, Exception>> {
    let rows = conn
        .query(
            sql!("SELECT origin_key, body FROM exceptions WHERE series_id = $1"),
            params![series_id.as_str()],
            |r| {
                let body: String = r.get("body")?;
                Ok((r.get("origin_key")?, decode_exception(&body)?))
            },
        )
        .await?;
    Ok(rows.into_iter().collect())
}

async fn exception_of(
    conn: &impl Db,
    series_id: &EventId,
    origin_key: i64,
) -> ApiResult<Option<Exception>> {
    conn.query_opt(
        sql!("SELECT body FROM exceptions WHERE series_id = $1 AND origin_key = $2"),
        params![series_id.as_str(), origin_key],
        |r| decode_exception(&r.get::<String>("body")?),
    )
    .await
}

/// An occurrence with the series' attendees and its own responses.
pub fn with_responses(
    instance: &Instance,
    series_id: &EventId,
    mut attendees: Vec<Attendee>,
    exception: Option<&Exception>,
) -> EventView {
    if let Some(exception) = exception {
        for a in &mut attendees {
            if let Some(status) = exception.responses.get(&a.id) {
                a.response_status = *status;
            }
        }
    }
    EventView {
        event: Arc::new(instance.event.clone()),
        attendees,
        series: Some((series_id.clone(), instance.origin)),
    }
}

/// One occurrence as listed, `None` if it is cancelled; the series'
/// attendees are read once per listing, into `attendees`.
pub async fn occurrence_view(
    conn: &impl Db,
    master: &Event,
    series: &Series,
    exceptions: &BTreeMap<i64, Exception>,
    origin: Origin,
    attendees: &mut Option<Vec<Attendee>>,
    max_attendees: usize,
) -> ApiResult<Option<EventView>> {
    let exception = exceptions.get(&origin.key());
    let Some(instance) = series.instance(master, origin, exception) else {
        return Ok(None);
    };
    let base = match attendees {
        Some(list) => list.clone(),
        None => attendees
            .insert(attendees_of(conn, &master.id, max_attendees).await?)
            .clone(),
    };
    Ok(Some(with_responses(&instance, &master.id, base, exception)))
}

/// One occurrence as GetEvent and writes answer it.
pub async fn instance_view(
    conn: &impl Db,
    one: &OneInstance,
    max_attendees: usize,
) -> ApiResult<EventView> {
    let attendees = attendees_of(conn, &one.master.event.id, max_attendees).await?;
    Ok(with_responses(
        &one.instance,
        &one.master.event.id,
        attendees,
        Some(&one.exception),
    ))
}
