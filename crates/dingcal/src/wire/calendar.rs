//! ListCalendars, the access rules (CreateAcls, ListAcls) and ListCategories, as the SDK
//! sends and parses them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCalendarsResponse<'a> {
    pub response: CalendarList<'a>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CalendarList<'a> {
    pub calendars: Vec<CalendarBody<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarBody<'a> {
    pub id: String,
    pub summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub time_zone: &'static str,
    pub e_tag: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub privilege: &'static str,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateAclRequest {
    pub privilege: Option<String>,
    pub send_msg: Option<bool>,
    pub scope: Option<AclScope>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AclScope {
    pub scope_type: Option<String>,
    pub user_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AclBody<'a> {
    pub acl_id: &'a str,
    pub privilege: &'static str,
    pub scope: AclScopeBody<'a>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AclScopeBody<'a> {
    pub scope_type: &'static str,
    pub user_id: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AclList<'a> {
    pub acls: Vec<AclBody<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CategoryList<'a> {
    pub categories: Vec<CategoryItem<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryItem<'a> {
    pub display_name: &'a str,
    pub open_category_id: &'a str,
}
