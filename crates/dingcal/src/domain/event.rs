//! An event, the checked form of what CreateEvent and PatchEvent send, and
//! how a patch applies: only the fields passed change.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::attendee::{Attendee, Invitee, parse_invitees};
use super::limits::*;
use super::time::{TimeSpec, When};
use super::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::wire::event::{EventInput, OnlineMeetingInput, ReminderInput, UiConfigInput};

pub use super::recurrence::Recurrence;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichText {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UiConfig {
    pub ui_name: String,
    pub ui_status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardInstance {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_track_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_attendee_add_conference: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_attendee_add_participants: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_attendee_create_comment: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// Minutes before the start; the only method is `dingtalk`.
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: EventId,
    pub organizer: UnionId,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub when: When,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// `None`: the defaults, which follow the event's all-day flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminders: Option<Vec<Reminder>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_meeting: Option<OnlineMeeting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rich_text: Option<RichText>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ui_configs: Vec<UiConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_busy_status: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub card_instances: Vec<CardInstance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_config: Option<EventConfig>,
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
}

/// An event with (some of) its attendees: what reads and writes answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    pub event: Event,
    pub attendees: Vec<Attendee>,
    /// For an occurrence of a series: the series and its original start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<(EventId, super::series::Origin)>,
}

/// The checked content of a CreateEvent or PatchEvent body; `None` is a
/// field that was not passed.
#[derive(Debug, Clone, Default)]
pub struct EventChanges {
    summary: Option<String>,
    description: Option<String>,
    start: Option<TimeSpec>,
    end: Option<TimeSpec>,
    is_all_day: Option<bool>,
    recurrence: Option<Recurrence>,
    location: Option<Location>,
    reminders: Option<Vec<Reminder>>,
    new_online_meeting: bool,
    rich_text: Option<RichText>,
    ui_configs: Option<Vec<UiConfig>>,
    categories: Option<Vec<Category>>,
    extra: Option<BTreeMap<String, String>>,
    free_busy_status: Option<String>,
    card_instances: Option<Vec<CardInstance>>,
    event_config: Option<EventConfig>,
    /// The whole attendee list, for PatchEvent (the organizer stays).
    pub attendees: Option<Vec<Invitee>>,
}

impl EventChanges {
    /// Checks every field on its own; checks that need the whole event
    /// (start against end) happen when the changes are applied.
    pub fn parse(input: EventInput) -> ApiResult<EventChanges> {
        let summary = input
            .summary
            .map(|s| {
                if s.trim().is_empty() {
                    return Err(ApiError::invalid_parameter("summary cannot be blank"));
                }
                check_len("summary", &s, SUMMARY_MAX)?;
                Ok(s)
            })
            .transpose()?;
        if let Some(d) = &input.description {
            check_len("description", d, DESCRIPTION_MAX)?;
        }
        if let Some(l) = input
            .location
            .as_ref()
            .and_then(|l| l.display_name.as_deref())
        {
            check_len("location.displayName", l, LOCATION_MAX)?;
        }
        if let Some(t) = input
            .rich_text_description
            .as_ref()
            .and_then(|r| r.text.as_deref())
        {
            check_len("richTextDescription.text", t, RICH_TEXT_MAX)?;
        }
        if let Some(r) = &input.recurrence {
            r.validate()?;
        }
        let attendees = input
            .attendees
            .as_deref()
            .map(|a| parse_invitees("attendees", a))
            .transpose()?;
        Ok(EventChanges {
            summary,
            description: input.description,
            start: input
                .start
                .as_ref()
                .map(|s| TimeSpec::parse("start", s))
                .transpose()?,
            end: input
                .end
                .as_ref()
                .map(|e| TimeSpec::parse("end", e))
                .transpose()?,
            is_all_day: input.is_all_day,
            recurrence: input.recurrence,
            location: input.location,
            reminders: input
                .reminders
                .as_deref()
                .map(parse_reminders)
                .transpose()?,
            new_online_meeting: input
                .online_meeting_info
                .as_ref()
                .map(check_online_meeting)
                .transpose()?
                .is_some(),
            rich_text: input.rich_text_description,
            ui_configs: input
                .ui_configs
                .as_deref()
                .map(parse_ui_configs)
                .transpose()?,
            categories: input.categories.map(check_categories).transpose()?,
            extra: input.extra.map(check_extra).transpose()?,
            free_busy_status: input.free_busy_status.map(check_free_busy).transpose()?,
            card_instances: input.card_instances.map(check_cards).transpose()?,
            event_config: input.event_config,
            attendees,
        })
    }

    /// One occurrence of a series takes neither a recurrence nor its own
    /// attendee list: those belong to the series.
    pub fn check_for_occurrence(&self) -> ApiResult<()> {
        if self.recurrence.is_some() {
            return Err(ApiError::invalid_parameter(
                "An occurrence of a series cannot have a recurrence of its own",
            ));
        }
        if self.attendees.is_some() {
            return Err(ApiError::invalid_parameter(
                "The attendees of one occurrence cannot be changed; change the series",
            ));
        }
        Ok(())
    }

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
            event.when = When::combine(start, end, self.is_all_day)?;
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
        event.updated = now;
        Ok(())
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

fn parse_reminders(list: &[ReminderInput]) -> ApiResult<Vec<Reminder>> {
    check_count("reminders", list, SMALL_LIST_MAX)?;
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            match r.method.as_deref() {
                None | Some("dingtalk") => {}
                Some(other) => {
                    return Err(ApiError::invalid_parameter(format!(
                        "reminders[{i}].method must be dingtalk, got {other:?}"
                    )));
                }
            }
            match r.minutes {
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

fn check_online_meeting(info: &OnlineMeetingInput) -> ApiResult<()> {
    match info.kind.as_deref() {
        Some("dingtalk") => Ok(()),
        other => Err(ApiError::invalid_parameter(format!(
            "onlineMeetingInfo.type must be dingtalk, got {other:?}"
        ))),
    }
}

fn parse_ui_configs(list: &[UiConfigInput]) -> ApiResult<Vec<UiConfig>> {
    check_count("uiConfigs", list, SMALL_LIST_MAX)?;
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c
                .ui_name
                .as_deref()
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| {
                    ApiError::invalid_parameter(format!("uiConfigs[{i}].uiName is required"))
                })?;
            check_len(&format!("uiConfigs[{i}].uiName"), name, SHORT_STRING_MAX)?;
            let status = c.ui_status.as_deref().ok_or_else(|| {
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

fn check_categories(list: Vec<Category>) -> ApiResult<Vec<Category>> {
    check_count("categories", &list, SMALL_LIST_MAX)?;
    for (i, c) in list.iter().enumerate() {
        for (field, v) in [
            ("categoryId", &c.category_id),
            ("displayName", &c.display_name),
        ] {
            if let Some(v) = v {
                check_len(&format!("categories[{i}].{field}"), v, SHORT_STRING_MAX)?;
            }
        }
    }
    Ok(list)
}

fn check_cards(list: Vec<CardInstance>) -> ApiResult<Vec<CardInstance>> {
    check_count("cardInstances", &list, SMALL_LIST_MAX)?;
    for (i, c) in list.iter().enumerate() {
        for (field, v) in [("outTrackId", &c.out_track_id), ("scenario", &c.scenario)] {
            if let Some(v) = v {
                check_len(&format!("cardInstances[{i}].{field}"), v, SHORT_STRING_MAX)?;
            }
        }
    }
    Ok(list)
}

fn check_extra(extra: BTreeMap<String, String>) -> ApiResult<BTreeMap<String, String>> {
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

fn check_free_busy(status: String) -> ApiResult<String> {
    if status == "free" || status == "busy" {
        Ok(status)
    } else {
        Err(ApiError::invalid_parameter(format!(
            "freeBusyStatus must be free or busy, got {status:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> EventInput {
        serde_json::from_str(json).unwrap()
    }

    fn created(json: &str) -> ApiResult<Event> {
        EventChanges::parse(input(json))?.create(
            EventId("e1".into()),
            UnionId("alice".into()),
            Timestamp::UNIX_EPOCH,
        )
    }

    const TIMED: &str = r#""start":{"dateTime":"2026-05-01T10:00:00+08:00","timeZone":"Asia/Shanghai"},"end":{"dateTime":"2026-05-01T11:00:00+08:00","timeZone":"Asia/Shanghai"}"#;

    #[test]
    fn reminders_default_to_15_minutes_for_a_timed_event() {
        let e = created(&format!("{{\"summary\":\"s\",{TIMED}}}")).unwrap();
        assert_eq!(e.effective_reminders(), vec![Reminder { minutes: 15 }]);
    }

    #[test]
    fn reminders_default_to_9am_the_day_before_for_an_all_day_event() {
        let e = created(r#"{"summary":"s","start":{"date":"2026-05-01"},"end":{"date":"2026-05-02"},"isAllDay":true}"#)
            .unwrap();
        assert_eq!(e.effective_reminders(), vec![Reminder { minutes: 900 }]);
    }

    #[test]
    fn an_empty_reminder_list_means_none() {
        let e = created(&format!("{{\"summary\":\"s\",{TIMED},\"reminders\":[]}}")).unwrap();
        assert!(e.effective_reminders().is_empty());
    }

    #[test]
    fn all_day_with_a_time_zone_is_refused() {
        let err = created(
            r#"{"summary":"s","isAllDay":true,"start":{"date":"2026-05-01","timeZone":"UTC"},"end":{"date":"2026-05-02"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, "invalidParameter");
    }

    #[test]
    fn end_zone_must_equal_start_zone() {
        let err = created(
            r#"{"summary":"s","start":{"dateTime":"2026-05-01T10:00:00+08:00","timeZone":"Asia/Shanghai"},"end":{"dateTime":"2026-05-01T11:00:00+08:00","timeZone":"Asia/Tokyo"}}"#,
        )
        .unwrap_err();
        assert!(err.message.contains("timeZone"));
    }

    #[test]
    fn a_patch_changes_only_what_it_passes() {
        let mut e = created(&format!(
            "{{\"summary\":\"s\",{TIMED},\"description\":\"d\"}}"
        ))
        .unwrap();
        let before = e.clone();
        EventChanges::parse(input(r#"{"summary":"new"}"#))
            .unwrap()
            .apply(&mut e, Timestamp::UNIX_EPOCH)
            .unwrap();
        assert_eq!(e.summary, "new");
        assert_eq!(e.description, before.description);
        assert_eq!(e.when, before.when);
    }

    #[test]
    fn summary_over_2048_characters_is_refused() {
        let long = "字".repeat(2049);
        let err = created(&format!("{{{TIMED},\"summary\":\"{long}\"}}")).unwrap_err();
        assert!(err.message.contains("summary"));
    }
}
