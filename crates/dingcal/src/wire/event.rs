//! Event bodies: what CreateEvent and PatchEvent take, what every event
//! operation answers, and the attendee and listing shapes.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `start` and `end` as sent and as answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventTime {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeInput {
    pub id: Option<String>,
    pub email: Option<String>,
    pub is_optional: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReminderInput {
    pub method: Option<String>,
    pub minutes: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeetingInput {
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `uiConfigs[]`, as sent and as answered.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UiConfigBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui_status: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// An event's location as answered: its name, and its rooms' ids.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationAnswer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meeting_rooms: Vec<&'a str>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingRoomBody<'a> {
    pub room_id: &'a str,
    pub response_status: &'static str,
    pub display_name: &'a str,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RichTextBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardInstanceBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_track_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventConfigBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_attendee_add_conference: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_attendee_add_participants: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_attendee_create_comment: Option<bool>,
}

/// `recurrence`, as sent and as answered (answers repeat what was sent).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<PatternBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeBody>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatternBody {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_of_week: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_day_of_week: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RangeBody {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_occurrences: Option<i64>,
}

/// The body of CreateEvent and of PatchEvent (which adds the required `id`).
/// Every field is optional here; the domain decides what is required.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventInput {
    pub id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub start: Option<EventTime>,
    pub end: Option<EventTime>,
    pub is_all_day: Option<bool>,
    pub recurrence: Option<RecurrenceBody>,
    pub attendees: Option<Vec<AttendeeInput>>,
    pub location: Option<LocationBody>,
    pub extra: Option<BTreeMap<String, String>>,
    pub reminders: Option<Vec<ReminderInput>>,
    pub online_meeting_info: Option<OnlineMeetingInput>,
    pub rich_text_description: Option<RichTextBody>,
    pub ui_configs: Option<Vec<UiConfigBody>>,
    pub categories: Option<Vec<CategoryBody>>,
    pub free_busy_status: Option<String>,
    pub card_instances: Option<Vec<CardInstanceBody>>,
    pub event_config: Option<EventConfigBody>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeBody<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
    pub response_status: &'static str,
    #[serde(rename = "self")]
    pub is_self: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_optional: Option<bool>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReminderBody {
    pub method: &'static str,
    /// A string in every response model of the SDK, though requests send a number.
    pub minutes: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeetingBody<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub conference_id: &'a str,
    pub url: &'a str,
}

/// An event as every operation answers it is two parts, written as one
/// JSON object: the event's own fields, the same for every caller (and so
/// written once per version of the event, see `render`), then its
/// participants and status as this caller sees them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventFields<'a> {
    pub id: &'a str,
    pub summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub start: EventTime,
    pub end: EventTime,
    pub is_all_day: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<RecurrenceBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationAnswer<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meeting_rooms: Vec<MeetingRoomBody<'a>>,
    pub reminders: Vec<ReminderBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_meeting_info: Option<OnlineMeetingBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rich_text_description: Option<RichTextBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ui_configs: Vec<UiConfigBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryBody>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_busy_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub card_instances: Vec<CardInstanceBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_config: Option<EventConfigBody>,
    pub create_time: String,
    pub update_time: String,
}

/// The second part of an event's answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventParticipants<'a> {
    pub attendees: Vec<AttendeeBody<'a>>,
    pub organizer: AttendeeBody<'a>,
    /// For an occurrence of a series: the series' id and the occurrence's
    /// original start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_master_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_start: Option<EventTime>,
    pub status: &'static str,
}

/// What follows a listing's events.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListTokens<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<&'a str>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetEventQuery {
    pub max_attendees: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListEventsQuery {
    pub time_min: Option<String>,
    pub time_max: Option<String>,
    pub max_results: Option<i64>,
    pub max_attendees: Option<i64>,
    pub next_token: Option<String>,
    #[serde(default, deserialize_with = "super::query_bool")]
    pub show_deleted: Option<bool>,
    pub sync_token: Option<String>,
    pub series_master_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteEventQuery {
    #[serde(default, deserialize_with = "super::query_bool")]
    pub push_notification: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RespondEventRequest {
    pub response_status: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddAttendeeRequest {
    pub attendees_to_add: Option<Vec<AttendeeInput>>,
    pub chat_notification: Option<bool>,
    pub push_notification: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeRef {
    pub id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoveAttendeeRequest {
    pub attendees_to_remove: Option<Vec<AttendeeRef>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListAttendeesQuery {
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeListBody<'a> {
    pub attendees: Vec<AttendeeBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowQuery {
    pub time_min: Option<String>,
    pub time_max: Option<String>,
    pub max_results: Option<i64>,
    pub max_attendees: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventsInstancesQuery {
    pub series_master_id: Option<String>,
    pub start_recurrence_id: Option<String>,
    pub max_results: Option<i64>,
    pub max_attendees: Option<i64>,
}

/// CancelEvent's query.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CancelEventQuery {
    pub scope: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferEventRequest {
    pub new_organizer_id: Option<String>,
    pub is_exit_calendar: Option<bool>,
    /// Whether the new organizer is told in a one-to-one chat (dingcal
    /// sends no messages).
    #[serde(rename = "needNotifyViaO2O")]
    pub need_notify_via_o2o: Option<bool>,
}

/// `{"result": true}`: what many writes answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResultBody {
    pub result: bool,
}
