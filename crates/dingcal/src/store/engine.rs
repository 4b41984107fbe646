//! The store's logic, written once over `Db`: every operation as the
//! statements it runs inside one transaction of whichever backend.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::Timestamp;

use super::db::{Backend, Db, Row, params};
use super::responses::{Answer, Responses, set_responses};
use super::{
    Busy, ChangeCursor, EventCursor, IssuedToken, IssuedUserToken, ListChanges, ListEvents, Listed,
    Outcome, Page, Store, SyncPoint, SyncToken, TokenRecord, UserGrant, WriteMeta, encode_position,
};
use crate::directory::{App, DirectoryFile, Org, User};
use crate::domain::attendee::{
    Attendee, Invitee, ResponseStatus, check_event_total, check_organizer, check_removal,
};
use crate::domain::event::{Event, EventChanges, EventView};
use crate::domain::limits::{
    ACCESS_TOKEN_TTL_SECONDS, AUTH_CODE_TTL_SECONDS, GET_EVENT_MAX_ATTENDEES,
    IDEMPOTENCY_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS,
};
use crate::domain::series::{Exception, Instance, InstanceId, Origin, Series};
use crate::domain::time::{When, Window};
use crate::domain::{CorpId, EventId, UnionId, random_token};
use crate::error::{ApiError, ApiResult};

/// The most occurrences of one series a free/busy answer lists: a daily
/// series over the longest window (dingcal's choice).
const BUSY_PER_SERIES_MAX: usize = 1_000;
/// How many attendees a write's answer shows: GetEvent's largest page.
const ANSWER_ATTENDEES: usize = GET_EVENT_MAX_ATTENDEES as usize;

/// A store on a SQL backend.
pub struct SqlStore<B> {
    backend: Arc<B>,
    series: Arc<SeriesCache>,
    responses: Arc<Responses<B>>,
}

impl<B: Backend> SqlStore<B> {
    pub fn new(backend: B) -> SqlStore<B> {
        let backend = Arc::new(backend);
        SqlStore {
            responses: Responses::new(&backend),
            backend,
            series: Arc::default(),
        }
    }
}

/// Series masters as expanded, with their exceptions, by id. An entry holds
/// for the change sequence number it was read at: every write to a series,
/// or to one of its occurrences, stamps a new one, so an entry is right on
/// any node. Listings read thousands of series; this keeps them from
/// parsing each every time.
#[derive(Default)]
struct SeriesCache {
    entries: Mutex<HashMap<EventId, Arc<CachedSeries>>>,
}

struct CachedSeries {
    seq: i64,
    master: Event,
    series: Series,
    exceptions: BTreeMap<i64, Exception>,
}

/// Beyond this many cached series the cache starts over (dingcal's choice:
/// a few tens of MB at most).
const SERIES_CACHE_MAX: usize = 20_000;

impl SeriesCache {
    /// The series named by (id, change seq), from the cache or read anew,
    /// in the order asked; series no longer recurring are left out. The
    /// lock is taken once for all the hits.
    fn get_all(
        &self,
        conn: &impl Db,
        wanted: Vec<(String, i64)>,
    ) -> ApiResult<Vec<Arc<CachedSeries>>> {
        let mut found = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        {
            let entries = self.entries.lock().expect("series cache poisoned");
            for (id, seq) in wanted {
                let id = EventId(id);
                match entries.get(&id) {
                    Some(hit) if hit.seq == seq => found.push(hit.clone()),
                    _ => missing.push((id, seq)),
                }
            }
        }
        for (id, seq) in missing {
            found.extend(self.get(conn, &id, seq)?);
        }
        Ok(found)
    }

    fn get(&self, conn: &impl Db, id: &EventId, seq: i64) -> ApiResult<Option<Arc<CachedSeries>>> {
        if let Some(hit) = self.entries.lock().expect("series cache poisoned").get(id) {
            if hit.seq == seq {
                return Ok(Some(hit.clone()));
            }
        }
        let body: Option<String> = conn.query_opt(
            "SELECT body FROM events WHERE id = ?1",
            params![id.as_str()],
            |r| r.get(0),
        )?;
        let Some(body) = body else { return Ok(None) };
        let master: Event = serde_json::from_str(&body)?;
        let Some(series) = Series::of(&master)? else {
            return Ok(None);
        };
        let entry = Arc::new(CachedSeries {
            seq,
            exceptions: exceptions_of(conn, id)?,
            master,
            series,
        });
        let mut entries = self.entries.lock().expect("series cache poisoned");
        if entries.len() >= SERIES_CACHE_MAX {
            entries.clear();
        }
        entries.insert(id.clone(), entry.clone());
        Ok(Some(entry))
    }
}

/// Replays the outcome stored under the x-client-token, or runs `f` and
/// stores its outcome, in the same transaction.
fn once<C: Db>(
    conn: &C,
    meta: &WriteMeta,
    f: impl FnOnce(&C) -> ApiResult<Outcome>,
) -> ApiResult<Outcome> {
    let now = meta.now.as_second();
    if let Some(key) = &meta.idempotency {
        conn.claim(key)?;
        let stored: Option<(String, String)> = conn.query_opt(
            "SELECT request, outcome FROM idempotency WHERE app_key = ?1 AND token = ?2 AND expires_at > ?3",
            params![key.app_key, key.token, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if let Some((first, outcome)) = stored {
            if first != key.request {
                return Err(ApiError::invalid_parameter(
                    "x-client-token was first used for another request",
                ));
            }
            return Ok(serde_json::from_str(&outcome)?);
        }
    }
    let outcome = f(conn)?;
    if let Some(key) = &meta.idempotency {
        conn.execute(
            "INSERT INTO idempotency (app_key, token, expires_at, request, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (app_key, token) DO UPDATE SET expires_at = excluded.expires_at,
               request = excluded.request, outcome = excluded.outcome",
            params![
                key.app_key,
                key.token,
                now + IDEMPOTENCY_TTL_SECONDS,
                key.request,
                serde_json::to_string(&outcome)?
            ],
        )?;
    }
    Ok(outcome)
}

/// Holds the event an id names against other writers: the event itself,
/// and the series if the id also reads as one of its occurrences (a plain
/// id can look like one).
fn lock_target(conn: &impl Db, id: &EventId) -> ApiResult<()> {
    conn.lock_event(id)?;
    match InstanceId::parse(id) {
        Some(key) => conn.lock_event(&key.master),
        None => Ok(()),
    }
}

struct StoredEvent {
    event: Event,
    deleted: bool,
    attendee_count: i64,
    next_position: i64,
}

/// An event of the org, with the caller's own attendee entry if they have
/// one: one statement, as every request by a user begins with it.
fn load_event(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    id: &EventId,
) -> ApiResult<Option<(StoredEvent, Option<Attendee>)>> {
    conn.query_opt(
        "SELECT e.body, e.deleted, e.attendee_count, e.next_position,
                a.union_id, a.is_optional, a.response_status, a.is_organizer
         FROM events e LEFT JOIN attendees a ON a.event_id = e.id AND a.union_id = ?3
         WHERE e.id = ?1 AND e.corp_id = ?2",
        params![id.as_str(), corp_id.as_str(), caller.as_str()],
        |r| {
            let me = match r.get::<Option<String>>(4)? {
                Some(_) => Some(attendee_columns(r, 4)?),
                None => None,
            };
            let body: String = r.get(0)?;
            let stored = StoredEvent {
                event: serde_json::from_str(&body)?,
                deleted: r.get(1)?,
                attendee_count: r.get(2)?,
                next_position: r.get(3)?,
            };
            Ok((stored, me))
        },
    )
}

fn attendee_of(conn: &impl Db, event_id: &EventId, user: &UnionId) -> ApiResult<Option<Attendee>> {
    conn.query_opt(
        "SELECT union_id, is_optional, response_status, is_organizer FROM attendees WHERE event_id = ?1 AND union_id = ?2",
        params![event_id.as_str(), user.as_str()],
        |r| attendee_columns(r, 0),
    )
}

/// An attendee from four columns (id, isOptional, responseStatus,
/// isOrganizer) starting at `at`.
fn attendee_columns(r: &Row<'_>, at: usize) -> ApiResult<Attendee> {
    let status: String = r.get(at + 2)?;
    Ok(Attendee {
        id: UnionId(r.get(at)?),
        is_optional: r.get(at + 1)?,
        response_status: ResponseStatus::parse(Some(&status))
            .unwrap_or(ResponseStatus::NeedsAction),
        is_organizer: r.get(at + 3)?,
    })
}

/// Attendees in the order they were invited, after `after`, at most `limit`,
/// with their positions.
fn attendees_page(
    conn: &impl Db,
    event_id: &EventId,
    after: i64,
    limit: Option<usize>,
) -> ApiResult<Vec<(i64, Attendee)>> {
    conn.query(
        "SELECT union_id, is_optional, response_status, is_organizer, position FROM attendees
         WHERE event_id = ?1 AND position > ?2 ORDER BY position",
        params![event_id.as_str(), after],
        limit,
        |r| Ok((r.get(4)?, attendee_columns(r, 0)?)),
    )
}

fn view(conn: &impl Db, event: Event, max_attendees: usize) -> ApiResult<EventView> {
    Ok(EventView {
        attendees: attendees_of(conn, &event.id, max_attendees)?,
        event,
        series: None,
    })
}

/// The event as the caller may see it: in their calendar, not deleted.
fn visible(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    id: &EventId,
) -> ApiResult<(StoredEvent, Attendee)> {
    let (stored, me) =
        load_event(conn, corp_id, caller, id)?.ok_or_else(ApiError::event_not_found)?;
    seen_by(stored, me)
}

/// The event and the caller's entry, if the caller can see it: it is in
/// their calendar and not deleted.
fn seen_by(stored: StoredEvent, me: Option<Attendee>) -> ApiResult<(StoredEvent, Attendee)> {
    match me {
        Some(me) if !stored.deleted => Ok((stored, me)),
        _ => Err(ApiError::event_not_found()),
    }
}

/// The event, if the caller is its organizer.
fn organized(conn: &impl Db, meta: &WriteMeta, id: &EventId) -> ApiResult<StoredEvent> {
    let (stored, me) = visible(conn, &meta.corp_id, &meta.caller, id)?;
    check_organizer(&me)?;
    Ok(stored)
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

fn extent(conn: &impl Db, event: &Event) -> ApiResult<Extent> {
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
    for moved in exceptions_of(conn, &event.id)?
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

/// Saves the event, stamped with this write's change number.
fn save_event(conn: &impl Db, meta: &WriteMeta, stored: &StoredEvent) -> ApiResult<()> {
    let e = &stored.event;
    let p = extent(conn, e)?;
    conn.execute(
        "INSERT INTO events (id, corp_id, organizer, all_day, start_key, end_key, attendee_count, next_position, deleted, seq, body, recurring, series_start_key, series_end_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, dingcal_seq(), ?10, ?11, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET all_day = excluded.all_day, start_key = excluded.start_key,
           end_key = excluded.end_key, attendee_count = excluded.attendee_count,
           next_position = excluded.next_position, deleted = excluded.deleted, seq = excluded.seq,
           body = excluded.body, recurring = excluded.recurring,
           series_start_key = excluded.series_start_key, series_end_key = excluded.series_end_key",
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
            serde_json::to_string(e)?,
            p.recurring,
            p.series_start_key,
            p.series_end_key,
        ],
    )?;
    Ok(())
}

/// Copies the event's placement onto its attendee rows, after its time or
/// recurrence changed.
fn place_attendees(conn: &impl Db, event: &Event) -> ApiResult<()> {
    let p = extent(conn, event)?;
    conn.execute(
        "UPDATE attendees SET all_day = ?2, start_key = ?3, recurring = ?4, series_start_key = ?5,
           series_end_key = ?6
         WHERE event_id = ?1",
        params![
            event.id.as_str(),
            event.when.is_all_day(),
            p.start_key,
            p.recurring,
            p.series_start_key,
            p.series_end_key
        ],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_attendee(
    conn: &impl Db,
    event: &Event,
    p: &Extent,
    position: i64,
    id: &UnionId,
    is_optional: bool,
    status: ResponseStatus,
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO attendees (event_id, union_id, position, is_optional, is_organizer, response_status, all_day, start_key, recurring, series_start_key, series_end_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            event.id.as_str(),
            id.as_str(),
            position,
            is_optional,
            id == &event.organizer,
            status.as_str(),
            event.when.is_all_day(),
            p.start_key,
            p.recurring,
            p.series_start_key,
            p.series_end_key,
        ],
    )?;
    Ok(())
}

/// Invites those not yet on the event (the organizer always is) and sets
/// `isOptional` anew for those who are; the event keeps its bound of 5,000.
fn invite(conn: &impl Db, stored: &mut StoredEvent, invitees: &[Invitee]) -> ApiResult<()> {
    let mut new = Vec::new();
    for invitee in invitees.iter().filter(|i| i.id != stored.event.organizer) {
        match attendee_of(conn, &stored.event.id, &invitee.id)? {
            None => new.push(invitee),
            Some(a) if a.is_optional != invitee.is_optional => {
                conn.execute(
                    "UPDATE attendees SET is_optional = ?3 WHERE event_id = ?1 AND union_id = ?2",
                    params![
                        stored.event.id.as_str(),
                        invitee.id.as_str(),
                        invitee.is_optional
                    ],
                )?;
            }
            Some(_) => {}
        }
    }
    check_event_total(stored.attendee_count as usize + new.len())?;
    let p = extent(conn, &stored.event)?;
    for invitee in new {
        conn.execute(
            "DELETE FROM removals WHERE union_id = ?1 AND event_id = ?2",
            params![invitee.id.as_str(), stored.event.id.as_str()],
        )?;
        insert_attendee(
            conn,
            &stored.event,
            &p,
            stored.next_position,
            &invitee.id,
            invitee.is_optional,
            ResponseStatus::NeedsAction,
        )?;
        stored.next_position += 1;
        stored.attendee_count += 1;
    }
    Ok(())
}

/// Takes attendees off the event, leaving each a removal for their sync.
fn uninvite(conn: &impl Db, stored: &mut StoredEvent, ids: &[UnionId]) -> ApiResult<()> {
    for id in ids {
        let removed = conn.execute(
            "DELETE FROM attendees WHERE event_id = ?1 AND union_id = ?2 AND is_organizer = FALSE",
            params![stored.event.id.as_str(), id.as_str()],
        )?;
        if removed > 0 {
            conn.execute(
                "INSERT INTO removals (union_id, event_id, seq) VALUES (?1, ?2, dingcal_seq())
                 ON CONFLICT (union_id, event_id) DO UPDATE SET seq = excluded.seq",
                params![id.as_str(), stored.event.id.as_str()],
            )?;
        }
        stored.attendee_count -= removed as i64;
    }
    Ok(())
}

/// The loose bounds of a window, holding both its instant and its
/// wall-clock forms.
fn loose_bounds(w: &Window) -> (i64, i64) {
    (w.instant.0.min(w.floating.0), w.instant.1.max(w.floating.1))
}

/// The caller's calendar rows whose start falls in the window (timed events
/// by instant, all-day ones by the wall-clock dates of the window's own
/// offsets; see `Window`), after the cursor, in (start, id) order: (event
/// body, deleted, start key). Deleted events only when asked, series masters
/// unless `singles_only`. At most `limit` rows are read.
#[allow(clippy::too_many_arguments)]
fn calendar_rows(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    window: &Window,
    after: (i64, &str),
    show_deleted: bool,
    singles_only: bool,
    limit: usize,
) -> ApiResult<Vec<(String, bool, i64)>> {
    let w = window;
    let (lo, hi) = loose_bounds(w);
    conn.query(
        "SELECT e.body, e.deleted, a.start_key FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE a.union_id = ?1 AND e.corp_id = ?2 AND (?3 OR e.deleted = FALSE) AND (NOT ?4 OR a.recurring = FALSE)
           AND a.start_key >= ?11 AND a.start_key < ?12
           AND ((a.all_day = FALSE AND a.start_key >= ?5 AND a.start_key < ?6)
             OR (a.all_day = TRUE AND a.start_key >= ?7 AND a.start_key < ?8))
           AND (a.start_key, a.event_id) > (?9, ?10)
         ORDER BY a.start_key, a.event_id",
        params![
            caller.as_str(),
            corp_id.as_str(),
            show_deleted,
            singles_only,
            w.instant.0,
            w.instant.1,
            w.floating.0,
            w.floating.1,
            after.0,
            after.1,
            lo,
            hi
        ],
        Some(limit),
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

/// The changes of the caller's calendar numbered from `from` to `upto`, as
/// (seq, event id, whether they left it): changes of the events in it,
/// responses of anyone to them, and events they left. An event may come
/// more than once.
fn changes_from(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    from: i64,
    upto: i64,
) -> ApiResult<Vec<(i64, String, bool)>> {
    let change = |left: bool| move |r: &Row<'_>| Ok((r.get(0)?, r.get(1)?, left));
    let mut rows = conn.query(
        "SELECT e.seq, e.id FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE a.union_id = ?1 AND e.corp_id = ?2 AND e.seq >= ?3 AND e.seq <= ?4",
        params![caller.as_str(), corp_id.as_str(), from, upto],
        None,
        change(false),
    )?;
    // Probed event by event of the caller's calendar, not over everyone's
    // responses.
    rows.extend(conn.query(
        "SELECT max(c.changed), c.event_id FROM attendees me
           JOIN attendees c ON c.event_id = me.event_id AND c.changed >= ?2 AND c.changed <= ?3
         WHERE me.union_id = ?1
         GROUP BY c.event_id",
        params![caller.as_str(), from, upto],
        None,
        change(false),
    )?);
    rows.extend(conn.query(
        "SELECT r.seq, r.event_id FROM removals r JOIN events e ON e.id = r.event_id
         WHERE r.union_id = ?1 AND e.corp_id = ?2 AND r.seq >= ?3 AND r.seq <= ?4",
        params![caller.as_str(), corp_id.as_str(), from, upto],
        None,
        change(true),
    )?);
    Ok(rows)
}

/// An entry of a calendar view before it is built: a single event, or the
/// occurrence of the n-th series at its origin.
enum Pick {
    Single(Box<Event>),
    Occurrence(usize, Origin),
}

/// What an event id names for the caller: an event, or one occurrence of
/// a series.
enum Target {
    Event(Box<StoredEvent>, Attendee),
    Instance(Box<OneInstance>),
}

struct OneInstance {
    master: StoredEvent,
    me: Attendee,
    instance: Instance,
    exception: Exception,
}

fn resolve(conn: &impl Db, corp_id: &CorpId, caller: &UnionId, id: &EventId) -> ApiResult<Target> {
    if let Some((stored, me)) = load_event(conn, corp_id, caller, id)? {
        let (stored, me) = seen_by(stored, me)?;
        return Ok(Target::Event(Box::new(stored), me));
    }
    let key = InstanceId::parse(id).ok_or_else(ApiError::event_not_found)?;
    let (master, me) = visible(conn, corp_id, caller, &key.master)?;
    let series = Series::of(&master.event)?.ok_or_else(ApiError::event_not_found)?;
    if !series.has(key.origin) {
        return Err(ApiError::event_not_found());
    }
    let exception = exceptions_of_one(conn, &key.master, key.origin.key())?.unwrap_or_default();
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

fn exceptions_of(conn: &impl Db, series_id: &EventId) -> ApiResult<BTreeMap<i64, Exception>> {
    conn.query(
        "SELECT origin_key, body FROM exceptions WHERE series_id = ?1",
        params![series_id.as_str()],
        None,
        |r| {
            let body: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&body)?))
        },
    )
    .map(|rows| rows.into_iter().collect())
}

fn exceptions_of_one(
    conn: &impl Db,
    series_id: &EventId,
    origin_key: i64,
) -> ApiResult<Option<Exception>> {
    conn.query_opt(
        "SELECT body FROM exceptions WHERE series_id = ?1 AND origin_key = ?2",
        params![series_id.as_str(), origin_key],
        |r| Ok(serde_json::from_str(&r.get::<String>(0)?)?),
    )
}

/// Stores an occurrence's exception; when it moves the occurrence outside
/// the series' span, the span on every attendee row grows with it.
fn save_exception(conn: &impl Db, one: &OneInstance) -> ApiResult<()> {
    let before = extent(conn, &one.master.event)?;
    conn.execute(
        "INSERT INTO exceptions (series_id, origin_key, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (series_id, origin_key) DO UPDATE SET body = excluded.body",
        params![
            one.master.event.id.as_str(),
            one.instance.origin.key(),
            serde_json::to_string(&one.exception)?
        ],
    )?;
    if extent(conn, &one.master.event)? != before {
        place_attendees(conn, &one.master.event)?;
    }
    Ok(())
}

/// An event's first `max` attendees, in the order they were invited.
fn attendees_of(conn: &impl Db, event_id: &EventId, max: usize) -> ApiResult<Vec<Attendee>> {
    Ok(attendees_page(conn, event_id, -1, Some(max))?
        .into_iter()
        .map(|(_, a)| a)
        .collect())
}

/// An occurrence with the series' attendees and its own responses.
fn with_responses(
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
        event: instance.event.clone(),
        attendees,
        series: Some((series_id.clone(), instance.origin)),
    }
}

/// One occurrence as listed, `None` if it is cancelled; the series'
/// attendees are read once per listing, into `attendees`.
fn occurrence_view(
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
            .insert(attendees_of(conn, &master.id, max_attendees)?)
            .clone(),
    };
    Ok(Some(with_responses(&instance, &master.id, base, exception)))
}

fn instance_view(conn: &impl Db, one: &OneInstance, max_attendees: usize) -> ApiResult<EventView> {
    let attendees = attendees_of(conn, &one.master.event.id, max_attendees)?;
    Ok(with_responses(
        &one.instance,
        &one.master.event.id,
        attendees,
        Some(&one.exception),
    ))
}

/// The first `limit` views, and a token for the rest when there are more.
fn page_of(mut views: Vec<EventView>, limit: usize) -> Page<EventView> {
    let more = views.len() > limit;
    views.truncate(limit);
    let next = views.last().filter(|_| more).map(|v| {
        EventCursor {
            start_key: v.event.when.keys().0,
            event_id: v.event.id.0.clone(),
            snapshot: SyncPoint::default(),
        }
        .encode()
    });
    Page {
        items: views,
        next,
        sync_token: None,
    }
}

/// Upserts the organisations, users and apps of a directory file.
fn save_orgs(conn: &impl Db, file: &DirectoryFile) -> ApiResult<()> {
    for org in &file.orgs {
        conn.execute(
            "INSERT INTO orgs (corp_id, name) VALUES (?1, ?2)
             ON CONFLICT (corp_id) DO UPDATE SET name = excluded.name",
            params![org.corp_id, org.name],
        )?;
        for u in &org.users {
            conn.execute(
                "INSERT INTO users (union_id, corp_id, user_id, name, email) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (union_id) DO UPDATE SET corp_id = excluded.corp_id,
                   user_id = excluded.user_id, name = excluded.name, email = excluded.email",
                params![u.union_id, org.corp_id, u.user_id, u.name, u.email],
            )?;
        }
        for a in &org.apps {
            conn.execute(
                "INSERT INTO apps (app_key, corp_id, app_secret, permissions) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (app_key) DO UPDATE SET corp_id = excluded.corp_id,
                   app_secret = excluded.app_secret, permissions = excluded.permissions",
                params![
                    a.app_key,
                    org.corp_id,
                    a.app_secret,
                    serde_json::to_string(&a.permissions)?
                ],
            )?;
        }
    }
    Ok(())
}

fn timestamp(seconds: i64) -> ApiResult<Timestamp> {
    Timestamp::from_second(seconds).map_err(ApiError::internal)
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn save_directory(&self, file: DirectoryFile) -> ApiResult<()> {
        self.backend.write(move |conn| save_orgs(conn, &file)).await
    }

    async fn seed_directory(&self, file: DirectoryFile) -> ApiResult<bool> {
        self.backend
            .write(move |conn| {
                let any = conn.query_opt("SELECT corp_id FROM orgs", params![], |r| {
                    r.get::<String>(0)
                })?;
                let Some(first) = file.orgs.first() else {
                    return Ok(false);
                };
                // Of nodes seeding an empty database at once, the one whose
                // insert lands does it; the others wait for it, then find
                // the row there.
                let claimed = any.is_none()
                    && conn.execute(
                        "INSERT INTO orgs (corp_id, name) VALUES (?1, ?2) ON CONFLICT (corp_id) DO NOTHING",
                        params![first.corp_id, first.name],
                    )? == 1;
                if claimed {
                    save_orgs(conn, &file)?;
                }
                Ok(claimed)
            })
            .await
    }

    async fn load_directory(&self) -> ApiResult<DirectoryFile> {
        self.backend
            .read(|conn| {
                let mut orgs: Vec<Org> = conn.query(
                    "SELECT corp_id, name FROM orgs ORDER BY corp_id",
                    params![],
                    None,
                    |r| {
                        Ok(Org {
                            corp_id: r.get(0)?,
                            name: r.get(1)?,
                            users: Vec::new(),
                            apps: Vec::new(),
                        })
                    },
                )?;
                for org in &mut orgs {
                    org.users = conn.query(
                        "SELECT union_id, user_id, name, email FROM users WHERE corp_id = ?1 ORDER BY union_id",
                        params![org.corp_id],
                        None,
                        |r| {
                            Ok(User {
                                union_id: r.get(0)?,
                                user_id: r.get(1)?,
                                name: r.get(2)?,
                                email: r.get(3)?,
                            })
                        },
                    )?;
                    org.apps = conn.query(
                        "SELECT app_key, app_secret, permissions FROM apps WHERE corp_id = ?1 ORDER BY app_key",
                        params![org.corp_id],
                        None,
                        |r| {
                            Ok(App {
                                app_key: r.get(0)?,
                                app_secret: r.get(1)?,
                                permissions: serde_json::from_str(&r.get::<String>(2)?)?,
                            })
                        },
                    )?;
                }
                Ok(DirectoryFile { orgs })
            })
            .await
    }

    async fn issue_token(&self, app_key: &str, now: Timestamp) -> ApiResult<IssuedToken> {
        let app_key = app_key.to_string();
        self.backend
            .write(move |conn| {
                let now = now.as_second();
                let expires_at = now + ACCESS_TOKEN_TTL_SECONDS;
                let current: Option<String> = conn.query_opt(
                    "SELECT token FROM access_tokens WHERE app_key = ?1 AND union_id IS NULL AND expires_at > ?2
                     ORDER BY expires_at DESC",
                    params![app_key, now],
                    |r| r.get(0),
                )?;
                let token = match current {
                    Some(token) => {
                        conn.execute(
                            "UPDATE access_tokens SET expires_at = ?2 WHERE token = ?1",
                            params![token, expires_at],
                        )?;
                        token
                    }
                    None => {
                        let token = random_token(24);
                        conn.execute(
                            "INSERT INTO access_tokens (token, app_key, expires_at) VALUES (?1, ?2, ?3)",
                            params![token, app_key, expires_at],
                        )?;
                        token
                    }
                };
                Ok(IssuedToken {
                    token,
                    expires_at: timestamp(expires_at)?,
                })
            })
            .await
    }

    async fn token(&self, token: &str) -> ApiResult<Option<TokenRecord>> {
        let token = token.to_string();
        self.backend
            .read(move |conn| {
                conn.query_opt(
                    "SELECT app_key, union_id, expires_at FROM access_tokens WHERE token = ?1",
                    params![token],
                    |r| {
                        Ok(TokenRecord {
                            app_key: r.get(0)?,
                            user: r.get::<Option<String>>(1)?.map(UnionId),
                            expires_at: timestamp(r.get(2)?)?,
                        })
                    },
                )
            })
            .await
    }

    async fn issue_auth_code(
        &self,
        app_key: &str,
        user: UnionId,
        now: Timestamp,
    ) -> ApiResult<String> {
        let app_key = app_key.to_string();
        self.backend
            .write(move |conn| {
                let code = random_token(18);
                conn.execute(
                    "INSERT INTO auth_codes (code, app_key, union_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        code,
                        app_key,
                        user.as_str(),
                        now.as_second() + AUTH_CODE_TTL_SECONDS
                    ],
                )?;
                Ok(code)
            })
            .await
    }

    async fn issue_user_token(
        &self,
        app_key: &str,
        grant: UserGrant,
        now: Timestamp,
    ) -> ApiResult<Option<IssuedUserToken>> {
        let app_key = app_key.to_string();
        self.backend
            .write(move |conn| {
                let now = now.as_second();
                // A code is spent on use; a refresh token is replaced by a new one.
                let (key, spend) = match &grant {
                    UserGrant::AuthorizationCode(code) => (
                        code,
                        "DELETE FROM auth_codes WHERE code = ?1 AND app_key = ?2 AND expires_at > ?3
                         RETURNING union_id",
                    ),
                    UserGrant::RefreshToken(token) => (
                        token,
                        "DELETE FROM refresh_tokens WHERE token = ?1 AND app_key = ?2 AND expires_at > ?3
                         RETURNING union_id",
                    ),
                };
                let user: Option<String> =
                    conn.query_opt(spend, params![key, app_key, now], |r| r.get(0))?;
                let Some(user) = user else { return Ok(None) };
                let token = random_token(24);
                let refresh_token = random_token(24);
                let expires_at = now + ACCESS_TOKEN_TTL_SECONDS;
                conn.execute(
                    "INSERT INTO access_tokens (token, app_key, union_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params![token, app_key, user, expires_at],
                )?;
                conn.execute(
                    "INSERT INTO refresh_tokens (token, app_key, union_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params![refresh_token, app_key, user, now + REFRESH_TOKEN_TTL_SECONDS],
                )?;
                Ok(Some(IssuedUserToken {
                    token: IssuedToken {
                        token,
                        expires_at: timestamp(expires_at)?,
                    },
                    refresh_token,
                    user: UnionId(user),
                }))
            })
            .await
    }

    async fn purge_expired(&self, now: Timestamp) -> ApiResult<()> {
        self.backend
            .write(move |conn| {
                let now = now.as_second();
                conn.execute(
                    "DELETE FROM access_tokens WHERE expires_at <= ?1",
                    params![now],
                )?;
                conn.execute(
                    "DELETE FROM auth_codes WHERE expires_at <= ?1",
                    params![now],
                )?;
                conn.execute(
                    "DELETE FROM refresh_tokens WHERE expires_at <= ?1",
                    params![now],
                )?;
                conn.execute(
                    "DELETE FROM idempotency WHERE expires_at <= ?1",
                    params![now],
                )?;
                Ok(())
            })
            .await
    }

    async fn create_event(
        &self,
        meta: WriteMeta,
        event: Event,
        invitees: Vec<Invitee>,
    ) -> ApiResult<Outcome> {
        self.backend
            .write(move |conn| {
                once(conn, &meta, |conn| {
                    let mut stored = StoredEvent {
                        event,
                        deleted: false,
                        attendee_count: 0,
                        next_position: 1,
                    };
                    let organizer = stored.event.organizer.clone();
                    insert_attendee(
                        conn,
                        &stored.event,
                        &extent(conn, &stored.event)?,
                        0,
                        &organizer,
                        false,
                        ResponseStatus::Accepted,
                    )?;
                    invite(conn, &mut stored, &invitees)?;
                    save_event(conn, &meta, &stored)?;
                    Ok(Outcome::Event(Box::new(view(
                        conn,
                        stored.event,
                        ANSWER_ATTENDEES,
                    )?)))
                })
            })
            .await
    }

    async fn patch_event(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        changes: EventChanges,
    ) -> ApiResult<Outcome> {
        self.backend
            .write(move |conn| {
                once(conn, &meta, |conn| {
                    lock_target(conn, &event_id)?;
                    match resolve(conn, &meta.corp_id, &meta.caller, &event_id)? {
                        Target::Instance(mut one) => {
                            check_organizer(&one.me)?;
                            changes.check_for_occurrence()?;
                            let mut event = one.instance.event.clone();
                            changes.apply(&mut event, meta.now)?;
                            one.exception.event = Some(event.clone());
                            one.instance.event = event;
                            save_exception(conn, &one)?;
                            one.master.event.updated = meta.now;
                            save_event(conn, &meta, &one.master)?;
                            let view = instance_view(conn, &one, ANSWER_ATTENDEES)?;
                            Ok(Outcome::Event(Box::new(view)))
                        }
                        Target::Event(mut stored, me) => {
                            check_organizer(&me)?;
                            let before =
                                (stored.event.when.clone(), stored.event.recurrence.clone());
                            let replacement = changes.attendees.clone();
                            changes.apply(&mut stored.event, meta.now)?;
                            if (stored.event.when.clone(), stored.event.recurrence.clone())
                                != before
                            {
                                // A series moved or re-patterned keeps no
                                // exceptions: their occurrences may no longer
                                // exist.
                                conn.execute(
                                    "DELETE FROM exceptions WHERE series_id = ?1",
                                    params![event_id.as_str()],
                                )?;
                                place_attendees(conn, &stored.event)?;
                            }
                            if let Some(list) = replacement {
                                // Those left out go (uninvite never takes the
                                // organizer); those kept keep their responses.
                                let leaving: Vec<UnionId> =
                                    attendees_page(conn, &event_id, -1, None)?
                                        .into_iter()
                                        .map(|(_, a)| a.id)
                                        .filter(|id| !list.iter().any(|k| &k.id == id))
                                        .collect();
                                uninvite(conn, &mut stored, &leaving)?;
                                invite(conn, &mut stored, &list)?;
                            }
                            save_event(conn, &meta, &stored)?;
                            Ok(Outcome::Event(Box::new(view(
                                conn,
                                stored.event,
                                ANSWER_ATTENDEES,
                            )?)))
                        }
                    }
                })
            })
            .await
    }

    async fn delete_event(&self, meta: WriteMeta, event_id: EventId) -> ApiResult<Outcome> {
        self.backend
            .write(move |conn| {
                once(conn, &meta, |conn| {
                    lock_target(conn, &event_id)?;
                    match resolve(conn, &meta.corp_id, &meta.caller, &event_id)? {
                        Target::Instance(mut one) => {
                            if one.me.is_organizer {
                                one.exception.cancelled = true;
                                one.exception.event = None;
                            } else {
                                // An attendee cannot cancel an occurrence for
                                // others: it is declined for them alone.
                                one.exception
                                    .responses
                                    .insert(one.me.id.clone(), ResponseStatus::Declined);
                            }
                            save_exception(conn, &one)?;
                            save_event(conn, &meta, &one.master)?;
                        }
                        Target::Event(mut stored, me) => {
                            if me.is_organizer {
                                stored.deleted = true;
                            } else {
                                // An attendee deleting the event takes it out
                                // of their own calendar only.
                                uninvite(conn, &mut stored, std::slice::from_ref(&me.id))?;
                            }
                            save_event(conn, &meta, &stored)?;
                        }
                    }
                    Ok(Outcome::Done)
                })
            })
            .await
    }

    async fn respond(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        status: ResponseStatus,
    ) -> ApiResult<Outcome> {
        // The common case is one statement on the caller's own attendee row,
        // which carries the change for everyone's sync: responses to one
        // event contend for nothing. Without an x-client-token to record
        // beside it, it joins the responses being batched; when it changes
        // nothing (an occurrence id, or no such attendee) the full write
        // below decides.
        let answer = Answer {
            corp_id: meta.corp_id.clone(),
            event_id: event_id.clone(),
            caller: meta.caller.clone(),
            status,
        };
        if meta.idempotency.is_none() && self.responses.set(answer.clone()).await? {
            return Ok(Outcome::Done);
        }
        self.backend
            .write(move |conn| {
                once(conn, &meta, |conn| {
                    if set_responses(conn, std::slice::from_ref(&answer))?[0] {
                        return Ok(Outcome::Done);
                    }
                    let exists = conn.query_opt(
                        "SELECT id FROM events WHERE id = ?1",
                        params![event_id.as_str()],
                        |r| r.get::<String>(0),
                    )?;
                    if exists.is_some() {
                        return Err(ApiError::event_not_found());
                    }
                    lock_target(conn, &event_id)?;
                    let Target::Instance(mut one) =
                        resolve(conn, &meta.corp_id, &meta.caller, &event_id)?
                    else {
                        return Err(ApiError::event_not_found());
                    };
                    one.exception.responses.insert(one.me.id.clone(), status);
                    save_exception(conn, &one)?;
                    save_event(conn, &meta, &one.master)?;
                    Ok(Outcome::Done)
                })
            })
            .await
    }

    async fn add_attendees(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        invitees: Vec<Invitee>,
    ) -> ApiResult<Outcome> {
        self.backend
            .write(move |conn| {
                once(conn, &meta, |conn| {
                    conn.lock_event(&event_id)?;
                    let mut stored = organized(conn, &meta, &event_id)?;
                    invite(conn, &mut stored, &invitees)?;
                    stored.event.updated = meta.now;
                    save_event(conn, &meta, &stored)?;
                    Ok(Outcome::Done)
                })
            })
            .await
    }

    async fn remove_attendees(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        ids: Vec<UnionId>,
    ) -> ApiResult<Outcome> {
        self.backend
            .write(move |conn| {
                once(conn, &meta, |conn| {
                    conn.lock_event(&event_id)?;
                    let mut stored = organized(conn, &meta, &event_id)?;
                    check_removal(&stored.event.organizer, &ids)?;
                    uninvite(conn, &mut stored, &ids)?;
                    stored.event.updated = meta.now;
                    save_event(conn, &meta, &stored)?;
                    Ok(Outcome::Done)
                })
            })
            .await
    }

    async fn get_event(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        max_attendees: usize,
    ) -> ApiResult<EventView> {
        self.backend
            .read(
                move |conn| match resolve(conn, &corp_id, &caller, &event_id)? {
                    Target::Event(stored, _) => view(conn, stored.event, max_attendees),
                    Target::Instance(one) => instance_view(conn, &one, max_attendees),
                },
            )
            .await
    }

    async fn list_instances(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        series_id: EventId,
        query: ListEvents,
    ) -> ApiResult<Page<EventView>> {
        self.backend
            .scan(move |conn| {
                let (master, _) = visible(conn, &corp_id, &caller, &series_id)?;
                let series = Series::of(&master.event)?.ok_or_else(|| {
                    ApiError::invalid_parameter("The event is not recurring: it has no instances")
                })?;
                let exceptions = exceptions_of(conn, &series_id)?;
                let after = query
                    .after
                    .as_ref()
                    .map(|c| (c.start_key, c.event_id.clone()));
                let placed = series.placements(
                    &master.event,
                    &exceptions,
                    &query.window,
                    after.as_ref(),
                    query.max_results + 1,
                );
                let mut attendees = None;
                let mut views = Vec::new();
                for p in placed {
                    let built = occurrence_view(
                        conn,
                        &master.event,
                        &series,
                        &exceptions,
                        p.origin,
                        &mut attendees,
                        query.max_attendees,
                    )?;
                    views.extend(built);
                }
                Ok(page_of(views, query.max_results))
            })
            .await
    }

    async fn list_view(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListEvents,
    ) -> ApiResult<Page<EventView>> {
        let cache = self.series.clone();
        self.backend
            .scan(move |conn| {
                let w = query.window;
                let limit = query.max_results + 1;
                let (after_key, after_id) = query
                    .after
                    .as_ref()
                    .map_or((i64::MIN, String::new()), |c| {
                        (c.start_key, c.event_id.clone())
                    });
                let mut views: Vec<EventView> = Vec::new();

                // Single events, by the calendar index.
                let singles = calendar_rows(
                    conn,
                    &corp_id,
                    &caller,
                    &w,
                    (after_key, &after_id),
                    false,
                    true,
                    limit,
                )?;
                // Everything is placed by its key first; only what makes the
                // page is built.
                let mut picks: Vec<(i64, String, Pick)> = Vec::new();
                for (body, _, _) in singles {
                    let event: Event = serde_json::from_str(&body)?;
                    picks.push((
                        event.when.keys().0,
                        event.id.0.clone(),
                        Pick::Single(Box::new(event)),
                    ));
                }

                // Series that may have an occurrence in the window.
                let (lo, hi) = loose_bounds(&w);
                let masters: Vec<(String, i64)> = conn.query(
                    "SELECT e.id, e.seq FROM attendees a JOIN events e ON e.id = a.event_id
                     WHERE a.union_id = ?1 AND a.recurring = TRUE AND a.series_start_key < ?3 AND a.series_end_key > ?4
                       AND e.corp_id = ?2 AND e.deleted = FALSE",
                    params![caller.as_str(), corp_id.as_str(), hi, lo],
                    None,
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let after = query
                    .after
                    .as_ref()
                    .map(|c| (c.start_key, c.event_id.clone()));
                let mut series_list = Vec::new();
                for entry in cache.get_all(conn, masters)? {
                    let placed = entry.series.placements(
                        &entry.master,
                        &entry.exceptions,
                        &w,
                        after.as_ref(),
                        limit,
                    );
                    if placed.is_empty() {
                        continue;
                    }
                    for p in placed {
                        picks.push((p.key, p.id.0, Pick::Occurrence(series_list.len(), p.origin)));
                    }
                    series_list.push((entry, None));
                }
                picks.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                picks.truncate(limit);
                for (_, _, pick) in picks {
                    match pick {
                        Pick::Single(event) => views.push(view(conn, *event, query.max_attendees)?),
                        Pick::Occurrence(i, origin) => {
                            let (entry, attendees) = &mut series_list[i];
                            let built = occurrence_view(
                                conn,
                                &entry.master,
                                &entry.series,
                                &entry.exceptions,
                                origin,
                                attendees,
                                query.max_attendees,
                            )?;
                            views.extend(built);
                        }
                    }
                }
                Ok(page_of(views, query.max_results))
            })
            .await
    }

    async fn list_events(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListEvents,
    ) -> ApiResult<Page<Listed>> {
        self.backend
            .scan(move |conn| {
                let (after_key, after_id) =
                    query.after.as_ref().map_or((i64::MIN, String::new()), |c| {
                        (c.start_key, c.event_id.clone())
                    });
                let snapshot = match &query.after {
                    Some(c) => c.snapshot.clone(),
                    None => conn.sync_point()?,
                };
                let rows = calendar_rows(
                    conn,
                    &corp_id,
                    &caller,
                    &query.window,
                    (after_key, &after_id),
                    query.show_deleted,
                    false,
                    query.max_results + 1,
                )?;
                let more = rows.len() > query.max_results;
                let mut items = Vec::with_capacity(query.max_results);
                let mut last = None;
                for (body, cancelled, start_key) in rows.into_iter().take(query.max_results) {
                    let event: Event = serde_json::from_str(&body)?;
                    last = Some((start_key, event.id.0.clone()));
                    items.push(Listed {
                        view: view(conn, event, query.max_attendees)?,
                        cancelled,
                    });
                }
                let next = last.filter(|_| more).map(|(start_key, event_id)| {
                    EventCursor {
                        start_key,
                        event_id,
                        snapshot: snapshot.clone(),
                    }
                    .encode()
                });
                Ok(Page {
                    items,
                    next,
                    sync_token: (!more).then(|| SyncToken(snapshot).encode()),
                })
            })
            .await
    }

    async fn list_changes(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListChanges,
    ) -> ApiResult<Page<Listed>> {
        self.backend
            .scan(move |conn| {
                let now = conn.sync_point()?;
                let since = query.since.0;
                if since.upto < 0 || since.upto > now.upto {
                    return Err(ApiError::sync_token_invalid());
                }
                let snapshot = query
                    .after
                    .as_ref()
                    .map_or_else(|| now.clone(), |c| c.snapshot.clone());
                let after = query.after.as_ref().map(|c| (c.seq, c.event_id.clone()));
                // An event stands at its latest change the token lacks and
                // the snapshot holds. Every change from the cursor's on is
                // read (no change before it can place an event after it),
                // so each event is placed once, whatever the page.
                let from = after
                    .as_ref()
                    .map_or(since.floor() + 1, |(seq, _)| *seq)
                    .max(since.floor() + 1);
                // Later pages read what is there now: an event whose latest
                // change the snapshot lacks is left to the next sync, which
                // the snapshot's token leads to, rather than placed twice.
                let mut latest: HashMap<String, (i64, bool)> = HashMap::new();
                for (seq, id, left) in changes_from(conn, &corp_id, &caller, from, now.upto)? {
                    if since.covers(seq) {
                        continue;
                    }
                    let entry = latest.entry(id).or_insert((seq, left));
                    if seq > entry.0 {
                        *entry = (seq, left);
                    }
                }
                let mut rows: Vec<(i64, String, bool)> = latest
                    .into_iter()
                    .map(|(id, (seq, left))| (seq, id, left))
                    .filter(|(seq, id, _)| {
                        snapshot.covers(*seq)
                            && after.as_ref().is_none_or(|a| (*seq, id) > (a.0, &a.1))
                    })
                    .collect();
                rows.sort();
                let more = rows.len() > query.max_results;
                rows.truncate(query.max_results);
                let next = rows.last().filter(|_| more).map(|(seq, id, _)| {
                    ChangeCursor {
                        since: since.clone(),
                        snapshot: snapshot.clone(),
                        seq: *seq,
                        event_id: id.clone(),
                    }
                    .encode()
                });
                let mut items = Vec::with_capacity(rows.len());
                for (_, id, left) in rows {
                    let stored: Option<(String, bool)> = conn.query_opt(
                        "SELECT body, deleted FROM events WHERE id = ?1 AND corp_id = ?2",
                        params![id, corp_id.as_str()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )?;
                    let Some((body, deleted)) = stored else {
                        continue;
                    };
                    let event: Event = serde_json::from_str(&body)?;
                    let view = if left {
                        EventView {
                            event,
                            attendees: Vec::new(),
                            series: None,
                        }
                    } else {
                        view(conn, event, query.max_attendees)?
                    };
                    items.push(Listed {
                        view,
                        cancelled: left || deleted,
                    });
                }
                // A sync that finds nothing keeps its token, so that a
                // calendar nobody touched keeps one token on either backend
                // (PostgreSQL's snapshots move with every transaction of the
                // server).
                let unchanged = items.is_empty() && query.after.is_none();
                let sync_token =
                    (!more).then(|| SyncToken(if unchanged { since } else { snapshot }).encode());
                Ok(Page {
                    items,
                    next,
                    sync_token,
                })
            })
            .await
    }

    async fn busy(&self, corp_id: CorpId, user: UnionId, window: Window) -> ApiResult<Vec<Busy>> {
        let cache = self.series.clone();
        self.backend
            .scan(move |conn| {
                // Loose bounds first, the exact overlap after. The index says
                // which entries overlap; only those events are read.
                let (lo, hi) = loose_bounds(&window);
                let rows: Vec<(String, i64, String, bool)> = conn.query(
                    "SELECT a.event_id, e.seq, a.response_status, a.recurring
                     FROM attendees a JOIN events e ON e.id = a.event_id
                     WHERE a.union_id = ?1 AND a.series_start_key < ?2 AND a.series_end_key > ?3
                       AND e.corp_id = ?4 AND e.deleted = FALSE",
                    params![user.as_str(), hi, lo, corp_id.as_str()],
                    None,
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
                let mut busy = Vec::new();
                let mut take = |when: &When, free: bool, status: ResponseStatus| {
                    if status != ResponseStatus::Declined && !free && window.overlaps(when) {
                        busy.push(Busy {
                            when: when.clone(),
                            tentative: status == ResponseStatus::Tentative,
                        });
                    }
                };
                let is_free = |e: &Event| e.free_busy_status.as_deref() == Some("free");
                for (id, seq, status, recurring) in rows {
                    let id = EventId(id);
                    let status =
                        ResponseStatus::parse(Some(&status)).unwrap_or(ResponseStatus::NeedsAction);
                    if !recurring {
                        if let Some((stored, _)) = load_event(conn, &corp_id, &user, &id)? {
                            take(&stored.event.when, is_free(&stored.event), status);
                        }
                        continue;
                    }
                    let Some(entry) = cache.get(conn, &id, seq)? else {
                        continue;
                    };
                    let reach = window.widened(entry.series.length_seconds());
                    for p in entry.series.placements(
                        &entry.master,
                        &entry.exceptions,
                        &reach,
                        None,
                        BUSY_PER_SERIES_MAX,
                    ) {
                        let exception = entry.exceptions.get(&p.origin.key());
                        let own = exception
                            .and_then(|x| x.responses.get(&user))
                            .copied()
                            .unwrap_or(status);
                        let free = exception
                            .and_then(|x| x.event.as_ref())
                            .map_or(is_free(&entry.master), is_free);
                        take(&p.when, free, own);
                    }
                }
                busy.sort_by_key(|b| b.when.keys());
                Ok(busy)
            })
            .await
    }

    async fn list_attendees(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        after: Option<i64>,
        limit: usize,
    ) -> ApiResult<Page<Attendee>> {
        self.backend
            .read(move |conn| {
                visible(conn, &corp_id, &caller, &event_id)?;
                let mut rows =
                    attendees_page(conn, &event_id, after.unwrap_or(-1), Some(limit + 1))?;
                let more = rows.len() > limit;
                rows.truncate(limit);
                let next = rows
                    .last()
                    .filter(|_| more)
                    .map(|(p, _)| encode_position(*p));
                Ok(Page {
                    items: rows.into_iter().map(|(_, a)| a).collect(),
                    next,
                    sync_token: None,
                })
            })
            .await
    }
}
