//! The caldav suite's calendar: 1,000 timed events of one organizer over 20
//! weeks, each the same event as a CreateEvent body for dingcal and as an
//! iCalendar object for Radicale; the people in them; and the REPORT of a
//! week.

use bytes::Bytes;
use jiff::Span;
use jiff::civil::{Date, DateTime};
use serde_json::json;

use crate::phases::{APP_KEY, APP_SECRET, CORP_ID, ORGANIZER, user};

pub const EVENTS: u64 = 1_000;
pub const WEEKS: u64 = 20;
pub const PER_WEEK: u64 = EVENTS / WEEKS;
/// The period starts on Monday 2 November 2026, Asia/Shanghai time, which
/// has kept UTC+8 all year since 1991.
const PERIOD_START: (i16, i8, i8) = (2026, 11, 2);
const UTC_OFFSET_HOURS: i64 = 8;
const ZONE: &str = "Asia/Shanghai";
/// Each event's two attendees are among the first users of the bench.
const ATTENDEES: usize = 10;
const MAIL_DOMAIN: &str = "bench.example";
/// When the iCalendar objects say they were made (DTSTAMP).
const STAMP: &str = "20261101T000000Z";

/// The directory: the bench's org and app, with the organizer and the
/// attendees, each with the e-mail address the iCalendar objects name.
pub fn directory() -> String {
    let mut toml = format!(
        "[[orgs]]\ncorp_id = \"{CORP_ID}\"\nname = \"Bench\"\n\n\
         [[orgs.apps]]\napp_key = \"{APP_KEY}\"\napp_secret = \"{APP_SECRET}\"\n\
         permissions = [\"Calendar.Event.Read\", \"Calendar.Event.Write\", \
         \"Calendar.Calendar.Read\", \"Calendar.Calendar.Write\"]\n"
    );
    let people = std::iter::once((ORGANIZER.to_string(), "Organizer".to_string()))
        .chain((0..ATTENDEES).map(|i| (user(i), format!("User {i}"))));
    for (id, name) in people {
        toml.push_str(&format!(
            "\n[[orgs.users]]\nunion_id = \"{id}\"\nname = \"{name}\"\nemail = \"{}\"\n",
            email(&id)
        ));
    }
    toml
}

fn email(id: &str) -> String {
    format!("{id}@{MAIL_DOMAIN}")
}

/// Where event n lies, and who attends it.
#[derive(Debug)]
struct Placement {
    /// Days from the period's first.
    day: u64,
    /// Start, Asia/Shanghai time.
    start: DateTime,
    minutes: i64,
    attendees: [usize; 2],
}

/// Event n is the (n mod 50)-th of week n / 50: on weekday k mod 7 of that
/// week, in the (k / 7)-th hour from 08:00, starting on the hour or at a
/// quarter past, lasting 30, 45 or 60 minutes; attended by users n mod 10
/// and n + 1 mod 10. Every event lies within its day (08:00 to 16:15).
fn placement(n: u64) -> Placement {
    let (week, k) = (n / PER_WEEK, n % PER_WEEK);
    let day = week * 7 + k % 7;
    let hour = 8 + (k / 7) as i8;
    let minute = 15 * (n % 2) as i8;
    let a = n as usize % ATTENDEES;
    Placement {
        day,
        start: date(day).at(hour, minute, 0, 0),
        minutes: 30 + 15 * (n % 3) as i64,
        attendees: [a, (a + 1) % ATTENDEES],
    }
}

/// A day of the period, `day` days from its first.
fn date(day: u64) -> Date {
    let (y, m, d) = PERIOD_START;
    jiff::civil::date(y, m, d)
        .checked_add(Span::new().days(day as i64))
        .expect("a day of the period")
}

fn end(p: &Placement) -> DateTime {
    p.start
        .checked_add(Span::new().minutes(p.minutes))
        .expect("within the period")
}

/// A Shanghai time in UTC, as iCalendar and CalDAV write it.
fn utc(local: DateTime) -> String {
    local
        .checked_sub(Span::new().hours(UTC_OFFSET_HOURS))
        .expect("within the period")
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

fn summary(n: u64) -> String {
    format!("Bench meeting {n}")
}

fn description(n: u64) -> String {
    format!("Agenda of meeting {n}: the week's figures, then next steps; notes to follow.")
}

fn location(n: u64) -> String {
    format!("Room {} / Building 3", n % 20)
}

/// Event n as a CreateEvent body of the organizer's primary calendar.
pub fn create_event(n: u64) -> Bytes {
    let p = placement(n);
    let at = |t: DateTime| {
        json!({
            "dateTime": format!("{}+08:00", t.strftime("%Y-%m-%dT%H:%M:%S")),
            "timeZone": ZONE,
        })
    };
    let body = json!({
        "summary": summary(n),
        "description": description(n),
        "location": {"displayName": location(n)},
        "start": at(p.start),
        "end": at(end(&p)),
        "attendees": p.attendees.map(|i| json!({"id": user(i)})),
    });
    Bytes::from(body.to_string())
}

/// Event n's resource in the CalDAV `collection` (a path ending in `/`).
pub fn resource(collection: &str, n: u64) -> String {
    format!("{collection}event-{n}.ics")
}

/// Event n as an iCalendar object (RFC 5545): times in UTC, the organizer
/// and attendees by their e-mail addresses.
pub fn ical(n: u64) -> Bytes {
    let p = placement(n);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//dingcal//dingcal-bench//EN".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:bench-event-{n}@{MAIL_DOMAIN}"),
        format!("DTSTAMP:{STAMP}"),
        format!("DTSTART:{}", utc(p.start)),
        format!("DTEND:{}", utc(end(&p))),
        format!("SUMMARY:{}", escape(&summary(n))),
        format!("DESCRIPTION:{}", escape(&description(n))),
        format!("LOCATION:{}", escape(&location(n))),
        format!("ORGANIZER;CN=Organizer:mailto:{}", email(ORGANIZER)),
    ];
    for i in p.attendees {
        lines.push(format!(
            "ATTENDEE;CN=User {i};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:{}",
            email(&user(i))
        ));
    }
    lines.extend(["END:VEVENT".to_string(), "END:VCALENDAR".to_string()]);
    Bytes::from(lines.iter().map(|l| fold(l)).collect::<String>())
}

/// A TEXT value escaped as RFC 5545 3.3.11 asks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (RFC 5545 3.1), each part ended by
/// CRLF, each continuation starting with a space. The lines here are ASCII.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    let mut width = 75;
    while rest.len() > width {
        let (part, tail) = rest.split_at(width);
        out.push_str(part);
        out.push_str("\r\n ");
        rest = tail;
        width = 74;
    }
    out.push_str(rest);
    out.push_str("\r\n");
    out
}

/// The first day of a week of the period, as YYYY-MM-DD.
pub fn week_start(week: u64) -> String {
    date(week * 7).to_string()
}

/// Events loaded in a week of the period.
pub fn week_events(week: u64) -> usize {
    (0..EVENTS)
        .filter(|&n| placement(n).day / 7 == week)
        .count()
}

/// The RFC 4791 calendar-query of the events overlapping a week of the
/// period (Monday 00:00 to Monday 00:00, Shanghai time), with each one's
/// etag and iCalendar data.
pub fn week_query(week: u64) -> Bytes {
    let start = utc(date(week * 7).at(0, 0, 0, 0));
    let end = utc(date(week * 7 + 7).at(0, 0, 0, 0));
    Bytes::from(format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
         <D:prop><D:getetag/><C:calendar-data/></D:prop>\
         <C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">\
         <C:time-range start=\"{start}\" end=\"{end}\"/>\
         </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ))
}

/// VEVENTs in a REPORT's answer: its `BEGIN:VEVENT` lines.
pub fn vevents(body: &[u8]) -> usize {
    const NEEDLE: &[u8] = b"BEGIN:VEVENT";
    body.windows(NEEDLE.len()).filter(|w| *w == NEEDLE).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_week_holds_fifty_events() {
        for week in 0..WEEKS {
            assert_eq!(week_events(week), PER_WEEK as usize, "week {week}");
        }
    }

    #[test]
    fn every_event_lies_within_its_day() {
        for n in 0..EVENTS {
            let p = placement(n);
            let end = end(&p);
            assert_eq!(p.start.date(), date(p.day));
            assert_eq!(end.date(), p.start.date());
            assert!((8..=16).contains(&end.hour()), "event {n} ends at {end}");
            assert_ne!(p.attendees[0], p.attendees[1]);
        }
    }

    #[test]
    fn the_week_of_7_december_is_read_in_utc() {
        let query = String::from_utf8(week_query(5).to_vec()).unwrap();
        assert_eq!(week_start(5), "2026-12-07");
        assert!(query.contains("start=\"20261206T160000Z\" end=\"20261213T160000Z\""));
    }

    #[test]
    fn both_forms_of_an_event_give_the_same_times() {
        let json: serde_json::Value = serde_json::from_slice(&create_event(1)).unwrap();
        assert_eq!(json["start"]["dateTime"], "2026-11-03T08:15:00+08:00");
        assert_eq!(json["end"]["dateTime"], "2026-11-03T09:00:00+08:00");
        let ical = String::from_utf8(ical(1).to_vec()).unwrap();
        assert!(ical.contains("\r\nDTSTART:20261103T001500Z\r\n"));
        assert!(ical.contains("\r\nDTEND:20261103T010000Z\r\n"));
    }

    #[test]
    fn ical_lines_are_folded_at_75_octets() {
        let ical = String::from_utf8(ical(7).to_vec()).unwrap();
        assert!(ical.ends_with("END:VCALENDAR\r\n"));
        assert!(ical.split("\r\n").all(|line| line.len() <= 75));
        let unfolded = ical.replace("\r\n ", "");
        assert!(unfolded.contains(
            "\r\nATTENDEE;CN=User 8;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:\
             mailto:bench-user-0008@bench.example\r\n"
        ));
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }

    #[test]
    fn vevents_are_counted_by_their_begin_lines() {
        let body = b"<x>BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n</x>\
                     <x>BEGIN:VEVENT\nEND:VEVENT</x>";
        assert_eq!(vevents(body), 2);
        assert_eq!(vevents(b""), 0);
    }
}
