//! ListCalendars, a calendar's access rules (CreateAcls, ListAcls and
//! DeleteAcl), and ListCategories.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{delete, get};

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, AclRead, AclWrite, Read};
use super::controls::Channels;
use super::extract::{CalendarPath, ClientToken, Json};
use crate::domain::calendar::{Privilege, shared_id};
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::Acl;
use crate::wire::calendar::{
    AclBody, AclList, AclScopeBody, CalendarBody, CalendarList, CategoryItem, CategoryList,
    CreateAclRequest, ListCalendarsResponse,
};

const CALENDARS: &str = "/v1.0/calendar/users/{userId}/calendars";
const ACLS: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls";
const ACL: &str = "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls/{aclId}";

use crate::domain::calendar::TIME_ZONE;

const CATEGORIES: &str = "/v1.0/calendar/categories";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(CATEGORIES, get(list_categories))
        .route(CALENDARS, get(list_calendars))
        .route(ACLS, get(list_acls).post(create_acl))
        .route(ACL, delete(delete_acl))
}

/// A calendar a user sees, as ListCalendars (and CalDAV) show it.
pub struct Visible {
    /// The id the API's paths take (`primary` for the user's own).
    pub id: String,
    pub summary: String,
    pub description: Option<String>,
    pub e_tag: String,
    pub kind: &'static str,
    pub privilege: Privilege,
}

/// The user's own calendar, those shared with them, then the subscribed
/// calendars they author, manage or subscribe to.
pub async fn visible_calendars(
    state: &AppState,
    corp_id: &CorpId,
    user: &UnionId,
) -> ApiResult<Vec<Visible>> {
    let shared = state
        .store
        .shared_with(corp_id.clone(), user.clone())
        .await?;
    let subscribed = state
        .store
        .calendars_of(corp_id.clone(), user.clone())
        .await?;
    let mut calendars = Vec::with_capacity(1 + shared.len() + subscribed.len());
    let owned = [(user.clone(), Privilege::Owner)];
    for (owner, privilege) in owned.into_iter().chain(shared) {
        let own = privilege == Privilege::Owner;
        calendars.push(Visible {
            id: if own {
                "primary".into()
            } else {
                shared_id(&owner)
            },
            summary: state.directory.display_name(&owner).to_string(),
            description: None,
            e_tag: state
                .store
                .calendar_tag(corp_id.clone(), owner.clone())
                .await?,
            kind: if own { "primary" } else { "shared" },
            privilege,
        });
    }
    for (calendar, subscribes) in subscribed {
        // A subscription its scope no longer covers is not listed.
        let Some(privilege) = calendar.privilege(user, corp_id, subscribes) else {
            continue;
        };
        calendars.push(Visible {
            e_tag: state
                .store
                .calendar_tag(corp_id.clone(), calendar.owner())
                .await?,
            id: calendar.calendar_id,
            summary: calendar.name,
            description: calendar.description,
            kind: "subscribed",
            privilege,
        });
    }
    Ok(calendars)
}

async fn list_calendars(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
    Path(user_id): Path<String>,
) -> ApiResult<RawJson> {
    let user = access.path_user(&state, &user_id)?;
    let visible = visible_calendars(&state, &access.grant.corp_id, &user).await?;
    let calendars = visible
        .iter()
        .map(|c| CalendarBody {
            id: c.id.clone(),
            summary: &c.summary,
            description: c.description.as_deref(),
            time_zone: TIME_ZONE,
            e_tag: c.e_tag.clone(),
            kind: c.kind,
            privilege: c.privilege.as_str(),
        })
        .collect();
    RawJson::of(&ListCalendarsResponse {
        response: CalendarList { calendars },
    })
}

/// The event types of the token's org, for CreateEvent's `categories`.
async fn list_categories(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
) -> ApiResult<RawJson> {
    let categories = state
        .directory
        .categories(&access.grant.corp_id)
        .iter()
        .map(|c| CategoryItem {
            display_name: &c.name,
            open_category_id: &c.category_id,
        })
        .collect();
    RawJson::of(&CategoryList { categories })
}

fn acl_body(acl: &Acl) -> AclBody<'_> {
    AclBody {
        acl_id: &acl.acl_id,
        privilege: acl.privilege.as_str(),
        scope: AclScopeBody {
            scope_type: "user",
            user_id: acl.grantee.as_str(),
        },
    }
}

async fn create_acl(
    State(state): State<Arc<AppState>>,
    access: Access<AclWrite>,
    path: CalendarPath,
    client_token: ClientToken,
    Json(body): Json<Option<CreateAclRequest>>,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Owner).await?;
    let body = body.ok_or_else(|| ApiError::invalid_parameter("privilege is required"))?;
    let privilege = body
        .privilege
        .as_deref()
        .ok_or_else(|| ApiError::invalid_parameter("privilege is required"))
        .and_then(Privilege::grantable)?;
    let send_msg = body
        .send_msg
        .ok_or_else(|| ApiError::invalid_parameter("sendMsg is required"))?;
    let scope = body
        .scope
        .ok_or_else(|| ApiError::invalid_parameter("scope is required"))?;
    if scope.scope_type.as_deref() != Some("user") {
        return Err(ApiError::invalid_parameter("scope.scopeType must be user"));
    }
    let grantee = scope
        .user_id
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("scope.userId is required"))?;
    let grantee = UnionId(grantee);
    state
        .directory
        .check_members(&access.grant.corp_id, [&grantee])?;
    if grantee == calendar.owner {
        return Err(ApiError::invalid_parameter(
            "A calendar cannot be shared with its owner",
        ));
    }
    let meta = access.write_meta(calendar.owner.clone(), client_token);
    let acl = Acl {
        acl_id: String::new(),
        owner: calendar.owner,
        grantee,
        privilege,
        send_msg,
    };
    let acl = state.store.create_acl(meta, acl).await?;
    if acl.send_msg {
        state.notify(
            "aclShared",
            &EventId(String::new()),
            vec![acl.grantee.clone()],
            Channels::CHAT,
            acl.privilege.as_str(),
        );
    }
    RawJson::of(&acl_body(&acl))
}

async fn list_acls(
    State(state): State<Arc<AppState>>,
    access: Access<AclRead>,
    path: CalendarPath,
) -> ApiResult<RawJson> {
    let calendar = access.calendar(&state, &path, Privilege::Owner).await?;
    let acls = state
        .store
        .list_acls(access.grant.corp_id.clone(), calendar.owner)
        .await?;
    let list = AclList {
        acls: acls.iter().map(acl_body).collect(),
    };
    RawJson::of(&list)
}

/// Takes a share back; it ends at once, for every node.
async fn delete_acl(
    State(state): State<Arc<AppState>>,
    access: Access<AclWrite>,
    path: CalendarPath,
    client_token: ClientToken,
) -> ApiResult<()> {
    let calendar = access.calendar(&state, &path, Privilege::Owner).await?;
    let acl_id = path.acl_id.clone().unwrap_or_default();
    let meta = access.write_meta(calendar.owner.clone(), client_token);
    if state.store.delete_acl(meta, calendar.owner, acl_id).await? {
        Ok(())
    } else {
        Err(ApiError::item_not_found(
            "The specified acl cannot be found.",
        ))
    }
}
