//! One event as iCalendar text (RFC 5545) and back: the series with its
//! RRULE, EXDATEs for cancelled occurrences and a VEVENT with RECURRENCE-ID
//! for each changed one; attendees with their PARTSTAT; a VALARM per
//! reminder. Written and read with the `icalendar` crate's content lines.

use std::borrow::Cow;
use std::collections::BTreeSet;

use icalendar::parser::{
    Calendar, Component, Parameter, ParseString, Property, read_calendar, unfold,
};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::directory::Directory;
use crate::domain::attendee::{Attendee, ResponseStatus};
use crate::domain::event::{Event, EventView};
use crate::domain::series::{Origin, Series};
use crate::domain::time::{TimeSpec, When};
use crate::domain::{CorpId, UnionId};
use crate::store::CalendarObject;

/// Where a user without an email in the directory is written to: a domain
/// that never resolves (RFC 2606), read back to the unionId.
const NO_EMAIL_DOMAIN: &str = "@dingcal.invalid";

/// The zone of a floating time (one with neither `Z` nor TZID): every
/// calendar's zone (see ListCalendars).
const FLOATING_ZONE: &str = crate::domain::calendar::TIME_ZONE;

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
fn text(value: &str) -> String {
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

fn zone_of(name: &str) -> Option<TimeZone> {
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
/// knowledge: its offset changes from a year before `around` to ten years
/// after, or its one offset.
fn vtimezone<'a>(name: &'a str, around: Timestamp) -> Option<Component<'a>> {
    let tz = zone_of(name)?;
    let from = around
        .checked_sub(jiff::SignedDuration::from_hours(24 * 366))
        .unwrap_or(around);
    let until = around
        .checked_add(jiff::SignedDuration::from_hours(24 * 3660))
        .unwrap_or(around);
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
    calendar
        .components
        .extend(zones.into_iter().filter_map(|z| vtimezone(z, around)));
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

// ---------------------------------------------------------------------------
// Reading

/// One VEVENT as a client wrote it.
#[derive(Debug, Clone, Default)]
pub struct VEvent {
    pub recurrence_id: Option<Origin>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub start: Option<TimeSpec>,
    pub end: Option<TimeSpec>,
    pub rrule: Option<String>,
    pub exdates: Vec<Origin>,
    /// Each ATTENDEE: its address, PARTSTAT, and whether it is optional.
    pub attendees: Vec<(String, Option<ResponseStatus>, bool)>,
    pub organizer: Option<String>,
    /// Minutes before the start, of each VALARM with a relative trigger.
    pub alarms: Vec<i64>,
    pub transparent: bool,
}

/// A calendar object as a client wrote it: its UID, the series (or single
/// event) and its changed occurrences.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub uid: String,
    pub master: VEvent,
    pub overrides: Vec<VEvent>,
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn param<'a>(p: &'a Property<'_>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|x| x.val.as_ref())
        .map(|v| v.as_str().trim_matches('"'))
}

/// The TZ database zone a TZID means: the name itself, a name that ends
/// it (`/mozilla.org/20070129_1/Europe/Berlin`), or the X-LIC-LOCATION of
/// the object's VTIMEZONE of that id.
fn resolve_zone(tzid: &str, aliases: &[(String, String)]) -> Option<String> {
    if zone_of(tzid).is_some() {
        return Some(tzid.to_string());
    }
    if let Some((_, name)) = aliases.iter().find(|(id, _)| id == tzid) {
        return zone_of(name).map(|_| name.clone());
    }
    tzid.match_indices('/')
        .map(|(i, _)| &tzid[i + 1..])
        .find(|tail| zone_of(tail).is_some())
        .map(str::to_string)
}

/// A date or date-time value with its parameters.
fn read_time(
    p: &Property<'_>,
    value: &str,
    aliases: &[(String, String)],
) -> Result<TimeSpec, String> {
    let value = value.trim();
    let bad = || format!("{} {value:?} is not a date or date-time", p.name.as_str());
    if param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE")) || value.len() == 8 {
        return Date::strptime("%Y%m%d", value)
            .map(TimeSpec::Date)
            .map_err(|_| bad());
    }
    if let Some(utc) = value.strip_suffix('Z') {
        let at = DateTime::strptime("%Y%m%dT%H%M%S", utc)
            .and_then(|dt| dt.to_zoned(TimeZone::UTC))
            .map_err(|_| bad())?;
        return Ok(TimeSpec::DateTime {
            at: at.timestamp(),
            time_zone: "UTC".into(),
        });
    }
    let zone = match param(p, "TZID") {
        Some(tzid) => resolve_zone(tzid, aliases)
            .ok_or_else(|| format!("TZID {tzid:?} is no time zone dingcal knows"))?,
        None => FLOATING_ZONE.to_string(),
    };
    let tz = zone_of(&zone).ok_or_else(bad)?;
    let at = DateTime::strptime("%Y%m%dT%H%M%S", value)
        .and_then(|dt| dt.to_zoned(tz))
        .map_err(|_| bad())?;
    Ok(TimeSpec::DateTime {
        at: at.timestamp(),
        time_zone: zone,
    })
}

fn origin_of(spec: TimeSpec) -> Origin {
    match spec {
        TimeSpec::Date(d) => Origin::Date(d),
        TimeSpec::DateTime { at, .. } => Origin::Instant(at),
    }
}

/// An RFC 5545 duration (`-PT15M`, `P1DT2H`, `P1W`) in seconds; days are
/// 24 hours here.
fn duration_seconds(value: &str) -> Option<i64> {
    let value = value.trim();
    let (sign, rest) = match value.as_bytes().first()? {
        b'-' => (-1, &value[1..]),
        b'+' => (1, &value[1..]),
        _ => (1, value),
    };
    let rest = rest.strip_prefix('P')?;
    let mut total = 0i64;
    let mut number = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' => {}
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                total += n * match unit {
                    'W' => 604_800,
                    'D' => 86_400,
                    'H' => 3_600,
                    'M' => 60,
                    'S' => 1,
                    _ => return None,
                };
            }
        }
    }
    number.is_empty().then_some(sign * total)
}

fn status_of(value: &str) -> Option<ResponseStatus> {
    match value.to_ascii_uppercase().as_str() {
        "ACCEPTED" => Some(ResponseStatus::Accepted),
        "DECLINED" => Some(ResponseStatus::Declined),
        "TENTATIVE" => Some(ResponseStatus::Tentative),
        "NEEDS-ACTION" => Some(ResponseStatus::NeedsAction),
        _ => None,
    }
}

fn read_vevent(c: &Component<'_>, aliases: &[(String, String)]) -> Result<VEvent, String> {
    let mut e = VEvent::default();
    let mut duration = None;
    for p in &c.properties {
        let raw = p.val.as_str();
        match p.name.as_str().to_ascii_uppercase().as_str() {
            "SUMMARY" => e.summary = Some(unescape(raw)),
            "DESCRIPTION" => e.description = Some(unescape(raw)),
            "LOCATION" => e.location = Some(unescape(raw)),
            "DTSTART" => e.start = Some(read_time(p, raw, aliases)?),
            "DTEND" => e.end = Some(read_time(p, raw, aliases)?),
            "DURATION" => duration = Some(duration_seconds(raw).ok_or("DURATION is malformed")?),
            "RECURRENCE-ID" => e.recurrence_id = Some(origin_of(read_time(p, raw, aliases)?)),
            "RRULE" => e.rrule = Some(raw.trim().to_string()),
            "RDATE" => return Err("RDATE cannot be kept: DingTalk repeats by rule only".into()),
            "EXDATE" => {
                for v in raw.split(',') {
                    e.exdates.push(origin_of(read_time(p, v, aliases)?));
                }
            }
            "ATTENDEE" => e.attendees.push((
                raw.trim().to_string(),
                param(p, "PARTSTAT").and_then(status_of),
                param(p, "ROLE").is_some_and(|r| r.eq_ignore_ascii_case("OPT-PARTICIPANT")),
            )),
            "ORGANIZER" => e.organizer = Some(raw.trim().to_string()),
            "TRANSP" => e.transparent = raw.trim().eq_ignore_ascii_case("TRANSPARENT"),
            _ => {}
        }
    }
    for alarm in c
        .components
        .iter()
        .filter(|a| a.name.as_str().eq_ignore_ascii_case("VALARM"))
    {
        let Some(trigger) = alarm.find_prop("TRIGGER") else {
            continue;
        };
        // Only a trigger before the start is a DingTalk reminder.
        let related_end = param(trigger, "RELATED").is_some_and(|r| r.eq_ignore_ascii_case("END"));
        if let Some(seconds) = duration_seconds(trigger.val.as_str()).filter(|_| !related_end) {
            if seconds <= 0 {
                e.alarms.push(-seconds / 60);
            }
        }
    }
    if e.end.is_none() {
        e.end = match (&e.start, duration) {
            (Some(TimeSpec::Date(d)), seconds) => {
                let days = seconds.map_or(1, |s| (s / 86_400).max(1));
                d.checked_add(days.days()).ok().map(TimeSpec::Date)
            }
            (Some(TimeSpec::DateTime { at, time_zone }), seconds) => Some(TimeSpec::DateTime {
                at: at
                    .checked_add(jiff::SignedDuration::from_secs(seconds.unwrap_or(0)))
                    .map_err(|_| "DURATION is too long")?,
                time_zone: time_zone.clone(),
            }),
            (None, _) => None,
        };
    }
    Ok(e)
}

/// Reads a calendar object: one UID, its VEVENTs, one of them the series
/// (or the single event).
pub fn parse(body: &str) -> Result<Parsed, String> {
    let unfolded = unfold(body);
    let calendar = read_calendar(&unfolded).map_err(|_| "the body is not iCalendar".to_string())?;
    let aliases: Vec<(String, String)> = calendar
        .components
        .iter()
        .filter(|c| c.name.as_str().eq_ignore_ascii_case("VTIMEZONE"))
        .filter_map(|c| {
            Some((
                c.find_prop("TZID")?.val.as_str().to_string(),
                c.find_prop("X-LIC-LOCATION")?.val.as_str().to_string(),
            ))
        })
        .collect();
    let mut uid = None;
    let mut master = None;
    let mut overrides = Vec::new();
    for c in &calendar.components {
        let name = c.name.as_str().to_ascii_uppercase();
        if name == "VTODO" || name == "VJOURNAL" {
            return Err("only VEVENT objects are kept".into());
        }
        if name != "VEVENT" {
            continue;
        }
        let this = c
            .find_prop("UID")
            .map(|u| unescape(u.val.as_str()))
            .ok_or("a VEVENT needs a UID")?;
        if uid.get_or_insert_with(|| this.clone()) != &this {
            return Err("a calendar object holds one UID".into());
        }
        let e = read_vevent(c, &aliases)?;
        if e.start.is_none() {
            return Err("a VEVENT needs a DTSTART".into());
        }
        if e.recurrence_id.is_some() {
            overrides.push(e);
        } else if master.replace(e).is_some() {
            return Err("a calendar object holds one VEVENT without RECURRENCE-ID".into());
        }
    }
    Ok(Parsed {
        uid: uid.ok_or("the object holds no VEVENT")?,
        master: master.ok_or("the object holds no VEVENT without RECURRENCE-ID")?,
        overrides,
    })
}

/// The user a calendar address names in the org, if any.
pub fn user_at(directory: &Directory, corp_id: &CorpId, address: &str) -> Option<UnionId> {
    let email = address
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("mailto:"))
        .map_or(address, |_| &address[7..]);
    if let Some(id) = email.strip_suffix(NO_EMAIL_DOMAIN) {
        return directory.member(corp_id, id).ok();
    }
    directory.by_email(corp_id, email).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_rfc_5545_writes_them() {
        assert_eq!(duration_seconds("-PT15M"), Some(-900));
        assert_eq!(duration_seconds("P1DT2H"), Some(93_600));
        assert_eq!(duration_seconds("-P1W"), Some(-604_800));
        assert_eq!(duration_seconds("PT0S"), Some(0));
        assert_eq!(duration_seconds("15M"), None);
        assert_eq!(duration_seconds("PT15"), None);
    }

    #[test]
    fn text_escapes_read_back() {
        let s = "a, b; c\\d\ne";
        assert_eq!(unescape(&text(s)), s);
    }

    #[test]
    fn a_client_object_reads_whole() {
        let body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Custom Berlin\r\n\
            X-LIC-LOCATION:Europe/Berlin\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:abc\r\n\
            DTSTART;TZID=Custom Berlin:20261207T100000\r\nDURATION:PT30M\r\nSUMMARY:Stand\\, up\r\n\
            RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Custom Berlin:20261208T100000\r\n\
            ATTENDEE;PARTSTAT=ACCEPTED;ROLE=OPT-PARTICIPANT:mailto:bob@acme.example\r\n\
            BEGIN:VALARM\r\nTRIGGER:-PT10M\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:abc\r\nRECURRENCE-ID;TZID=Custom Berlin:20261209T100000\r\n\
            DTSTART:20261209T120000Z\r\nDTEND:20261209T130000Z\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let parsed = parse(body).unwrap();
        assert_eq!(parsed.uid, "abc");
        let m = &parsed.master;
        assert_eq!(m.summary.as_deref(), Some("Stand, up"));
        let nine_utc: Timestamp = "2026-12-07T09:00:00Z".parse().unwrap();
        assert_eq!(
            m.start,
            Some(TimeSpec::DateTime {
                at: nine_utc,
                time_zone: "Europe/Berlin".into()
            })
        );
        assert_eq!(
            m.end,
            Some(TimeSpec::DateTime {
                at: "2026-12-07T09:30:00Z".parse().unwrap(),
                time_zone: "Europe/Berlin".into()
            })
        );
        assert_eq!(
            m.exdates,
            vec![Origin::Instant("2026-12-08T09:00:00Z".parse().unwrap())]
        );
        assert_eq!(m.alarms, vec![10]);
        assert_eq!(
            m.attendees,
            vec![(
                "mailto:bob@acme.example".into(),
                Some(ResponseStatus::Accepted),
                true
            )]
        );
        assert_eq!(parsed.overrides.len(), 1);
        assert_eq!(
            parsed.overrides[0].recurrence_id,
            Some(Origin::Instant("2026-12-09T09:00:00Z".parse().unwrap()))
        );
    }

    #[test]
    fn objects_dingcal_cannot_keep_are_refused() {
        assert!(
            parse("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
                .is_err()
        );
        assert!(
            parse("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
                .is_err()
        );
        assert!(parse("not a calendar").is_err());
    }
}
