//! GetSchedule: free/busy of several users.

use serde::{Deserialize, Serialize};

use super::event::EventTime;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRequest {
    pub user_ids: Option<Vec<String>>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleBody {
    pub schedule_information: Vec<ScheduleInformation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleInformation {
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub schedule_items: Vec<ScheduleItem>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleItem {
    pub status: &'static str,
    pub start: EventTime,
    pub end: EventTime,
}
