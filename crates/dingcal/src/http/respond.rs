//! RespondEvent: an attendee answers an invitation.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::post;

use super::AppState;
use super::auth::{Access, Write};
use super::extract::{CalendarPath, ClientToken, Json};
use crate::domain::attendee::ResponseStatus;
use crate::domain::calendar::Privilege;
use crate::error::ApiResult;
use crate::wire::event::RespondEventRequest;

const RESPOND: &str =
    "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/respond";

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(RESPOND, post(respond_event))
}

async fn respond_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<RespondEventRequest>>,
) -> ApiResult<()> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let caller = calendar.owner.clone();
    let event_id = path.event_id()?;
    let status = ResponseStatus::parse(body.and_then(|b| b.response_status).as_deref())?;
    let meta = access.write_meta(caller, client_token);
    state.store.respond(meta, event_id, status).await?;
    Ok(())
}
