//! AddAttendee, RemoveAttendee (`attendees/batchRemove`) and ListAttendees.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Read, Write};
use super::controls::Channels;
use super::extract::{CalendarPath, ClientToken, Json, Query};
use super::query::position_after;
use crate::domain::UnionId;
use crate::domain::attendee::parse_ids;
use crate::domain::calendar::Privilege;
use crate::domain::limits::{LIST_ATTENDEES_DEFAULT, LIST_ATTENDEES_MAX, page_size};
use crate::error::{ApiError, ApiResult};
use crate::wire::convert::invitees;
use crate::wire::event::{
    AddAttendeeRequest, AttendeeListBody, ListAttendeesQuery, RemoveAttendeeRequest,
};

const ATTENDEES: &str =
    "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees";
const BATCH_REMOVE: &str =
    "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees/batchRemove";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(ATTENDEES, get(list_attendees).post(add_attendees))
        .route(BATCH_REMOVE, post(remove_attendees))
}

async fn add_attendees(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<AddAttendeeRequest>>,
) -> ApiResult<()> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let caller = calendar.owner.clone();
    let event_id = path.event_id()?;
    let body = body.ok_or_else(|| ApiError::invalid_parameter("attendeesToAdd is required"))?;
    let body_flags = (body.chat_notification, body.push_notification);
    let list = body
        .attendees_to_add
        .ok_or_else(|| ApiError::invalid_parameter("attendeesToAdd is required"))?;
    let invitees = invitees("attendeesToAdd", &list)?;
    state
        .directory
        .check_members(&access.grant.corp_id, invitees.iter().map(|i| &i.id))?;
    let meta = access.write_meta(caller, client_token);
    let invited: Vec<UnionId> = invitees.iter().map(|i| i.id.clone()).collect();
    state
        .store
        .add_attendees(meta, event_id.clone(), invitees)
        .await?;
    let channels = Channels {
        push: body_flags.1.unwrap_or(true),
        chat: body_flags.0.unwrap_or(true),
    };
    state.notify("invitation", &event_id, invited, channels, "");
    Ok(())
}

async fn remove_attendees(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<RemoveAttendeeRequest>>,
) -> ApiResult<()> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let caller = calendar.owner.clone();
    let event_id = path.event_id()?;
    let list = body
        .and_then(|b| b.attendees_to_remove)
        .ok_or_else(|| ApiError::invalid_parameter("attendeesToRemove is required"))?;
    let ids: Vec<Option<String>> = list.into_iter().map(|a| a.id).collect();
    let ids = parse_ids("attendeesToRemove", &ids)?;
    let meta = access.write_meta(caller, client_token);
    let removed = ids.clone();
    state
        .store
        .remove_attendees(meta, event_id.clone(), ids)
        .await?;
    state.notify("cancellation", &event_id, removed, Channels::PUSH, "");
    Ok(())
}

async fn list_attendees(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<ListAttendeesQuery>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Reader).await?;
    let caller = calendar.owner.clone();
    let event_id = path.event_id()?;
    let limit = page_size(
        "maxResults",
        query.max_results,
        LIST_ATTENDEES_DEFAULT,
        LIST_ATTENDEES_MAX,
    )?;
    let after = position_after(query.next_token.as_deref())?;
    let page = state
        .store
        .list_attendees(
            access.grant.corp_id.clone(),
            caller.clone(),
            event_id,
            after,
            limit,
        )
        .await?;
    RawJson::of(&AttendeeListBody {
        attendees: page
            .items
            .iter()
            .map(|a| state.render.attendee(a, &caller))
            .collect(),
        next_token: page.next,
    })
}
