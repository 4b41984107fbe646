//! The one error type: every failure knows the HTTP status, the DingTalk code
//! and the message it is answered with.

use std::borrow::Cow;
use std::fmt;

/// Status codes used by the API, kept free of any HTTP crate so that the
/// domain and the stores can raise errors without depending on the web layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    BadRequest = 400,
    Unauthorized = 401,
    Forbidden = 403,
    NotFound = 404,
    MethodNotAllowed = 405,
    Gone = 410,
    PayloadTooLarge = 413,
    Internal = 500,
    RequestTimeout = 408,
    Unavailable = 503,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: Status,
    pub code: &'static str,
    pub message: Cow<'static, str>,
    /// Scopes the caller's app lacks, for permission errors.
    pub required_scopes: Vec<&'static str>,
    /// What went wrong inside, for the log only: the access log writes it
    /// with the request id; the client never sees it.
    pub detail: Option<std::sync::Arc<str>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn new(status: Status, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            required_scopes: Vec::new(),
            detail: None,
        }
    }

    pub fn invalid_parameter(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Status::BadRequest, "invalidParameter", message)
    }

    /// A time that does not parse as ISO-8601, with the real service's code.
    pub fn bad_timestamp(field: &str, value: &str) -> Self {
        Self::new(
            Status::BadRequest,
            "InvalidParameter.ParsedISO8601TimestampError",
            format!("{field} is not an ISO-8601 timestamp: {value:?}"),
        )
    }

    pub fn event_not_found() -> Self {
        Self::new(
            Status::NotFound,
            "itemNotFound",
            "The specified event cannot be found.",
        )
    }

    pub fn calendar_not_found() -> Self {
        Self::item_not_found("The specified calendar cannot be found.")
    }

    pub fn item_not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Status::NotFound, "itemNotFound", message)
    }

    pub fn not_organizer() -> Self {
        Self::new(
            Status::Forbidden,
            "forbidden",
            "Only the organizer is allowed to update an event.",
        )
    }

    pub fn idempotency_processing() -> Self {
        Self::new(
            Status::BadRequest,
            "idempotencyProcessing",
            "Idempotency processing",
        )
    }

    /// A syncToken that names no point the server can sync from.
    pub fn sync_token_invalid() -> Self {
        Self::new(
            Status::Gone,
            "invalidSyncToken",
            "The syncToken is unknown or has expired: list again without syncToken for a full sync.",
        )
    }

    pub fn missing_token() -> Self {
        Self::new(
            Status::BadRequest,
            "AuthenticationFailed.MissingParameter",
            "The x-acs-dingtalk-access-token header is missing.",
        )
    }

    pub fn invalid_token() -> Self {
        Self::new(
            Status::BadRequest,
            "InvalidAuthentication",
            "The access token is unknown or has expired.",
        )
    }

    /// A `/me/` operation asked with an app's token.
    pub fn user_token_required() -> Self {
        Self::new(
            Status::BadRequest,
            "InvalidAuthentication",
            "This operation needs a user access token (POST /v1.0/oauth2/userAccessToken).",
        )
    }

    /// A user's token on another user's path (the code and message DingTalk
    /// gives for calendars a user may not touch).
    pub fn not_own_calendar() -> Self {
        Self::new(Status::Forbidden, "permissionDenied", "permission denied")
    }

    pub fn invalid_client() -> Self {
        Self::new(
            Status::BadRequest,
            "invalidClientIdOrSecret",
            "The appKey or appSecret is wrong.",
        )
    }

    pub fn permission_denied(required_scopes: Vec<&'static str>) -> Self {
        ApiError {
            required_scopes,
            ..Self::new(
                Status::Forbidden,
                "Forbidden.AccessDenied.AccessTokenPermissionDenied",
                "The app of this access token lacks a permission this operation needs.",
            )
        }
    }

    /// An emulator control without the server's admin token.
    pub fn admin_token_required() -> Self {
        Self::new(
            Status::Unauthorized,
            "Unauthorized",
            "The emulator controls need Authorization: Bearer and the server's --admin-token.",
        )
    }

    /// A console form posted from a page that is not the console's.
    pub fn forbidden_origin() -> Self {
        Self::new(
            Status::Forbidden,
            "Forbidden",
            "The console takes forms only from its own pages.",
        )
    }

    pub fn no_route() -> Self {
        Self::new(
            Status::NotFound,
            "InvalidAction.NotFound",
            "No API answers at this path.",
        )
    }

    /// A room already held for (part of) that time (DingTalk's code and
    /// message).
    pub fn room_not_available() -> Self {
        Self::new(Status::BadRequest, "meetingRoomNotAvailable", "room busy")
    }

    /// Refusals DingTalk answers 400 `permissionDenied` (sign-in links,
    /// subscriptions), with their own messages.
    pub fn permission_denied_400(message: &'static str) -> Self {
        Self::new(Status::BadRequest, "permissionDenied", message)
    }

    /// SubscribeCalendar past the most one user may have (DingTalk's code
    /// and message).
    pub fn exceed_subscribe_limit() -> Self {
        Self::new(
            Status::BadRequest,
            "exceedSubscribeLimit",
            "exceed subscribe limit",
        )
    }

    /// SignIn or SignOut by someone not on the event (DingTalk's message).
    pub fn not_in_event() -> Self {
        Self::new(Status::BadRequest, "notInEvent", "用户不在日程内")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            Status::MethodNotAllowed,
            "InvalidAction.MethodNotAllowed",
            "This path does not take this HTTP method.",
        )
    }

    pub fn body_too_large() -> Self {
        Self::new(
            Status::PayloadTooLarge,
            "invalidParameter",
            "The request body is too large.",
        )
    }

    /// A body that stopped arriving; the connection is closed after it.
    pub fn body_stalled() -> Self {
        Self::new(
            Status::RequestTimeout,
            "RequestTimeout",
            "The request body stopped arriving.",
        )
    }

    /// Bodies in flight fill the memory set aside for them.
    pub fn bodies_busy() -> Self {
        Self::new(
            Status::Unavailable,
            "ServiceUnavailable",
            "The server is reading too many request bodies at once; try again.",
        )
    }

    /// The database cannot be reached, or dropped the connection before the
    /// write was known to be applied: nothing the client did; retry.
    pub fn store_unavailable() -> Self {
        Self::new(
            Status::Unavailable,
            "ServiceUnavailable",
            "The store is unavailable for a moment; try again.",
        )
    }

    /// The disk holding the database is full: nothing was written; retry
    /// once there is room.
    pub fn store_full() -> Self {
        Self::new(
            Status::Unavailable,
            "ServiceUnavailable",
            "The store is out of disk space: nothing was written; retry once space is freed.",
        )
    }

    pub fn timeout() -> Self {
        Self::new(
            Status::Unavailable,
            "ServiceUnavailable",
            "The request took too long.",
        )
    }

    /// Anything the client could not have caused: logged in full, answered
    /// without detail.
    pub fn internal(detail: impl fmt::Display) -> Self {
        ApiError {
            detail: Some(detail.to_string().into()),
            ..Self::new(
                Status::Internal,
                "InternalError",
                "The server met an internal error.",
            )
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        match &self.detail {
            Some(detail) => write!(f, " ({detail})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(e)
    }
}
