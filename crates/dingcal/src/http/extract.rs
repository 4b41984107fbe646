//! Extractors whose refusals are the API's own errors: JSON bodies, query
//! strings, the calendar path and x-client-token.

use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::EventId;
use crate::error::ApiError;

/// A JSON body. An empty body reads as `null`, so `Json<Option<T>>` sees a
/// missing body as `None`; the content type is not insisted on.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes =
            axum::body::Bytes::from_request(req, state)
                .await
                .map_err(|e: BytesRejection| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::body_too_large()
                    } else {
                        ApiError::invalid_parameter(format!(
                            "The request body could not be read: {e}"
                        ))
                    }
                })?;
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &bytes
        };
        serde_json::from_slice(text)
            .map(Json)
            .map_err(|e| ApiError::invalid_parameter(format!("The request body is not valid: {e}")))
    }
}

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| {
                ApiError::invalid_parameter(format!(
                    "The query string is not valid: {}",
                    e.body_text()
                ))
            })
    }
}

/// `/users/{userId}/calendars/{calendarId}[/events/{eventId}]` (and the
/// `/me/calendars/...` paths, whose user is `me`), decoded. Whose calendar
/// it is depends on the access token, so handlers resolve it with
/// [`super::auth::Access::calendar`].
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarPath {
    #[serde(default = "me")]
    pub user_id: String,
    pub calendar_id: String,
    #[serde(default)]
    pub event_id: Option<String>,
    #[serde(default)]
    pub acl_id: Option<String>,
    #[serde(default)]
    pub room_id: Option<String>,
}

fn me() -> String {
    "me".to_string()
}

impl CalendarPath {
    /// The event id as given: one with spaces around it names no event.
    pub fn event_id(&self) -> Result<EventId, ApiError> {
        match self.event_id.as_deref() {
            Some(id) if !id.trim().is_empty() => Ok(EventId(id.to_string())),
            _ => Err(ApiError::invalid_parameter("eventId cannot be blank")),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CalendarPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<CalendarPath>::from_request_parts(parts, state)
            .await
            .map(|p| p.0)
            .map_err(|e| {
                ApiError::invalid_parameter(format!("The path is not valid: {}", e.body_text()))
            })
    }
}

/// The optional `x-client-token` header, and the request it came with
/// (method and path), which a replay must repeat.
pub struct ClientToken {
    pub token: Option<String>,
    pub request: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let request = format!("{} {}", parts.method, parts.uri.path());
        let Some(value) = parts.headers.get("x-client-token") else {
            return Ok(ClientToken {
                token: None,
                request,
            });
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::invalid_parameter("x-client-token must be printable ASCII"))?
            .trim();
        if value.len() > crate::domain::limits::SHORT_STRING_MAX {
            return Err(ApiError::invalid_parameter("x-client-token is too long"));
        }
        Ok(ClientToken {
            token: Some(value.to_string()).filter(|v| !v.is_empty()),
            request,
        })
    }
}
