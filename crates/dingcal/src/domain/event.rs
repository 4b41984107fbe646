//! An event, the checked content of what CreateEvent and PatchEvent send,
//! and how a patch applies: only the fields passed change. Each field's rule
//! is a function here, given the field's value; the wire layer hands them
//! what the client sent.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::attendee::{Attendee, Invitee};
use super::limits::*;
use super::room::MeetingRoom;
use super::series::Origin;
use super::time::{TimeSpec, When};
use super::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};

pub use super::recurrence::Recurrence;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RichText {
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiConfig {
    pub ui_name: String,
    pub ui_status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Category {
    pub category_id: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardInstance {
    pub out_track_id: Option<String>,
    pub scenario: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventConfig {
    pub allow_attendee_add_conference: Option<bool>,
    pub allow_attendee_add_participants: Option<bool>,
    pub allow_attendee_create_comment: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminder {
    /// Minutes before the start; the only method is `dingtalk`.
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcalName {
    pub uid: String,
    /// The last segment of the resource's path, as the client wrote it.
    pub resource: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineMeeting {
    pub conference_id: String,
    pub url: String,
}

impl OnlineMeeting {
    /// A new DingTalk video meeting. dingcal hosts no video: the id and url
    /// are only unique, in the real service's shapes.
    fn generate() -> OnlineMeeting {
        let conference_id = format!("{:09}", rand::random_range(0..1_000_000_000u32));
        let url = format!("https://meeting.dingtalk.com/j/{}", super::random_token(8));
        OnlineMeeting { conference_id, url }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    pub organizer: UnionId,
    pub summary: String,
    pub description: Option<String>,
    pub when: When,
    pub recurrence: Option<Recurrence>,
    pub location: Option<Location>,
    /// `None`: the defaults, which follow the event's all-day flag.
    pub reminders: Option<Vec<Reminder>>,
    pub online_meeting: Option<OnlineMeeting>,
    pub rich_text: Option<RichText>,
    pub ui_configs: Vec<UiConfig>,
    pub categories: Vec<Category>,
    pub extra: BTreeMap<String, String>,
    pub free_busy_status: Option<String>,
    pub card_instances: Vec<CardInstance>,
    pub event_config: Option<EventConfig>,
    /// CancelEvent: kept, shown `cancelled` to everyone, taking no time.
    pub cancelled: bool,
    /// Its rooms, in the order they were added.
    pub meeting_rooms: Vec<MeetingRoom>,
    /// For an event a CalDAV client wrote: the UID and resource name it
    /// gave, which the event keeps; others are named by their id.
    pub ical: Option<IcalName>,
    pub created: Timestamp,
    pub updated: Timestamp,
}

impl Event {
    /// The reminders in force: those set, or the defaults (15 minutes before
    /// a timed event; 9:00 the day before an all-day one, 15 hours before its
    /// midnight).
    pub fn effective_reminders(&self) -> Vec<Reminder> {
        match &self.reminders {
            Some(set) => set.clone(),
            None if self.when.is_all_day() => vec![Reminder { minutes: 15 * 60 }],
            None => vec![Reminder { minutes: 15 }],
        }
    }

    /// Whether the event leaves its attendees free: it is marked so
    /// (`freeBusyStatus`), or cancelled.
    pub fn is_free(&self) -> bool {
        self.cancelled || self.free_busy_status.as_deref() == Some("free")
    }
}

/// An event with (some of) its attendees: what reads and writes answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventView {
    pub event: Arc<Event>,
    pub attendees: Vec<Attendee>,
    /// For an occurrence of a series: the series and its original start.
    pub series: Option<(EventId, Origin)>,
}

/// The checked content of a CreateEvent or PatchEvent body; `None` is a
/// field that was not passed. Each field has passed its own rule (the
/// functions below); rules between fields (start against end) are checked
/// when the changes apply.
#[derive(Debug, Clone, Default)]
pub struct EventChanges {
    pub summary: Option<String>,
    pub description: Option<String>,
    pub start: Option<TimeSpec>,
    pub end: Option<TimeSpec>,
    pub is_all_day: Option<bool>,
    pub recurrence: Option<Recurrence>,
    pub location: Option<Location>,
    pub reminders: Option<Vec<Reminder>>,
    pub new_online_meeting: bool,
    pub rich_text: Option<RichText>,
    pub ui_configs: Option<Vec<UiConfig>>,
    pub categories: Option<Vec<Category>>,
    pub extra: Option<BTreeMap<String, String>>,
    pub free_busy_status: Option<String>,
    pub card_instances: Option<Vec<CardInstance>>,
    pub event_config: Option<EventConfig>,
    /// The whole attendee list, for PatchEvent (the organizer stays).
    pub attendees: Option<Vec<Invitee>>,
    /// Set by CancelEvent, not by a body.
    pub cancelled: Option<bool>,
}

impl EventChanges {
    /// A new event from a CreateEvent body: summary, start and end required.
    pub fn create(mut self, id: EventId, organizer: UnionId, now: Timestamp) -> ApiResult<Event> {
        // Taken out, so that `apply` below sets only the other fields.
        let summary = self
            .summary
            .take()
            .ok_or_else(|| ApiError::invalid_parameter("summary is required"))?;
        let start = self
            .start
            .take()
            .ok_or_else(|| ApiError::invalid_parameter("start is required"))?;
        let end = self
            .end
            .take()
            .ok_or_else(|| ApiError::invalid_parameter("end is required"))?;
        let mut event = Event {
            id,
            organizer,
            summary,
            description: None,
            when: When::combine(start, end, self.is_all_day.take())?,
            recurrence: None,
            location: None,
            reminders: None,
            online_meeting: None,
            rich_text: None,
            ui_configs: Vec::new(),
            categories: Vec::new(),
            extra: BTreeMap::new(),
            free_busy_status: None,
            card_instances: Vec::new(),
            event_config: None,
            cancelled: false,
            meeting_rooms: Vec::new(),
            ical: None,
            created: now,
            updated: now,
        };
        self.apply(&mut event, now)?;
        Ok(event)
    }

    /// Applies the fields passed, leaving the rest as they were; the event's
    /// time is checked as a whole after the merge.
    pub fn apply(self, event: &mut Event, now: Timestamp) -> ApiResult<()> {
        if self.start.is_some() || self.end.is_some() || self.is_all_day.is_some() {
            let start = self.start.unwrap_or_else(|| event.when.start_spec());
            let end = self.end.unwrap_or_else(|| event.when.end_spec());
            // An omitted isAllDay leaves the event as it was: dates alone do
            // not make a timed event all-day (the seed: `date` "must be
            // empty for a non-all-day event").
            let all_day = self.is_all_day.unwrap_or(event.when.is_all_day());
            event.when = When::combine(start, end, Some(all_day))?;
        }
        if let Some(summary) = self.summary {
            event.summary = summary;
        }
        if let Some(description) = self.description {
            event.description = Some(description).filter(|d| !d.is_empty());
        }
        set(&mut event.recurrence, self.recurrence);
        set(&mut event.location, self.location);
        set(&mut event.reminders, self.reminders);
        set(&mut event.rich_text, self.rich_text);
        set(&mut event.free_busy_status, self.free_busy_status);
        set(&mut event.event_config, self.event_config);
        if self.new_online_meeting {
            event.online_meeting = Some(OnlineMeeting::generate());
        }
        if let Some(v) = self.ui_configs {
            event.ui_configs = v;
        }
        if let Some(v) = self.categories {
            event.categories = v;
        }
        if let Some(v) = self.extra {
            event.extra = v;
        }
        if let Some(v) = self.card_instances {
            event.card_instances = v;
        }
        if let Some(v) = self.cancelled {
            event.cancelled = v;
        }
        event.updated = now;
        Ok(())
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// `summary`: not blank, at most 2,048 characters.
pub fn summary(value: String) -> ApiResult<String> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid_parameter("summary cannot be blank"));
    }
    check_len("summary", &value, SUMMARY_MAX)?;
    Ok(value)
}

/// `description`: at most 5,000 characters.
pub fn description(value: String) -> ApiResult<String> {
    check_len("description", &value, DESCRIPTION_MAX)?;
    Ok(value)
}

pub fn location(location: Location) -> ApiResult<Location> {
    if let Some(name) = &location.display_name {
        check_len("location.displayName", name, LOCATION_MAX)?;
    }
    Ok(location)
}

pub fn rich_text(rich_text: RichText) -> ApiResult<RichText> {
    if let Some(text) = &rich_text.text {
        check_len("richTextDescription.text", text, RICH_TEXT_MAX)?;
    }
    Ok(rich_text)
}

/// `reminders`, each as its method and minutes.
pub fn reminders(list: &[(Option<&str>, Option<i64>)]) -> ApiResult<Vec<Reminder>> {
    check_count("reminders", list, SMALL_LIST_MAX)?;
    list.iter()
        .enumerate()
        .map(|(i, (method, minutes))| {
            match method {
                None | Some("dingtalk") => {}
                Some(other) => {
                    return Err(ApiError::invalid_parameter(format!(
                        "reminders[{i}].method must be dingtalk, got {other:?}"
                    )));
                }
            }
            match *minutes {
                Some(m) if (0..=REMINDER_MINUTES_MAX).contains(&m) => Ok(Reminder { minutes: m }),
                Some(m) => Err(ApiError::invalid_parameter(format!(
                    "reminders[{i}].minutes must be between 0 and {REMINDER_MINUTES_MAX}, got {m}"
                ))),
                None => Err(ApiError::invalid_parameter(format!(
                    "reminders[{i}].minutes is required"
                ))),
            }
        })
        .collect()
}

/// `onlineMeetingInfo.type`: only DingTalk's own meetings.
pub fn online_meeting(kind: Option<&str>) -> ApiResult<()> {
    match kind {
        Some("dingtalk") => Ok(()),
        other => Err(ApiError::invalid_parameter(format!(
            "onlineMeetingInfo.type must be dingtalk, got {other:?}"
        ))),
    }
}

/// `uiConfigs`, each as its uiName and uiStatus.
pub fn ui_configs(list: &[(Option<&str>, Option<&str>)]) -> ApiResult<Vec<UiConfig>> {
    check_count("uiConfigs", list, SMALL_LIST_MAX)?;
    list.iter()
        .enumerate()
        .map(|(i, (name, status))| {
            let name = name.filter(|n| !n.trim().is_empty()).ok_or_else(|| {
                ApiError::invalid_parameter(format!("uiConfigs[{i}].uiName is required"))
            })?;
            check_len(&format!("uiConfigs[{i}].uiName"), name, SHORT_STRING_MAX)?;
            let status = status.ok_or_else(|| {
                ApiError::invalid_parameter(format!("uiConfigs[{i}].uiStatus is required"))
            })?;
            if !["hide", "disable", "enable"].contains(&status) {
                return Err(ApiError::invalid_parameter(format!(
                    "uiConfigs[{i}].uiStatus must be hide, disable or enable, got {status:?}"
                )));
            }
            Ok(UiConfig {
                ui_name: name.to_string(),
                ui_status: status.to_string(),
            })
        })
        .collect()
}

pub fn categories(list: Vec<Category>) -> ApiResult<Vec<Category>> {
    check_count("categories", &list, SMALL_LIST_MAX)?;
    for (i, c) in list.iter().enumerate() {
        check_short_fields(
            "categories",
            i,
            [
                ("categoryId", &c.category_id),
                ("displayName", &c.display_name),
            ],
        )?;
    }
    Ok(list)
}

pub fn card_instances(list: Vec<CardInstance>) -> ApiResult<Vec<CardInstance>> {
    check_count("cardInstances", &list, SMALL_LIST_MAX)?;
    for (i, c) in list.iter().enumerate() {
        check_short_fields(
            "cardInstances",
            i,
            [("outTrackId", &c.out_track_id), ("scenario", &c.scenario)],
        )?;
    }
    Ok(list)
}

/// The optional short strings of the `i`-th entry of a list.
fn check_short_fields(list: &str, i: usize, fields: [(&str, &Option<String>); 2]) -> ApiResult<()> {
    for (field, value) in fields {
        if let Some(v) = value {
            check_len(&format!("{list}[{i}].{field}"), v, SHORT_STRING_MAX)?;
        }
    }
    Ok(())
}

pub fn extra(extra: BTreeMap<String, String>) -> ApiResult<BTreeMap<String, String>> {
    if extra.len() > SMALL_LIST_MAX {
        return Err(ApiError::invalid_parameter(format!(
            "extra has more than {SMALL_LIST_MAX} entries"
        )));
    }
    for (k, v) in &extra {
        check_len("extra key", k, SHORT_STRING_MAX)?;
        check_len(&format!("extra.{k}"), v, EXTRA_VALUE_MAX)?;
    }
    Ok(extra)
}

pub fn free_busy_status(status: String) -> ApiResult<String> {
    if status == "free" || status == "busy" {
        Ok(status)
    } else {
        Err(ApiError::invalid_parameter(format!(
            "freeBusyStatus must be free or busy, got {status:?}"
        )))
    }
}
