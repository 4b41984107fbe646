//! ConvertLegacyEventId: the events that legacy ids name (see
//! `domain::legacy`), among those in the path user's calendar.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Read};
use super::extract::Json;
use crate::domain::legacy;
use crate::domain::limits::{LEGACY_IDS_PER_CALL, check_count};
use crate::error::{ApiError, ApiResult};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(
        "/v1.0/calendar/users/{userId}/legacyEventIds/convert",
        post(convert),
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConvertRequest {
    legacy_event_ids: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConvertResponse {
    legacy_event_id_map: BTreeMap<String, String>,
}

/// Each legacy id that names an event in the user's calendar, mapped to
/// the event's id; the others are left out.
async fn convert(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    Path(user_id): Path<String>,
    Json(body): Json<Option<ConvertRequest>>,
) -> ApiResult<RawJson> {
    let user = access.path_user(&state, &user_id)?;
    let ids = body
        .and_then(|b| b.legacy_event_ids)
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("legacyEventIds is required"))?;
    check_count("legacyEventIds", &ids, LEGACY_IDS_PER_CALL)?;
    let mut map = BTreeMap::new();
    for legacy_id in ids {
        let Some(event_id) = legacy::event_id(&legacy_id) else {
            continue;
        };
        let found = state
            .store
            .organizer_of(access.grant.corp_id.clone(), user.clone(), event_id.clone())
            .await;
        match found {
            Ok(_) => {
                map.insert(legacy_id, event_id.0);
            }
            Err(e) if e.code == ApiError::event_not_found().code => {}
            Err(e) => return Err(e),
        }
    }
    RawJson::of(&ConvertResponse {
        legacy_event_id_map: map,
    })
}
