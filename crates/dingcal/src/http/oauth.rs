//! Tokens: an app's (`POST /v1.0/oauth2/accessToken`), and a user's for an
//! app (`GET /oauth2/auth`, then `POST /v1.0/oauth2/userAccessToken`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::AppState;
use super::access::Caller;
use super::answer::JsonAnswer;
use super::extract::{Json, Query};
use super::page::{html_escape, html_page};
use crate::directory::AppEntry;
use crate::domain::secret;
use crate::error::{ApiError, ApiResult};
use crate::store::UserGrant;
use crate::wire::oauth::{
    AccessTokenRequest, AccessTokenResponse, AuthorizeQuery, UserTokenRequest, UserTokenResponse,
};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1.0/oauth2/accessToken", post(access_token))
        .route("/oauth2/auth", get(authorize))
        .route("/v1.0/oauth2/userAccessToken", post(user_access_token))
}

/// The app whose key and secret these are.
fn app<'a>(
    state: &'a AppState,
    key: Option<&str>,
    secret: Option<&str>,
) -> ApiResult<&'a AppEntry> {
    let (Some(key), Some(secret)) = (key, secret) else {
        return Err(ApiError::invalid_client());
    };
    state
        .directory
        .app(key)
        .filter(|a| secret::verify_secret(&a.secret_hash, secret))
        .ok_or_else(ApiError::invalid_client)
}

async fn access_token(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Option<AccessTokenRequest>>,
) -> ApiResult<JsonAnswer<AccessTokenResponse>> {
    let body = body.ok_or_else(ApiError::invalid_client)?;
    let secret = body.app_secret.as_deref();
    let app = app(&state, body.app_key.as_deref(), secret)?;
    caller.set(&Arc::new(app.grant.clone()));
    let now = state.clock.now();
    let issued = state
        .store
        .issue_token(&app.grant.app_key, secret.unwrap_or_default(), now)
        .await?;
    Ok(JsonAnswer(AccessTokenResponse {
        access_token: issued.token,
        expire_in: issued.expires_at.as_second() - now.as_second(),
    }))
}

/// Stands in for DingTalk's login page. With `login_hint` (as tests sign
/// in) the user it names signs in at once; without it, a browser gets a
/// plain page asking for the unionId to sign in as, which comes back here
/// as `login_hint`. The browser then goes back to `redirect_uri` with an
/// `authCode` (and the `state` it brought), but only to a URI registered
/// for the app or a loopback address: anywhere else could collect codes.
/// The code is worth nothing without the app's secret, and an app already
/// acts on every user of its org.
async fn authorize(
    State(state): State<Arc<AppState>>,
    Query(query): Query<AuthorizeQuery>,
) -> ApiResult<Response> {
    let app = query
        .client_id
        .as_deref()
        .and_then(|id| state.directory.app(id))
        .ok_or_else(ApiError::invalid_client)?;
    if query.response_type.as_deref().is_some_and(|t| t != "code") {
        return Err(ApiError::invalid_parameter("response_type must be code"));
    }
    let redirect = query
        .redirect_uri
        .as_deref()
        .filter(|u| app.may_redirect_to(u))
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "redirect_uri must be one of the app's redirect_uris, or a loopback address",
            )
        })?;
    let Some(hint) = query.login_hint.as_deref().filter(|h| !h.is_empty()) else {
        return Ok(sign_in_page(&query));
    };
    let user = state.directory.member(&app.grant.corp_id, hint)?;
    let code = state
        .store
        .issue_auth_code(&app.grant.app_key, user, state.clock.now())
        .await?;
    let separator = if redirect.contains('?') { '&' } else { '?' };
    let mut target = format!("{redirect}{separator}authCode={code}");
    if let Some(s) = &query.state {
        target.push_str("&state=");
        target.push_str(&form_encode(s));
    }
    let location = HeaderValue::from_str(&target)
        .map_err(|_| ApiError::invalid_parameter("redirect_uri is not valid"))?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// The page a browser gets: a form that asks for the unionId, carrying the
/// rest of the request along. It names no user.
fn sign_in_page(query: &AuthorizeQuery) -> Response {
    let hidden = |name: &str, value: Option<&str>| {
        value.map_or(String::new(), |v| {
            format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                html_escape(v)
            )
        })
    };
    let form = format!(
        r#"<p>dingcal stands in for DingTalk's sign-in: enter the unionId of the user to sign in as.</p>
<form method="get" action="/oauth2/auth">
{}{}{}{}
<label>unionId <input name="login_hint" autofocus required></label>
<button type="submit">Sign in</button>
</form>"#,
        hidden("client_id", query.client_id.as_deref()),
        hidden("redirect_uri", query.redirect_uri.as_deref()),
        hidden("response_type", query.response_type.as_deref()),
        hidden("state", query.state.as_deref()),
    );
    html_page(StatusCode::OK, "Sign in", &form)
}

/// Percent-encodes what is not unreserved in a query value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn user_access_token(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Option<UserTokenRequest>>,
) -> ApiResult<JsonAnswer<UserTokenResponse>> {
    let body = body.ok_or_else(ApiError::invalid_client)?;
    let app = app(
        &state,
        body.client_id.as_deref(),
        body.client_secret.as_deref(),
    )?;
    caller.set(&Arc::new(app.grant.clone()));
    let grant = match (body.grant_type.as_deref(), body.code, body.refresh_token) {
        (Some("authorization_code") | None, Some(code), _) => UserGrant::AuthorizationCode(code),
        (Some("refresh_token"), _, Some(token)) => UserGrant::RefreshToken(token),
        _ => {
            return Err(ApiError::invalid_parameter(
                "grantType authorization_code takes a code; refresh_token takes a refreshToken",
            ));
        }
    };
    let now = state.clock.now();
    let issued = state
        .store
        .issue_user_token(&app.grant.app_key, grant, now)
        .await?
        .ok_or_else(|| {
            ApiError::invalid_parameter("The code or refresh token is unknown, used or expired")
        })?;
    Ok(JsonAnswer(UserTokenResponse {
        access_token: issued.token.token,
        refresh_token: issued.refresh_token,
        expire_in: issued.token.expires_at.as_second() - now.as_second(),
        corp_id: app.grant.corp_id.0.clone(),
    }))
}
