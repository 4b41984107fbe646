//! GenerateCaldavAccount: the credentials a calendar app signs in to
//! `/dav/` with.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;

use super::ROOT;
use crate::domain::limits::{SHORT_STRING_MAX, check_len};
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::http::answer::RawJson;
use crate::http::auth::{Access, CalendarWrite};
use crate::http::extract::Json;
use crate::wire::caldav::{CaldavAccountBody, CaldavAccountRequest};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(
        "/v1.0/calendar/users/{userId}/caldavAccounts",
        post(generate_account),
    )
}

/// The user's username (the same every time) and a new password for the
/// device named, which replaces that device's last one; the passwords of
/// other devices keep working.
async fn generate_account(
    State(state): State<Arc<AppState>>,
    access: Access<CalendarWrite>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Option<CaldavAccountRequest>>,
) -> ApiResult<RawJson> {
    let user = access.path_user(&state, &user_id)?;
    let device = body
        .and_then(|b| b.device)
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("device is required"))?;
    check_len("device", &device, SHORT_STRING_MAX)?;
    let account = state
        .store
        .generate_caldav_account(access.grant.corp_id.clone(), user, device)
        .await?;
    RawJson::of(&CaldavAccountBody {
        username: account.username,
        password: account.password,
        server_address: format!("{}{ROOT}", state.own_address(&headers)),
    })
}
