//! The emulator controls under `/_dingcal/` (CONTRACT.md, "Emulator
//! controls"): what the real service cannot do and a test suite needs.
//! They answer only when the server was given `--admin-token`, and only to
//! a request that carries it; otherwise `/_dingcal/*` is an unknown path.
//! With them on, each SDK call passes `intercept` (faults, throttling)
//! before its handler and is recorded in the journal after.

mod clock;
mod console;
mod described;
mod faults;
mod journal;
mod outbox;
mod packed;
mod throttle;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::answer::RawJson;
use super::error::Verbatim;
use super::extract::{Json, Query};
use super::operations;
use crate::directory::Grant;
use crate::domain::limits::ATTENDEES_PER_EVENT;
use crate::domain::{CorpId, EventId, UnionId, random_token};
use crate::error::{ApiError, ApiResult};
use crate::store::Minutes;
use crate::wire::minutes::{AttachMinutes, AttachedMinutes};
use faults::{Fault, FaultRequest, Faults};
use journal::{Entry, Journal};
use outbox::{Message, Outbox};
use throttle::Throttle;

pub use clock::follow_clock;
pub use outbox::Channels;

/// What the controls hold on this node.
#[derive(Default)]
pub struct Controls {
    journal: Journal,
    sessions: console::Sessions,
    faults: Faults,
    throttle: Throttle,
    outbox: Outbox,
}

/// A request's body, kept for the journal.
#[derive(Clone)]
pub struct RequestBody(pub Bytes);

/// What the controls read of a call: taken before its handler has it.
pub struct Call {
    pub method: axum::http::Method,
    pub path: String,
    pub token: Option<String>,
    pub body: Option<Bytes>,
}

impl Call {
    pub fn of(request: &axum::extract::Request) -> Call {
        Call {
            method: request.method().clone(),
            path: request.uri().path().to_string(),
            token: request
                .headers()
                .get("x-acs-dingtalk-access-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: request
                .extensions()
                .get::<RequestBody>()
                .map(|b| b.0.clone()),
        }
    }
}

impl AppState {
    /// Posts what dingcal would have sent `recipients` about an event,
    /// one message per channel on; with the controls off, nothing.
    pub fn notify(
        &self,
        kind: &'static str,
        event_id: &EventId,
        recipients: Vec<UnionId>,
        channels: Channels,
        detail: &str,
    ) {
        if self.admin_token.is_none() || recipients.is_empty() {
            return;
        }
        let recipients: Vec<String> = recipients.into_iter().map(|r| r.0).collect();
        let at = self.clock.now().to_string();
        for (on, channel) in [(channels.push, "push"), (channels.chat, "chat")] {
            if on {
                self.controls.outbox.post(Message {
                    id: random_token(9),
                    at: at.clone(),
                    kind,
                    event_id: event_id.as_str().to_string(),
                    recipients: recipients.clone(),
                    channel,
                    detail: detail.to_string(),
                });
            }
        }
    }

    /// Those to tell of a change `caller` is about to make to an event:
    /// its other attendees, if the caller organizes it and the controls
    /// are on; none otherwise.
    pub async fn to_tell(
        &self,
        corp_id: &CorpId,
        caller: &UnionId,
        event_id: &EventId,
    ) -> Vec<UnionId> {
        if self.admin_token.is_none() {
            return Vec::new();
        }
        match self
            .store
            .get_event(
                corp_id.clone(),
                caller.clone(),
                event_id.clone(),
                ATTENDEES_PER_EVENT + 1,
            )
            .await
        {
            Ok(view) if &view.event.organizer == caller => others(&view, caller),
            _ => Vec::new(),
        }
    }
}

/// An event's attendees other than `caller`.
pub fn others(view: &crate::domain::event::EventView, caller: &UnionId) -> Vec<UnionId> {
    view.attendees
        .iter()
        .map(|a| a.id.clone())
        .filter(|id| id != caller)
        .collect()
}

impl AppState {
    /// Whether notifications are kept (the controls are on).
    pub fn notifying(&self) -> bool {
        self.admin_token.is_some()
    }
}

/// DingTalk's refusal of a call over the app's rate.
const THROTTLED_CODE: &str = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi";
const THROTTLED_MESSAGE: &str = "您的企业应用调用钉钉开放平台当前接口的所有请求都被暂时禁用了";

/// An error answer in the API's shape with any code, as a fault or the
/// throttle gives it.
fn refusal(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    let body = serde_json::json!({"code": code, "message": message, "requestid": request_id});
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.extensions_mut().insert(Verbatim);
    response
}

impl Controls {
    /// Sets the throttle at start (`--throttle-qps`).
    pub fn throttle(&self, qps: Option<u32>) {
        self.throttle.set(qps);
    }

    /// A fault or the throttle's refusal, if the call meets one: the
    /// answer and its code. A fault's delay is waited here.
    pub async fn intercept(
        &self,
        state: &AppState,
        call: &Call,
        action: &'static str,
        request_id: &str,
    ) -> Option<(Response, String)> {
        if self.throttle.qps().is_some() {
            if let Some(grant) = match &call.token {
                Some(t) => state.authenticate(t).await.ok(),
                None => None,
            } {
                let second = jiff::Timestamp::now().as_second();
                if self.throttle.over(&grant.app_key, action, second) {
                    let answer = refusal(403, THROTTLED_CODE, THROTTLED_MESSAGE, request_id);
                    return Some((answer, THROTTLED_CODE.into()));
                }
            }
        }
        let hit = self.faults.meet(action)?;
        if !hit.delay.is_zero() {
            tokio::time::sleep(hit.delay).await;
        }
        let (status, code, message) = hit.error?;
        Some((refusal(status, &code, &message, request_id), code))
    }

    /// Records an answered call.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        now: jiff::Timestamp,
        call: &Call,
        operation: &str,
        request_id: &str,
        grant: Option<&Arc<Grant>>,
        status: u16,
        code: &str,
        elapsed: std::time::Duration,
    ) {
        let path = call.path.as_str();
        let user = match journal::path_user(path) {
            "" => grant
                .and_then(|g| g.user.as_ref())
                .map_or("", |u| u.as_str()),
            user => user,
        };
        self.journal.record(Entry {
            request_id: request_id.to_string(),
            at: now.to_string(),
            operation: operation.to_string(),
            method: call.method.to_string(),
            path: path.to_string(),
            app_key: grant.map_or("", |g| g.app_key.as_str()).to_string(),
            user_id: user.to_string(),
            status,
            code: code.to_string(),
            duration_ms: elapsed.as_secs_f64() * 1000.0,
            body: if operation.starts_with("Get") && operation.ends_with("Token") {
                // An app's secret, or a code or refresh token.
                "(not kept: it holds a secret)".into()
            } else {
                call.body
                    .as_ref()
                    .map(|b| journal::kept_body(b))
                    .unwrap_or_default()
            },
        });
    }
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_dingcal/minutes", post(attach_minutes))
        .route("/_dingcal/reset", post(reset))
        .route(
            "/_dingcal/faults",
            post(add_fault).get(list_faults).delete(remove_faults),
        )
        .route("/_dingcal/faults/{faultId}", delete(remove_fault))
        .route("/_dingcal/throttle", put(set_throttle).get(get_throttle))
        .route(
            "/_dingcal/requests",
            get(list_requests).delete(clear_requests),
        )
        .merge(clock::router())
        .merge(console::router())
        .route("/_dingcal/outbox", get(list_outbox).delete(clear_outbox))
        .route("/_dingcal/export", get(export))
        .route("/_dingcal/import", post(import))
        .route("/_dingcal/openapi.json", get(described::openapi))
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

#[derive(Serialize, schemars::JsonSchema)]
struct Empty {}

/// Deletes every event, token, journal entry and fault; the directory
/// stays.
async fn reset(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    state.store.reset().await?;
    state.tokens.clear();
    state.controls.journal.clear();
    state.controls.faults.remove(None);
    state.controls.outbox.clear();
    RawJson::of(&Empty {})
}

/// The whole state as one JSON document.
async fn export(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    RawJson::of(&state.store.export().await?)
}

/// Replaces the state with an exported document's (the directory must be
/// this server's); tokens and the outbox go with the old state.
async fn import(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Json(document): Json<Option<serde_json::Value>>,
) -> ApiResult<RawJson> {
    let document =
        document.ok_or_else(|| ApiError::invalid_parameter("the body must be an export"))?;
    state.store.import(document).await?;
    state.tokens.clear();
    state.controls.outbox.clear();
    RawJson::of(&Empty {})
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct FaultId {
    fault_id: String,
}

async fn add_fault(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Json(body): Json<Option<FaultRequest>>,
) -> ApiResult<RawJson> {
    let body = body.ok_or_else(|| ApiError::invalid_parameter("operation is required"))?;
    let fault = Fault::new(body, operations::known)?;
    let fault_id = fault.fault_id.clone();
    state.controls.faults.add(fault);
    RawJson::of(&FaultId { fault_id })
}

#[derive(Serialize, schemars::JsonSchema)]
struct FaultList {
    faults: Vec<Fault>,
}

async fn list_faults(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    RawJson::of(&FaultList {
        faults: state.controls.faults.list(),
    })
}

async fn remove_fault(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Path(fault_id): Path<String>,
) -> ApiResult<RawJson> {
    if !state.controls.faults.remove(Some(&fault_id)) {
        return Err(ApiError::item_not_found(
            "The specified fault cannot be found.",
        ));
    }
    RawJson::of(&Empty {})
}

async fn remove_faults(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    state.controls.faults.remove(None);
    RawJson::of(&Empty {})
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct ThrottleBody {
    qps: Option<u32>,
}

async fn set_throttle(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Json(body): Json<Option<ThrottleBody>>,
) -> ApiResult<RawJson> {
    let qps = body.and_then(|b| b.qps);
    if qps == Some(0) {
        return Err(ApiError::invalid_parameter(
            "qps must be at least 1, or null for none",
        ));
    }
    state.controls.throttle.set(qps);
    RawJson::of(&ThrottleBody { qps })
}

async fn get_throttle(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    RawJson::of(&ThrottleBody {
        qps: state.controls.throttle.qps(),
    })
}

#[derive(Deserialize, schemars::JsonSchema)]
struct JournalQuery {
    operation: Option<String>,
    status: Option<u16>,
    limit: Option<usize>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct JournalList {
    requests: Vec<Entry>,
}

/// The journal, newest first: at most `limit` (100 unless given).
async fn list_requests(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Query(q): Query<JournalQuery>,
) -> ApiResult<RawJson> {
    let operation = q.operation.filter(|o| !o.is_empty());
    RawJson::of(&JournalList {
        requests: state.controls.journal.list(
            operation.as_deref(),
            q.status,
            q.limit.unwrap_or(100),
        ),
    })
}

async fn clear_requests(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    state.controls.journal.clear();
    RawJson::of(&Empty {})
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct OutboxQuery {
    event_id: Option<String>,
    kind: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct OutboxList {
    messages: Vec<Message>,
}

/// What dingcal would have sent, in the order made.
async fn list_outbox(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<RawJson> {
    let event_id = q.event_id.filter(|e| !e.is_empty());
    let kind = q.kind.filter(|k| !k.is_empty());
    RawJson::of(&OutboxList {
        messages: state
            .controls
            .outbox
            .list(event_id.as_deref(), kind.as_deref()),
    })
}

async fn clear_outbox(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    state.controls.outbox.clear();
    RawJson::of(&Empty {})
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
