//! A calendar object as a client wrote it (RFC 5545), read with the
//! `icalendar` crate's parser into what the API's rules then check.

use icalendar::parser::{Component, Property, read_calendar, unfold};
use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::ical::{FLOATING_ZONE, NO_EMAIL_DOMAIN, zone_of};
use crate::directory::Directory;
use crate::domain::attendee::ResponseStatus;
use crate::domain::series::Origin;
use crate::domain::time::TimeSpec;
use crate::domain::{CorpId, UnionId};

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
    use jiff::Timestamp;

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
        assert_eq!(unescape(&super::super::ical::text(s)), s);
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
