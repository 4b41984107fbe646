//! DingTalk recurrence patterns and their occurrences.
//!
//! Each pattern stands for an RFC 5545 RRULE and expands as RFC 5545 expands
//! that rule; [`rfc5545`] writes and reads that RRULE text, and
//! `tests/against_rrule.rs` checks the expansion of every kind of rule
//! against the `rrule` crate.
//!
//! A [`Rule`] can only be built valid, and only a valid rule expands. The
//! expansion is lazy, can start at any date without walking from the first
//! occurrence (unless a count needs it), and gives up after a bounded number
//! of periods without an occurrence, so no rule loops forever.
//!
//! Occurrences are computed as calendar dates, then placed at the series'
//! wall-clock time in its zone: a weekly 09:00 meeting stays at 09:00 across
//! daylight-saving changes. A wall-clock time that a zone skips (the spring
//! gap) is read with the offset before the gap, so 02:30 becomes 03:30; a time
//! that occurs twice (the autumn fold) is the first of the two. That is
//! RFC 5545's rule (section 3.3.5).

pub mod rfc5545;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

/// At most this many periods in a row may pass without an occurrence before
/// the expansion stops: 31 February never comes, and a 29 February rule
/// meets at most 8 years without one.
const MAX_EMPTY_PERIODS: u32 = 1_000;

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weekdays(u8);

impl Weekdays {
    pub fn new(days: impl IntoIterator<Item = Weekday>) -> Weekdays {
        Weekdays(days.into_iter().fold(0, |set, d| set | bit(d)))
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & bit(day) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The days in the set, in order from `first`.
    fn from(self, first: Weekday) -> impl Iterator<Item = Weekday> {
        (0..7)
            .map(move |i| first.wrapping_add(i))
            .filter(move |d| self.contains(*d))
    }
}

fn bit(day: Weekday) -> u8 {
    1 << day.to_sunday_zero_offset()
}

/// Which week of the month a relativeMonthly rule means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

impl Index {
    fn nth(self) -> i8 {
        match self {
            Index::First => 1,
            Index::Second => 2,
            Index::Third => 3,
            Index::Fourth => 4,
            Index::Last => -1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Every `interval` days.
    Daily,
    /// On `days` of every `interval`-th week, weeks starting on `week_start`.
    Weekly { days: Weekdays, week_start: Weekday },
    /// On day `day` of every `interval`-th month; months without it are skipped.
    AbsoluteMonthly { day: i8 },
    /// On the `index` week's `days` of every `interval`-th month.
    RelativeMonthly { index: Index, days: Weekdays },
    /// On the start's month and day every `interval`-th year.
    AbsoluteYearly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    NoEnd,
    /// Up to and including this date.
    EndDate(Date),
    /// This many occurrences.
    Numbered(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError(pub &'static str);

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RuleError {}

/// A valid recurrence rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pattern: Pattern,
    interval: u32,
    range: Range,
}

impl Rule {
    pub fn new(pattern: Pattern, interval: u32, range: Range) -> Result<Rule, RuleError> {
        if interval == 0 {
            return Err(RuleError("interval must be at least 1"));
        }
        if range == Range::Numbered(0) {
            return Err(RuleError("numberOfOccurrences must be at least 1"));
        }
        match pattern {
            Pattern::Weekly { days, .. } | Pattern::RelativeMonthly { days, .. }
                if days.is_empty() =>
            {
                Err(RuleError("daysOfWeek must name at least one day"))
            }
            Pattern::AbsoluteMonthly { day } if !(1..=31).contains(&day) => {
                Err(RuleError("dayOfMonth must be between 1 and 31"))
            }
            _ => Ok(Rule {
                pattern,
                interval,
                range,
            }),
        }
    }

    pub fn pattern(&self) -> Pattern {
        self.pattern
    }

    pub fn range(&self) -> Range {
        self.range
    }

    /// Every how many days, weeks, months or years the pattern repeats.
    pub fn interval(&self) -> u32 {
        self.interval
    }

    /// Occurrence dates of a series starting on `start`, in order.
    pub fn dates(&self, start: Date) -> Dates {
        self.dates_from(start, start)
    }

    /// Occurrence dates on or after `from`. Without a count, the expansion
    /// jumps straight to the period holding `from`.
    pub fn dates_from(&self, start: Date, from: Date) -> Dates {
        let period = match self.range {
            Range::Numbered(_) => 0,
            _ => self.period_of(start, from.max(start)),
        };
        Dates {
            rule: *self,
            start,
            from: from.max(start),
            period,
            buffer: [start; 7],
            len: 0,
            pos: 0,
            counted: 0,
            empty: 0,
            done: false,
        }
    }

    /// The index of the period that holds `date` (or the one before it).
    fn period_of(&self, start: Date, date: Date) -> i64 {
        let interval = i64::from(self.interval);
        let periods = match self.pattern {
            Pattern::Daily => days_between(start, date),
            Pattern::Weekly { week_start, .. } => {
                days_between(week_begin(start, week_start), date).div_euclid(7)
            }
            Pattern::AbsoluteMonthly { .. } | Pattern::RelativeMonthly { .. } => {
                month_number(date) - month_number(start)
            }
            Pattern::AbsoluteYearly => i64::from(date.year() - start.year()),
        };
        (periods.div_euclid(interval)).max(0)
    }

    /// The dates of period `k`, in order, into `out`; how many, or `None`
    /// past the last representable date.
    fn period_dates(&self, start: Date, k: i64, out: &mut [Date; 7]) -> Option<usize> {
        let step = k * i64::from(self.interval);
        let mut n = 0;
        match self.pattern {
            Pattern::Daily => {
                out[0] = start.checked_add(Span::new().try_days(step).ok()?).ok()?;
                n = 1;
            }
            Pattern::Weekly { days, week_start } => {
                let first = week_begin(start, week_start)
                    .checked_add(Span::new().try_weeks(step).ok()?)
                    .ok()?;
                for day in days.from(week_start) {
                    out[n] = first
                        .checked_add(Span::new().days(i64::from(day.since(week_start))))
                        .ok()?;
                    n += 1;
                }
            }
            Pattern::AbsoluteMonthly { day } => {
                let month = start
                    .first_of_month()
                    .checked_add(Span::new().try_months(step).ok()?)
                    .ok()?;
                if let Ok(date) = Date::new(month.year(), month.month(), day) {
                    out[0] = date;
                    n = 1;
                }
            }
            Pattern::RelativeMonthly { index, days } => {
                let month = start
                    .first_of_month()
                    .checked_add(Span::new().try_months(step).ok()?)
                    .ok()?;
                for day in days.from(Weekday::Sunday) {
                    out[n] = month.nth_weekday_of_month(index.nth(), day).ok()?;
                    n += 1;
                }
                out[..n].sort_unstable();
            }
            Pattern::AbsoluteYearly => {
                let year = i64::from(start.year()) + step;
                let year = i16::try_from(year).ok()?;
                if let Ok(date) = Date::new(year, start.month(), start.day()) {
                    out[0] = date;
                    n = 1;
                }
            }
        }
        Some(n)
    }
}

fn days_between(a: Date, b: Date) -> i64 {
    b.duration_since(a).as_secs().div_euclid(86_400)
}

fn week_begin(date: Date, week_start: Weekday) -> Date {
    let back = i64::from(date.weekday().since(week_start));
    date.checked_sub(Span::new().days(back)).unwrap_or(date)
}

fn month_number(date: Date) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month()) - 1
}

/// The occurrence dates of a rule, lazily.
#[derive(Debug, Clone)]
pub struct Dates {
    rule: Rule,
    start: Date,
    from: Date,
    period: i64,
    buffer: [Date; 7],
    len: usize,
    pos: usize,
    /// Occurrences since the start, for a count (only counted from the start).
    counted: u32,
    empty: u32,
    done: bool,
}

impl Iterator for Dates {
    type Item = Date;

    fn next(&mut self) -> Option<Date> {
        while !self.done {
            if self.pos < self.len {
                let date = self.buffer[self.pos];
                self.pos += 1;
                if date < self.start {
                    continue;
                }
                match self.rule.range {
                    Range::EndDate(end) if date > end => {
                        self.done = true;
                        return None;
                    }
                    Range::Numbered(n) if self.counted >= n => {
                        self.done = true;
                        return None;
                    }
                    _ => {}
                }
                self.counted += 1;
                if date >= self.from {
                    return Some(date);
                }
                continue;
            }
            match self
                .rule
                .period_dates(self.start, self.period, &mut self.buffer)
            {
                Some(len) => {
                    self.len = len;
                    self.pos = 0;
                    self.period += 1;
                    self.empty = if len == 0 { self.empty + 1 } else { 0 };
                    if self.empty > MAX_EMPTY_PERIODS {
                        self.done = true;
                    }
                }
                // Past the end of representable dates.
                None => self.done = true,
            }
        }
        None
    }
}

/// A series' first occurrence: a date for an all-day series, a wall-clock
/// time in a zone for a timed one.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    AllDay(Date),
    Timed { at: DateTime, zone: TimeZone },
}

/// One occurrence: its date and, for a timed series, its instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub date: Date,
    pub instant: Option<Timestamp>,
}

/// The occurrences of `rule` for a series starting at `start`, from the
/// date `from` on (in the series' own calendar).
pub fn occurrences<'a>(
    rule: &Rule,
    start: &'a Start,
    from: Date,
) -> impl Iterator<Item = Occurrence> + 'a {
    let (first, time, zone) = match start {
        Start::AllDay(date) => (*date, None, None),
        Start::Timed { at, zone } => (at.date(), Some(at.time()), Some(zone)),
    };
    rule.dates_from(first, from).map(move |date| Occurrence {
        date,
        instant: time
            .zip(zone)
            .and_then(|(t, z): (Time, &TimeZone)| z.to_timestamp(date.to_datetime(t)).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn invalid_rules_cannot_be_built() {
        assert!(Rule::new(Pattern::Daily, 0, Range::NoEnd).is_err());
        assert!(Rule::new(Pattern::AbsoluteMonthly { day: 32 }, 1, Range::NoEnd).is_err());
        assert!(Rule::new(Pattern::Daily, 1, Range::Numbered(0)).is_err());
        let none = Weekdays::default();
        assert!(
            Rule::new(
                Pattern::Weekly {
                    days: none,
                    week_start: Weekday::Sunday
                },
                1,
                Range::NoEnd
            )
            .is_err()
        );
    }

    #[test]
    fn a_rule_that_never_matches_stops() {
        // 30 February, every 12 months from February: never.
        let rule = Rule::new(Pattern::AbsoluteMonthly { day: 30 }, 12, Range::NoEnd).unwrap();
        assert_eq!(rule.dates(date(2026, 2, 1)).next(), None);
    }
}
