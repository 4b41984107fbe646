//! ListAiMinutes as the SDK parses it, and the control that attaches
//! minutes to an event.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MinutesQuery {
    #[serde(default, deserialize_with = "super::query_bool")]
    pub fetch_all: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MinutesItem<'a> {
    pub minutes_id: &'a str,
    pub creator_user_id: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MinutesList<'a> {
    pub minutes: Vec<MinutesItem<'a>>,
}

/// `POST /_dingcal/minutes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachMinutes {
    pub event_id: Option<String>,
    pub creator_user_id: Option<String>,
    pub minutes_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachedMinutes {
    pub minutes_id: String,
}
