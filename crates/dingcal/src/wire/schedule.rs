//! GetSchedule: free/busy of several users. Its answer holds thousands of
//! items and is written directly (`render::Renderer::schedule`):
//! `{"scheduleInformation":[{"userId", "error"?, "scheduleItems":[{"status",
//! "start", "end"}]}]}`, each time as `{"date"}` or `{"dateTime",
//! "timeZone"}`.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRequest {
    pub user_ids: Option<Vec<String>>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}
