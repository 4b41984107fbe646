//! The web console at `/_dingcal/ui`: the emulator's state for people, as
//! server-rendered pages (a user's week, an event, the journal and the
//! outbox as they grow, the clock, faults), with plain forms for the
//! controls. Like every `/_dingcal` path it is there only with
//! `--admin-token`; a browser, which cannot send the token as a header,
//! logs in with it once and then carries a cookie.

mod calendar;
mod clock;
mod faults;
mod feeds;

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::tz::TimeZone;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::Admin;
use crate::domain::UnionId;
use crate::domain::calendar::TIME_ZONE;
use crate::domain::secret;
use crate::error::ApiError;
use crate::http::AppState;

/// Where the console lives.
const HOME: &str = "/_dingcal/ui";
const LOGIN: &str = "/_dingcal/ui/login";
/// The cookie a logged-in browser carries, scoped to the controls.
const COOKIE: &str = "dingcal_admin";
const STYLE: &str = include_str!("console.css");

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(LOGIN, get(login_page).post(log_in))
        .route("/_dingcal/ui/logout", post(log_out))
        .merge(calendar::router())
        .merge(feeds::router())
        .merge(clock::router())
        .merge(faults::router())
}

/// What the cookie holds: a digest of the admin token, so that the token
/// itself never sits in the browser.
fn session(admin_token: &str) -> String {
    secret::digest(&format!("dingcal console\n{admin_token}"))
}

/// The console cookie's value, if the request carries one.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// A request of someone who holds the admin token: as a bearer, like the
/// JSON controls take it, or as the cookie the login form sets. Without
/// an admin token configured the console is an unknown path; without
/// either, a browser is sent to the login form.
pub struct Console;

impl FromRequestParts<Arc<AppState>> for Console {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Console, Response> {
        let Some(expected) = &state.admin_token else {
            return Err(ApiError::no_route().into_response());
        };
        if cookie(&parts.headers).is_some_and(|c| secret::same(c, &session(expected))) {
            return Ok(Console);
        }
        match Admin::from_request_parts(parts, state).await {
            Ok(Admin) => Ok(Console),
            Err(_) => Err(see_other(LOGIN)),
        }
    }
}

/// An HTML answer, which the API's error shaping leaves as it is.
fn html_answer(status: StatusCode, markup: Markup) -> Response {
    crate::http::page::html(status, markup.into_string())
}

/// Where a form sends the browser once done.
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A page of the console, or what stopped it, shown as a page.
type Page = Result<Response, Shown>;

/// An error shown as a console page with its status. The error rides
/// along for the access log and the metrics, as the API's errors do.
struct Shown(ApiError);

impl From<ApiError> for Shown {
    fn from(e: ApiError) -> Shown {
        Shown(e)
    }
}

impl IntoResponse for Shown {
    fn into_response(self) -> Response {
        let e = self.0;
        let page = layout("Error", refusal(&e));
        let mut response = html_answer(status_of(&e), page);
        response.extensions_mut().insert(e);
        response
    }
}

/// The status an error is answered with.
fn status_of(e: &ApiError) -> StatusCode {
    StatusCode::from_u16(e.status as u16).unwrap_or(StatusCode::BAD_REQUEST)
}

/// What a form or page was refused for, in the API's words.
fn refusal(e: &ApiError) -> Markup {
    html! { p.error { (e.code) ": " (e.message) } }
}

/// A page of the console: the top nav, a heading and the body.
fn layout(title: &str, body: Markup) -> Markup {
    let nav = [
        (HOME, "Users"),
        ("/_dingcal/ui/journal", "Journal"),
        ("/_dingcal/ui/outbox", "Outbox"),
        ("/_dingcal/ui/clock", "Clock"),
        ("/_dingcal/ui/faults", "Faults"),
    ];
    let header = html! {
        nav {
            @for (href, name) in nav {
                a href=(href) { (name) }
            }
        }
        form.logout method="post" action="/_dingcal/ui/logout" {
            button type="submit" { "Log out" }
        }
    };
    document(title, header, body)
}

/// An HTML document: the header's links after the name, a heading and the
/// body.
fn document(title: &str, header: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · dingcal" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    a.brand href=(HOME) { "dingcal" }
                    (header)
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The zone the calendars' days are in.
fn calendar_zone() -> TimeZone {
    TimeZone::get(TIME_ZONE).unwrap_or(TimeZone::UTC)
}

/// A console path with its query, each value percent-encoded.
fn link(path: &str, query: &[(&str, &str)]) -> String {
    let mut out = path.to_string();
    for (i, (key, value)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(key);
        out.push('=');
        out.extend(utf8_percent_encode(value, NON_ALPHANUMERIC));
    }
    out
}

/// A user as people know them: their name from the directory, and the
/// unionId.
fn user_label(state: &AppState, id: &str) -> Markup {
    let name = state.directory.display_name(&UnionId(id.to_string()));
    html! {
        span.user title=(id) {
            @if name.is_empty() { (id) } @else { (name) " " small { (id) } }
        }
    }
}

/// A form's text field: empty is not given.
fn given(field: Option<String>) -> Option<String> {
    field
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
}

/// A form's number field, refused in the API's words when it is not one.
fn number<T: std::str::FromStr>(name: &str, field: Option<String>) -> Result<Option<T>, ApiError> {
    given(field)
        .map(|text| {
            text.parse()
                .map_err(|_| ApiError::invalid_parameter(format!("{name} must be a number")))
        })
        .transpose()
}

#[derive(Deserialize)]
struct LoginForm {
    token: Option<String>,
}

fn login_form(status: StatusCode, error: Option<&str>) -> Response {
    let page = document(
        "Log in",
        html! {},
        html! {
            p { "The console takes the server's admin token (" code { "--admin-token" } ")." }
            @if let Some(error) = error { p.error { (error) } }
            form.card method="post" action=(LOGIN) {
                label { "Admin token " input type="password" name="token" autofocus required; }
                button type="submit" { "Log in" }
            }
        },
    );
    html_answer(status, page)
}

async fn login_page(State(state): State<Arc<AppState>>) -> Response {
    if state.admin_token.is_none() {
        return ApiError::no_route().into_response();
    }
    login_form(StatusCode::OK, None)
}

/// The token posted: right, the browser gets the cookie and goes on to
/// the console; wrong, the form again.
async fn log_in(
    State(state): State<Arc<AppState>>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    // Without an admin token there is no console, whatever was posted.
    let Some(expected) = &state.admin_token else {
        return ApiError::no_route().into_response();
    };
    let given = form.ok().and_then(|f| f.0.token).unwrap_or_default();
    if !secret::same(given.trim(), expected) {
        return login_form(
            StatusCode::UNAUTHORIZED,
            Some("That is not the admin token."),
        );
    }
    with_cookie(see_other(HOME), &session(expected), "")
}

async fn log_out(_: Console) -> Response {
    with_cookie(see_other(LOGIN), "", "; Max-Age=0")
}

/// An answer that sets the console cookie (strict, so that no other site's
/// form can post to the console with it).
fn with_cookie(mut response: Response, value: &str, more: &str) -> Response {
    let cookie = format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/_dingcal{more}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
