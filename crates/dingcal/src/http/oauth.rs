//! `POST /v1.0/oauth2/accessToken`: an app's key and secret for a token.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json as JsonAnswer, Router};

use super::AppState;
use super::extract::Json;
use crate::domain::time;
use crate::error::{ApiError, ApiResult};
use crate::wire::oauth::{AccessTokenRequest, AccessTokenResponse};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/v1.0/oauth2/accessToken", post(access_token))
}

async fn access_token(
    State(state): State<Arc<AppState>>,
    Json(body): Json<Option<AccessTokenRequest>>,
) -> ApiResult<JsonAnswer<AccessTokenResponse>> {
    let body = body.ok_or_else(ApiError::invalid_client)?;
    let (Some(key), Some(secret)) = (body.app_key, body.app_secret) else {
        return Err(ApiError::invalid_client());
    };
    let app = state
        .directory
        .app(&key)
        .ok_or_else(ApiError::invalid_client)?;
    if app.secret != secret {
        return Err(ApiError::invalid_client());
    }
    let now = time::now();
    let issued = state.store.issue_token(&key, now).await?;
    Ok(JsonAnswer(AccessTokenResponse {
        access_token: issued.token,
        expire_in: issued.expires_at.as_second() - now.as_second(),
    }))
}
