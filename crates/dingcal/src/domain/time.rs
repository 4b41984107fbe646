//! An event's time: all-day (dates, the end exclusive) or timed (instants in
//! a TZ database zone), and how `start`/`end`/`isAllDay` combine into one.

use crate::error::{ApiError, ApiResult};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    AllDay {
        start: Date,
        /// Exclusive: a one-day event on the 20th ends on the 21st.
        end: Date,
    },
    Timed {
        start: Timestamp,
        end: Timestamp,
        time_zone: String,
    },
}

/// One side of an event's time, as parsed from the wire before the two sides
/// are checked against each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeSpec {
    Date(Date),
    DateTime { at: Timestamp, time_zone: String },
}

impl TimeSpec {
    /// Parses `start` or `end` (named by `side`) from its `date`,
    /// `dateTime` and `timeZone`, refusing a value that mixes the all-day
    /// and timed forms.
    pub fn parse(
        side: &str,
        date: Option<&str>,
        date_time: Option<&str>,
        time_zone: Option<&str>,
    ) -> ApiResult<TimeSpec> {
        match (non_blank(date), non_blank(date_time), non_blank(time_zone)) {
            (Some(date), None, None) => {
                parse_date(&format!("{side}.date"), date).map(TimeSpec::Date)
            }
            (None, Some(dt), Some(tz)) => {
                let zone = zone(&format!("{side}.timeZone"), tz)?;
                let at = parse_date_time(&format!("{side}.dateTime"), dt, &zone)?;
                Ok(TimeSpec::DateTime {
                    at,
                    time_zone: tz.to_string(),
                })
            }
            (None, Some(_), None) => Err(ApiError::invalid_parameter(format!(
                "{side}.timeZone is required for a non-all-day event"
            ))),
            (Some(_), Some(_), _) | (Some(_), None, Some(_)) => {
                Err(ApiError::invalid_parameter(format!(
                    "{side} takes either date (all-day event) or dateTime and timeZone (non-all-day event), not both"
                )))
            }
            (None, None, _) => Err(ApiError::invalid_parameter(format!(
                "{side}.date or {side}.dateTime is required"
            ))),
        }
    }
}

impl When {
    /// Combines the two sides and the `isAllDay` flag (inferred from `start`
    /// when absent) into one consistent time.
    pub fn combine(start: TimeSpec, end: TimeSpec, is_all_day: Option<bool>) -> ApiResult<When> {
        let all_day = is_all_day.unwrap_or(matches!(start, TimeSpec::Date(_)));
        match (all_day, start, end) {
            (true, TimeSpec::Date(start), TimeSpec::Date(end)) => {
                if end <= start {
                    return Err(ApiError::invalid_parameter(
                        "end.date must be later than start.date (the end date of an all-day event is exclusive)",
                    ));
                }
                Ok(When::AllDay { start, end })
            }
            (true, _, _) => Err(ApiError::invalid_parameter(
                "An all-day event takes start.date and end.date; dateTime and timeZone must be empty",
            )),
            (
                false,
                TimeSpec::DateTime {
                    at: start,
                    time_zone,
                },
                TimeSpec::DateTime {
                    at: end,
                    time_zone: end_zone,
                },
            ) => {
                if end_zone != time_zone {
                    return Err(ApiError::invalid_parameter(
                        "end.timeZone must be the same as start.timeZone",
                    ));
                }
                if end < start {
                    return Err(ApiError::invalid_parameter(
                        "end.dateTime must not be earlier than start.dateTime",
                    ));
                }
                Ok(When::Timed {
                    start,
                    end,
                    time_zone,
                })
            }
            (false, _, _) => Err(ApiError::invalid_parameter(
                "A non-all-day event takes start.dateTime, end.dateTime and their timeZone; date must be empty",
            )),
        }
    }

    pub fn is_all_day(&self) -> bool {
        matches!(self, When::AllDay { .. })
    }

    pub fn start_spec(&self) -> TimeSpec {
        match self {
            When::AllDay { start, .. } => TimeSpec::Date(*start),
            When::Timed {
                start, time_zone, ..
            } => TimeSpec::DateTime {
                at: *start,
                time_zone: time_zone.clone(),
            },
        }
    }

    pub fn end_spec(&self) -> TimeSpec {
        match self {
            When::AllDay { end, .. } => TimeSpec::Date(*end),
            When::Timed { end, time_zone, .. } => TimeSpec::DateTime {
                at: *end,
                time_zone: time_zone.clone(),
            },
        }
    }

    /// The keys listings sort and filter on: seconds since the epoch for a
    /// timed event; for an all-day event its dates read as if in UTC, to be
    /// compared with a window's wall-clock bounds (see [`Window`]).
    pub fn keys(&self) -> (i64, i64) {
        match self {
            When::AllDay { start, end } => (floating_seconds(*start), floating_seconds(*end)),
            When::Timed { start, end, .. } => (start.as_second(), end.as_second()),
        }
    }
}

/// A listing window, `timeMin` inclusive and `timeMax` exclusive, in both the
/// forms events are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub instant: (i64, i64),
    /// The bounds' wall-clock readings in their own offsets, for all-day
    /// events: a day belongs to a window by the asker's calendar, not UTC's.
    pub floating: (i64, i64),
}

impl Window {
    /// A listing's window: at most a year.
    pub fn parse(time_min: Option<&str>, time_max: Option<&str>) -> ApiResult<Window> {
        Window::parse_at_most(
            time_min,
            time_max,
            super::limits::LIST_WINDOW_MAX_SECONDS,
            "timeMin and timeMax must be at most one year apart",
        )
    }

    /// A window at most `max_seconds` long, refused with `too_long` beyond.
    pub fn parse_at_most(
        time_min: Option<&str>,
        time_max: Option<&str>,
        max_seconds: i64,
        too_long: &'static str,
    ) -> ApiResult<Window> {
        let min = time_min.map(|v| parse_bound("timeMin", v)).transpose()?;
        let max = time_max.map(|v| parse_bound("timeMax", v)).transpose()?;
        if let (Some(min), Some(max)) = (&min, &max) {
            if max.timestamp() < min.timestamp() {
                return Err(ApiError::invalid_parameter(
                    "timeMax must not be earlier than timeMin",
                ));
            }
            if max.timestamp().as_second() - min.timestamp().as_second() > max_seconds {
                return Err(ApiError::invalid_parameter(too_long));
            }
        }
        let instant =
            |z: &Option<Zoned>, open: i64| z.as_ref().map_or(open, |z| z.timestamp().as_second());
        let floating = |z: &Option<Zoned>, open: i64| {
            z.as_ref().map_or(open, |z| {
                z.timestamp().as_second() + i64::from(z.offset().seconds())
            })
        };
        Ok(Window {
            instant: (instant(&min, i64::MIN), instant(&max, i64::MAX)),
            floating: (floating(&min, i64::MIN), floating(&max, i64::MAX)),
        })
    }
}

impl Window {
    /// Whether an event overlaps the window (ends after its start and starts
    /// before its end).
    pub fn overlaps(&self, when: &When) -> bool {
        let (lo, hi) = if when.is_all_day() {
            self.floating
        } else {
            self.instant
        };
        let (start, end) = when.keys();
        start < hi && end > lo
    }

    /// The window, starting no earlier than `key` (in both forms).
    pub fn from_key(&self, key: i64) -> Window {
        Window {
            instant: (self.instant.0.max(key), self.instant.1),
            floating: (self.floating.0.max(key), self.floating.1),
        }
    }

    /// The window with its start moved `seconds` earlier.
    pub fn widened(&self, seconds: i64) -> Window {
        Window {
            instant: (self.instant.0.saturating_sub(seconds), self.instant.1),
            floating: (self.floating.0.saturating_sub(seconds), self.floating.1),
        }
    }

    /// Whether an event's start falls in the window.
    pub fn contains(&self, when: &When) -> bool {
        let (lo, hi) = if when.is_all_day() {
            self.floating
        } else {
            self.instant
        };
        let key = when.keys().0;
        lo <= key && key < hi
    }
}

fn parse_bound(field: &str, value: &str) -> ApiResult<Zoned> {
    let ts: Timestamp = value
        .parse()
        .map_err(|_| ApiError::bad_timestamp(field, value))?;
    // Keep the offset the client wrote: it says which calendar day it means.
    let offset = jiff::fmt::temporal::Pieces::parse(value)
        .ok()
        .and_then(|p| p.to_numeric_offset())
        .unwrap_or(jiff::tz::Offset::UTC);
    Ok(ts.to_zoned(TimeZone::fixed(offset)))
}

/// The system's time. What the server takes as now is its [`Clock`].
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// A clock a test has set: at system time `anchor` it read `at`, and it
/// has stood still since (`frozen`) or moved with the system's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSetting {
    pub at: Timestamp,
    pub anchor: Timestamp,
    pub frozen: bool,
}

impl ClockSetting {
    /// What the clock reads at system time `system`.
    pub fn read(&self, system: Timestamp) -> Timestamp {
        if self.frozen {
            return self.at;
        }
        self.at
            .checked_add(system.duration_since(self.anchor))
            .unwrap_or(self.at)
    }
}

/// The server's clock: the system's, unless the emulator controls set it.
/// Everything that reads "now" (times written on events, token expiry,
/// x-client-token lifetime, sign-in times) reads it.
#[derive(Debug, Default)]
pub struct Clock {
    /// Whether a setting is in force: the one check an unset clock costs.
    set: std::sync::atomic::AtomicBool,
    setting: std::sync::Mutex<Option<ClockSetting>>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let system = now();
        if !self.set.load(std::sync::atomic::Ordering::Acquire) {
            return system;
        }
        match *self.setting.lock().expect("clock poisoned") {
            Some(setting) => setting.read(system),
            None => system,
        }
    }

    pub fn setting(&self) -> Option<ClockSetting> {
        *self.setting.lock().expect("clock poisoned")
    }

    /// Puts a setting in force (`None`: the system's time again).
    pub fn apply(&self, setting: Option<ClockSetting>) {
        *self.setting.lock().expect("clock poisoned") = setting;
        self.set
            .store(setting.is_some(), std::sync::atomic::Ordering::Release);
    }
}

/// Writes `n` in decimal, zero-padded to `width` digits: instance ids and
/// answers write many dates, and this is what they are made of.
pub fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (n / 10_u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// A date's midnight read as UTC, in seconds; the last days jiff can hold
/// as a date but not as an instant saturate to the largest instant.
/// The date a floating key stands for: `floating_seconds` undone.
pub fn date_of_key(key: i64) -> Date {
    Timestamp::from_second(key)
        .map(|t| t.to_zoned(TimeZone::UTC).date())
        .unwrap_or(if key > 0 { Date::MAX } else { Date::MIN })
}

pub fn floating_seconds(date: Date) -> i64 {
    date.to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(if date.year() > 0 {
            Timestamp::MAX.as_second()
        } else {
            Timestamp::MIN.as_second()
        })
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn parse_date(field: &str, value: &str) -> ApiResult<Date> {
    if value.len() != 10 {
        return Err(ApiError::invalid_parameter(format!(
            "{field} must be yyyy-MM-dd, got {value:?}"
        )));
    }
    value.parse().map_err(|_| {
        ApiError::invalid_parameter(format!("{field} must be yyyy-MM-dd, got {value:?}"))
    })
}

/// A TZ database zone by name.
pub fn zone(field: &str, name: &str) -> ApiResult<TimeZone> {
    TimeZone::get(name).map_err(|_| {
        ApiError::invalid_parameter(format!(
            "{field} {name:?} is not a TZ database time zone name"
        ))
    })
}

/// An ISO-8601 date-time: with an offset it is that instant; without one it
/// is a wall-clock time in the event's zone (a time skipped by a DST change
/// moves forward, as RFC 5545 does).
fn parse_date_time(field: &str, value: &str, zone: &TimeZone) -> ApiResult<Timestamp> {
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil: DateTime = value
        .parse()
        .map_err(|_| ApiError::bad_timestamp(field, value))?;
    civil
        .to_zoned(zone.clone())
        .map(|z| z.timestamp())
        .map_err(|_| ApiError::bad_timestamp(field, value))
}

#[cfg(test)]
mod clock_tests {
    use super::*;

    #[test]
    fn a_set_clock_moves_with_the_system_unless_frozen() {
        let at: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let anchor: Timestamp = "2026-12-03T00:00:00Z".parse().unwrap();
        let later = anchor
            .checked_add(jiff::SignedDuration::from_secs(90))
            .unwrap();
        let moving = ClockSetting {
            at,
            anchor,
            frozen: false,
        };
        assert_eq!(moving.read(later), "2030-01-01T00:01:30Z".parse().unwrap());
        let frozen = ClockSetting {
            frozen: true,
            ..moving
        };
        assert_eq!(frozen.read(later), at);
        let clock = Clock::default();
        clock.apply(Some(frozen));
        assert_eq!(clock.now(), at);
        clock.apply(None);
        assert!(clock.now() < at, "the system's time again");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(side: &str, dt: &str, tz: &str) -> TimeSpec {
        TimeSpec::parse(side, None, Some(dt), Some(tz)).unwrap()
    }

    #[test]
    fn offset_less_date_time_is_read_in_the_event_zone() {
        let spec = timed("start", "2026-03-01T09:00:00", "Asia/Shanghai");
        let TimeSpec::DateTime { at, .. } = spec else {
            panic!()
        };
        assert_eq!(at.to_string(), "2026-03-01T01:00:00Z");
    }

    #[test]
    fn window_keeps_the_wall_clock_of_its_offset() {
        let w = Window::parse(Some("2026-01-01T00:00:00-05:00"), None).unwrap();
        let midnight = Date::constant(2026, 1, 1)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second();
        assert_eq!(w.floating.0, midnight);
        assert_eq!(w.instant.0, midnight + 5 * 3600);
    }

    #[test]
    fn window_longer_than_a_year_is_refused() {
        let err =
            Window::parse(Some("2026-01-01T00:00:00Z"), Some("2027-06-01T00:00:00Z")).unwrap_err();
        assert_eq!(err.code, "invalidParameter");
    }
}
