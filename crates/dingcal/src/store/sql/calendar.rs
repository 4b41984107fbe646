//! A user's calendar as they read it: one event, a window of events, the
//! occurrences of a series, the view of everything in a window, what
//! changed since a sync, and an event's attendees.

use std::collections::HashMap;
use std::sync::Arc;

use super::db::{Db, Row, Sql, params, sql};
use super::load::{
    Target, attendees_page, decoded, event_page, exceptions_of, instance_view, occurrence_view,
    resolve, view, visible,
};
use crate::domain::attendee::Attendee;
use crate::domain::event::{Event, EventView};
use crate::domain::policy;
use crate::domain::series::{InstanceId, Origin, Series};
use crate::domain::time::Window;
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::cursor::{ChangeCursor, EventCursor, SyncPoint, SyncToken, encode_position};
use crate::store::{ListChanges, ListEvents, Listed, Page};

/// Events the caller left, by number.
pub(super) const LEFT_EVENTS: Sql = sql!(
    "SELECT r.seq, r.event_id FROM removals r JOIN events e ON e.id = r.event_id
         WHERE r.union_id = $1 AND e.corp_id = $2 AND r.seq >= $3 AND r.seq <= $4"
);

/// Responses of anyone to the events in the caller's calendar, by number.
pub(super) const ANSWERED_EVENTS: Sql = sql!(
    "SELECT max(c.changed) AS seq, c.event_id FROM attendees me
           JOIN attendees c ON c.event_id = me.event_id
         WHERE me.union_id = $1 AND c.changed >= $2 AND c.changed <= $3
         GROUP BY c.event_id"
);

/// Changes of the events in the caller's calendar, by number.
pub(super) const CHANGED_EVENTS: Sql = sql!(
    "SELECT e.seq, e.id AS event_id FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE a.union_id = $1 AND e.corp_id = $2 AND e.seq >= $3 AND e.seq <= $4"
);

/// The series of the caller's calendar that may have an occurrence in a window.
pub(super) const SERIES_IN_WINDOW: Sql = sql!(
    "SELECT e.id, e.seq FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE a.union_id = $1 AND e.corp_id = $2 AND a.recurring = TRUE
           AND a.series_start_key < $3 AND a.series_end_key > $4 AND e.deleted = FALSE"
);

/// The caller's calendar rows in a window: see `calendar_rows`.
pub(super) const CALENDAR_ROWS: Sql = sql!(
    // The window's loose bounds come before the cursor: SQLite
    // ranges the index on the first lower bound it is given.
    "SELECT e.id, e.body, e.seq, e.deleted, a.start_key FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE a.union_id = $1 AND e.corp_id = $2 AND ($3 OR e.deleted = FALSE)
           AND (NOT $4 OR a.recurring = FALSE)
           AND a.start_key >= $5 AND a.start_key < $6
           AND ((a.all_day = FALSE AND a.start_key >= $7 AND a.start_key < $8)
             OR (a.all_day = TRUE AND a.start_key >= $9 AND a.start_key < $10))
           AND (a.start_key, a.event_id) > ($11, $12)
         ORDER BY a.start_key, a.event_id",
    limit 13
);

/// GetEvent of an event, in one statement; `None` when no event has that
/// id (it may name an occurrence of a series).
pub async fn get_plain_event(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    event_id: &EventId,
    max_attendees: usize,
) -> ApiResult<Option<EventView>> {
    let Some(page) = event_page(conn, corp_id, caller, event_id, max_attendees).await? else {
        return Ok(None);
    };
    policy::may_see(page.me, page.deleted)?;
    Ok(Some(EventView {
        event: page.event,
        attendees: page.attendees,
        series: None,
    }))
}

/// GetEvent of an event or an occurrence, in one snapshot.
pub async fn get_event(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    event_id: &EventId,
    max_attendees: usize,
) -> ApiResult<EventView> {
    match resolve(conn, corp_id, caller, event_id).await? {
        Target::Event(stored, _) => view(conn, stored.event, max_attendees).await,
        Target::Instance(one) => instance_view(conn, &one, max_attendees).await,
    }
}

pub async fn list_events(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    query: &ListEvents,
) -> ApiResult<Page<Listed>> {
    let snapshot = match &query.after {
        Some(c) => c.snapshot.clone(),
        None => conn.sync_point().await?,
    };
    let rows = calendar_rows(
        conn,
        corp_id,
        caller,
        query,
        query.show_deleted,
        false,
        query.max_results + 1,
    )
    .await?;
    let more = rows.len() > query.max_results;
    let mut items = Vec::with_capacity(query.max_results);
    let mut last = None;
    for row in rows.into_iter().take(query.max_results) {
        last = Some((row.start_key, row.event.id.0.clone()));
        items.push(Listed {
            view: view(conn, row.event, query.max_attendees).await?,
            cancelled: row.deleted,
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
}

pub async fn list_changes(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    query: &ListChanges,
) -> ApiResult<Page<Listed>> {
    let now = conn.sync_point().await?;
    let since = &query.since.0;
    if since.upto < 0 || since.upto > now.upto {
        return Err(ApiError::sync_token_invalid());
    }
    let snapshot = query
        .after
        .as_ref()
        .map_or_else(|| now.clone(), |c| c.snapshot.clone());
    let after = query.after.as_ref().map(|c| (c.seq, c.event_id.clone()));
    // An event stands at its latest change the token lacks and the snapshot
    // holds. Every change from the cursor's on is read (no change before it
    // can place an event after it), so each event is placed once, whatever
    // the page.
    let from = after
        .as_ref()
        .map_or(since.floor() + 1, |(seq, _)| *seq)
        .max(since.floor() + 1);
    // Later pages read what is there now: an event whose latest change the
    // snapshot lacks is left to the next sync, which the snapshot's token
    // leads to, rather than placed twice.
    let mut latest: HashMap<String, (i64, bool)> = HashMap::new();
    for (seq, id, left) in changes_from(conn, corp_id, caller, from, now.upto).await? {
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
            snapshot.covers(*seq) && after.as_ref().is_none_or(|a| (*seq, id) > (a.0, &a.1))
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
        let id = EventId(id);
        let stored = conn
            .query_opt(
                sql!("SELECT body, seq, deleted FROM events WHERE id = $1 AND corp_id = $2"),
                params![id.as_str(), corp_id.as_str()],
                |r| Ok((decoded(conn, &id, r)?, r.get::<bool>("deleted")?)),
            )
            .await?;
        let Some((event, deleted)) = stored else {
            continue;
        };
        let view = if left {
            EventView {
                event,
                attendees: Vec::new(),
                series: None,
            }
        } else {
            view(conn, event, query.max_attendees).await?
        };
        items.push(Listed {
            view,
            cancelled: left || deleted,
        });
    }
    // A sync that finds nothing keeps its token, so that a calendar nobody
    // touched keeps one token on either backend (PostgreSQL's snapshots
    // move with every transaction of the server).
    let unchanged = items.is_empty() && query.after.is_none();
    let sync_token =
        (!more).then(|| SyncToken(if unchanged { since.clone() } else { snapshot }).encode());
    Ok(Page {
        items,
        next,
        sync_token,
    })
}

pub async fn list_instances(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    series_id: &EventId,
    query: &ListEvents,
) -> ApiResult<Page<EventView>> {
    let (master, _) = visible(conn, corp_id, caller, series_id).await?;
    let series = Series::of(&master.event)?.ok_or_else(|| {
        ApiError::invalid_parameter("The event is not recurring: it has no instances")
    })?;
    let exceptions = exceptions_of(conn, series_id).await?;
    let placed = series.placements(
        &master.event,
        &exceptions,
        &query.window,
        resume_after(query).as_ref(),
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
        )
        .await?;
        views.extend(built);
    }
    Ok(page_of(views, query.max_results))
}

/// An entry of a calendar view before it is built: a single event, or the
/// occurrence of the n-th series at its origin.
enum Pick {
    Single(Arc<Event>),
    Occurrence(usize, Origin),
}

pub async fn list_view(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    query: &ListEvents,
) -> ApiResult<Page<EventView>> {
    let w = query.window;
    let limit = query.max_results + 1;
    // Everything is placed by its key first; only what makes the page is
    // built. Single events come from the calendar index.
    let mut picks: Vec<(i64, Pick)> = Vec::new();
    for row in calendar_rows(conn, corp_id, caller, query, false, true, limit).await? {
        picks.push((row.start_key, Pick::Single(row.event)));
    }
    // Series that may have an occurrence in the window.
    let (lo, hi) = loose_bounds(&w);
    let masters: Vec<(String, i64)> = conn
        .query(
            SERIES_IN_WINDOW,
            params![caller.as_str(), corp_id.as_str(), hi, lo],
            |r| Ok((r.get("id")?, r.get("seq")?)),
        )
        .await?;
    let after = resume_after(query);
    let mut series_list = Vec::new();
    for entry in conn.caches().series_of(conn, masters).await? {
        let placed =
            entry
                .series
                .placements(&entry.master, &entry.exceptions, &w, after.as_ref(), limit);
        if placed.is_empty() {
            continue;
        }
        for p in placed {
            picks.push((p.key, Pick::Occurrence(series_list.len(), p.origin)));
        }
        series_list.push((entry, None));
    }
    // The page is the first `limit` by (key, id): what starts after the
    // limit-th key cannot make it, and needs no id.
    if picks.len() > limit {
        let (_, last, _) = picks.select_nth_unstable_by_key(limit - 1, |(key, _)| *key);
        let last = last.0;
        picks.retain(|(key, _)| *key <= last);
    }
    let mut picks: Vec<(i64, EventId, Pick)> = picks
        .into_iter()
        .map(|(key, pick)| {
            let id = match &pick {
                Pick::Single(event) => event.id.clone(),
                Pick::Occurrence(i, origin) => InstanceId {
                    master: series_list[*i].0.master.id.clone(),
                    origin: *origin,
                }
                .id(),
            };
            (key, id, pick)
        })
        .collect();
    picks.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    picks.truncate(limit);
    let mut views: Vec<EventView> = Vec::new();
    for (_, _, pick) in picks {
        match pick {
            Pick::Single(event) => views.push(view(conn, event, query.max_attendees).await?),
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
                )
                .await?;
                views.extend(built);
            }
        }
    }
    Ok(page_of(views, query.max_results))
}

pub async fn list_attendees(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    event_id: &EventId,
    after: Option<i64>,
    limit: usize,
) -> ApiResult<Page<Attendee>> {
    visible(conn, corp_id, caller, event_id).await?;
    let mut rows = attendees_page(conn, event_id, after.unwrap_or(-1), limit + 1).await?;
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
}

/// The loose bounds of a window, holding both its instant and its
/// wall-clock forms.
pub fn loose_bounds(w: &Window) -> (i64, i64) {
    (w.instant.0.min(w.floating.0), w.instant.1.max(w.floating.1))
}

/// Where a listing resumes: after this (start key, id).
fn resume_after(query: &ListEvents) -> Option<(i64, String)> {
    query
        .after
        .as_ref()
        .map(|c| (c.start_key, c.event_id.clone()))
}

/// A row of the caller's calendar.
struct CalendarRow {
    event: Arc<Event>,
    deleted: bool,
    start_key: i64,
}

/// The caller's calendar rows whose start falls in the query's window
/// (timed events by instant, all-day ones by the wall-clock dates of the
/// window's own offsets; see `Window`), after its cursor, in (start, id)
/// order. Deleted events only when asked, series masters unless
/// `singles_only`. At most `limit` rows are read.
async fn calendar_rows(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    query: &ListEvents,
    show_deleted: bool,
    singles_only: bool,
    limit: usize,
) -> ApiResult<Vec<CalendarRow>> {
    let w = &query.window;
    let (lo, hi) = loose_bounds(w);
    let (after_key, after_id) = resume_after(query).unwrap_or((i64::MIN, String::new()));
    conn.query_limited(
        CALENDAR_ROWS,
        params![
            caller.as_str(),
            corp_id.as_str(),
            show_deleted,
            singles_only,
            lo,
            hi,
            w.instant.0,
            w.instant.1,
            w.floating.0,
            w.floating.1,
            after_key,
            after_id
        ],
        limit,
        |r| {
            Ok(CalendarRow {
                event: decoded(conn, &EventId(r.get("id")?), r)?,
                deleted: r.get("deleted")?,
                start_key: r.get("start_key")?,
            })
        },
    )
    .await
}

/// The changes of the caller's calendar numbered from `from` to `upto`, as
/// (change number, event id, whether they left it): changes of the events
/// in it, responses of anyone to them, and events they left. An event may
/// come more than once.
async fn changes_from(
    conn: &impl Db,
    corp_id: &CorpId,
    caller: &UnionId,
    from: i64,
    upto: i64,
) -> ApiResult<Vec<(i64, String, bool)>> {
    fn change(left: bool) -> impl FnMut(&Row<'_>) -> ApiResult<(i64, String, bool)> + Send {
        move |r| Ok((r.get("seq")?, r.get("event_id")?, left))
    }
    let mut rows = conn
        .query(
            CHANGED_EVENTS,
            params![caller.as_str(), corp_id.as_str(), from, upto],
            change(false),
        )
        .await?;
    // Probed event by event of the caller's calendar, not over everyone's
    // responses.
    rows.extend(
        conn.query(
            ANSWERED_EVENTS,
            params![caller.as_str(), from, upto],
            change(false),
        )
        .await?,
    );
    rows.extend(
        conn.query(
            LEFT_EVENTS,
            params![caller.as_str(), corp_id.as_str(), from, upto],
            change(true),
        )
        .await?,
    );
    Ok(rows)
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
