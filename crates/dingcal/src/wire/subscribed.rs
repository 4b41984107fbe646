//! The subscribed-calendar operations' bodies.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScopeBody {
    pub union_ids: Option<Vec<String>>,
    pub open_conversation_ids: Option<Vec<String>>,
    pub corp_ids: Option<Vec<String>>,
}

/// CreateSubscribedCalendar's and UpdateSubscribedCalendars' body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedCalendarRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub managers: Option<Vec<String>>,
    pub subscribe_scope: Option<ScopeBody>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedCalendar<'a> {
    pub calendar_id: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScopeAnswer<'a> {
    pub union_ids: Vec<&'a str>,
    pub open_conversation_ids: &'a [String],
    pub corp_ids: &'a [String],
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedCalendarBody<'a> {
    pub calendar_id: &'a str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub author: &'a str,
    pub managers: Vec<&'a str>,
    pub subscribe_scope: ScopeAnswer<'a>,
}
