//! How errors leave: `{code, message, requestid}` with the error's status,
//! and the request id on every answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use http_body_util::BodyExt;
use http_body_util::LengthLimitError;
use serde::Serialize;
use tokio::sync::OwnedSemaphorePermit;
use tower_http::request_id::{MakeRequestId, RequestId};

use super::AppState;
use crate::domain::limits::BODY_MAX_BYTES;
use crate::error::ApiError;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-acs-request-id");

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    requestid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    accessdenieddetail: Option<AccessDeniedDetail<'a>>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccessDeniedDetail<'a> {
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

/// Marks an answer that keeps its own status and body: another protocol's
/// (CalDAV), a page for a browser, a fault's or the throttle's refusal.
#[derive(Debug, Clone, Copy)]
pub struct Verbatim;

/// Writes every error answer in the API's shape, with the request id the
/// layers inside gave the answer. A request id the client sent is dropped:
/// ids are the server's own.
pub async fn shape_errors(mut request: Request, next: Next) -> Response {
    request.headers_mut().remove(REQUEST_ID_HEADER);
    let mut response = next.run(request).await;
    if response.extensions().get::<Verbatim>().is_some() {
        return response;
    }
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
pub async fn read_body(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    // tokio's timeout polls the request before its timer: a request that is
    // answered at once never registers the timer. (tower-http's layer polls
    // the timer first, which woke the runtime's driver on every request:
    // healthz ran at 0.82 of its rate without a limit.)
    let limit = state.limits.request;
    match tokio::time::timeout(limit, read_then_run(&state, request, next)).await {
        Ok(response) => response,
        Err(_) => {
            // Part of the body may still be on the wire.
            let mut late = ApiError::timeout().into_response();
            late.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            late
        }
    }
}

async fn read_then_run(state: &AppState, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // The memory the body holds stays counted until the answer is made.
    let (bytes, _held) = match read_whole(state, body).await {
        Ok(read) => read,
        Err(refused) => {
            // The rest of the body is still on the wire: this connection
            // cannot carry another request, and the client must know.
            let mut refused = refused.into_response();
            refused
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return refused;
        }
    };
    let nul = parts.uri.to_string().to_ascii_lowercase().contains("%00")
        || bytes.contains(&0)
        || bytes.windows(6).any(|w| w == b"\\u0000");
    if nul {
        return ApiError::invalid_parameter("Text may not contain the NUL character")
            .into_response();
    }
    let mut parts = parts;
    if state.admin_token.is_some() {
        // For the journal of the emulator controls.
        parts
            .extensions
            .insert(super::controls::RequestBody(bytes.clone()));
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// A body, whole: at most `BODY_MAX_BYTES`, with no pause longer than the
/// body limit between two pieces, and within the memory set aside for
/// bodies (counted in KiB, held by the permit returned).
async fn read_whole(
    state: &AppState,
    body: axum::body::Body,
) -> Result<(Bytes, Option<OwnedSemaphorePermit>), ApiError> {
    let idle = state.limits.body_idle;
    let mut body = http_body_util::Limited::new(body, BODY_MAX_BYTES);
    let mut held: Option<OwnedSemaphorePermit> = None;
    // A body of known length takes its room whole, before any of it is
    // read: bodies holding part of the room while they wait for the rest
    // could hold up one another until all time out.
    let announced = http_body::Body::size_hint(&body)
        .exact()
        .map(|n| n as usize);
    if let Some(length) = announced.filter(|n| *n > 0 && *n <= BODY_MAX_BYTES) {
        held = Some(room(state, length.div_ceil(1024) as u32).await?);
    }
    let mut whole = BytesMut::with_capacity(announced.unwrap_or(0).min(BODY_MAX_BYTES));
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => return Err(ApiError::body_stalled()),
            Ok(None) => break,
            Ok(Some(Err(e))) if e.is::<LengthLimitError>() => {
                return Err(ApiError::body_too_large());
            }
            Ok(Some(Err(_))) => return Err(ApiError::body_stalled()),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let kib = (whole.len() + data.len()).div_ceil(1024) as u32;
        let more = kib.saturating_sub(held.as_ref().map_or(0, |p| p.num_permits() as u32));
        if more > 0 {
            let permit = room(state, more).await?;
            match &mut held {
                Some(all) => all.merge(permit),
                None => held = Some(permit),
            }
        }
        whole.extend_from_slice(&data);
    }
    Ok((whole.freeze(), held))
}

/// `kib` of the memory set aside for bodies, waited for within the body
/// limit.
async fn room(state: &AppState, kib: u32) -> Result<OwnedSemaphorePermit, ApiError> {
    let wait = state.bodies.clone().acquire_many_owned(kib);
    match tokio::time::timeout(state.limits.body_idle, wait).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(ApiError::bodies_busy()),
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
