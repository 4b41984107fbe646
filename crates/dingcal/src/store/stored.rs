//! What the database holds of an event, an exception and a replayed answer:
//! a stored form of its own, versioned, so that renaming a field of the
//! domain or of the wire changes nothing already written.
//!
//! Version 1 is the layout every dingcal so far has written; a body without
//! `"v"` is version 1. A new layout gets a new number and a conversion from
//! the old one here, and no body is ever read as something it is not: a
//! version this dingcal does not know is refused.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::domain::attendee::{Attendee, ResponseStatus};
use crate::domain::event::{
    CardInstance, Category, Event, EventConfig, EventView, IcalName, Location, OnlineMeeting,
    Recurrence, Reminder, RichText, UiConfig,
};
use crate::domain::recurrence::{Pattern, Range};
use crate::domain::room::{MeetingRoom, RoomStatus};
use crate::domain::series::{Exception, Origin};
use crate::domain::time::When;
use crate::domain::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::Outcome;

const VERSION: u32 = 1;

fn version_1() -> u32 {
    1
}

fn check_version(what: &str, v: u32) -> ApiResult<()> {
    if v == VERSION {
        Ok(())
    } else {
        Err(ApiError::internal(format!(
            "{what} was stored in version {v} of the stored form, which this dingcal does not know"
        )))
    }
}

pub fn encode_event(event: &Event) -> ApiResult<String> {
    Ok(serde_json::to_string(&EventV1::from(event))?)
}

pub fn decode_event(body: &str) -> ApiResult<Event> {
    serde_json::from_str::<EventV1>(body)?.into_event()
}

pub fn encode_exception(exception: &Exception) -> ApiResult<String> {
    let stored = ExceptionV1 {
        v: VERSION,
        cancelled: exception.cancelled,
        event: exception.event.as_ref().map(EventV1::from),
        responses: exception
            .responses
            .iter()
            .map(|(id, status)| (id.0.clone(), ResponseV1::from(*status)))
            .collect(),
    };
    Ok(serde_json::to_string(&stored)?)
}

pub fn decode_exception(body: &str) -> ApiResult<Exception> {
    let stored: ExceptionV1 = serde_json::from_str(body)?;
    check_version("an exception", stored.v)?;
    Ok(Exception {
        cancelled: stored.cancelled,
        event: stored.event.map(EventV1::into_event).transpose()?,
        responses: stored
            .responses
            .into_iter()
            .map(|(id, status)| (UnionId(id), status.into()))
            .collect(),
    })
}

pub fn encode_outcome(outcome: &Outcome) -> ApiResult<String> {
    let stored = match outcome {
        Outcome::Done => OutcomeV1::Done,
        Outcome::Event(view) => OutcomeV1::Event(Box::new(ViewV1 {
            event: EventV1::from(&*view.event),
            attendees: view.attendees.iter().map(AttendeeV1::from).collect(),
            series: view.series.as_ref().map(|(id, origin)| {
                let origin = match *origin {
                    Origin::Date(d) => OriginV1::Date(d),
                    Origin::Instant(t) => OriginV1::Instant(t),
                };
                (id.0.clone(), origin)
            }),
        })),
    };
    Ok(serde_json::to_string(&stored)?)
}

pub fn decode_outcome(body: &str) -> ApiResult<Outcome> {
    Ok(match serde_json::from_str::<OutcomeV1>(body)? {
        OutcomeV1::Done => Outcome::Done,
        OutcomeV1::Event(view) => Outcome::Event(Box::new(EventView {
            event: Arc::new(view.event.into_event()?),
            attendees: view.attendees.into_iter().map(Attendee::from).collect(),
            series: view.series.map(|(id, origin)| {
                let origin = match origin {
                    OriginV1::Date(d) => Origin::Date(d),
                    OriginV1::Instant(t) => Origin::Instant(t),
                };
                (EventId(id), origin)
            }),
        })),
    })
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventV1 {
    #[serde(default = "version_1")]
    v: u32,
    id: String,
    organizer: String,
    summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    when: WhenV1,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recurrence: Option<RecurrenceV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<LocationV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reminders: Option<Vec<ReminderV1>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    online_meeting: Option<OnlineMeetingV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rich_text: Option<RichTextV1>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ui_configs: Vec<UiConfigV1>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    categories: Vec<CategoryV1>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    extra: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    free_busy_status: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    card_instances: Vec<CardInstanceV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event_config: Option<EventConfigV1>,
    /// Added within version 1: an event without it was never cancelled.
    #[serde(default, skip_serializing_if = "is_false")]
    cancelled: bool,
    /// Added within version 1: an event without it has no rooms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    meeting_rooms: Vec<MeetingRoomV1>,
    /// Added within version 1: an event without it was not written over
    /// CalDAV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ical: Option<IcalNameV1>,
    created: Timestamp,
    updated: Timestamp,
}

fn is_false(b: &bool) -> bool {
    !b
}

#[derive(Serialize, Deserialize)]
struct IcalNameV1 {
    uid: String,
    resource: String,
}

#[derive(Serialize, Deserialize)]
struct MeetingRoomV1 {
    room_id: String,
    /// `accepted`, `tentative` or `declined`.
    status: String,
}

/// Version 1 named the tag `kind` and left `time_zone` in snake case.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum WhenV1 {
    AllDay {
        start: Date,
        end: Date,
    },
    Timed {
        start: Timestamp,
        end: Timestamp,
        time_zone: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecurrenceV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pattern: Option<PatternV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    range: Option<RangeV1>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatternV1 {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    day_of_month: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    days_of_week: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_day_of_week: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    index: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interval: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RangeV1 {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number_of_occurrences: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ReminderV1 {
    minutes: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnlineMeetingV1 {
    conference_id: String,
    url: String,
}

#[derive(Serialize, Deserialize)]
struct RichTextV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UiConfigV1 {
    ui_name: String,
    ui_status: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CategoryV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CardInstanceV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    out_track_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scenario: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventConfigV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allow_attendee_add_conference: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allow_attendee_add_participants: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allow_attendee_create_comment: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct ExceptionV1 {
    #[serde(default = "version_1")]
    v: u32,
    #[serde(default)]
    cancelled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<EventV1>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    responses: BTreeMap<String, ResponseV1>,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum ResponseV1 {
    NeedsAction,
    Accepted,
    Declined,
    Tentative,
}

/// A replayed answer: its tag names its shape (`"done"`, or `{"event":
/// ...}` holding a versioned event); a new shape gets a new tag.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum OutcomeV1 {
    Event(Box<ViewV1>),
    Done,
}

#[derive(Serialize, Deserialize)]
struct ViewV1 {
    event: EventV1,
    attendees: Vec<AttendeeV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    series: Option<(String, OriginV1)>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttendeeV1 {
    id: String,
    is_optional: bool,
    response_status: ResponseV1,
    is_organizer: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum OriginV1 {
    Date(Date),
    Instant(Timestamp),
}

impl From<ResponseStatus> for ResponseV1 {
    fn from(status: ResponseStatus) -> Self {
        match status {
            ResponseStatus::NeedsAction => ResponseV1::NeedsAction,
            ResponseStatus::Accepted => ResponseV1::Accepted,
            ResponseStatus::Declined => ResponseV1::Declined,
            ResponseStatus::Tentative => ResponseV1::Tentative,
        }
    }
}

impl From<ResponseV1> for ResponseStatus {
    fn from(status: ResponseV1) -> Self {
        match status {
            ResponseV1::NeedsAction => ResponseStatus::NeedsAction,
            ResponseV1::Accepted => ResponseStatus::Accepted,
            ResponseV1::Declined => ResponseStatus::Declined,
            ResponseV1::Tentative => ResponseStatus::Tentative,
        }
    }
}

impl From<&Attendee> for AttendeeV1 {
    fn from(a: &Attendee) -> Self {
        AttendeeV1 {
            id: a.id.0.clone(),
            is_optional: a.is_optional,
            response_status: a.response_status.into(),
            is_organizer: a.is_organizer,
        }
    }
}

impl From<AttendeeV1> for Attendee {
    fn from(a: AttendeeV1) -> Self {
        Attendee {
            id: UnionId(a.id),
            is_optional: a.is_optional,
            response_status: a.response_status.into(),
            is_organizer: a.is_organizer,
        }
    }
}

impl From<&Event> for EventV1 {
    fn from(e: &Event) -> Self {
        EventV1 {
            v: VERSION,
            id: e.id.0.clone(),
            organizer: e.organizer.0.clone(),
            summary: e.summary.clone(),
            description: e.description.clone(),
            when: match &e.when {
                When::AllDay { start, end } => WhenV1::AllDay {
                    start: *start,
                    end: *end,
                },
                When::Timed {
                    start,
                    end,
                    time_zone,
                } => WhenV1::Timed {
                    start: *start,
                    end: *end,
                    time_zone: time_zone.clone(),
                },
            },
            recurrence: e.recurrence.as_ref().map(|r| RecurrenceV1 {
                pattern: r.pattern.as_ref().map(|p| PatternV1 {
                    kind: p.kind.clone(),
                    day_of_month: p.day_of_month,
                    days_of_week: p.days_of_week.clone(),
                    first_day_of_week: p.first_day_of_week.clone(),
                    index: p.index.clone(),
                    interval: p.interval,
                }),
                range: r.range.as_ref().map(|r| RangeV1 {
                    kind: r.kind.clone(),
                    end_date: r.end_date.clone(),
                    number_of_occurrences: r.number_of_occurrences,
                }),
            }),
            location: e.location.as_ref().map(|l| LocationV1 {
                display_name: l.display_name.clone(),
            }),
            reminders: e.reminders.as_ref().map(|list| {
                list.iter()
                    .map(|r| ReminderV1 { minutes: r.minutes })
                    .collect()
            }),
            online_meeting: e.online_meeting.as_ref().map(|m| OnlineMeetingV1 {
                conference_id: m.conference_id.clone(),
                url: m.url.clone(),
            }),
            rich_text: e.rich_text.as_ref().map(|r| RichTextV1 {
                text: r.text.clone(),
            }),
            ui_configs: e
                .ui_configs
                .iter()
                .map(|c| UiConfigV1 {
                    ui_name: c.ui_name.clone(),
                    ui_status: c.ui_status.clone(),
                })
                .collect(),
            categories: e
                .categories
                .iter()
                .map(|c| CategoryV1 {
                    category_id: c.category_id.clone(),
                    display_name: c.display_name.clone(),
                })
                .collect(),
            extra: e.extra.clone(),
            free_busy_status: e.free_busy_status.clone(),
            card_instances: e
                .card_instances
                .iter()
                .map(|c| CardInstanceV1 {
                    out_track_id: c.out_track_id.clone(),
                    scenario: c.scenario.clone(),
                })
                .collect(),
            event_config: e.event_config.as_ref().map(|c| EventConfigV1 {
                allow_attendee_add_conference: c.allow_attendee_add_conference,
                allow_attendee_add_participants: c.allow_attendee_add_participants,
                allow_attendee_create_comment: c.allow_attendee_create_comment,
            }),
            cancelled: e.cancelled,
            meeting_rooms: e
                .meeting_rooms
                .iter()
                .map(|r| MeetingRoomV1 {
                    room_id: r.room_id.clone(),
                    status: r.response_status.as_str().to_string(),
                })
                .collect(),
            ical: e.ical.as_ref().map(|n| IcalNameV1 {
                uid: n.uid.clone(),
                resource: n.resource.clone(),
            }),
            created: e.created,
            updated: e.updated,
        }
    }
}

impl EventV1 {
    fn into_event(self) -> ApiResult<Event> {
        check_version("an event", self.v)?;
        Ok(Event {
            id: EventId(self.id),
            organizer: UnionId(self.organizer),
            summary: self.summary,
            description: self.description,
            when: match self.when {
                WhenV1::AllDay { start, end } => When::AllDay { start, end },
                WhenV1::Timed {
                    start,
                    end,
                    time_zone,
                } => When::Timed {
                    start,
                    end,
                    time_zone,
                },
            },
            recurrence: self.recurrence.map(|r| Recurrence {
                pattern: r.pattern.map(|p| Pattern {
                    kind: p.kind,
                    day_of_month: p.day_of_month,
                    days_of_week: p.days_of_week,
                    first_day_of_week: p.first_day_of_week,
                    index: p.index,
                    interval: p.interval,
                }),
                range: r.range.map(|r| Range {
                    kind: r.kind,
                    end_date: r.end_date,
                    number_of_occurrences: r.number_of_occurrences,
                }),
            }),
            location: self.location.map(|l| Location {
                display_name: l.display_name,
            }),
            reminders: self.reminders.map(|list| {
                list.into_iter()
                    .map(|r| Reminder { minutes: r.minutes })
                    .collect()
            }),
            online_meeting: self.online_meeting.map(|m| OnlineMeeting {
                conference_id: m.conference_id,
                url: m.url,
            }),
            rich_text: self.rich_text.map(|r| RichText { text: r.text }),
            ui_configs: self
                .ui_configs
                .into_iter()
                .map(|c| UiConfig {
                    ui_name: c.ui_name,
                    ui_status: c.ui_status,
                })
                .collect(),
            categories: self
                .categories
                .into_iter()
                .map(|c| Category {
                    category_id: c.category_id,
                    display_name: c.display_name,
                })
                .collect(),
            extra: self.extra,
            free_busy_status: self.free_busy_status,
            card_instances: self
                .card_instances
                .into_iter()
                .map(|c| CardInstance {
                    out_track_id: c.out_track_id,
                    scenario: c.scenario,
                })
                .collect(),
            event_config: self.event_config.map(|c| EventConfig {
                allow_attendee_add_conference: c.allow_attendee_add_conference,
                allow_attendee_add_participants: c.allow_attendee_add_participants,
                allow_attendee_create_comment: c.allow_attendee_create_comment,
            }),
            created: self.created,
            cancelled: self.cancelled,
            meeting_rooms: self
                .meeting_rooms
                .into_iter()
                .map(|r| {
                    Ok(MeetingRoom {
                        room_id: r.room_id,
                        response_status: RoomStatus::parse(Some(&r.status))?,
                    })
                })
                .collect::<ApiResult<_>>()?,
            ical: self.ical.map(|n| IcalName {
                uid: n.uid,
                resource: n.resource,
            }),
            updated: self.updated,
        })
    }
}

#[cfg(test)]
#[path = "stored_tests.rs"]
mod tests;
