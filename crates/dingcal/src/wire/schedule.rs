//! GetSchedule: free/busy of several users. Its answer holds thousands of
//! items and is written directly (`render::Renderer::schedule`):
//! `{"scheduleInformation":[{"userId", "error"?, "scheduleItems":[{"status",
//! "start", "end"}]}]}`, each time as `{"date"}` or `{"dateTime",
//! "timeZone"}`.

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRequest {
    pub user_ids: Option<Vec<String>>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

/// The shape of GetSchedule's answer, which `Renderer::schedule` writes by
/// hand: described here for the OpenAPI document, and read back in a test
/// that holds the two together.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleAnswer {
    pub schedule_information: Vec<ScheduleInformation>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleInformation {
    pub user_id: String,
    /// Only for a user who does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub schedule_items: Vec<ScheduleItem>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleItem {
    /// `Busy` or `Tentative`.
    pub status: String,
    pub start: super::event::EventTime,
    pub end: super::event::EventTime,
}
