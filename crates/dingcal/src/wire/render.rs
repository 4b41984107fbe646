//! The domain's values as answers: events as the caller sees them, their
//! times in the event's own zone, and pages of them, written as JSON.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};

use crate::directory::Directory;
use crate::domain::attendee::{Attendee, ResponseStatus};
use crate::domain::event::{Event, EventView, Recurrence};
use crate::domain::series::Origin;
use crate::domain::time::{When, push_digits};
use crate::domain::{EventId, UnionId};
use crate::error::ApiError;
use crate::store::Busy;
use crate::wire::event::{
    AttendeeBody, CardInstanceBody, CategoryBody, EventConfigBody, EventFields, EventParticipants,
    EventTime, ListTokens, LocationAnswer, MeetingRoomBody, OnlineMeetingBody, PatternBody,
    RangeBody, RecurrenceBody, ReminderBody, RichTextBody, UiConfigBody,
};

/// An event in a listing, and whether it is cancelled for the caller.
pub struct Listed<'a> {
    pub view: &'a EventView,
    pub cancelled: bool,
}

/// Beyond this many events' fields the cache starts over (dingcal's choice:
/// about a kilobyte each, with the event they were written from).
const FIELDS_MAX: usize = 4_096;

/// Writes answers. An event's own fields are the same for every caller and
/// for as long as the event is unchanged, so they are serialised once per
/// version of the event: each entry keeps the event it was written from and
/// serves only that same value (the store hands out one shared value per
/// version of an event; a value made for one answer finds no entry).
pub struct Renderer {
    pub directory: Arc<Directory>,
    fields: Mutex<HashMap<EventId, Written>>,
}

/// An event's fields as JSON, with the value they were written from.
type Written = (Arc<Event>, Arc<[u8]>);

impl Renderer {
    pub fn new(directory: Arc<Directory>) -> Renderer {
        Renderer {
            directory,
            fields: Mutex::default(),
        }
    }

    /// An event as `caller` sees it.
    pub fn event(
        &self,
        view: &EventView,
        caller: &UnionId,
        cancelled: bool,
    ) -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::with_capacity(1024);
        self.write_event(&mut out, view, caller, cancelled)?;
        Ok(out)
    }

    /// A page of events, each as the caller sees it.
    pub fn event_list<'a>(
        &self,
        events: impl IntoIterator<Item = Listed<'a>>,
        caller: &UnionId,
        next_token: Option<&str>,
        sync_token: Option<&str>,
    ) -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"{\"events\":[");
        for (i, listed) in events.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_event(&mut out, listed.view, caller, listed.cancelled)?;
        }
        out.push(b']');
        let tokens = serde_json::to_vec(&ListTokens {
            next_token,
            sync_token,
        })?;
        // The tokens continue the object: `{}` when there are none.
        if tokens.len() > 2 {
            out.push(b',');
            out.extend_from_slice(&tokens[1..]);
        } else {
            out.push(b'}');
        }
        Ok(out)
    }

    fn write_event(
        &self,
        out: &mut Vec<u8>,
        view: &EventView,
        caller: &UnionId,
        cancelled: bool,
    ) -> Result<(), ApiError> {
        let fields = self.fields_of(&view.event)?;
        let participants = serde_json::to_vec(&self.participants(view, caller, cancelled))?;
        // Both are JSON objects with members: the second continues the first.
        out.extend_from_slice(&fields[..fields.len() - 1]);
        out.push(b',');
        out.extend_from_slice(&participants[1..]);
        Ok(())
    }

    /// The event's own fields, as a JSON object.
    fn fields_of(&self, event: &Arc<Event>) -> Result<Arc<[u8]>, ApiError> {
        let cached = {
            let fields = self.fields.lock().expect("fields cache poisoned");
            fields
                .get(&event.id)
                .filter(|(from, _)| Arc::ptr_eq(from, event))
                .map(|(_, bytes)| bytes.clone())
        };
        if let Some(bytes) = cached {
            return Ok(bytes);
        }
        let bytes: Arc<[u8]> = serde_json::to_vec(&event_fields(event, &self.directory))?.into();
        // A value no one else holds was made for this answer alone (a
        // write's, an occurrence's) and will not be asked for again; one the
        // store's cache shares will.
        if Arc::strong_count(event) == 1 {
            return Ok(bytes);
        }
        let mut fields = self.fields.lock().expect("fields cache poisoned");
        if fields.len() >= FIELDS_MAX {
            fields.clear();
        }
        fields.insert(event.id.clone(), (event.clone(), bytes.clone()));
        Ok(bytes)
    }

    pub fn attendee<'a>(&'a self, a: &'a Attendee, caller: &UnionId) -> AttendeeBody<'a> {
        AttendeeBody {
            display_name: self.directory.display_name(&a.id),
            response_status: a.response_status.as_str(),
            is_self: &a.id == caller,
            is_optional: Some(a.is_optional),
            id: a.id.as_str(),
        }
    }

    fn participants<'a>(
        &'a self,
        view: &'a EventView,
        caller: &UnionId,
        cancelled: bool,
    ) -> EventParticipants<'a> {
        let e = &view.event;
        let organizer_status = view
            .attendees
            .iter()
            .find(|a| a.is_organizer)
            .map_or(ResponseStatus::Accepted, |a| a.response_status);
        EventParticipants {
            attendees: view
                .attendees
                .iter()
                .map(|a| self.attendee(a, caller))
                .collect(),
            organizer: AttendeeBody {
                id: e.organizer.as_str(),
                display_name: self.directory.display_name(&e.organizer),
                response_status: organizer_status.as_str(),
                is_self: &e.organizer == caller,
                is_optional: None,
            },
            series_master_id: view.series.as_ref().map(|(id, _)| id.as_str()),
            origin_start: view
                .series
                .as_ref()
                .map(|(_, origin)| origin_time(*origin, &e.when)),
            status: if cancelled || e.cancelled {
                "cancelled"
            } else {
                "confirmed"
            },
        }
    }
}

impl Renderer {
    /// GetSchedule's answer: for each user asked, when they are taken, or
    /// that there is no such user. Written directly: dates and times are
    /// digits; user ids and zone names are escaped as JSON (each zone once).
    pub fn schedule<'a>(
        &self,
        users: impl IntoIterator<Item = (&'a str, Option<&'a [Busy]>)>,
    ) -> Result<Vec<u8>, ApiError> {
        let mut out = String::with_capacity(4096);
        let mut zones: Vec<(&str, TimeZone, String)> = Vec::new();
        out.push_str(r#"{"scheduleInformation":["#);
        for (i, (user, busy)) in users.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"userId":"#);
            out.push_str(&serde_json::to_string(user)?);
            let Some(busy) = busy else {
                out.push_str(r#","error":"user not found","scheduleItems":[]}"#);
                continue;
            };
            out.push_str(r#","scheduleItems":["#);
            for (j, b) in busy.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(if b.tentative {
                    r#"{"status":"Tentative","start":"#
                } else {
                    r#"{"status":"Busy","start":"#
                });
                match &b.when {
                    When::AllDay { start, end } => {
                        push_date_body(&mut out, *start);
                        out.push_str(r#","end":"#);
                        push_date_body(&mut out, *end);
                    }
                    When::Timed {
                        start,
                        end,
                        time_zone,
                    } => {
                        let k = match zones.iter().position(|(name, ..)| name == time_zone) {
                            Some(k) => k,
                            None => {
                                let zone = TimeZone::get(time_zone).unwrap_or(TimeZone::UTC);
                                zones.push((time_zone, zone, serde_json::to_string(time_zone)?));
                                zones.len() - 1
                            }
                        };
                        let (_, zone, name) = &zones[k];
                        push_instant_body(&mut out, *start, zone, name);
                        out.push_str(r#","end":"#);
                        push_instant_body(&mut out, *end, zone, name);
                    }
                }
                out.push('}');
            }
            out.push_str("]}");
        }
        out.push_str("]}");
        Ok(out.into_bytes())
    }
}

/// `{"date":"YYYY-MM-DD"}`.
fn push_date_body(out: &mut String, date: Date) {
    out.push_str(r#"{"date":""#);
    push_date(out, date);
    out.push_str(r#""}"#);
}

/// `{"dateTime":"...","timeZone":NAME}`, the name already written as JSON.
fn push_instant_body(out: &mut String, at: Timestamp, zone: &TimeZone, name: &str) {
    out.push_str(r#"{"dateTime":""#);
    push_in_zone(out, at, zone);
    out.push_str(r#"","timeZone":"#);
    out.push_str(name);
    out.push('}');
}

/// The fields of an event that every caller sees alike (its rooms named
/// from the directory, which changes only at start).
fn event_fields<'a>(e: &'a Event, directory: &'a Directory) -> EventFields<'a> {
    let (start, end) = event_times(&e.when);
    let rooms: Vec<&str> = e.meeting_rooms.iter().map(|r| r.room_id.as_str()).collect();
    let location = (e.location.is_some() || !rooms.is_empty()).then(|| LocationAnswer {
        display_name: e.location.as_ref().and_then(|l| l.display_name.as_deref()),
        meeting_rooms: rooms,
    });
    EventFields {
        id: e.id.as_str(),
        summary: &e.summary,
        description: e.description.as_deref(),
        start,
        end,
        is_all_day: e.when.is_all_day(),
        recurrence: e.recurrence.as_ref().map(recurrence_body),
        location,
        meeting_rooms: e
            .meeting_rooms
            .iter()
            .map(|r| MeetingRoomBody {
                room_id: &r.room_id,
                response_status: r.response_status.as_str(),
                display_name: directory.room_name(&r.room_id),
            })
            .collect(),
        reminders: e
            .effective_reminders()
            .iter()
            .map(|r| ReminderBody {
                method: "dingtalk",
                minutes: r.minutes.to_string(),
            })
            .collect(),
        online_meeting_info: e.online_meeting.as_ref().map(|m| OnlineMeetingBody {
            kind: "dingtalk",
            conference_id: &m.conference_id,
            url: &m.url,
        }),
        rich_text_description: e.rich_text.as_ref().map(|r| RichTextBody {
            text: r.text.clone(),
        }),
        ui_configs: e
            .ui_configs
            .iter()
            .map(|c| UiConfigBody {
                ui_name: Some(c.ui_name.clone()),
                ui_status: Some(c.ui_status.clone()),
            })
            .collect(),
        categories: e
            .categories
            .iter()
            .map(|c| CategoryBody {
                category_id: c.category_id.clone(),
                display_name: c.display_name.clone(),
            })
            .collect(),
        extra: &e.extra,
        free_busy_status: e.free_busy_status.as_deref(),
        card_instances: e
            .card_instances
            .iter()
            .map(|c| CardInstanceBody {
                out_track_id: c.out_track_id.clone(),
                scenario: c.scenario.clone(),
            })
            .collect(),
        event_config: e.event_config.as_ref().map(|c| EventConfigBody {
            allow_attendee_add_conference: c.allow_attendee_add_conference,
            allow_attendee_add_participants: c.allow_attendee_add_participants,
            allow_attendee_create_comment: c.allow_attendee_create_comment,
        }),
        create_time: format_instant(e.created),
        update_time: format_instant(e.updated),
    }
}

fn recurrence_body(r: &Recurrence) -> RecurrenceBody {
    RecurrenceBody {
        pattern: r.pattern.as_ref().map(|p| PatternBody {
            kind: p.kind.clone(),
            day_of_month: p.day_of_month,
            days_of_week: p.days_of_week.clone(),
            first_day_of_week: p.first_day_of_week.clone(),
            index: p.index.clone(),
            interval: p.interval,
        }),
        range: r.range.as_ref().map(|r| RangeBody {
            kind: r.kind.clone(),
            end_date: r.end_date.clone(),
            number_of_occurrences: r.number_of_occurrences,
        }),
    }
}

/// `start` and `end` as the wire shows them: dates for an all-day event; a
/// timed event's instants in its own zone's offset, with the zone's name.
pub fn event_times(when: &When) -> (EventTime, EventTime) {
    match when {
        When::AllDay { start, end } => (date_time(*start), date_time(*end)),
        When::Timed {
            start,
            end,
            time_zone,
        } => {
            let zone = TimeZone::get(time_zone).unwrap_or(TimeZone::UTC);
            let at = |t: Timestamp| EventTime {
                date: None,
                date_time: Some(in_zone(t, &zone)),
                time_zone: Some(time_zone.clone()),
            };
            (at(*start), at(*end))
        }
    }
}

/// A time as a room's schedule gives it, always `{dateTime, timeZone}`:
/// an all-day event's dates as midnight UTC (DingTalk's all-day zone).
pub fn instant_times(when: &When) -> (EventTime, EventTime) {
    match when {
        When::AllDay { start, end } => {
            let midnight = |d: Date| EventTime {
                date: None,
                date_time: Some(format!("{d}T00:00:00Z")),
                time_zone: Some("UTC".into()),
            };
            (midnight(*start), midnight(*end))
        }
        timed => event_times(timed),
    }
}

/// An occurrence's original start: a date for an all-day series, else the
/// instant in the series' zone (without the zone's name).
fn origin_time(origin: Origin, when: &When) -> EventTime {
    match origin {
        Origin::Date(d) => date_time(d),
        Origin::Instant(t) => {
            let zone = match when {
                When::Timed { time_zone, .. } => TimeZone::get(time_zone).unwrap_or(TimeZone::UTC),
                When::AllDay { .. } => TimeZone::UTC,
            };
            EventTime {
                date: None,
                date_time: Some(in_zone(t, &zone)),
                time_zone: None,
            }
        }
    }
}

/// createTime and updateTime: UTC, whole seconds.
pub fn format_instant(ts: Timestamp) -> String {
    let mut out = String::with_capacity(20);
    push_date_time(&mut out, Offset::UTC.to_datetime(ts));
    out.push('Z');
    out
}

fn date_time(date: Date) -> EventTime {
    let mut out = String::with_capacity(10);
    push_date(&mut out, date);
    EventTime {
        date: Some(out),
        date_time: None,
        time_zone: None,
    }
}

/// An instant with the offset `zone` has then, as RFC 3339 writes it to the
/// second (the offset to the minute, as strftime's `%:z` wrote it).
fn in_zone(at: Timestamp, zone: &TimeZone) -> String {
    let mut out = String::with_capacity(25);
    push_in_zone(&mut out, at, zone);
    out
}

fn push_in_zone(out: &mut String, at: Timestamp, zone: &TimeZone) {
    let offset = zone.to_offset(at);
    push_date_time(out, offset.to_datetime(at));
    let seconds = offset.seconds();
    out.push(if seconds < 0 { '-' } else { '+' });
    let seconds = seconds.unsigned_abs();
    push_digits(out, seconds / 3600, 2);
    out.push(':');
    push_digits(out, seconds / 60 % 60, 2);
}

/// `YYYY-MM-DD`, written by hand: answers hold many (jiff's printers cost
/// several times as much).
fn push_date(out: &mut String, date: Date) {
    push_digits(out, date.year().unsigned_abs().into(), 4);
    out.push('-');
    push_digits(out, date.month().unsigned_abs().into(), 2);
    out.push('-');
    push_digits(out, date.day().unsigned_abs().into(), 2);
}

/// `YYYY-MM-DDTHH:MM:SS`.
fn push_date_time(out: &mut String, dt: DateTime) {
    push_date(out, dt.date());
    out.push('T');
    push_digits(out, dt.hour().unsigned_abs().into(), 2);
    out.push(':');
    push_digits(out, dt.minute().unsigned_abs().into(), 2);
    out.push(':');
    push_digits(out, dt.second().unsigned_abs().into(), 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::DirectoryFile;
    use crate::domain::time::TimeSpec;
    use crate::wire::schedule::ScheduleAnswer;

    /// The answer written by hand has the shape the OpenAPI document
    /// describes (which refuses any other member).
    #[test]
    fn a_schedule_reads_as_its_described_shape() {
        let renderer = Renderer::new(Arc::new(Directory::from_file(&DirectoryFile::demo())));
        let busy = [
            Busy {
                when: When::AllDay {
                    start: "2026-07-01".parse().unwrap(),
                    end: "2026-07-02".parse().unwrap(),
                },
                tentative: false,
            },
            Busy {
                when: When::Timed {
                    start: "2026-07-01T12:00:00Z".parse().unwrap(),
                    end: "2026-07-01T13:00:00Z".parse().unwrap(),
                    time_zone: "Asia/Shanghai".into(),
                },
                tentative: true,
            },
        ];
        let written = renderer
            .schedule([("alice-union", Some(&busy[..])), ("nobody", None)])
            .unwrap();
        let read: ScheduleAnswer = serde_json::from_slice(&written).unwrap();
        let [alice, nobody] = &read.schedule_information[..] else {
            panic!("two users: {read:?}");
        };
        assert_eq!(alice.schedule_items.len(), 2);
        assert_eq!(alice.schedule_items[1].status, "Tentative");
        assert_eq!(
            alice.schedule_items[1].start.date_time.as_deref(),
            Some("2026-07-01T20:00:00+08:00")
        );
        assert!(nobody.error.is_some() && nobody.schedule_items.is_empty());
    }

    #[test]
    fn timed_event_answers_in_its_own_zone() {
        let at = |dt| TimeSpec::parse("start", None, Some(dt), Some("America/New_York")).unwrap();
        let when =
            When::combine(at("2026-07-01T12:00:00Z"), at("2026-07-01T13:00:00Z"), None).unwrap();
        let (start, _) = event_times(&when);
        assert_eq!(
            start.date_time.as_deref(),
            Some("2026-07-01T08:00:00-04:00")
        );
        assert_eq!(start.time_zone.as_deref(), Some("America/New_York"));
    }

    /// The printer writes what strftime wrote before it, on both sides of
    /// DST changes and for UTC.
    #[test]
    fn times_read_as_strftime_wrote_them() {
        for zone in [
            "America/New_York",
            "Asia/Shanghai",
            "Australia/Lord_Howe",
            "UTC",
        ] {
            let tz = TimeZone::get(zone).unwrap();
            for at in [
                "2026-03-08T06:59:59Z",
                "2026-03-08T07:00:00Z",
                "2026-11-01T05:30:00Z",
                "2026-10-04T15:30:00Z",
                "1970-01-01T00:00:00Z",
            ] {
                let t: Timestamp = at.parse().unwrap();
                let before = t
                    .to_zoned(tz.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string();
                assert_eq!(in_zone(t, &tz), before, "{at} in {zone}");
                assert_eq!(
                    format_instant(t),
                    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
                );
            }
        }
        let d = jiff::civil::date(2026, 2, 9);
        assert_eq!(
            date_time(d).date.unwrap(),
            d.strftime("%Y-%m-%d").to_string()
        );
    }
}
