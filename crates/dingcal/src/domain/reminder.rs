//! When reminders fall due: `minutes` before each start, of an event or of
//! each occurrence of a series as it stands (changed, or cancelled and so
//! reminding no one).

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::EventId;
use super::calendar::TIME_ZONE;
use super::event::Event;
use super::series::{Exception, InstanceId, Series};
use super::time::{When, Window};
use crate::error::ApiResult;

/// A reminder falling due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The event, or the occurrence's instance id.
    pub event_id: EventId,
    pub summary: String,
    pub at: Timestamp,
}

/// When an event starts: an all-day one at midnight in the calendars'
/// zone.
fn start_of(when: &When) -> Option<Timestamp> {
    match when {
        When::Timed { start, .. } => Some(*start),
        When::AllDay { start, .. } => {
            let zone = TimeZone::get(TIME_ZONE).ok()?;
            start.to_zoned(zone).ok().map(|z| z.timestamp())
        }
    }
}

/// The reminders of one event (or occurrence) due in `(from, to]`.
fn of_one(id: EventId, event: &Event, from: Timestamp, to: Timestamp, out: &mut Vec<Due>) {
    if event.cancelled {
        return;
    }
    let Some(start) = start_of(&event.when) else {
        return;
    };
    for r in event.effective_reminders() {
        let Ok(at) = start.checked_sub(SignedDuration::from_mins(r.minutes)) else {
            continue;
        };
        if from < at && at <= to {
            out.push(Due {
                event_id: id.clone(),
                summary: event.summary.clone(),
                at,
            });
        }
    }
}

/// The reminders of an event due in `(from, to]`: of each occurrence for a
/// series, with its exceptions.
pub fn due(
    event: &Event,
    exceptions: &BTreeMap<i64, Exception>,
    from: Timestamp,
    to: Timestamp,
) -> ApiResult<Vec<Due>> {
    let mut out = Vec::new();
    let Some(series) = Series::of(event)? else {
        of_one(event.id.clone(), event, from, to, &mut out);
        return Ok(out);
    };
    // The occurrences whose start is within the longest lead of the span.
    let lead = std::iter::once(event)
        .chain(exceptions.values().filter_map(|x| x.event.as_ref()))
        .flat_map(|e| e.effective_reminders())
        .map(|r| r.minutes * 60)
        .max()
        .unwrap_or(0);
    // A day's slack each way covers an all-day start read in any offset.
    let lo = from.as_second().saturating_sub(86_400);
    let hi = to.as_second().saturating_add(lead + 86_400);
    let window = Window {
        instant: (lo, hi),
        floating: (lo, hi),
    };
    for origin in series.origins(&window) {
        if let Some(instance) = series.instance(event, origin, exceptions.get(&origin.key())) {
            let id = InstanceId {
                master: event.id.clone(),
                origin,
            }
            .id();
            of_one(id, &instance.event, from, to, &mut out);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UnionId;
    use crate::domain::event::{EventChanges, Recurrence};
    use crate::domain::recurrence::{Pattern, Range};
    use crate::domain::time::TimeSpec;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn daily_at_ten() -> Event {
        let spec = |t: &str| TimeSpec::DateTime {
            at: at(t),
            time_zone: "Asia/Shanghai".into(),
        };
        let changes = EventChanges {
            summary: Some("Standup".into()),
            start: Some(spec("2027-03-01T02:00:00Z")),
            end: Some(spec("2027-03-01T02:30:00Z")),
            recurrence: Some(Recurrence {
                pattern: Some(Pattern {
                    kind: Some("daily".into()),
                    ..Pattern::default()
                }),
                range: Some(Range {
                    kind: Some("numbered".into()),
                    number_of_occurrences: Some(3),
                    ..Range::default()
                }),
            }),
            ..EventChanges::default()
        };
        changes
            .create(
                EventId("s".into()),
                UnionId("u".into()),
                at("2027-01-01T00:00:00Z"),
            )
            .unwrap()
    }

    #[test]
    fn each_occurrence_reminds_fifteen_minutes_before_it() {
        let series = daily_at_ten();
        let found = due(
            &series,
            &BTreeMap::new(),
            at("2027-03-01T00:00:00Z"),
            at("2027-03-02T01:45:00Z"),
        )
        .unwrap();
        let ids: Vec<&str> = found.iter().map(|d| d.event_id.as_str()).collect();
        assert_eq!(ids, ["s_20270301T020000Z", "s_20270302T020000Z"]);
        assert_eq!(found[1].at, at("2027-03-02T01:45:00Z"));
        // The span is open at its start: a reminder at `from` was due before.
        let later = due(
            &series,
            &BTreeMap::new(),
            at("2027-03-02T01:45:00Z"),
            at("2027-03-09T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(later.len(), 1);
        let mut cancelled = BTreeMap::new();
        cancelled.insert(
            at("2027-03-03T02:00:00Z").as_second(),
            Exception {
                cancelled: true,
                ..Exception::default()
            },
        );
        assert!(
            due(
                &series,
                &cancelled,
                at("2027-03-02T01:45:00Z"),
                at("2027-03-09T00:00:00Z")
            )
            .unwrap()
            .is_empty()
        );
    }
}
