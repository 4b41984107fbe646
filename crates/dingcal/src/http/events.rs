//! CreateEvent, GetEvent, ListEvents, PatchEvent and DeleteEvent.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json as JsonAnswer, Router};

use super::AppState;
use super::extract::{Access, CalendarPath, ClientToken, Json, Query, Read, Write};
use crate::directory::Directory;
use crate::domain::attendee::{Attendee, ResponseStatus};
use crate::domain::event::{EventChanges, EventView};
use crate::domain::limits::{
    GET_EVENT_MAX_ATTENDEES, GET_EVENT_MAX_ATTENDEES_DEFAULT, LIST_EVENTS_MAX_ATTENDEES,
    LIST_EVENTS_MAX_RESULTS, page_size,
};
use crate::domain::series::Origin;
use crate::domain::time::{When, Window, format_instant};
use crate::domain::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::{
    ChangeCursor, EventCursor, ListChanges, ListEvents, Listed, Outcome, Page, SyncToken,
};
use crate::wire::event::{
    AttendeeBody, DeleteEventQuery, EventBody, EventInput, EventListBody, EventTime, GetEventQuery,
    ListEventsQuery, OnlineMeetingBody, ReminderBody,
};

const EVENTS: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events";
const EVENT: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(EVENTS, get(list_events).post(create_event))
        .route(EVENT, get(get_event).put(patch_event).delete(delete_event))
}

pub fn render_attendee(directory: &Directory, a: &Attendee, caller: &UnionId) -> AttendeeBody {
    AttendeeBody {
        display_name: directory.display_name(&a.id),
        response_status: a.response_status.as_str(),
        is_self: &a.id == caller,
        is_optional: Some(a.is_optional),
        id: a.id.0.clone(),
    }
}

/// An event as `caller` sees it.
pub fn render(
    directory: &Directory,
    view: &EventView,
    caller: &UnionId,
    cancelled: bool,
) -> EventBody {
    let e = &view.event;
    let (start, end) = e.when.to_wire();
    let organizer_status = view
        .attendees
        .iter()
        .find(|a| a.is_organizer)
        .map_or(ResponseStatus::Accepted, |a| a.response_status);
    EventBody {
        id: e.id.0.clone(),
        summary: e.summary.clone(),
        description: e.description.clone(),
        start,
        end,
        is_all_day: e.when.is_all_day(),
        recurrence: e.recurrence.clone(),
        attendees: view
            .attendees
            .iter()
            .map(|a| render_attendee(directory, a, caller))
            .collect(),
        organizer: AttendeeBody {
            id: e.organizer.0.clone(),
            display_name: directory.display_name(&e.organizer),
            response_status: organizer_status.as_str(),
            is_self: &e.organizer == caller,
            is_optional: None,
        },
        location: e.location.clone(),
        reminders: e
            .effective_reminders()
            .iter()
            .map(|r| ReminderBody {
                method: "dingtalk",
                minutes: r.minutes.to_string(),
            })
            .collect(),
        online_meeting_info: e.online_meeting.as_ref().map(|m| OnlineMeetingBody {
            kind: "dingtalk",
            conference_id: m.conference_id.clone(),
            url: m.url.clone(),
        }),
        rich_text_description: e.rich_text.clone(),
        ui_configs: e.ui_configs.clone(),
        categories: e.categories.clone(),
        extra: e.extra.clone(),
        free_busy_status: e.free_busy_status.clone(),
        card_instances: e.card_instances.clone(),
        event_config: e.event_config.clone(),
        series_master_id: view.series.as_ref().map(|(id, _)| id.0.clone()),
        origin_start: view
            .series
            .as_ref()
            .map(|(_, origin)| origin_wire(*origin, &e.when)),
        status: if cancelled { "cancelled" } else { "confirmed" },
        create_time: format_instant(e.created),
        update_time: format_instant(e.updated),
    }
}

/// An occurrence's original start: a date for an all-day series, else the
/// instant in the series' zone.
fn origin_wire(origin: Origin, when: &When) -> EventTime {
    let series_when = match (origin, when) {
        (Origin::Date(d), _) => When::AllDay { start: d, end: d },
        (Origin::Instant(t), When::Timed { time_zone, .. }) => When::Timed {
            start: t,
            end: t,
            time_zone: time_zone.clone(),
        },
        (Origin::Instant(t), When::AllDay { .. }) => When::Timed {
            start: t,
            end: t,
            time_zone: "UTC".into(),
        },
    };
    let (start, _) = series_when.to_wire();
    EventTime {
        time_zone: None,
        ..start
    }
}

fn event_answer(
    state: &AppState,
    outcome: Outcome,
    caller: &UnionId,
) -> ApiResult<JsonAnswer<EventBody>> {
    match outcome {
        Outcome::Event(view) => Ok(JsonAnswer(render(&state.directory, &view, caller, false))),
        // A replay repeats its first request, so its outcome has an event.
        Outcome::Done => Err(ApiError::internal("a replayed write outcome has no event")),
    }
}

fn event_input(body: Option<EventInput>) -> ApiResult<EventInput> {
    body.ok_or_else(|| ApiError::invalid_parameter("Event must be provided."))
}

async fn create_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<EventInput>>,
) -> ApiResult<JsonAnswer<EventBody>> {
    let caller = state.calendar_owner(&access.grant, &path)?;
    let mut changes = EventChanges::parse(event_input(body)?)?;
    let invitees = changes.attendees.take().unwrap_or_default();
    state
        .directory
        .check_members(&access.grant.corp_id, invitees.iter().map(|i| &i.id))?;
    let (meta, _in_flight) = state.begin_write(&access, caller.clone(), client_token)?;
    let event = changes.create(EventId::generate(), caller.clone(), meta.now)?;
    let outcome = state.store.create_event(meta, event, invitees).await?;
    event_answer(&state, outcome, &caller)
}

async fn patch_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<EventInput>>,
) -> ApiResult<JsonAnswer<EventBody>> {
    let caller = state.calendar_owner(&access.grant, &path)?;
    let event_id = path.event_id()?;
    let input = event_input(body)?;
    match input.id.as_deref().map(str::trim) {
        None | Some("") => {
            return Err(ApiError::invalid_parameter(
                "Event id summary cannot be blank",
            ));
        }
        Some(id) if id != event_id.as_str() => {
            return Err(ApiError::invalid_parameter(
                "The id in the body must be the eventId of the path",
            ));
        }
        Some(_) => {}
    }
    let changes = EventChanges::parse(input)?;
    if let Some(list) = &changes.attendees {
        state
            .directory
            .check_members(&access.grant.corp_id, list.iter().map(|i| &i.id))?;
    }
    let (meta, _in_flight) = state.begin_write(&access, caller.clone(), client_token)?;
    let outcome = state.store.patch_event(meta, event_id, changes).await?;
    event_answer(&state, outcome, &caller)
}

async fn get_event(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<GetEventQuery>,
) -> ApiResult<JsonAnswer<EventBody>> {
    let caller = state.calendar_owner(&access.grant, &path)?;
    let event_id = path.event_id()?;
    let max_attendees = page_size(
        "maxAttendees",
        query.max_attendees,
        GET_EVENT_MAX_ATTENDEES_DEFAULT,
        GET_EVENT_MAX_ATTENDEES,
    )?;
    let view = state
        .store
        .get_event(
            access.grant.corp_id.clone(),
            caller.clone(),
            event_id,
            max_attendees,
        )
        .await?;
    Ok(JsonAnswer(render(&state.directory, &view, &caller, false)))
}

async fn list_events(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<ListEventsQuery>,
) -> ApiResult<JsonAnswer<EventListBody>> {
    let caller = state.calendar_owner(&access.grant, &path)?;
    let corp_id = access.grant.corp_id.clone();
    // A sync is asked by its syncToken, and continued by the nextToken of
    // its pages, which carries where it started.
    let sync_page = query
        .next_token
        .as_deref()
        .and_then(|t| ChangeCursor::decode(t).ok());
    let sync_token = query.sync_token.as_deref().filter(|t| !t.is_empty());
    if sync_token.is_some() || sync_page.is_some() {
        if query.time_min.is_some() || query.time_max.is_some() || query.series_master_id.is_some()
        {
            return Err(ApiError::invalid_parameter(
                "syncToken cannot be combined with timeMin, timeMax or seriesMasterId",
            ));
        }
        let sized = listing(None, None, query.max_results, query.max_attendees, None)?;
        let since = match &sync_page {
            Some(page) => SyncToken(page.since.clone()),
            None => SyncToken::decode(sync_token.unwrap_or_default())?,
        };
        let changes = ListChanges {
            since,
            after: sync_page,
            max_results: sized.max_results,
            max_attendees: sized.max_attendees,
        };
        let page = state
            .store
            .list_changes(corp_id, caller.clone(), changes)
            .await?;
        return Ok(JsonAnswer(listed_body(&state, page, &caller)));
    }
    let list = listing(
        query.time_min.as_deref(),
        query.time_max.as_deref(),
        query.max_results,
        query.max_attendees,
        query.next_token.as_deref(),
    )?;
    if let Some(series) = query.series_master_id.filter(|s| !s.is_empty()) {
        let page = state
            .store
            .list_instances(corp_id, caller.clone(), EventId(series), list)
            .await?;
        return Ok(JsonAnswer(list_body(&state, page, &caller)));
    }
    let list = ListEvents {
        show_deleted: query.show_deleted.unwrap_or(false),
        ..list
    };
    let page = state
        .store
        .list_events(corp_id, caller.clone(), list)
        .await?;
    Ok(JsonAnswer(listed_body(&state, page, &caller)))
}

/// A page of a calendar listing or sync, cancelled events marked so.
pub fn listed_body(state: &AppState, page: Page<Listed>, caller: &UnionId) -> EventListBody {
    EventListBody {
        events: page
            .items
            .iter()
            .map(|l| render(&state.directory, &l.view, caller, l.cancelled))
            .collect(),
        next_token: page.next,
        sync_token: page.sync_token,
    }
}

async fn delete_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    // dingcal sends no notifications; the flag is accepted and checked.
    Query(_query): Query<DeleteEventQuery>,
) -> ApiResult<()> {
    let caller = state.calendar_owner(&access.grant, &path)?;
    let event_id = path.event_id()?;
    let (meta, _in_flight) = state.begin_write(&access, caller, client_token)?;
    state.store.delete_event(meta, event_id).await?;
    Ok(())
}

/// A page of events or occurrences, none cancelled.
pub fn list_body(state: &AppState, page: Page<EventView>, caller: &UnionId) -> EventListBody {
    let page = Page {
        items: page
            .items
            .into_iter()
            .map(|view| Listed {
                view,
                cancelled: false,
            })
            .collect(),
        next: page.next,
        sync_token: page.sync_token,
    };
    listed_body(state, page, caller)
}

/// A listing's window, paging and sizes from its query string.
pub fn listing(
    time_min: Option<&str>,
    time_max: Option<&str>,
    max_results: Option<i64>,
    max_attendees: Option<i64>,
    next_token: Option<&str>,
) -> ApiResult<ListEvents> {
    Ok(ListEvents {
        window: Window::parse(time_min, time_max)?,
        show_deleted: false,
        after: next_token
            .filter(|t| !t.is_empty())
            .map(EventCursor::decode)
            .transpose()?,
        max_results: page_size(
            "maxResults",
            max_results,
            LIST_EVENTS_MAX_RESULTS,
            LIST_EVENTS_MAX_RESULTS,
        )?,
        max_attendees: page_size(
            "maxAttendees",
            max_attendees,
            LIST_EVENTS_MAX_ATTENDEES,
            LIST_EVENTS_MAX_ATTENDEES,
        )?,
    })
}
