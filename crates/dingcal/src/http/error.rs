//! How errors leave: `{code, message, requestid}` with the error's status,
//! and the request id on every answer.

use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tracing::Instrument;

use crate::domain::limits::BODY_MAX_BYTES;
use crate::error::ApiError;

pub const REQUEST_ID_HEADER: &str = "x-acs-request-id";
/// The longest a request may take (dingcal's choice).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    requestid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    accessdenieddetail: Option<AccessDeniedDetail<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessDeniedDetail<'a> {
    required_scopes: &'a [&'static str],
}

impl IntoResponse for ApiError {
    /// The body is written by [`request_context`], which knows the request
    /// id; the error rides along in the response's extensions until then.
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status as u16).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

fn new_request_id() -> String {
    let n: u128 = rand::random();
    let hex = format!("{n:032X}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Gives each request an id, a tracing span and a time limit, and writes
/// every error answer in the API's shape.
pub async fn request_context(request: Request, next: Next) -> Response {
    let request_id = new_request_id();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let span = tracing::debug_span!("request", method = %request.method(), %route, %request_id);
    let mut response = match buffer_body(request).await {
        Ok((_, true)) => {
            ApiError::invalid_parameter("Text may not contain the NUL character").into_response()
        }
        Ok((request, false)) => {
            match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request).instrument(span)).await {
                Ok(response) => response,
                Err(_) => ApiError::timeout().into_response(),
            }
        }
        Err(mut refused) => {
            // The rest of the body is still on the wire: this connection
            // cannot carry another request, and the client must know.
            refused
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            refused
        }
    };
    let error = response.extensions_mut().remove::<ApiError>();
    let error = match error {
        Some(e) => Some(e),
        // Whatever else failed (a layer's own refusal) still answers in shape.
        None if response.status().is_client_error() || response.status().is_server_error() => {
            Some(fallback_error(response.status()))
        }
        None => None,
    };
    if let Some(error) = error {
        let body = ErrorBody {
            code: error.code,
            message: &error.message,
            requestid: &request_id,
            accessdenieddetail: (!error.required_scopes.is_empty()).then_some(AccessDeniedDetail {
                required_scopes: &error.required_scopes,
            }),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        *response.body_mut() = axum::body::Body::from(bytes);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Reads the whole body before any handler runs, so that a request refused
/// early (a bad token, say) leaves nothing unread on a keep-alive connection:
/// an unread body makes the server drop the connection without warning.
/// The request with its body read, and whether its path, query or body
/// carries a NUL character: PostgreSQL's text cannot hold one, so it is
/// refused on either backend, alike.
async fn buffer_body(request: Request) -> Result<(Request, bool), Response> {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, BODY_MAX_BYTES).await {
        Ok(bytes) => {
            let uri = parts.uri.to_string().to_ascii_lowercase();
            let nul = uri.contains("%00")
                || bytes.contains(&0)
                || bytes.windows(6).any(|w| w == b"\\u0000");
            Ok((
                Request::from_parts(parts, axum::body::Body::from(bytes)),
                nul,
            ))
        }
        Err(_) => Err(ApiError::body_too_large().into_response()),
    }
}

fn fallback_error(status: StatusCode) -> ApiError {
    match status.as_u16() {
        404 => ApiError::no_route(),
        405 => ApiError::method_not_allowed(),
        413 => ApiError::body_too_large(),
        s if s < 500 => ApiError::invalid_parameter(format!("The request was refused ({status})")),
        _ => ApiError::internal(format!("unexpected status {status}")),
    }
}

/// For unknown paths.
pub async fn no_route() -> ApiError {
    ApiError::no_route()
}

/// For known paths asked with a method they do not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
