//! ListOrgPlugins and UpdateOrgPluginSubscribers, as the SDK sends and
//! parses them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, JsonSchema)]
pub struct PluginList<'a> {
    pub plugins: Vec<PluginBody<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginBody<'a> {
    pub plugin_id: &'a str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin_classification: Option<&'a str>,
    pub subscribers: Subscribers<'a>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subscribers<'a> {
    pub dept_ids: &'a [String],
    pub union_ids: &'a [String],
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribersRequest {
    pub dept_ids: Option<Vec<String>>,
    pub union_ids: Option<Vec<String>>,
}
