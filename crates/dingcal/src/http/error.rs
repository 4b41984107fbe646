//! How errors leave: `{code, message, requestid}` with the error's status,
//! and the request id on every answer.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower_http::request_id::{MakeRequestId, RequestId};

use super::REQUEST_TIMEOUT;
use crate::domain::limits::BODY_MAX_BYTES;
use crate::error::ApiError;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-acs-request-id");

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
    /// The body is written by [`shape_errors`], which knows the request id;
    /// the error rides along in the response's extensions until then.
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status as u16).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Request ids in the shape of the real service's: 32 hex digits grouped
/// as a UUID.
#[derive(Clone, Copy, Default)]
pub struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut bits: u128 = rand::random();
        let mut id = [b'-'; 36];
        for (i, slot) in id.iter_mut().enumerate().rev() {
            if ![8, 13, 18, 23].contains(&i) {
                *slot = HEX[(bits & 0xF) as usize];
                bits >>= 4;
            }
        }
        HeaderValue::from_bytes(&id).ok().map(RequestId::new)
    }
}

/// Writes every error answer in the API's shape, with the request id the
/// layers inside gave the answer. A request id the client sent is dropped:
/// ids are the server's own.
pub async fn shape_errors(mut request: Request, next: Next) -> Response {
    request.headers_mut().remove(REQUEST_ID_HEADER);
    let mut response = next.run(request).await;
    let error = match response.extensions_mut().remove::<ApiError>() {
        Some(e) => e,
        // Whatever else failed (a layer's own refusal) still answers in shape.
        None if response.status().is_client_error() || response.status().is_server_error() => {
            fallback_error(response.status())
        }
        None => return response,
    };
    let request_id = response
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let body = ErrorBody {
        code: error.code,
        message: &error.message,
        requestid: request_id,
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
    response
}

/// Reads the whole body before any handler runs, within the request's
/// time limit, which covers the handler too, so that a request refused
/// early (a bad token, say) leaves nothing unread on a keep-alive
/// connection: an unread body makes the server drop the connection without
/// warning. A path, query or body carrying a NUL character is refused:
/// PostgreSQL's text cannot hold one, so it is refused on either backend,
/// alike.
pub async fn read_body(request: Request, next: Next) -> Response {
    // tokio's timeout polls the request before its timer: a request that is
    // answered at once never registers the timer. (tower-http's layer polls
    // the timer first, which woke the runtime's driver on every request:
    // healthz ran at 0.82 of its rate without a limit.)
    match tokio::time::timeout(REQUEST_TIMEOUT, read_then_run(request, next)).await {
        Ok(response) => response,
        Err(_) => ApiError::timeout().into_response(),
    }
}

async fn read_then_run(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        // The rest of the body is still on the wire: this connection cannot
        // carry another request, and the client must know.
        let mut refused = ApiError::body_too_large().into_response();
        refused
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return refused;
    };
    let nul = parts.uri.to_string().to_ascii_lowercase().contains("%00")
        || bytes.contains(&0)
        || bytes.windows(6).any(|w| w == b"\\u0000");
    if nul {
        return ApiError::invalid_parameter("Text may not contain the NUL character")
            .into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
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
