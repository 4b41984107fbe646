//! ListAiMinutes: the AI minutes (听记) attached to an event, which the
//! emulator controls attach (`POST /_dingcal/minutes`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Read};
use super::extract::{CalendarPath, Query};
use crate::domain::calendar::Privilege;
use crate::error::ApiResult;
use crate::wire::minutes::{MinutesItem, MinutesList, MinutesQuery};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/minutes",
        get(list_minutes),
    )
}

/// The caller's own minutes of an event they see, or everyone's with
/// `fetchAll=true`.
async fn list_minutes(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<MinutesQuery>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Reader).await?;
    let minutes = state
        .store
        .minutes(
            access.grant.corp_id.clone(),
            calendar.owner,
            path.event_id()?,
            !query.fetch_all.unwrap_or(false),
        )
        .await?;
    RawJson::of(&MinutesList {
        minutes: minutes
            .iter()
            .map(|m| MinutesItem {
                minutes_id: &m.minutes_id,
                creator_user_id: m.creator.as_str(),
            })
            .collect(),
    })
}
