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
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
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

/// How long a login lasts.
const SESSION_SECONDS: i64 = 12 * 3600;

/// The console's logins on this node (as its journal, outbox and faults
/// are): a cookie is the time it was made, signed with a key this process
/// drew, so that it proves the token was typed here without holding it,
/// and lapses after `SESSION_SECONDS` or when the server restarts.
pub struct Sessions {
    key: [u8; 32],
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions {
            key: rand::random(),
        }
    }
}

impl Sessions {
    /// A new session's cookie value. Its times are the system's, not the
    /// emulator's clock, which a test may move by years.
    fn open(&self, admin_token: &str) -> String {
        let made = jiff::Timestamp::now().as_second();
        format!("{made}.{}", self.tag(made, admin_token))
    }

    fn tag(&self, made: i64, admin_token: &str) -> String {
        secret::sign(
            &self.key,
            &format!("dingcal console\n{made}\n{admin_token}"),
        )
    }

    /// Whether a cookie is a live session of this node, for this token.
    fn valid(&self, cookie: &str, admin_token: &str) -> bool {
        let Some((made, tag)) = cookie.split_once('.') else {
            return false;
        };
        let Ok(made) = made.parse::<i64>() else {
            return false;
        };
        let age = jiff::Timestamp::now().as_second() - made;
        (0..SESSION_SECONDS).contains(&age) && secret::same(tag, &self.tag(made, admin_token))
    }
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
/// JSON controls take it, or as the session its login form opened.
/// Without an admin token configured the console is an unknown path.
/// Without either, the answer is 401 as for every control: to a browser,
/// with the login form as its page.
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
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return match Admin::from_request_parts(parts, state).await {
                Ok(Admin) => Ok(Console),
                Err(e) => Err(e.into_response()),
            };
        }
        let signed_in =
            cookie(&parts.headers).is_some_and(|c| state.controls.sessions.valid(c, expected));
        if !signed_in {
            let html = parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            return Err(if html {
                let asked = parts.uri.path_and_query().map_or(HOME, |p| p.as_str());
                login_form(StatusCode::UNAUTHORIZED, None, asked)
            } else {
                ApiError::admin_token_required().into_response()
            });
        }
        // The session rides on a cookie, which a browser also sends with a
        // form another page posts here: a write must come from the
        // console's own pages. (SameSite does not tell two ports of one
        // host apart; the headers a browser adds do.)
        if parts.method != Method::GET && !same_origin(&parts.headers) {
            return Err(ApiError::forbidden_origin().into_response());
        }
        Ok(Console)
    }
}

/// Whether a browser says a request comes from a page of this server
/// (`Sec-Fetch-Site`, or else `Origin` against `Host`). A client that is
/// not a browser sends neither, and is no cross-site form.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text(HeaderName::from_static("sec-fetch-site")) {
        return site == "same-origin";
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
        (None, _) => true,
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
    /// The console page to go on to.
    next: Option<String>,
}

/// The login form, which goes on to `next` once the token is right.
fn login_form(status: StatusCode, error: Option<&str>, next: &str) -> Response {
    let page = document(
        "Log in",
        html! {},
        html! {
            p { "The console takes the server's admin token (" code { "--admin-token" } ")." }
            @if let Some(error) = error { p.error { (error) } }
            form.card method="post" action=(LOGIN) {
                input type="hidden" name="next" value=(next);
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
    login_form(StatusCode::OK, None, HOME)
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
    let form = form.map(|f| f.0).unwrap_or(LoginForm {
        token: None,
        next: None,
    });
    // Only a page of the console: the form is no way to send a browser
    // elsewhere.
    let next = form
        .next
        .filter(|n| {
            n == HOME || n.starts_with(&format!("{HOME}/")) || n.starts_with(&format!("{HOME}?"))
        })
        .filter(|n| n != LOGIN)
        .unwrap_or_else(|| HOME.to_string());
    if !secret::same(form.token.unwrap_or_default().trim(), expected) {
        return login_form(
            StatusCode::UNAUTHORIZED,
            Some("That is not the admin token."),
            &next,
        );
    }
    let session = state.controls.sessions.open(expected);
    let lasting = format!("; Max-Age={SESSION_SECONDS}{}", secure(&state));
    with_cookie(see_other(&next), &session, &lasting)
}

/// The cookie's attribute that keeps it off plain HTTP, when the server
/// speaks HTTPS.
fn secure(state: &AppState) -> &'static str {
    if state.scheme == "https" {
        "; Secure"
    } else {
        ""
    }
}

async fn log_out(State(state): State<Arc<AppState>>, _: Console) -> Response {
    with_cookie(
        see_other(LOGIN),
        "",
        &format!("; Max-Age=0{}", secure(&state)),
    )
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
