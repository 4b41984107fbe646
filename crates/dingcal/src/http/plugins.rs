//! The org's calendar plugins: ListOrgPlugins and
//! UpdateOrgPluginSubscribers. Plugins come from the directory file; who
//! they are enabled for is kept in the store.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use super::AppState;
use super::answer::RawJson;
use super::auth::{Access, Read, Write};
use super::extract::Json;
use crate::domain::UnionId;
use crate::domain::limits::{PLUGIN_SUBSCRIBERS_MAX, check_count};
use crate::error::{ApiError, ApiResult};
use crate::wire::plugin::{PluginBody, PluginList, Subscribers, SubscribersRequest};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1.0/calendar/plugins", get(list_plugins))
        .route(
            "/v1.0/calendar/plugins/{pluginId}/subscribers",
            post(update_subscribers),
        )
}

async fn list_plugins(
    State(state): State<Arc<AppState>>,
    access: Access<Read>,
) -> ApiResult<RawJson> {
    let plugins = state.store.plugins(access.grant.corp_id.clone()).await?;
    RawJson::of(&PluginList {
        plugins: plugins
            .iter()
            .map(|p| PluginBody {
                plugin_id: &p.plugin_id,
                name: &p.name,
                logo: p.logo.as_deref(),
                plugin_classification: p.classification.as_deref(),
                subscribers: Subscribers {
                    dept_ids: &p.dept_ids,
                    union_ids: &p.union_ids,
                },
            })
            .collect(),
    })
}

/// Replaces who the plugin is enabled for: users of the org, and
/// departments by id (the directory has no departments: any id is kept).
async fn update_subscribers(
    State(state): State<Arc<AppState>>,
    access: Access<Write>,
    Path(plugin_id): Path<String>,
    Json(body): Json<Option<SubscribersRequest>>,
) -> ApiResult<RawJson> {
    // An org-wide setting: an app's, never one user's token.
    if access.grant.user.is_some() {
        return Err(ApiError::not_own_calendar());
    }
    let body =
        body.ok_or_else(|| ApiError::invalid_parameter("The request body must be provided."))?;
    let dept_ids = body.dept_ids.unwrap_or_default();
    let union_ids = body.union_ids.unwrap_or_default();
    check_count("deptIds", &dept_ids, PLUGIN_SUBSCRIBERS_MAX)?;
    check_count("unionIds", &union_ids, PLUGIN_SUBSCRIBERS_MAX)?;
    if dept_ids.iter().any(|d| d.trim().is_empty()) {
        return Err(ApiError::invalid_parameter(
            "deptIds cannot hold a blank id",
        ));
    }
    let users: Vec<UnionId> = union_ids.iter().cloned().map(UnionId).collect();
    state
        .directory
        .check_members(&access.grant.corp_id, users.iter())?;
    if state
        .store
        .set_plugin_subscribers(access.grant.corp_id.clone(), plugin_id, dept_ids, union_ids)
        .await?
    {
        RawJson::done()
    } else {
        Err(ApiError::item_not_found(
            "The specified plugin cannot be found.",
        ))
    }
}
