//! One event as iCalendar text (RFC 5545): the series with its RRULE,
//! EXDATEs for cancelled occurrences and a VEVENT with RECURRENCE-ID for
//! each changed one; attendees with their PARTSTAT; a VALARM per reminder.
//! Written with the `icalendar` crate's content lines; `parse` reads them.

use std::borrow::Cow;
use std::collections::BTreeSet;

use icalendar::parser::{Calendar, Component, Parameter, ParseString, Property};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::directory::Directory;
use crate::domain::UnionId;
use crate::domain::attendee::{Attendee, ResponseStatus};
use crate::domain::event::{Event, EventView};
use crate::domain::series::{Origin, Series};
use crate::domain::time::When;
use crate::store::CalendarObject;

/// Where a user without an email in the directory is written to: a domain
/// that never resolves (RFC 2606), read back to the unionId.
pub const NO_EMAIL_DOMAIN: &str = "@dingcal.invalid";

/// The zone of a floating time (one with neither `Z` nor TZID): every
/// calendar's zone (see ListCalendars).
pub const FLOATING_ZONE: &str = crate::domain::calendar::TIME_ZONE;

// ---------------------------------------------------------------------------
// Writing

fn parsed(value: Cow<'_, str>) -> ParseString<'_> {
    match value {
        Cow::Borrowed(s) => s.into(),
        Cow::Owned(s) => s.into(),
    }
}

fn prop<'a>(name: &'a str, value: impl Into<Cow<'a, str>>) -> Property<'a> {
    Property {
        name: name.into(),
        val: parsed(value.into()),
        params: Vec::new(),
    }
}

fn with<'a>(mut p: Property<'a>, key: &'a str, value: impl Into<Cow<'a, str>>) -> Property<'a> {
    p.params.push(Parameter {
        key: key.into(),
        val: Some(parsed(quote_param(value.into()))),
    });
    p
}

/// A parameter value with `:`, `;` or `,` must be quoted (RFC 5545 3.2);
/// a double quote cannot appear in one at all.
fn quote_param<'a>(value: Cow<'a, str>) -> Cow<'a, str> {
    if value.contains('"') {
        return quote_param(value.replace('"', "").into());
    }
    if value.contains([':', ';', ',']) {
        format!("\"{value}\"").into()
    } else {
        value
    }
}

/// TEXT as RFC 5545 (3.3.11) escapes it.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn component<'a>(name: &'a str, properties: Vec<Property<'a>>) -> Component<'a> {
    Component {
        name: name.into(),
        properties,
        components: Vec::new(),
    }
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

pub fn zone_of(name: &str) -> Option<TimeZone> {
    if name.is_empty() {
        return None;
    }
    TimeZone::get(name).ok()
}

/// A DTSTART, DTEND, RECURRENCE-ID or EXDATE: a DATE for an all-day event,
/// else the wall-clock time in the event's zone with its TZID (UTC when it
/// has none the TZ database knows).
fn time_prop<'a>(name: &'a str, at: Moment, zone: &'a str) -> Property<'a> {
    match at {
        Moment::Date(d) => with(
            prop(name, d.strftime("%Y%m%d").to_string()),
            "VALUE",
            "DATE",
        ),
        Moment::At(t) => match zone_of(zone) {
            Some(tz) if zone != "UTC" => with(
                prop(name, t.to_zoned(tz).strftime("%Y%m%dT%H%M%S").to_string()),
                "TZID",
                zone,
            ),
            _ => prop(name, utc(t)),
        },
    }
}

/// A point of an event's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moment {
    Date(Date),
    At(Timestamp),
}

impl From<Origin> for Moment {
    fn from(origin: Origin) -> Moment {
        match origin {
            Origin::Date(d) => Moment::Date(d),
            Origin::Instant(t) => Moment::At(t),
        }
    }
}

fn ends(when: &When) -> (Moment, Moment, &str) {
    match when {
        When::AllDay { start, end } => (Moment::Date(*start), Moment::Date(*end), ""),
        When::Timed {
            start,
            end,
            time_zone,
        } => (Moment::At(*start), Moment::At(*end), time_zone),
    }
}

/// A user's calendar address.
pub fn address(directory: &Directory, id: &UnionId) -> String {
    match directory.email(id) {
        Some(email) => format!("mailto:{email}"),
        None => format!("mailto:{}{NO_EMAIL_DOMAIN}", id.as_str()),
    }
}

fn partstat(status: ResponseStatus) -> &'static str {
    match status {
        ResponseStatus::NeedsAction => "NEEDS-ACTION",
        ResponseStatus::Accepted => "ACCEPTED",
        ResponseStatus::Declined => "DECLINED",
        ResponseStatus::Tentative => "TENTATIVE",
    }
}

fn people<'a>(directory: &Directory, attendees: &[Attendee], out: &mut Vec<Property<'a>>) {
    for a in attendees {
        let name = directory.display_name(&a.id).to_string();
        let at = address(directory, &a.id);
        if a.is_organizer {
            out.push(with(prop("ORGANIZER", at.clone()), "CN", name.clone()));
        }
        let role = match (a.is_organizer, a.is_optional) {
            (true, _) => "CHAIR",
            (false, true) => "OPT-PARTICIPANT",
            (false, false) => "REQ-PARTICIPANT",
        };
        let line = with(prop("ATTENDEE", at), "CN", name);
        let line = with(line, "PARTSTAT", partstat(a.response_status));
        out.push(with(with(line, "ROLE", role), "CUTYPE", "INDIVIDUAL"));
    }
}

/// One VEVENT: the series (or single event), or one changed occurrence;
/// with its times in UTC when `in_utc` (an expanded occurrence).
fn vevent<'a>(
    directory: &Directory,
    uid: &'a str,
    view: &'a EventView,
    series_zone: &'a str,
    extra: Vec<Property<'a>>,
    in_utc: bool,
) -> Component<'a> {
    let e: &Event = &view.event;
    let (start, end, zone) = ends(&e.when);
    let (zone, series_zone) = if in_utc {
        ("UTC", "UTC")
    } else {
        (zone, series_zone)
    };
    let mut p = vec![
        prop("UID", text(uid)),
        prop("DTSTAMP", utc(e.updated)),
        prop("CREATED", utc(e.created)),
        prop("LAST-MODIFIED", utc(e.updated)),
    ];
    if let Some((_, origin)) = view.series {
        p.push(time_prop("RECURRENCE-ID", origin.into(), series_zone));
    }
    p.push(time_prop("DTSTART", start, zone));
    p.push(time_prop("DTEND", end, zone));
    p.push(prop("SUMMARY", text(&e.summary)));
    if let Some(d) = &e.description {
        p.push(prop("DESCRIPTION", text(d)));
    }
    if let Some(l) = e.location.as_ref().and_then(|l| l.display_name.as_deref()) {
        p.push(prop("LOCATION", text(l)));
    }
    p.extend(extra);
    p.push(prop(
        "STATUS",
        if e.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        },
    ));
    p.push(prop(
        "TRANSP",
        if e.is_free() { "TRANSPARENT" } else { "OPAQUE" },
    ));
    people(directory, &view.attendees, &mut p);
    let mut c = component("VEVENT", p);
    for r in e.effective_reminders() {
        let trigger = if r.minutes == 0 {
            "PT0S".to_string()
        } else {
            format!("-PT{}M", r.minutes)
        };
        c.components.push(component(
            "VALARM",
            vec![
                prop("ACTION", "DISPLAY"),
                prop("DESCRIPTION", text(&e.summary)),
                prop("TRIGGER", trigger),
            ],
        ));
    }
    c
}

/// A VTIMEZONE for a zone, so that the TZIDs written need no outside
/// knowledge: its offset changes from a year before `around` (the event's
/// start) to ten years after it or after `updated` (the event's last
/// change, a stand-in for now that keeps the text, and its ETag, stable),
/// or its one offset.
fn vtimezone<'a>(name: &'a str, around: Timestamp, updated: Timestamp) -> Option<Component<'a>> {
    let tz = zone_of(name)?;
    let from = around
        .checked_sub(jiff::SignedDuration::from_hours(24 * 366))
        .unwrap_or(around);
    let later = around.max(updated);
    let until = later
        .checked_add(jiff::SignedDuration::from_hours(24 * 3660))
        .unwrap_or(later);
    let offset = |s: i32| {
        let sign = if s < 0 { '-' } else { '+' };
        let s = s.abs();
        format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
    };
    let mut zone = component("VTIMEZONE", vec![prop("TZID", name)]);
    let mut before = tz.to_offset(from);
    for t in tz.following(from).take_while(|t| t.timestamp() < until) {
        let after = t.offset();
        let kind = if t.dst().is_dst() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let local = t.timestamp().to_zoned(TimeZone::fixed(before)).datetime();
        zone.components.push(component(
            kind,
            vec![
                prop("DTSTART", local.strftime("%Y%m%dT%H%M%S").to_string()),
                prop("TZOFFSETFROM", offset(before.seconds())),
                prop("TZOFFSETTO", offset(after.seconds())),
            ],
        ));
        before = after;
    }
    if zone.components.is_empty() {
        zone.components.push(component(
            "STANDARD",
            vec![
                prop("DTSTART", "19700101T000000"),
                prop("TZOFFSETFROM", offset(before.seconds())),
                prop("TZOFFSETTO", offset(before.seconds())),
            ],
        ));
    }
    Some(zone)
}

fn uid_of(event: &Event) -> &str {
    event
        .ical
        .as_ref()
        .map_or(event.id.as_str(), |n| n.uid.as_str())
}

fn vcalendar<'a>() -> Calendar<'a> {
    Calendar {
        properties: vec![
            prop("VERSION", "2.0"),
            prop("PRODID", "-//dingcal//CalDAV//EN"),
            prop("CALSCALE", "GREGORIAN"),
        ],
        components: Vec::new(),
    }
}

/// The occurrences of an object in a window, each a VEVENT of its own
/// with its RECURRENCE-ID, in UTC (RFC 4791 9.6.5).
pub fn render_occurrences(
    directory: &Directory,
    object: &CalendarObject,
    views: &[EventView],
) -> String {
    let uid = uid_of(&object.event.event);
    let mut calendar = vcalendar();
    for v in views {
        calendar
            .components
            .push(vevent(directory, uid, v, "UTC", Vec::new(), true));
    }
    calendar.to_string()
}

/// The calendar object of an event, whole.
pub fn render(directory: &Directory, object: &CalendarObject) -> String {
    let master = &object.event.event;
    let uid = uid_of(master);
    let (_, _, zone) = ends(&master.when);
    let mut extra = Vec::new();
    if let Ok(Some(series)) = Series::of(master) {
        extra.push(prop("RRULE", series.rrule()));
        let mut cancelled = object.cancelled.clone();
        cancelled.sort_by_key(|o| o.key());
        for origin in cancelled {
            extra.push(time_prop("EXDATE", origin.into(), zone));
        }
    }
    let mut calendar = vcalendar();
    let zones: BTreeSet<&str> = std::iter::once(&object.event)
        .chain(&object.overrides)
        .filter_map(|v| match &v.event.when {
            When::Timed { time_zone, .. } if time_zone != "UTC" => Some(time_zone.as_str()),
            _ => None,
        })
        .collect();
    let around = match master.when {
        When::Timed { start, .. } => start,
        When::AllDay { .. } => master.created,
    };
    calendar.components.extend(
        zones
            .into_iter()
            .filter_map(|z| vtimezone(z, around, master.updated)),
    );
    calendar
        .components
        .push(vevent(directory, uid, &object.event, zone, extra, false));
    for o in &object.overrides {
        calendar
            .components
            .push(vevent(directory, uid, o, zone, Vec::new(), false));
    }
    calendar.to_string()
}
