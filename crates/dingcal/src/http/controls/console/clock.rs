//! The clock page: the server's now, set (frozen or moving), advanced
//! (firing reminders as `POST /_dingcal/clock/advance` does), or given
//! back to the system.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::civil::DateTime;
use maud::html;
use serde::Deserialize;

use super::{
    Console, Page, calendar_zone, given, html_answer, layout, number, refusal, see_other, status_of,
};
use crate::domain::calendar::TIME_ZONE;
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::http::controls::clock::{advance, frozen, put_clock, set_to};

const CLOCK: &str = "/_dingcal/ui/clock";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(CLOCK, get(clock_page).post(set_clock))
        .route("/_dingcal/ui/clock/advance", post(advance_clock))
        .route("/_dingcal/ui/clock/system", post(system_clock))
}

/// The page, with what a form was refused for, if it was.
fn page(state: &AppState, refused: Option<ApiError>) -> Response {
    let now = state.clock.now();
    let local = now.to_zoned(calendar_zone());
    let set = state.clock.setting().is_some();
    let status = refused.as_ref().map_or(StatusCode::OK, status_of);
    let body = html! {
        @if let Some(e) = &refused { (refusal(e)) }
        dl.fields {
            dt { "now" } dd { code #now { (now.strftime("%Y-%m-%dT%H:%M:%SZ")) } }
            dt { "in " (TIME_ZONE) } dd { (local.strftime("%Y-%m-%d %H:%M:%S (%a)")) }
            dt { "frozen" } dd #frozen { (frozen(state)) }
            dt { "set by the controls" } dd { (set) }
        }
        div.forms {
            form.card method="post" action=(CLOCK) {
                h2 { "Set" }
                label {
                    "now in " (TIME_ZONE) " "
                    input type="datetime-local" step="1" name="now"
                        value=(local.strftime("%Y-%m-%dT%H:%M:%S")) required;
                }
                label { input type="checkbox" name="frozen" value="true" checked[frozen(state)]; " frozen" }
                button type="submit" { "Set the clock" }
            }
            form.card method="post" action="/_dingcal/ui/clock/advance" {
                h2 { "Advance" }
                label { "seconds " input type="number" name="seconds" min="0" step="any" value="3600" required; }
                p.note { "Reminders that fall due on the way land in the outbox." }
                button type="submit" { "Advance" }
            }
            @if set {
                form.card method="post" action="/_dingcal/ui/clock/system" {
                    h2 { "System time" }
                    p.note { "Gives the clock back to the system." }
                    button type="submit" { "Use the system's time" }
                }
            }
        }
    };
    html_answer(status, layout("Clock", body))
}

async fn clock_page(State(state): State<Arc<AppState>>, _: Console) -> Page {
    Ok(page(&state, None))
}

/// Back to the page once done; the page again with the refusal if not.
fn done(state: &AppState, outcome: ApiResult<()>) -> Response {
    match outcome {
        Ok(()) => see_other(CLOCK),
        Err(e) => page(state, Some(e)),
    }
}

#[derive(Deserialize)]
struct SetForm {
    now: Option<String>,
    frozen: Option<String>,
}

/// A time from the form: RFC 3339, or a wall-clock reading in the
/// calendars' zone (what a browser's date and time field gives).
fn instant(text: &str) -> ApiResult<jiff::Timestamp> {
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    text.parse::<DateTime>()
        .and_then(|dt| dt.to_zoned(calendar_zone()))
        .map(|z| z.timestamp())
        .map_err(|_| ApiError::bad_timestamp("now", text))
}

async fn set_clock(
    State(state): State<Arc<AppState>>,
    _: Console,
    Form(form): Form<SetForm>,
) -> Response {
    let frozen = form.frozen.is_some();
    let outcome = match given(form.now) {
        Some(text) => match instant(&text) {
            Ok(at) => set_to(&state, at, frozen).await,
            Err(e) => Err(e),
        },
        None => Err(ApiError::invalid_parameter("now is required")),
    };
    done(&state, outcome)
}

#[derive(Deserialize)]
struct AdvanceForm {
    seconds: Option<String>,
}

async fn advance_clock(
    State(state): State<Arc<AppState>>,
    _: Console,
    Form(form): Form<AdvanceForm>,
) -> Response {
    let outcome = match number::<f64>("seconds", form.seconds) {
        Ok(seconds) => advance(&state, seconds).await,
        Err(e) => Err(e),
    };
    done(&state, outcome)
}

async fn system_clock(State(state): State<Arc<AppState>>, _: Console) -> Response {
    let outcome = put_clock(&state, None).await;
    done(&state, outcome)
}
