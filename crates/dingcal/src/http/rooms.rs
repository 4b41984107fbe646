//! Meeting rooms: AddMeetingRooms, RemoveMeetingRooms, MeetingRoomRespond
//! and GetMeetingRoomsSchedule. Rooms come from the directory file.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Read, Write};
use super::extract::{CalendarPath, ClientToken, Json};
use crate::domain::calendar::Privilege;
use crate::domain::limits::{ROOM_SCHEDULE_MAX_SECONDS, ROOMS_PER_SCHEDULE};
use crate::domain::room::{RoomStatus, room_ids};
use crate::domain::time::Window;
use crate::error::{ApiError, ApiResult};
use crate::store::RoomSlot;
use crate::wire::render::instant_times;
use crate::wire::room::{
    AddRoomsRequest, OrganizerRef, RemoveRoomsRequest, RoomItem, RoomRespondRequest,
    RoomScheduleBody, RoomScheduleRequest, RoomScheduleResponse,
};

const ROOMS: &str =
    "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms";
const ROOMS_REMOVE: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms/batchRemove";
const ROOM_RESPOND: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms/{roomId}/respond";
const SCHEDULE: &str = "/v1.0/calendar/users/{userId}/meetingRooms/schedules/query";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(ROOMS, post(add_rooms))
        .route(ROOMS_REMOVE, post(remove_rooms))
        .route(ROOM_RESPOND, post(respond_room))
        .route(SCHEDULE, post(room_schedule))
}

fn invalid_room() -> ApiError {
    ApiError::invalid_parameter("roomId invalid")
}

/// Books rooms of the org for the event (every occurrence of a series):
/// refused whole if one is taken at any of those times.
async fn add_rooms(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<AddRoomsRequest>>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let event_id = path.event_id()?;
    let ids = room_ids(
        body.and_then(|b| b.meeting_rooms_to_add)
            .map(|l| l.into_iter().map(|r| r.room_id).collect()),
        "roomId must be provided.",
    )?;
    let rooms = ids
        .into_iter()
        .map(|id| {
            let room = state
                .directory
                .room(&access.grant.corp_id, &id)
                .ok_or_else(invalid_room)?;
            Ok((id, room.needs_approval))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let meta = access.write_meta(calendar.owner, client_token);
    state.store.add_rooms(meta, event_id, rooms).await?;
    RawJson::done()
}

async fn remove_rooms(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<RemoveRoomsRequest>>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let event_id = path.event_id()?;
    let ids = room_ids(
        body.and_then(|b| b.meeting_rooms_to_remove)
            .map(|l| l.into_iter().map(|r| r.room_id).collect()),
        "Meeting rooms to remove must be provided.",
    )?;
    let meta = access.write_meta(calendar.owner, client_token);
    state.store.remove_rooms(meta, event_id, ids).await?;
    RawJson::done()
}

/// A room's answer to its booking, as a room's approver gives it through
/// the organizer's calendar: an app, never a user's token (or organizers
/// would approve their own bookings).
async fn respond_room(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<RoomRespondRequest>>,
) -> ApiResult<RawJson> {
    if access.grant.user.is_some() {
        return Err(ApiError::not_own_calendar());
    }
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let event_id = path.event_id()?;
    let room_id = path.room_id.clone().unwrap_or_default();
    let status = RoomStatus::parse(body.and_then(|b| b.response_status).as_deref())?;
    let meta = access.write_meta(calendar.owner, client_token);
    state
        .store
        .respond_room(meta, event_id, room_id, status)
        .await?;
    RawJson::done()
}

fn item(slot: &RoomSlot) -> RoomItem<'_> {
    let (start, end) = instant_times(&slot.when);
    RoomItem {
        status: match slot.status {
            RoomStatus::Tentative => "TENTATIVE",
            _ => "BUSY",
        },
        event_id: slot.event_id.as_str(),
        organizer: OrganizerRef {
            id: slot.organizer.as_str(),
        },
        start,
        end,
    }
}

async fn room_schedule(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    Path(user_id): Path<String>,
    Json(body): Json<Option<RoomScheduleRequest>>,
) -> ApiResult<RawJson> {
    access.path_user(&state, &user_id)?;
    let corp_id = access.grant.corp_id.clone();
    let body = body.ok_or_else(|| ApiError::invalid_parameter("query ids cannot be empty"))?;
    let ids = body
        .room_ids
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("query ids cannot be empty"))?;
    if ids.len() > ROOMS_PER_SCHEDULE {
        return Err(ApiError::invalid_parameter(
            "Cannot get schedule information for more than limit.",
        ));
    }
    if ids
        .iter()
        .any(|id| state.directory.room(&corp_id, id).is_none())
    {
        return Err(invalid_room());
    }
    let (Some(start), Some(end)) = (body.start_time.as_deref(), body.end_time.as_deref()) else {
        return Err(ApiError::invalid_parameter(
            "startTime and endTime are required",
        ));
    };
    let window = Window::parse_at_most(
        Some(start),
        Some(end),
        ROOM_SCHEDULE_MAX_SECONDS,
        "Cannot query schedule for more than 90 days.",
    )?;
    let schedules = state
        .store
        .room_schedule(corp_id, ids.clone(), window)
        .await?;
    let schedule_information = ids
        .iter()
        .zip(&schedules)
        .map(|(room_id, slots)| RoomScheduleBody {
            room_id,
            schedule_items: slots.iter().map(item).collect(),
        })
        .collect();
    RawJson::of(&RoomScheduleResponse {
        schedule_information,
    })
}
