//! Signing in to an event and out of it: SignIn, CheckIn (the legacy
//! path, the same record), SignOut, GetSignInList, GetSignOutList, and the
//! organizer's links, GetSignInLink and GetSignOutLink, whose page
//! (`/checkin/{code}`, the code random and kept) signs a visitor in or out
//! through the stand-in sign-in.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Read, Write};
use super::extract::{CalendarPath, Query};
use super::page::{html_escape, html_page};
use super::query::position_after;
use crate::domain::calendar::Privilege;
use crate::domain::limits::SIGN_LIST_MAX;
use crate::domain::signin::SignKind;
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::WriteMeta;
use crate::wire::signin::{
    CheckInBody, CheckOutBody, LinkQuery, SignInLink, SignList, SignListQuery, SignOutLink,
    SignedUser,
};

const EVENT: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}";
const LINK_PAGE: &str = "/checkin/{code}";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(&format!("{EVENT}/signin"), post(sign_in).get(sign_in_list))
        .route(&format!("{EVENT}/checkIn"), post(sign_in))
        .route(
            &format!("{EVENT}/signOut"),
            post(sign_out).get(sign_out_list),
        )
        .route(&format!("{EVENT}/signInLinks"), get(sign_in_link))
        .route(&format!("{EVENT}/signOutLinks"), get(sign_out_link))
        .route(LINK_PAGE, get(link_page).post(link_sign))
}

/// Signs the path's user (the one signing) in or out; the first time.
async fn sign(
    state: &AppState,
    access: &Access<Write>,
    path: &CalendarPath,
    kind: SignKind,
) -> ApiResult<i64> {
    let calendar = access.calendar(state, path, Privilege::Writer).await?;
    let event_id = path.event_id()?;
    let meta = access.plain_write_meta(calendar.owner);
    state.store.sign(meta, event_id, kind).await
}

async fn sign_in(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
) -> ApiResult<RawJson> {
    let at = sign(&state, &access, &path, SignKind::In).await?;
    RawJson::of(&CheckInBody { check_in_time: at })
}

async fn sign_out(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
) -> ApiResult<RawJson> {
    let at = sign(&state, &access, &path, SignKind::Out).await?;
    RawJson::of(&CheckOutBody { check_out_time: at })
}

/// Who of the event's attendees has signed, or not yet: `maxResults` (1 to
/// 500) and `type` required, paged by `nextToken`.
async fn list(
    state: &AppState,
    access: &Access<Read>,
    path: &CalendarPath,
    query: SignListQuery,
    kind: SignKind,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(state, path, Privilege::Reader).await?;
    let event_id = path.event_id()?;
    let limit = match query.max_results {
        Some(n) if (1..=SIGN_LIST_MAX).contains(&n) => n as usize,
        Some(_) => {
            return Err(ApiError::invalid_parameter(format!(
                "maxResults size must within range [1,{SIGN_LIST_MAX}]"
            )));
        }
        None => return Err(ApiError::invalid_parameter("maxResults is required")),
    };
    let done = kind.list_type(query.kind.as_deref())?;
    let after = position_after(query.next_token.as_deref())?;
    let page = state
        .store
        .sign_list(
            access.grant.corp_id.clone(),
            calendar.owner,
            event_id,
            kind,
            done,
            after,
            limit,
        )
        .await?;
    let users = page
        .items
        .iter()
        .map(|s| SignedUser {
            user_id: s.user.as_str(),
            display_name: state.directory.display_name(&s.user),
            check_in_time: s.at_ms.filter(|_| kind == SignKind::In),
            check_out_time: s.at_ms.filter(|_| kind == SignKind::Out),
        })
        .collect();
    RawJson::of(&SignList {
        next_token: page.next.as_deref(),
        users,
    })
}

async fn sign_in_list(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<SignListQuery>,
) -> ApiResult<RawJson> {
    list(&state, &access, &path, query, SignKind::In).await
}

async fn sign_out_list(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    path: CalendarPath,
    Query(query): Query<SignListQuery>,
) -> ApiResult<RawJson> {
    list(&state, &access, &path, query, SignKind::Out).await
}

/// The link of an event, for its organizer only; on this server, as the
/// request reached it.
async fn link(
    state: &AppState,
    access: &Access<Write>,
    path: &CalendarPath,
    headers: &HeaderMap,
    kind: SignKind,
) -> ApiResult<String> {
    let calendar = access.calendar(state, path, Privilege::Writer).await?;
    let event_id = path.event_id()?;
    let organizer = state
        .store
        .organizer_of(
            access.grant.corp_id.clone(),
            calendar.owner.clone(),
            event_id.clone(),
        )
        .await?;
    if organizer != calendar.owner {
        return Err(kind.no_link_permission());
    }
    let code = state
        .store
        .sign_link(access.grant.corp_id.clone(), event_id, kind)
        .await?;
    Ok(format!("{}/checkin/{code}", state.own_address(headers)))
}

async fn sign_in_link(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    headers: HeaderMap,
) -> ApiResult<RawJson> {
    let sign_in_link = link(&state, &access, &path, &headers, SignKind::In).await?;
    RawJson::of(&SignInLink { sign_in_link })
}

async fn sign_out_link(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    path: CalendarPath,
    headers: HeaderMap,
) -> ApiResult<RawJson> {
    let sign_out_link = link(&state, &access, &path, &headers, SignKind::Out).await?;
    RawJson::of(&SignOutLink { sign_out_link })
}

/// What a link's code names, and its page's title and outcome words.
async fn target(
    state: &AppState,
    code: &str,
) -> Result<(CorpId, EventId, SignKind, &'static str, &'static str), Response> {
    let found = state.store.sign_link_target(code.to_string()).await;
    let Ok(Some((corp_id, event_id, kind))) = found else {
        return Err(html_page(
            StatusCode::NOT_FOUND,
            "No such link",
            "<p>This link is not one dingcal made.</p>",
        ));
    };
    let (title, done) = match kind {
        SignKind::In => ("Sign in", "Signed in"),
        SignKind::Out => ("Sign out", "Signed out"),
    };
    Ok((corp_id, event_id, kind, title, done))
}

/// A sign-in or sign-out link opened in a browser: a form asking who signs
/// (the stand-in sign-in: DingTalk would know), posted back to the link.
async fn link_page(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    let (_, _, _, title, _) = match target(&state, &code).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let form = format!(
        "<p>dingcal stands in for DingTalk's sign-in: enter the unionId of the user who signs.</p>\n\
         <form method=\"post\" action=\"/checkin/{}\">\n\
         <label>unionId <input name=\"login_hint\" autofocus required></label>\n\
         <button type=\"submit\">{title}</button>\n</form>",
        html_escape(&code)
    );
    html_page(StatusCode::OK, title, &form)
}

/// The form posted: signs the user it names in or out, if they are on the
/// event (a user of another org is told the same as one not on it).
async fn link_sign(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    Form(form): Form<LinkQuery>,
) -> Response {
    let (corp_id, event_id, kind, title, done) = match target(&state, &code).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let user = UnionId(form.login_hint.unwrap_or_default());
    let signed = if state.directory.corp_of(&user) == Some(&corp_id) {
        let meta = WriteMeta {
            corp_id,
            caller: user.clone(),
            now: state.clock.now(),
            idempotency: None,
        };
        state.store.sign(meta, event_id, kind).await
    } else {
        Err(ApiError::not_in_event())
    };
    match signed {
        Ok(at_ms) => {
            let at = jiff::Timestamp::from_millisecond(at_ms)
                .map(|t| t.to_string())
                .unwrap_or_default();
            html_page(
                StatusCode::OK,
                done,
                &format!(
                    "<p>{} at <time>{at}</time>.</p>",
                    html_escape(user.as_str())
                ),
            )
        }
        Err(e) => html_page(
            StatusCode::from_u16(e.status as u16).unwrap_or(StatusCode::BAD_REQUEST),
            title,
            &format!("<p>{}: {}</p>", e.code, html_escape(&e.message)),
        ),
    }
}
