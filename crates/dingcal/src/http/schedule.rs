//! GetSchedule (`querySchedule`): when each of up to 20 users is taken.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::post;

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, ScheduleRead};
use super::extract::Json;
use crate::domain::UnionId;
use crate::domain::limits::{USERS_PER_SCHEDULE, check_count};
use crate::domain::time::Window;
use crate::error::{ApiError, ApiResult};
use crate::wire::schedule::ScheduleRequest;

const BY_USER: &str = "/v1.0/calendar/users/{userId}/querySchedule";
const BY_ME: &str = "/v1.0/calendar/me/schedules/query";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(BY_USER, post(get_schedule))
        .route(BY_ME, post(get_schedule_by_me))
}

async fn get_schedule(
    State(state): State<Arc<AppState>>,
    access: Access<ScheduleRead>,
    axum::extract::Path(user_id): axum::extract::Path<String>,
    Json(body): Json<Option<ScheduleRequest>>,
) -> ApiResult<RawJson> {
    access.path_user(&state, &user_id)?;
    schedule(&state, &access, body).await
}

/// The same, asked with a user's token: `me` is that user.
async fn get_schedule_by_me(
    State(state): State<Arc<AppState>>,
    access: Access<ScheduleRead>,
    Json(body): Json<Option<ScheduleRequest>>,
) -> ApiResult<RawJson> {
    if access.grant.user.is_none() {
        return Err(ApiError::user_token_required());
    }
    schedule(&state, &access, body).await
}

async fn schedule(
    state: &AppState,
    access: &Access<ScheduleRead>,
    body: Option<ScheduleRequest>,
) -> ApiResult<RawJson> {
    let corp_id = access.grant.corp_id.clone();
    let body =
        body.ok_or_else(|| ApiError::invalid_parameter("The request body must be provided."))?;
    let (Some(start), Some(end)) = (body.start_time.as_deref(), body.end_time.as_deref()) else {
        return Err(ApiError::invalid_parameter(
            "startTime and endTime are required",
        ));
    };
    let window = Window::parse(Some(start), Some(end))?;
    let users = body
        .user_ids
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("userIds is required"))?;
    check_count("userIds", &users, USERS_PER_SCHEDULE)?;
    // A user outside the org is answered like one that does not exist.
    let members: Vec<Option<UnionId>> = users
        .iter()
        .map(|u| state.directory.member(&corp_id, u).ok())
        .collect();
    let known = members.iter().flatten().cloned().collect();
    let found = state.store.busy(corp_id, known, window).await?;
    let mut busy = found.iter();
    let answers = users.iter().zip(&members).map(|(user, member)| {
        (
            user.as_str(),
            member.as_ref().and_then(|_| busy.next()).map(Vec::as_slice),
        )
    });
    Ok(RawJson(state.render.schedule(answers)?))
}
