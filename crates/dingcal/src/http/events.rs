//! CreateEvent, GetEvent, ListEvents, PatchEvent and DeleteEvent.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, CalendarAccess, Read, Write};
use super::controls::{Channels, others};
use super::extract::{CalendarPath, ClientToken, Json, Query};
use super::query::listing;
use crate::domain::EventId;
use crate::domain::UnionId;
use crate::domain::calendar::{Privilege, visible_part};
use crate::domain::event::EventView;
use crate::domain::limits::{GET_EVENT_MAX_ATTENDEES, GET_EVENT_MAX_ATTENDEES_DEFAULT, page_size};
use crate::error::{ApiError, ApiResult};
use crate::store::{ChangeCursor, ListChanges, ListEvents, Listed, Outcome, Page, SyncToken};
use crate::wire::convert::event_changes;
use crate::wire::event::{DeleteEventQuery, EventInput, GetEventQuery, ListEventsQuery};
use crate::wire::render;

const EVENTS: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events";
const EVENT: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}";
/// CreateEventByMe: CreateEvent as the user of a user token.
const EVENTS_BY_ME: &str = "/v1.0/calendar/me/calendars/{calendarId}/events";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(EVENTS, get(list_events).post(create_event))
        .route(EVENTS_BY_ME, post(create_event))
        .route(EVENT, get(get_event).put(patch_event).delete(delete_event))
}

fn event_answer(state: &AppState, outcome: Outcome, caller: &UnionId) -> ApiResult<RawJson> {
    match outcome {
        Outcome::Event(view) => Ok(RawJson(state.render.event(&view, caller, false)?)),
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
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let caller = calendar.owner.clone();
    let mut changes = event_changes(event_input(body)?)?;
    if let Some(list) = &mut changes.categories {
        state
            .directory
            .name_categories(&access.grant.corp_id, list)?;
    }
    let invitees = changes.attendees.take().unwrap_or_default();
    state
        .directory
        .check_members(&access.grant.corp_id, invitees.iter().map(|i| &i.id))?;
    let meta = access.write_meta(caller.clone(), client_token);
    let event = changes.create(EventId::generate(meta.now), caller.clone(), meta.now)?;
    let invited: Vec<UnionId> = match state.notifying() {
        true => invitees
            .iter()
            .map(|i| i.id.clone())
            .filter(|id| id != &caller)
            .collect(),
        false => Vec::new(),
    };
    let outcome = state.store.create_event(meta, event, invitees).await?;
    if let Outcome::Event(view) = &outcome {
        let e = &view.event;
        state.notify(
            "invitation",
            &e.id,
            invited,
            Channels::of_extra(&e.extra),
            &e.summary,
        );
    }
    event_answer(&state, outcome, &caller)
}

async fn patch_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<EventInput>>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let caller = calendar.owner.clone();
    let event_id = path.event_id()?;
    let input = event_input(body)?;
    match input.id.as_deref() {
        None => {
            return Err(ApiError::invalid_parameter(
                "Event id summary cannot be blank",
            ));
        }
        Some(id) if id.trim().is_empty() => {
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
    let mut changes = event_changes(input)?;
    if let Some(list) = &mut changes.categories {
        state
            .directory
            .name_categories(&access.grant.corp_id, list)?;
    }
    if let Some(list) = &changes.attendees {
        state
            .directory
            .check_members(&access.grant.corp_id, list.iter().map(|i| &i.id))?;
    }
    let meta = access.write_meta(caller.clone(), client_token);
    let outcome = state.store.patch_event(meta, event_id, changes).await?;
    if let Outcome::Event(view) = &outcome {
        let e = &view.event;
        let told = others(view, &caller);
        state.notify(
            "update",
            &e.id,
            told,
            Channels::of_extra(&e.extra),
            &e.summary,
        );
    }
    event_answer(&state, outcome, &caller)
}

async fn get_event(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<GetEventQuery>,
) -> ApiResult<RawJson> {
    let calendar = access
        .calendar(&state, &path, Privilege::TitleReader)
        .await?;
    let caller = calendar.owner.clone();
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
    let view = visible_part(view, calendar.privilege);
    Ok(RawJson(state.render.event(&view, &caller, false)?))
}

async fn list_events(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<ListEventsQuery>,
) -> ApiResult<RawJson> {
    let calendar = access
        .calendar(&state, &path, Privilege::TitleReader)
        .await?;
    let caller = calendar.owner.clone();
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
        return listed_body(&state, page, &calendar);
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
        return list_body(&state, page, &calendar);
    }
    let list = ListEvents {
        show_deleted: query.show_deleted.unwrap_or(false),
        ..list
    };
    let page = state
        .store
        .list_events(corp_id, caller.clone(), list)
        .await?;
    listed_body(&state, page, &calendar)
}

/// A page of a calendar listing or sync, cancelled events marked so, each
/// as far as the caller's privilege shows it.
fn listed_body(
    state: &AppState,
    page: Page<Listed>,
    calendar: &CalendarAccess,
) -> ApiResult<RawJson> {
    let shown: Vec<_> = page
        .items
        .into_iter()
        .map(|l| (visible_part(l.view, calendar.privilege), l.cancelled))
        .collect();
    let listed = shown.iter().map(|(view, cancelled)| render::Listed {
        view,
        cancelled: *cancelled,
    });
    let body = state.render.event_list(
        listed,
        &calendar.owner,
        page.next.as_deref(),
        page.sync_token.as_deref(),
    )?;
    Ok(RawJson(body))
}

async fn delete_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Query(query): Query<DeleteEventQuery>,
) -> ApiResult<()> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let caller = calendar.owner.clone();
    let event_id = path.event_id()?;
    // The organizer's delete cancels the event for everyone on it.
    let told = state
        .to_tell(&access.grant.corp_id, &caller, &event_id)
        .await;
    let meta = access.write_meta(caller, client_token);
    state.store.delete_event(meta, event_id.clone()).await?;
    let push = Channels {
        push: query.push_notification.unwrap_or(true),
        chat: false,
    };
    state.notify("cancellation", &event_id, told, push, "");
    Ok(())
}

/// A page of events or occurrences, none cancelled, each as far as the
/// caller's privilege shows it.
pub fn list_body(
    state: &AppState,
    page: Page<EventView>,
    calendar: &CalendarAccess,
) -> ApiResult<RawJson> {
    let shown: Vec<_> = page
        .items
        .into_iter()
        .map(|view| visible_part(view, calendar.privilege))
        .collect();
    let listed = shown.iter().map(|view| render::Listed {
        view,
        cancelled: false,
    });
    let body = state.render.event_list(
        listed,
        &calendar.owner,
        page.next.as_deref(),
        page.sync_token.as_deref(),
    )?;
    Ok(RawJson(body))
}
