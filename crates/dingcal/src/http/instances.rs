//! ListInstances, ListEventsInstances and ListEventsView: the occurrences of
//! recurring events, expanded in a window.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Read};
use super::events::list_body;
use super::extract::{CalendarPath, Query};
use super::query::{listing, window_listing};
use crate::domain::EventId;
use crate::domain::calendar::Privilege;
use crate::domain::series::InstanceId;
use crate::domain::time::Window;
use crate::error::{ApiError, ApiResult};
use crate::wire::event::{EventsInstancesQuery, WindowQuery};

const INSTANCES: &str =
    "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/instances";
const SERIES_INSTANCES: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/instances";
const VIEW: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/eventsview";
/// ListEventsViewByMe: ListEventsView as the user of a user token.
const VIEW_BY_ME: &str = "/v1.0/calendar/me/calendars/{calendarId}/eventsview";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(INSTANCES, get(list_instances))
        .route(SERIES_INSTANCES, get(list_events_instances))
        .route(VIEW, get(list_events_view))
        .route(VIEW_BY_ME, get(list_events_view))
}

async fn list_instances(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<WindowQuery>,
) -> ApiResult<RawJson> {
    let calendar = access
        .calendar(&state, &path, Privilege::TitleReader)
        .await?;
    let caller = calendar.owner.clone();
    let series = path.event_id()?;
    let page = state
        .store
        .list_instances(
            access.grant.corp_id.clone(),
            caller.clone(),
            series,
            window_listing(&query)?,
        )
        .await?;
    list_body(&state, page, &calendar)
}

/// The occurrences of `seriesMasterId` from `startRecurrenceId` (an
/// instance id, itself included) on.
async fn list_events_instances(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<EventsInstancesQuery>,
) -> ApiResult<RawJson> {
    let calendar = access
        .calendar(&state, &path, Privilege::TitleReader)
        .await?;
    let caller = calendar.owner.clone();
    let series = query
        .series_master_id
        .filter(|s| !s.trim().is_empty())
        .map(EventId)
        .ok_or_else(|| ApiError::invalid_parameter("seriesMasterId is required"))?;
    let mut list = listing(None, None, query.max_results, query.max_attendees, None)?;
    if let Some(start) = query.start_recurrence_id.filter(|s| !s.is_empty()) {
        let from = InstanceId::parse(&EventId(start))
            .filter(|i| i.master == series)
            .ok_or_else(|| {
                ApiError::invalid_parameter(
                    "startRecurrenceId is not an instance of seriesMasterId",
                )
            })?
            .origin
            .key();
        list.window = Window {
            instant: (from, i64::MAX),
            floating: (from, i64::MAX),
        };
    }
    let page = state
        .store
        .list_instances(access.grant.corp_id.clone(), caller.clone(), series, list)
        .await?;
    list_body(&state, page, &calendar)
}

async fn list_events_view(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<WindowQuery>,
) -> ApiResult<RawJson> {
    let calendar = access
        .calendar(&state, &path, Privilege::FreeBusyReader)
        .await?;
    let caller = calendar.owner.clone();
    let page = state
        .store
        .list_view(
            access.grant.corp_id.clone(),
            caller.clone(),
            window_listing(&query)?,
        )
        .await?;
    list_body(&state, page, &calendar)
}
