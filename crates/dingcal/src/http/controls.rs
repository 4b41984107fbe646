//! The emulator controls under `/_dingcal/` (CONTRACT.md, "Emulator
//! controls"): what the real service cannot do and a test suite needs.
//! They answer only when the server was given `--admin-token`, and only to
//! a request that carries it; otherwise `/_dingcal/*` is an unknown path.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::post;

use super::AppState;
use super::answer::RawJson;
use super::extract::Json;
use crate::domain::{EventId, UnionId, random_token};
use crate::error::{ApiError, ApiResult};
use crate::store::Minutes;
use crate::wire::minutes::{AttachMinutes, AttachedMinutes};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/_dingcal/minutes", post(attach_minutes))
}

/// A request that carries the server's admin token.
pub struct Admin;

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Admin, ApiError> {
        let Some(expected) = &state.admin_token else {
            return Err(ApiError::no_route());
        };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match given {
            Some(token) if crate::domain::secret::same(token, expected) => Ok(Admin),
            _ => Err(ApiError::admin_token_required()),
        }
    }
}

/// Attaches AI minutes to an event, made by a user of its org: what
/// ListAiMinutes then lists.
async fn attach_minutes(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Json(body): Json<Option<AttachMinutes>>,
) -> ApiResult<RawJson> {
    let body = body.ok_or_else(|| ApiError::invalid_parameter("eventId is required"))?;
    let event_id = body
        .event_id
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("eventId is required"))?;
    let creator = body
        .creator_user_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("creatorUserId is required"))?;
    let corp_id = state
        .directory
        .corp_of(&UnionId(creator.clone()))
        .cloned()
        .ok_or_else(|| ApiError::invalid_parameter("creatorUserId is no user of the directory"))?;
    let minutes = Minutes {
        minutes_id: body
            .minutes_id
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| random_token(12)),
        creator: UnionId(creator),
    };
    let minutes_id = minutes.minutes_id.clone();
    state
        .store
        .add_minutes(corp_id, EventId(event_id), minutes)
        .await?;
    RawJson::of(&AttachedMinutes { minutes_id })
}
