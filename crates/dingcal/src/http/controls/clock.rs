//! The clock controls: the server's clock set, frozen or moving, and
//! advanced (firing the reminders that fall due on the way), kept in the
//! store so that every node follows it.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::{Admin, Channels};
use crate::domain::time::{self, ClockSetting};
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::http::answer::RawJson;
use crate::http::extract::Json;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/_dingcal/clock",
            get(get_clock).put(set_clock).delete(unset_clock),
        )
        .route("/_dingcal/clock/advance", post(advance_clock))
}

/// How often a node reads the clock another node may have set.
const CLOCK_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// With the controls on, keeps this node's clock as the store has it, so
/// that every node reads the same time within `CLOCK_RECHECK`.
pub async fn follow_clock(state: Arc<AppState>) {
    if state.admin_token.is_none() {
        return;
    }
    let mut tick = tokio::time::interval(CLOCK_RECHECK);
    loop {
        tick.tick().await;
        match state.store.clock().await {
            Ok(setting) => state.clock.apply(setting),
            Err(e) => tracing::warn!(%e, "reading the clock failed"),
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct ClockRequest {
    now: Option<String>,
    frozen: Option<bool>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ClockBody {
    now: String,
    frozen: bool,
}

fn clock_body(state: &AppState) -> ApiResult<RawJson> {
    RawJson::of(&ClockBody {
        now: state.clock.now().to_string(),
        frozen: frozen(state),
    })
}

/// Whether the clock stands still.
pub(super) fn frozen(state: &AppState) -> bool {
    state.clock.setting().is_some_and(|s| s.frozen)
}

/// Puts a clock setting in force on every node; `None` is the system's
/// time again.
pub(super) async fn put_clock(state: &AppState, setting: Option<ClockSetting>) -> ApiResult<()> {
    state.store.set_clock(setting).await?;
    state.clock.apply(setting);
    Ok(())
}

/// Sets the clock to `at`, frozen or moving.
pub(super) async fn set_to(state: &AppState, at: jiff::Timestamp, frozen: bool) -> ApiResult<()> {
    let setting = ClockSetting {
        at,
        anchor: time::now(),
        frozen,
    };
    put_clock(state, Some(setting)).await
}

async fn get_clock(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    clock_body(&state)
}

/// Sets the clock to `now` (or leaves it where it is), frozen or moving.
async fn set_clock(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Json(body): Json<Option<ClockRequest>>,
) -> ApiResult<RawJson> {
    let body = body.unwrap_or(ClockRequest {
        now: None,
        frozen: None,
    });
    let at = match body.now.as_deref() {
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map_err(|_| ApiError::bad_timestamp("now", text))?,
        None => state.clock.now(),
    };
    set_to(&state, at, body.frozen.unwrap_or(false)).await?;
    clock_body(&state)
}

/// The system's time again.
async fn unset_clock(State(state): State<Arc<AppState>>, _: Admin) -> ApiResult<RawJson> {
    put_clock(&state, None).await?;
    clock_body(&state)
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct Advance {
    seconds: Option<f64>,
}

/// Moves the clock forward, frozen or not.
async fn advance_clock(
    State(state): State<Arc<AppState>>,
    _: Admin,
    Json(body): Json<Option<Advance>>,
) -> ApiResult<RawJson> {
    advance(&state, body.and_then(|b| b.seconds)).await?;
    clock_body(&state)
}

/// Moves the clock `seconds` forward, frozen or not, and fires what falls
/// due on the way (reminders).
pub(super) async fn advance(state: &AppState, seconds: Option<f64>) -> ApiResult<()> {
    let seconds = seconds
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| ApiError::invalid_parameter("seconds must be a number, 0 or more"))?;
    let by = jiff::SignedDuration::try_from_secs_f64(seconds)
        .map_err(|_| ApiError::invalid_parameter("seconds is too large"))?;
    let was = state.clock.now();
    let at = was
        .checked_add(by)
        .map_err(|_| ApiError::invalid_parameter("seconds is too large"))?;
    set_to(state, at, frozen(state)).await?;
    for (due, reminded) in state.store.due_reminders(was, at).await? {
        state.notify(
            "reminder",
            &due.event_id,
            reminded,
            Channels::PUSH,
            &due.summary,
        );
    }
    Ok(())
}
