//! Meeting rooms on events: which rooms an event holds, how a booking
//! waits for approval, and the stretches of time a booking takes (every
//! occurrence of a series). A room is never taken twice for overlapping
//! time; the store checks each stretch against the room's others.

use std::collections::BTreeMap;

use super::EventId;
use super::event::Event;
use super::limits::{ROOM_SERIES_SPAN_MAX_SECONDS, ROOMS_PER_EVENT};
use super::series::{Exception, Series};
use super::time::{When, Window};
use crate::error::{ApiError, ApiResult};

/// A room's answer to a booking (DingTalk's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomStatus {
    Accepted,
    /// Awaiting approval: the room is held meanwhile.
    Tentative,
    /// Refused: the room is not held.
    Declined,
}

impl RoomStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomStatus::Accepted => "accepted",
            RoomStatus::Tentative => "tentative",
            RoomStatus::Declined => "declined",
        }
    }

    pub fn parse(value: Option<&str>) -> ApiResult<RoomStatus> {
        match value {
            Some("accepted") => Ok(RoomStatus::Accepted),
            Some("tentative") => Ok(RoomStatus::Tentative),
            Some("declined") => Ok(RoomStatus::Declined),
            None => Err(ApiError::invalid_parameter("responseStatus is required")),
            Some(other) => Err(ApiError::invalid_parameter(format!(
                "responseStatus must be one of accepted, tentative, declined, got {other:?}"
            ))),
        }
    }

    /// Whether the booking holds the room's time.
    pub fn holds(self) -> bool {
        self != RoomStatus::Declined
    }
}

/// A room on an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRoom {
    pub room_id: String,
    pub response_status: RoomStatus,
}

/// The ids of an AddMeetingRooms or RemoveMeetingRooms body: at least one,
/// each given; a repeated id counts once.
pub fn room_ids(
    list: Option<Vec<Option<String>>>,
    missing: &'static str,
) -> ApiResult<Vec<String>> {
    let list = list
        .filter(|l| !l.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter(missing))?;
    let mut ids: Vec<String> = Vec::with_capacity(list.len());
    for id in list {
        let id = id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| ApiError::invalid_parameter("roomId must be provided."))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Adds rooms to an event, each `(room id, whether it needs approval)`: a
/// room that needs approval is `tentative` until MeetingRoomRespond, any
/// other `accepted`; one already on the event stays as it is. An event
/// holds at most 5.
pub fn add_rooms(event: &mut Event, rooms: &[(String, bool)]) -> ApiResult<()> {
    let new: Vec<&(String, bool)> = rooms
        .iter()
        .filter(|(id, _)| !event.meeting_rooms.iter().any(|r| &r.room_id == id))
        .collect();
    if event.meeting_rooms.len() + new.len() > ROOMS_PER_EVENT {
        // DingTalk's message, which names attendees.
        return Err(ApiError::invalid_parameter(format!(
            "attendees batch size too large. Maximum allowed:{ROOMS_PER_EVENT}"
        )));
    }
    for (room_id, needs_approval) in new {
        event.meeting_rooms.push(MeetingRoom {
            room_id: room_id.clone(),
            response_status: if *needs_approval {
                RoomStatus::Tentative
            } else {
                RoomStatus::Accepted
            },
        });
    }
    Ok(())
}

/// Sets the room's answer; `false` if the room is not on the event.
pub fn respond(event: &mut Event, room_id: &str, status: RoomStatus) -> bool {
    match event
        .meeting_rooms
        .iter_mut()
        .find(|r| r.room_id == room_id)
    {
        Some(room) => {
            room.response_status = status;
            true
        }
        None => false,
    }
}

/// One stretch of time an event takes its rooms: the event itself, or one
/// occurrence of a series (by its instance id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    pub id: EventId,
    pub when: When,
}

/// The stretches an event's rooms are held for: none once it is cancelled;
/// for a series, each occurrence not cancelled, as its exception moved it.
/// A series that runs longer than 366 days (or for ever) cannot hold a
/// room.
pub fn stretches(event: &Event, exceptions: &BTreeMap<i64, Exception>) -> ApiResult<Vec<Stretch>> {
    if event.cancelled {
        return Ok(Vec::new());
    }
    let Some(series) = Series::of(event)? else {
        return Ok(vec![Stretch {
            id: event.id.clone(),
            when: event.when.clone(),
        }]);
    };
    let (first, _) = event.when.keys();
    let last = series.last_end_key();
    if last.saturating_sub(first) > ROOM_SERIES_SPAN_MAX_SECONDS {
        return Err(ApiError::invalid_parameter(
            "A series that books a meeting room must end within 366 days of its start",
        ));
    }
    // Moved occurrences may stand outside the series' own span.
    let (lo, hi) = exceptions
        .values()
        .filter_map(|x| x.event.as_ref())
        .map(|e| e.when.keys())
        .fold((first, last), |(lo, hi), (s, e)| (lo.min(s), hi.max(e)));
    let window = Window {
        instant: (lo, hi.saturating_add(1)),
        floating: (lo, hi.saturating_add(1)),
    };
    Ok(series
        .placements(event, exceptions, &window, None, usize::MAX)
        .into_iter()
        .filter(|p| {
            !exceptions
                .get(&p.origin.key())
                .and_then(|x| x.event.as_ref())
                .is_some_and(|e| e.cancelled)
        })
        .map(|p| Stretch {
            id: p.id(&event.id),
            when: p.when,
        })
        .collect())
}
