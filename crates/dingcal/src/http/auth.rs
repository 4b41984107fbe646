//! Who is calling: the access token of a request, checked against the
//! store and the directory, the permission an operation needs, and whose
//! calendar a path names for that caller.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jiff::Timestamp;

use super::AppState;
use super::access::Caller;
use super::extract::{CalendarPath, ClientToken};
use crate::directory::Grant;
use crate::domain::calendar::{CalendarRef, Privilege};
use crate::domain::{Permission, UnionId, time};
use crate::error::{ApiError, ApiResult};
use crate::store::{IdempotencyKey, WriteMeta};

/// Tokens already checked, with when to check them again: a token never
/// changes owner, but may be removed or expire in the database (by another
/// node, or by hand), which must take effect within seconds.
#[derive(Default)]
pub struct TokenCache(Mutex<HashMap<String, Checked>>);

/// A token checked: what it grants, when it expires (on the server's
/// clock), and when to ask the store again (on the system's: a frozen
/// clock must not keep a deleted token valid).
#[derive(Clone)]
struct Checked {
    grant: Arc<Grant>,
    expires_at: Timestamp,
    recheck: Timestamp,
}

impl TokenCache {
    /// Forgets every token checked (the store's were all deleted).
    pub fn clear(&self) {
        self.0.lock().expect("token cache poisoned").clear();
    }
}

/// How long a checked token is trusted before the database is asked again.
const TOKEN_RECHECK: jiff::SignedDuration = jiff::SignedDuration::from_secs(5);

impl AppState {
    /// What an access token grants, if it is known and unexpired.
    pub async fn authenticate(&self, token: &str) -> ApiResult<Arc<Grant>> {
        let now = self.clock.now();
        let system = time::now();
        let cached = self
            .tokens
            .0
            .lock()
            .expect("token cache poisoned")
            .get(token)
            .cloned();
        if let Some(checked) = cached {
            if checked.expires_at > now && checked.recheck > system {
                return Ok(checked.grant);
            }
        }
        let record = self
            .store
            .token(token)
            .await?
            .filter(|r| r.expires_at > now)
            .ok_or_else(ApiError::invalid_token)?;
        let app = self
            .directory
            .app(&record.app_key)
            .ok_or_else(ApiError::invalid_token)?;
        let grant = Arc::new(Grant {
            user: record.user,
            ..app.grant.clone()
        });
        let checked = Checked {
            grant: grant.clone(),
            expires_at: record.expires_at,
            recheck: system.checked_add(TOKEN_RECHECK).unwrap_or(system),
        };
        let mut cache = self.tokens.0.lock().expect("token cache poisoned");
        cache.retain(|_, c| c.recheck > system);
        cache.insert(token.to_string(), checked);
        Ok(grant)
    }
}

/// Tells the access check what an operation needs.
pub trait Scope {
    const NEEDED: Permission;
}

pub struct Read;
pub struct Write;
pub struct ScheduleRead;
pub struct AclRead;
pub struct AclWrite;
pub struct CalendarRead;
pub struct CalendarWrite;

impl Scope for Read {
    const NEEDED: Permission = Permission::EventRead;
}
impl Scope for Write {
    const NEEDED: Permission = Permission::EventWrite;
}
impl Scope for ScheduleRead {
    const NEEDED: Permission = Permission::EventScheduleRead;
}
impl Scope for AclRead {
    const NEEDED: Permission = Permission::AclRead;
}
impl Scope for AclWrite {
    const NEEDED: Permission = Permission::AclWrite;
}
impl Scope for CalendarRead {
    const NEEDED: Permission = Permission::CalendarRead;
}
impl Scope for CalendarWrite {
    const NEEDED: Permission = Permission::CalendarWrite;
}

/// The checked access token of a request, holding the permission `P` names.
pub struct Access<P> {
    pub grant: Arc<Grant>,
    /// The server's clock when the request was let in: the time its
    /// writes carry.
    pub now: Timestamp,
    scope: PhantomData<P>,
}

impl<P: Scope + Send> FromRequestParts<Arc<AppState>> for Access<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get("x-acs-dingtalk-access-token")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::missing_token)?;
        let grant = state.authenticate(token).await?;
        if let Some(caller) = parts.extensions.get::<Caller>() {
            caller.set(&grant);
        }
        grant.require(P::NEEDED)?;
        Ok(Access {
            grant,
            now: state.clock.now(),
            scope: PhantomData,
        })
    }
}

/// The calendar a request acts on, as the caller may use it.
#[derive(Debug, Clone)]
pub struct CalendarAccess {
    /// Whose calendar it is: reads and writes act as this user.
    pub owner: UnionId,
    pub privilege: Privilege,
}

impl<P> Access<P> {
    /// The access of a user who signed in otherwise than with a token
    /// (CalDAV's credentials): as a token of that user's would act.
    pub fn acting_as(grant: Arc<Grant>, now: Timestamp) -> Access<P> {
        Access {
            grant,
            now,
            scope: PhantomData,
        }
    }

    /// The calendar a path names, if the caller may use it at `needed`.
    /// An app acts as the path's user; a user's token as its user. Either
    /// uses its own calendar as `owner`, and another user's (named by that
    /// user's path and `primary`, or by the id ListCalendars gives it) at
    /// what an access rule grants; a subscribed calendar as its author or
    /// a manager (writer) or a subscriber (reader). Anything else is
    /// refused alike, whether that user exists or not.
    pub async fn calendar(
        &self,
        state: &AppState,
        path: &CalendarPath,
        needed: Privilege,
    ) -> ApiResult<CalendarAccess> {
        let corp_id = &self.grant.corp_id;
        // Another user's calendar by its id; `None` for the path's primary.
        let named = match CalendarRef::parse(&path.calendar_id)? {
            CalendarRef::Subscribed(id) => return self.subscribed(state, path, id, needed).await,
            CalendarRef::Primary => None,
            CalendarRef::Of(owner) => Some(owner),
        };
        let (acting, owner) = match &self.grant.user {
            None => {
                let acting = self.path_user(state, &path.user_id)?;
                let owner = match named {
                    None => acting.clone(),
                    Some(owner) => state
                        .directory
                        .member(corp_id, owner.as_str())
                        .map_err(|_| ApiError::calendar_not_found())?,
                };
                (acting, owner)
            }
            Some(me) => {
                let owner = match named {
                    None if path.user_id == "me" => me.clone(),
                    None => UnionId(path.user_id.clone()),
                    Some(owner) => owner,
                };
                (me.clone(), owner)
            }
        };
        let privilege = if acting == owner {
            Privilege::Owner
        } else {
            state
                .store
                .privilege(corp_id.clone(), owner.clone(), acting)
                .await?
                .ok_or_else(ApiError::not_own_calendar)?
        };
        Ok(CalendarAccess {
            owner,
            privilege: privilege.require(needed)?,
        })
    }

    /// A subscribed calendar, as its author or a manager (writer) or a
    /// subscriber (reader) uses it.
    async fn subscribed(
        &self,
        state: &AppState,
        path: &CalendarPath,
        calendar_id: String,
        needed: Privilege,
    ) -> ApiResult<CalendarAccess> {
        let acting = match &self.grant.user {
            None => self.path_user(state, &path.user_id)?,
            Some(me) => me.clone(),
        };
        let (calendar, subscribes) = state
            .store
            .subscribed(self.grant.corp_id.clone(), calendar_id, acting.clone())
            .await?
            .ok_or_else(ApiError::calendar_not_found)?;
        let privilege = calendar
            .privilege(&acting, &self.grant.corp_id, subscribes)
            .ok_or_else(ApiError::not_own_calendar)?;
        Ok(CalendarAccess {
            owner: calendar.owner(),
            privilege: privilege.require(needed)?,
        })
    }

    /// The user a path's `{userId}` names. An app's token reaches every
    /// user of its org, but has no `me`; a user's token only its own user,
    /// also named `me` (CONTRACT.md), and is refused any other, whether
    /// that user exists or not.
    pub fn path_user(&self, state: &AppState, user_id: &str) -> ApiResult<UnionId> {
        match &self.grant.user {
            None if user_id == "me" => Err(ApiError::user_token_required()),
            None => state.directory.member(&self.grant.corp_id, user_id),
            Some(me) if user_id == "me" || user_id == me.as_str() => Ok(me.clone()),
            Some(_) => Err(ApiError::not_own_calendar()),
        }
    }

    /// Who writes, as `caller`, now, under the request's x-client-token.
    pub fn write_meta(&self, caller: UnionId, client_token: ClientToken) -> WriteMeta {
        WriteMeta {
            idempotency: client_token.token.map(|token| IdempotencyKey {
                app_key: self.grant.app_key.clone(),
                token,
                // Users of one app share its tokens' space: a user's token
                // is tied to its user, so that no one is answered another's
                // first request.
                request: match &self.grant.user {
                    Some(user) => format!("{} as {}", client_token.request, user.as_str()),
                    None => client_token.request,
                },
            }),
            ..self.plain_write_meta(caller)
        }
    }

    /// The same, for a write the SDK sends no x-client-token with.
    pub fn plain_write_meta(&self, caller: UnionId) -> WriteMeta {
        WriteMeta {
            corp_id: self.grant.corp_id.clone(),
            caller,
            now: self.now,
            idempotency: None,
        }
    }
}
