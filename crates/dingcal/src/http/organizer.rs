//! What the organizer does to a whole event besides changing it:
//! CancelEvent and TransferEvent.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::post;

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Write};
use super::controls::Channels;
use super::extract::{CalendarPath, ClientToken, Json, Query};
use crate::domain::UnionId;
use crate::domain::calendar::Privilege;
use crate::domain::event::EventChanges;
use crate::error::{ApiError, ApiResult};
use crate::wire::event::{CancelEventQuery, TransferEventRequest};

const CANCEL: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/cancel";
const TRANSFER: &str =
    "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/transfer";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(CANCEL, post(cancel_event))
        .route(TRANSFER, post(transfer_event))
}

/// Unlike DeleteEvent, the event stays in every calendar, shown
/// `cancelled`, and takes no one's time. An occurrence's id cancels that
/// occurrence; a series' id, the whole series. `scope` (undocumented by
/// DingTalk) takes only `all`, which is also what its absence means.
async fn cancel_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Query(query): Query<CancelEventQuery>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let event_id = path.event_id()?;
    if query.scope.as_deref().is_some_and(|s| s != "all") {
        return Err(ApiError::invalid_parameter("scope must be all"));
    }
    let changes = EventChanges {
        cancelled: Some(true),
        ..EventChanges::default()
    };
    let told = state
        .to_tell(&access.grant.corp_id, &calendar.owner, &event_id)
        .await;
    let meta = access.write_meta(calendar.owner, client_token);
    state
        .store
        .patch_event(meta, event_id.clone(), changes)
        .await?;
    let both = Channels {
        push: true,
        chat: true,
    };
    state.notify("cancellation", &event_id, told, both, "");
    RawJson::done()
}

async fn transfer_event(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<TransferEventRequest>>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Writer).await?;
    let event_id = path.event_id()?;
    let body = body.ok_or_else(|| ApiError::invalid_parameter("newOrganizerId is required"))?;
    let to = body
        .new_organizer_id
        .filter(|id| !id.is_empty())
        .map(UnionId)
        .ok_or_else(|| ApiError::invalid_parameter("newOrganizerId is required"))?;
    state
        .directory
        .check_members(&access.grant.corp_id, [&to])?;
    let meta = access.write_meta(calendar.owner, client_token);
    let exit = body.is_exit_calendar.unwrap_or(false);
    state
        .store
        .transfer_event(meta, event_id.clone(), to.clone(), exit)
        .await?;
    // needNotifyViaO2O: the new organizer is told in a one-to-one chat.
    let channels = match body.need_notify_via_o2o {
        Some(true) => Channels::CHAT,
        _ => Channels::PUSH,
    };
    state.notify("transfer", &event_id, vec![to], channels, "");
    RawJson::done()
}
