//! Recurring events: the instances of a series master, the ids that name
//! them, and the exceptions that change or cancel one occurrence.
//!
//! An instance is named by its series and its original start, so its id
//! alone says which occurrence it is. An exception is kept per (series,
//! original start) and holds only what differs: a cancellation, the changed
//! occurrence, or attendees' responses to that occurrence alone.

use std::collections::BTreeMap;

use dingcal_recur::{Occurrence, Rule, Start, occurrences};
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp};

use super::attendee::ResponseStatus;
use super::event::Event;
use super::time::{When, Window, push_digits};
use super::{EventId, UnionId};
use crate::error::ApiResult;

/// An occurrence's original start: its date for an all-day series, its
/// instant for a timed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Date(Date),
    Instant(Timestamp),
}

impl Origin {
    /// The same key as [`When::keys`] gives the occurrence's start.
    pub fn key(self) -> i64 {
        match self {
            Origin::Date(d) => When::AllDay { start: d, end: d }.keys().0,
            Origin::Instant(t) => t.as_second(),
        }
    }

    /// Written digit by digit: ids are made for every listed occurrence.
    fn write_suffix(self, out: &mut String) {
        let date = match self {
            Origin::Date(d) => d,
            Origin::Instant(t) => Offset::UTC.to_datetime(t).date(),
        };
        push_digits(out, date.year().unsigned_abs().into(), 4);
        push_digits(out, date.month().unsigned_abs().into(), 2);
        push_digits(out, date.day().unsigned_abs().into(), 2);
        if let Origin::Instant(t) = self {
            let time = Offset::UTC.to_datetime(t).time();
            out.push('T');
            push_digits(out, time.hour().unsigned_abs().into(), 2);
            push_digits(out, time.minute().unsigned_abs().into(), 2);
            push_digits(out, time.second().unsigned_abs().into(), 2);
            out.push('Z');
        }
    }

    fn parse(suffix: &str) -> Option<Origin> {
        match suffix.len() {
            8 => Date::strptime("%Y%m%d", suffix).ok().map(Origin::Date),
            16 => Timestamp::strptime("%Y%m%dT%H%M%S%#z", suffix.replace('Z', "+0000"))
                .ok()
                .map(Origin::Instant),
            _ => None,
        }
    }
}

/// The id of one occurrence: `{seriesId}_{originalStart}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceId {
    pub master: EventId,
    pub origin: Origin,
}

impl InstanceId {
    pub fn id(&self) -> EventId {
        let mut id = String::with_capacity(self.master.as_str().len() + 17);
        id.push_str(self.master.as_str());
        id.push('_');
        self.origin.write_suffix(&mut id);
        EventId(id)
    }

    /// Reads an instance id; `None` for anything else (a plain event id).
    pub fn parse(id: &EventId) -> Option<InstanceId> {
        let (master, suffix) = id.as_str().rsplit_once('_')?;
        if master.is_empty() {
            return None;
        }
        Some(InstanceId {
            master: EventId(master.to_string()),
            origin: Origin::parse(suffix)?,
        })
    }
}

/// What differs in one occurrence of a series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exception {
    pub cancelled: bool,
    /// The occurrence as changed by the organizer, whole.
    pub event: Option<Event>,
    /// Responses to this occurrence alone.
    pub responses: BTreeMap<UnionId, ResponseStatus>,
}

/// How long each occurrence lasts.
#[derive(Debug, Clone, Copy)]
enum Length {
    Days(i64),
    Time(SignedDuration),
}

/// A series master's rule, ready to expand.
#[derive(Debug, Clone)]
pub struct Series {
    rule: Rule,
    start: Start,
    length: Length,
    time_zone: Option<String>,
}

/// One occurrence of a series, as listed.
#[derive(Debug, Clone)]
pub struct Instance {
    pub origin: Origin,
    pub event: Event,
}

impl Series {
    /// The series an event masters, or `None` for a single event.
    pub fn of(event: &Event) -> ApiResult<Option<Series>> {
        let Some(recurrence) = &event.recurrence else {
            return Ok(None);
        };
        let rule = recurrence.rule()?;
        let series = match &event.when {
            When::AllDay { start, end } => Series {
                rule,
                start: Start::AllDay(*start),
                length: Length::Days(
                    end.since(*start)
                        .map(|s| i64::from(s.get_days()))
                        .unwrap_or(1),
                ),
                time_zone: None,
            },
            When::Timed {
                start,
                end,
                time_zone,
            } => {
                let zone = TimeZone::get(time_zone).unwrap_or(TimeZone::UTC);
                Series {
                    rule,
                    start: Start::Timed {
                        at: start.to_zoned(zone.clone()).datetime(),
                        zone,
                    },
                    length: Length::Time(end.duration_since(*start)),
                    time_zone: Some(time_zone.clone()),
                }
            }
        };
        Ok(Some(series))
    }

    fn origin(&self, occurrence: Occurrence) -> Option<Origin> {
        match self.start {
            Start::AllDay(_) => Some(Origin::Date(occurrence.date)),
            Start::Timed { .. } => occurrence.instant.map(Origin::Instant),
        }
    }

    /// The series' rule as RFC 5545 RRULE text.
    pub fn rrule(&self) -> String {
        dingcal_recur::rfc5545::to_rrule(&self.rule, &self.start)
    }

    /// The original start an exception's key (see [`Origin::key`]) names
    /// in this series.
    pub fn origin_at(&self, key: i64) -> Option<Origin> {
        let origin = match self.start {
            Start::AllDay(_) => Origin::Date(super::time::date_of_key(key)),
            Start::Timed { .. } => Origin::Instant(Timestamp::from_second(key).ok()?),
        };
        self.has(origin).then_some(origin)
    }

    /// The occurrence's time when it keeps its original start.
    pub fn when_at(&self, origin: Origin) -> When {
        match (origin, self.length) {
            (Origin::Date(start), Length::Days(days)) => When::AllDay {
                start,
                end: start.checked_add(Span::new().days(days)).unwrap_or(start),
            },
            (Origin::Instant(start), Length::Time(length)) => When::Timed {
                start,
                end: start.checked_add(length).unwrap_or(start),
                time_zone: self.time_zone.clone().unwrap_or_default(),
            },
            // An origin of the other kind names no occurrence of this series.
            (Origin::Date(d), _) => When::AllDay { start: d, end: d },
            (Origin::Instant(t), _) => When::Timed {
                start: t,
                end: t,
                time_zone: self.time_zone.clone().unwrap_or_default(),
            },
        }
    }

    /// How long each occurrence lasts, in seconds.
    pub fn length_seconds(&self) -> i64 {
        match self.length {
            Length::Days(days) => days * 86_400,
            Length::Time(d) => d.as_secs(),
        }
    }

    /// How long the longest occurrence lasts, in seconds, as the
    /// exceptions may have changed some: how far before a window an
    /// occurrence overlapping it may start.
    pub fn longest_seconds(&self, exceptions: &BTreeMap<i64, Exception>) -> i64 {
        exceptions
            .values()
            .filter_map(|x| x.event.as_ref())
            .map(|changed| {
                let (start, end) = changed.when.keys();
                end - start
            })
            .fold(self.length_seconds(), i64::max)
    }

    /// Whether `origin` is one of the series' occurrences.
    pub fn has(&self, origin: Origin) -> bool {
        let date = match (origin, &self.start) {
            (Origin::Date(d), Start::AllDay(_)) => d,
            (Origin::Instant(t), Start::Timed { zone, .. }) => t.to_zoned(zone.clone()).date(),
            _ => return false,
        };
        occurrences(&self.rule, &self.start, date)
            .next()
            .is_some_and(|o| self.origin(o) == Some(origin))
    }

    /// The occurrences whose original start falls in `window`, in order.
    pub fn origins<'a>(&'a self, window: &'a Window) -> impl Iterator<Item = Origin> + 'a {
        let (from, keys) = match &self.start {
            Start::AllDay(_) => (date_of(window.floating.0, &TimeZone::UTC), window.floating),
            Start::Timed { zone, .. } => (date_of(window.instant.0, zone), window.instant),
        };
        occurrences(&self.rule, &self.start, from)
            .filter_map(|o| self.origin(o))
            .skip_while(move |o| o.key() < keys.0)
            .take_while(move |o| o.key() < keys.1)
    }

    /// A key no occurrence of the series ends after: `i64::MAX` without an
    /// end; past the end date's last moment with one (no walk, however far
    /// the date); the last occurrence's end for a count (at most 99 of them).
    pub fn last_end_key(&self) -> i64 {
        let first = match &self.start {
            Start::AllDay(d) => *d,
            Start::Timed { at, .. } => at.date(),
        };
        match self.rule.range() {
            dingcal_recur::Range::NoEnd => i64::MAX,
            dingcal_recur::Range::EndDate(end) => {
                // The day after the end date, read as UTC; a zone's day ends
                // at most 14 hours after UTC's. (Loose: it only picks which
                // series a window query expands.)
                let Ok(after) = end.checked_add(Span::new().days(1)) else {
                    return i64::MAX;
                };
                When::AllDay {
                    start: after,
                    end: after,
                }
                .keys()
                .0
                .saturating_add(14 * 3_600)
                .saturating_add(self.length_seconds())
            }
            dingcal_recur::Range::Numbered(_) => occurrences(&self.rule, &self.start, first)
                .filter_map(|o| self.origin(o))
                .last()
                .map_or(i64::MIN, |o| self.when_at(o).keys().1),
        }
    }

    /// The occurrence named by `origin`, as it stands with its exception.
    /// `None` when the occurrence is cancelled.
    pub fn instance(
        &self,
        master: &Event,
        origin: Origin,
        exception: Option<&Exception>,
    ) -> Option<Instance> {
        if exception.is_some_and(|e| e.cancelled) {
            return None;
        }
        let mut event = match exception.and_then(|e| e.event.clone()) {
            Some(changed) => changed,
            None => {
                let mut e = master.clone();
                e.when = self.when_at(origin);
                e
            }
        };
        event.id = InstanceId {
            master: master.id.clone(),
            origin,
        }
        .id();
        event.recurrence = None;
        Some(Instance { origin, event })
    }

    /// Where the series' occurrences stand: those whose start (as changed
    /// by their exception) falls in `window`, in (start key, id) order,
    /// after `after` (a start key and an instance id), at most `limit`.
    /// Nothing is built but the keys: an id only to break a tie with the
    /// cursor. (Within one series, ids order as their original starts.)
    pub fn placements(
        &self,
        master: &Event,
        exceptions: &BTreeMap<i64, Exception>,
        window: &Window,
        after: Option<&(i64, String)>,
        limit: usize,
    ) -> Vec<Placement> {
        let place = |when: When, origin: Origin| Placement {
            key: when.keys().0,
            origin,
            when,
        };
        let beyond = |p: &Placement| {
            after.is_none_or(|(key, id)| {
                p.key > *key || (p.key == *key && p.id(&master.id).0.as_str() > id.as_str())
            })
        };
        // Nothing before the cursor is listed: the expansion starts there.
        let window = &after.map_or(*window, |(key, _)| window.from_key(*key));
        let mut out: Vec<Placement> = self
            .origins(window)
            .filter(|o| !exceptions.contains_key(&o.key()))
            .map(|o| place(self.when_at(o), o))
            .filter(|p| beyond(p))
            .take(limit)
            .collect();
        for (key, exception) in exceptions {
            if exception.cancelled {
                continue;
            }
            let Some(origin) = self.origin_of_key(master, *key) else {
                continue;
            };
            let when = match &exception.event {
                Some(changed) => changed.when.clone(),
                None => self.when_at(origin),
            };
            if window.contains(&when) {
                let p = place(when, origin);
                if beyond(&p) {
                    out.push(p);
                }
            }
        }
        out.sort_by_key(|p| (p.key, p.origin.key()));
        out.truncate(limit);
        out
    }

    fn origin_of_key(&self, master: &Event, key: i64) -> Option<Origin> {
        match master.when {
            When::AllDay { .. } => Some(Origin::Date(date_of(key, &TimeZone::UTC))),
            When::Timed { .. } => Timestamp::from_second(key).ok().map(Origin::Instant),
        }
    }
}

/// Where one occurrence stands in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub key: i64,
    pub origin: Origin,
    /// Its time, as its exception may have moved it.
    pub when: When,
}

impl Placement {
    /// The occurrence's instance id, for a series of id `master`.
    pub fn id(&self, master: &EventId) -> EventId {
        InstanceId {
            master: master.clone(),
            origin: self.origin,
        }
        .id()
    }
}

fn date_of(key: i64, zone: &TimeZone) -> Date {
    let key = key.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
    Timestamp::from_second(key)
        .map(|t| t.to_zoned(zone.clone()).date())
        .unwrap_or(Date::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_round_trip() {
        let timed = InstanceId {
            master: EventId("ab_c-d".into()),
            origin: Origin::Instant("2026-12-01T01:30:00Z".parse().unwrap()),
        };
        assert_eq!(timed.id().as_str(), "ab_c-d_20261201T013000Z");
        assert_eq!(InstanceId::parse(&timed.id()), Some(timed));
        let all_day = InstanceId {
            master: EventId("xyz".into()),
            origin: Origin::Date(jiff::civil::date(2026, 12, 24)),
        };
        assert_eq!(InstanceId::parse(&all_day.id()), Some(all_day));
        assert_eq!(InstanceId::parse(&EventId("plainid".into())), None);
        assert_eq!(InstanceId::parse(&EventId("a_b".into())), None);
    }
}
