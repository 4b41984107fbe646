//! The meeting-room operations' bodies: AddMeetingRooms,
//! RemoveMeetingRooms, MeetingRoomRespond and GetMeetingRoomsSchedule.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::event::EventTime;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomRef {
    pub room_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddRoomsRequest {
    pub meeting_rooms_to_add: Option<Vec<RoomRef>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoveRoomsRequest {
    pub meeting_rooms_to_remove: Option<Vec<RoomRef>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomRespondRequest {
    pub response_status: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomScheduleRequest {
    pub room_ids: Option<Vec<String>>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomScheduleResponse<'a> {
    pub schedule_information: Vec<RoomScheduleBody<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomScheduleBody<'a> {
    pub room_id: &'a str,
    pub schedule_items: Vec<RoomItem<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomItem<'a> {
    /// `BUSY`, or `TENTATIVE` while the booking awaits approval.
    pub status: &'static str,
    pub event_id: &'a str,
    pub organizer: OrganizerRef<'a>,
    pub start: EventTime,
    pub end: EventTime,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OrganizerRef<'a> {
    pub id: &'a str,
}
