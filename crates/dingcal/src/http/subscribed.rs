//! Subscribed calendars: CreateSubscribedCalendar, GetSubscribedCalendar,
//! UpdateSubscribedCalendars, DeleteSubscribedCalendar, SubscribeCalendar
//! and UnsubscribeCalendar. Their events are written and read through the
//! event operations on the calendar's id.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, CalendarRead, CalendarWrite};
use super::extract::Json;
use crate::domain::calendar::CalendarRef;
use crate::domain::limits::{SUBSCRIBE_SCOPE_MAX, check_count};
use crate::domain::subscribed::{self, SubscribeScope, SubscribedCalendar};
use crate::domain::{CorpId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::wire::subscribed::{
    CreatedCalendar, ScopeAnswer, ScopeBody, SubscribedCalendarBody, SubscribedCalendarRequest,
};

const CALENDARS: &str = "/v1.0/calendar/users/{userId}/subscribedCalendars";
const CALENDAR: &str = "/v1.0/calendar/users/{userId}/subscribedCalendars/{calendarId}";
const SUBSCRIBE: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/subscribe";
const UNSUBSCRIBE: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/unsubscribe";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(CALENDARS, post(create))
        .route(CALENDAR, axum::routing::get(get).put(update).delete(delete))
        .route(SUBSCRIBE, post(subscribe))
        .route(UNSUBSCRIBE, post(unsubscribe))
}

/// A scope as sent: its users must be of the org.
fn scope(state: &AppState, corp_id: &CorpId, body: Option<ScopeBody>) -> ApiResult<SubscribeScope> {
    let body = body.ok_or_else(|| ApiError::invalid_parameter("subscribe range cannot be null"))?;
    let union_ids: Vec<UnionId> = body
        .union_ids
        .unwrap_or_default()
        .into_iter()
        .map(UnionId)
        .collect();
    state.directory.check_members(corp_id, union_ids.iter())?;
    SubscribeScope {
        union_ids,
        conversation_ids: body.open_conversation_ids.unwrap_or_default(),
        corp_ids: body.corp_ids.unwrap_or_default(),
    }
    .check()
}

fn managers(state: &AppState, corp_id: &CorpId, list: Vec<String>) -> ApiResult<Vec<UnionId>> {
    let managers: Vec<UnionId> = list.into_iter().map(UnionId).collect();
    check_count("managers", &managers, SUBSCRIBE_SCOPE_MAX)?;
    state.directory.check_members(corp_id, managers.iter())?;
    Ok(managers)
}

/// Its creator must be inside the scope (DingTalk's rule and message).
fn check_in_range(calendar: &SubscribedCalendar, corp_id: &CorpId) -> ApiResult<()> {
    if calendar.scope.includes(&calendar.author, corp_id) {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter("current user must in range"))
    }
}

async fn create(
    State(state): State<Arc<AppState>>,
    access: Access<CalendarWrite>,
    Path(user_id): Path<String>,
    Json(body): Json<Option<SubscribedCalendarRequest>>,
) -> ApiResult<RawJson> {
    let author = access.path_user(&state, &user_id)?;
    let corp_id = &access.grant.corp_id;
    let body = body.ok_or_else(|| ApiError::invalid_parameter("calendar name cannot be blank"))?;
    let calendar = SubscribedCalendar {
        calendar_id: SubscribedCalendar::new_id(),
        author,
        name: subscribed::name(body.name)?,
        description: subscribed::description(body.description.unwrap_or_default())?,
        managers: managers(&state, corp_id, body.managers.unwrap_or_default())?,
        scope: scope(&state, corp_id, body.subscribe_scope)?,
    };
    check_in_range(&calendar, corp_id)?;
    let meta = access.plain_write_meta(calendar.author.clone());
    state
        .store
        .create_subscribed(meta, calendar.clone())
        .await?;
    RawJson::of(&CreatedCalendar {
        calendar_id: &calendar.calendar_id,
    })
}

/// The calendar a path names, for someone who manages it (its author, or
/// one of its managers); `author_only` for what only its author does.
async fn managed<P>(
    state: &AppState,
    access: &Access<P>,
    user_id: &str,
    calendar_id: &str,
    author_only: bool,
) -> ApiResult<SubscribedCalendar> {
    let user = access.path_user(state, user_id)?;
    if calendar_id.trim().is_empty() {
        return Err(ApiError::invalid_parameter("calendar id cannot be null"));
    }
    let (calendar, _) = state
        .store
        .subscribed(
            access.grant.corp_id.clone(),
            calendar_id.to_string(),
            user.clone(),
        )
        .await?
        .ok_or_else(ApiError::calendar_not_found)?;
    let allowed = if author_only {
        calendar.author == user
    } else {
        calendar.may_manage(&user)
    };
    if allowed {
        Ok(calendar)
    } else {
        Err(ApiError::not_own_calendar())
    }
}

async fn get(
    State(state): State<Arc<AppState>>,
    access: Access<CalendarRead>,
    Path((user_id, calendar_id)): Path<(String, String)>,
) -> ApiResult<RawJson> {
    let c = managed(&state, &access, &user_id, &calendar_id, false).await?;
    RawJson::of(&SubscribedCalendarBody {
        calendar_id: &c.calendar_id,
        name: &c.name,
        description: c.description.as_deref(),
        author: c.author.as_str(),
        managers: c.managers.iter().map(UnionId::as_str).collect(),
        subscribe_scope: ScopeAnswer {
            union_ids: c.scope.union_ids.iter().map(UnionId::as_str).collect(),
            open_conversation_ids: &c.scope.conversation_ids,
            corp_ids: &c.scope.corp_ids,
        },
    })
}

/// Fields left out stay as they were; lists given replace the old ones.
async fn update(
    State(state): State<Arc<AppState>>,
    access: Access<CalendarWrite>,
    Path((user_id, calendar_id)): Path<(String, String)>,
    Json(body): Json<Option<SubscribedCalendarRequest>>,
) -> ApiResult<RawJson> {
    let mut calendar = managed(&state, &access, &user_id, &calendar_id, false).await?;
    let corp_id = &access.grant.corp_id;
    let Some(body) = body else {
        return RawJson::done();
    };
    if body.name.is_some() {
        calendar.name = subscribed::name(body.name)?;
    }
    if let Some(description) = body.description {
        calendar.description = subscribed::description(description)?;
    }
    if let Some(list) = body.managers {
        calendar.managers = managers(&state, corp_id, list)?;
    }
    if body.subscribe_scope.is_some() {
        calendar.scope = scope(&state, corp_id, body.subscribe_scope)?;
        check_in_range(&calendar, corp_id)?;
    }
    let meta = access.plain_write_meta(calendar.author.clone());
    state.store.update_subscribed(meta, calendar).await?;
    RawJson::done()
}

/// Only its author deletes it; everyone's subscription ends with it.
async fn delete(
    State(state): State<Arc<AppState>>,
    access: Access<CalendarWrite>,
    Path((user_id, calendar_id)): Path<(String, String)>,
) -> ApiResult<RawJson> {
    let calendar = managed(&state, &access, &user_id, &calendar_id, true).await?;
    let meta = access.plain_write_meta(calendar.author.clone());
    state
        .store
        .delete_subscribed(meta, calendar.calendar_id)
        .await?;
    RawJson::done()
}

/// The subscribed calendar a subscribe path names, for a user inside its
/// scope when `to_subscribe` (DingTalk's codes and messages); anyone may
/// leave one, even after the scope left them out.
async fn subscribable(
    state: &AppState,
    access: &Access<CalendarWrite>,
    user_id: &str,
    calendar_id: &str,
    to_subscribe: bool,
) -> ApiResult<(UnionId, SubscribedCalendar)> {
    let user = access.path_user(state, user_id)?;
    if calendar_id.trim().is_empty() {
        return Err(ApiError::invalid_parameter("calendarId cannot be blank"));
    }
    let type_invalid = || ApiError::invalid_parameter("calendar type invalid");
    let CalendarRef::Subscribed(id) =
        CalendarRef::parse(calendar_id).map_err(|_| type_invalid())?
    else {
        return Err(type_invalid());
    };
    let (calendar, _) = state
        .store
        .subscribed(access.grant.corp_id.clone(), id, user.clone())
        .await?
        .ok_or_else(type_invalid)?;
    if to_subscribe
        && !calendar.scope.includes(&user, &access.grant.corp_id)
        && !calendar.may_manage(&user)
    {
        return Err(ApiError::permission_denied_400("用户不在订阅范围"));
    }
    Ok((user, calendar))
}

async fn subscribe(
    State(state): State<Arc<AppState>>,
    access: Access<CalendarWrite>,
    Path((user_id, calendar_id)): Path<(String, String)>,
) -> ApiResult<()> {
    let (user, calendar) = subscribable(&state, &access, &user_id, &calendar_id, true).await?;
    let meta = access.plain_write_meta(user);
    state.store.subscribe(meta, calendar.calendar_id).await
}

async fn unsubscribe(
    State(state): State<Arc<AppState>>,
    access: Access<CalendarWrite>,
    Path((user_id, calendar_id)): Path<(String, String)>,
) -> ApiResult<RawJson> {
    let (user, calendar) = subscribable(&state, &access, &user_id, &calendar_id, false).await?;
    let meta = access.plain_write_meta(user);
    state.store.unsubscribe(meta, calendar.calendar_id).await?;
    RawJson::done()
}
