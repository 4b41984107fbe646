//! What clients send, as the domain's values: each field is handed to the
//! domain rule that checks it, in the order the fields are read, so that the
//! first wrong field is the one reported.

use crate::domain::attendee::{Invitee, parse_invitees};
use crate::domain::event::{
    self, CardInstance, Category, EventChanges, EventConfig, Location, RichText,
};
use crate::domain::recurrence::{Pattern, Range, Recurrence};
use crate::domain::time::TimeSpec;
use crate::error::ApiResult;
use crate::wire::event::{AttendeeInput, EventInput, EventTime, RecurrenceBody};

/// The checked content of a CreateEvent or PatchEvent body.
pub fn event_changes(input: EventInput) -> ApiResult<EventChanges> {
    let summary = input.summary.map(event::summary).transpose()?;
    let description = input.description.map(event::description).transpose()?;
    let location = input
        .location
        .map(|l| {
            event::location(Location {
                display_name: l.display_name,
            })
        })
        .transpose()?;
    let rich_text = input
        .rich_text_description
        .map(|r| event::rich_text(RichText { text: r.text }))
        .transpose()?;
    let recurrence = input.recurrence.map(recurrence).transpose()?;
    let attendees = input
        .attendees
        .as_deref()
        .map(|list| invitees("attendees", list))
        .transpose()?;
    let start = input
        .start
        .as_ref()
        .map(|t| time_spec("start", t))
        .transpose()?;
    let end = input
        .end
        .as_ref()
        .map(|t| time_spec("end", t))
        .transpose()?;
    let reminders = input
        .reminders
        .map(|list| {
            let pairs: Vec<_> = list
                .iter()
                .map(|r| (r.method.as_deref(), r.minutes))
                .collect();
            event::reminders(&pairs)
        })
        .transpose()?;
    let new_online_meeting = input
        .online_meeting_info
        .map(|m| event::online_meeting(m.kind.as_deref()))
        .transpose()?
        .is_some();
    let ui_configs = input
        .ui_configs
        .map(|list| {
            let pairs: Vec<_> = list
                .iter()
                .map(|c| (c.ui_name.as_deref(), c.ui_status.as_deref()))
                .collect();
            event::ui_configs(&pairs)
        })
        .transpose()?;
    let categories = input
        .categories
        .map(|list| {
            event::categories(
                list.into_iter()
                    .map(|c| Category {
                        category_id: c.category_id,
                        display_name: c.display_name,
                    })
                    .collect(),
            )
        })
        .transpose()?;
    let extra = input.extra.map(event::extra).transpose()?;
    let free_busy_status = input
        .free_busy_status
        .map(event::free_busy_status)
        .transpose()?;
    let card_instances = input
        .card_instances
        .map(|list| {
            event::card_instances(
                list.into_iter()
                    .map(|c| CardInstance {
                        out_track_id: c.out_track_id,
                        scenario: c.scenario,
                    })
                    .collect(),
            )
        })
        .transpose()?;
    Ok(EventChanges {
        summary,
        description,
        start,
        end,
        is_all_day: input.is_all_day,
        recurrence,
        location,
        reminders,
        new_online_meeting,
        rich_text,
        ui_configs,
        categories,
        extra,
        free_busy_status,
        card_instances,
        event_config: input.event_config.map(|c| EventConfig {
            allow_attendee_add_conference: c.allow_attendee_add_conference,
            allow_attendee_add_participants: c.allow_attendee_add_participants,
            allow_attendee_create_comment: c.allow_attendee_create_comment,
        }),
        attendees,
        cancelled: None,
    })
}

/// A list of attendees to invite, named `field` in messages.
pub fn invitees(field: &str, list: &[AttendeeInput]) -> ApiResult<Vec<Invitee>> {
    let pairs: Vec<_> = list
        .iter()
        .map(|a| (a.id.as_deref(), a.is_optional))
        .collect();
    parse_invitees(field, &pairs)
}

fn time_spec(side: &str, time: &EventTime) -> ApiResult<TimeSpec> {
    TimeSpec::parse(
        side,
        time.date.as_deref(),
        time.date_time.as_deref(),
        time.time_zone.as_deref(),
    )
}

/// The recurrence as sent, checked.
fn recurrence(body: RecurrenceBody) -> ApiResult<Recurrence> {
    let recurrence = Recurrence {
        pattern: body.pattern.map(|p| Pattern {
            kind: p.kind,
            day_of_month: p.day_of_month,
            days_of_week: p.days_of_week,
            first_day_of_week: p.first_day_of_week,
            index: p.index,
            interval: p.interval,
        }),
        range: body.range.map(|r| Range {
            kind: r.kind,
            end_date: r.end_date,
            number_of_occurrences: r.number_of_occurrences,
        }),
    };
    recurrence.validate()?;
    Ok(recurrence)
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::domain::event::{Event, Reminder};
    use crate::domain::{EventId, UnionId};

    fn input(json: &str) -> EventInput {
        serde_json::from_str(json).unwrap()
    }

    fn created(json: &str) -> ApiResult<Event> {
        event_changes(input(json))?.create(
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
        event_changes(input(r#"{"summary":"new"}"#))
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
