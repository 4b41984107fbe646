//! A rule as RFC 5545 RRULE text, and back: the form CalDAV clients write.
//! Only what a DingTalk pattern can say is read; anything else is refused,
//! so that no rule is kept as something it is not.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::{Index, Pattern, Range, Rule, RuleError, Start, Weekdays};

/// The two-letter day name RFC 5545 uses in BYDAY and WKST.
fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

fn day_of(name: &str) -> Option<Weekday> {
    Some(match name {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

/// A BYDAY value: the days of `days` in week order from `first`, each with
/// `ordinal` in front when there is one (`-1FR` is a month's last Friday).
fn byday(days: Weekdays, first: Weekday, ordinal: Option<i8>) -> String {
    let names: Vec<String> = (0..7)
        .map(|i| first.wrapping_add(i))
        .filter(|d| days.contains(*d))
        .map(|d| match ordinal {
            Some(n) => format!("{n}{}", day_name(d)),
            None => day_name(d).to_owned(),
        })
        .collect();
    names.join(",")
}

fn index_of(ordinal: i8) -> Option<Index> {
    [
        Index::First,
        Index::Second,
        Index::Third,
        Index::Fourth,
        Index::Last,
    ]
    .into_iter()
    .find(|i| i.nth() == ordinal)
}

/// The RRULE value (without the `RRULE:` name) of `rule` for a series
/// starting at `start`. UNTIL is the end date itself for an all-day series
/// (whose DTSTART is a DATE); for a timed one, a UTC date-time, as RFC 5545
/// (3.3.10) asks when DTSTART carries a TZID: the last second of the end
/// date in the series' zone, so that the end date is included whatever the
/// time of day.
pub fn to_rrule(rule: &Rule, start: &Start) -> String {
    let pattern = rule.pattern();
    let mut parts = vec![
        match pattern {
            Pattern::Daily => "FREQ=DAILY",
            Pattern::Weekly { .. } => "FREQ=WEEKLY",
            Pattern::AbsoluteMonthly { .. } | Pattern::RelativeMonthly { .. } => "FREQ=MONTHLY",
            Pattern::AbsoluteYearly => "FREQ=YEARLY",
        }
        .to_owned(),
    ];
    if rule.interval() != 1 {
        parts.push(format!("INTERVAL={}", rule.interval()));
    }
    match pattern {
        Pattern::Weekly { days, week_start } => {
            parts.push(format!("BYDAY={}", byday(days, week_start, None)));
            parts.push(format!("WKST={}", day_name(week_start)));
        }
        Pattern::AbsoluteMonthly { day } => parts.push(format!("BYMONTHDAY={day}")),
        Pattern::RelativeMonthly { index, days } => parts.push(format!(
            "BYDAY={}",
            byday(days, Weekday::Sunday, Some(index.nth()))
        )),
        // The start's own month and day, or every day.
        Pattern::Daily | Pattern::AbsoluteYearly => {}
    }
    match rule.range() {
        Range::NoEnd => {}
        Range::EndDate(end) => parts.push(match start {
            Start::AllDay(_) => format!("UNTIL={}", end.strftime("%Y%m%d")),
            Start::Timed { zone, .. } => {
                let last = end
                    .tomorrow()
                    .ok()
                    .and_then(|d| d.to_zoned(zone.clone()).ok())
                    .and_then(|z| z.start_of_day().ok())
                    .map_or(Timestamp::MAX, |z| z.timestamp() - 1.second());
                format!("UNTIL={}", last.strftime("%Y%m%dT%H%M%SZ"))
            }
        }),
        Range::Numbered(n) => parts.push(format!("COUNT={n}")),
    }
    parts.join(";")
}

/// The rule an RRULE value stands for, for a series starting at `start`;
/// an error names what a DingTalk pattern cannot say.
pub fn from_rrule(text: &str, start: &Start) -> Result<Rule, RuleError> {
    let first = match start {
        Start::AllDay(d) => *d,
        Start::Timed { at, .. } => at.date(),
    };
    let mut freq = None;
    let mut interval = 1;
    let mut week_start = Weekday::Monday;
    let mut days: Vec<(Option<i8>, Weekday)> = Vec::new();
    let mut month_day = None;
    let mut set_pos = None;
    let mut by_month = false;
    let mut range = Range::NoEnd;
    for part in text.split(';').filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or(RuleError("RRULE parts are NAME=VALUE"))?;
        let value = value.to_ascii_uppercase();
        match key.to_ascii_uppercase().as_str() {
            "FREQ" => freq = Some(value),
            "INTERVAL" => interval = value.parse().map_err(|_| RuleError("bad INTERVAL"))?,
            "WKST" => week_start = day_of(&value).ok_or(RuleError("bad WKST"))?,
            "BYDAY" => {
                for item in value.split(',') {
                    if !item.is_ascii() || item.len() < 2 {
                        return Err(RuleError("bad BYDAY"));
                    }
                    let (ordinal, name) = item.split_at(item.len() - 2);
                    let day = day_of(name).ok_or(RuleError("bad BYDAY"))?;
                    let ordinal = match ordinal.trim_start_matches('+') {
                        "" => None,
                        n => Some(n.parse().map_err(|_| RuleError("bad BYDAY"))?),
                    };
                    days.push((ordinal, day));
                }
            }
            "BYMONTHDAY" => {
                month_day =
                    Some(value.parse().map_err(|_| {
                        RuleError("BYMONTHDAY must be one day of the month, 1 to 31")
                    })?)
            }
            "BYSETPOS" => {
                set_pos = Some(
                    value
                        .parse()
                        .map_err(|_| RuleError("BYSETPOS must be one number"))?,
                )
            }
            // The start's own month says as much, of a yearly rule.
            "BYMONTH" if value.parse::<i8>().ok() == Some(first.month()) => by_month = true,
            "COUNT" => range = Range::Numbered(value.parse().map_err(|_| RuleError("bad COUNT"))?),
            "UNTIL" => range = Range::EndDate(until_date(&value, start)?),
            _ => return Err(RuleError("the RRULE has a part DingTalk cannot repeat by")),
        }
    }
    let plain_days = || -> Result<Weekdays, RuleError> {
        if days.iter().any(|(n, _)| n.is_some()) {
            return Err(RuleError("BYDAY takes no ordinals here"));
        }
        Ok(Weekdays::new(days.iter().map(|(_, d)| *d)))
    };
    let pattern = match freq.as_deref() {
        Some("DAILY") if days.is_empty() && month_day.is_none() => Pattern::Daily,
        // "Every weekday" is written daily by some clients.
        Some("DAILY") if interval == 1 && month_day.is_none() => Pattern::Weekly {
            days: plain_days()?,
            week_start,
        },
        Some("WEEKLY") if month_day.is_none() => Pattern::Weekly {
            days: if days.is_empty() {
                Weekdays::new([first.weekday()])
            } else {
                plain_days()?
            },
            week_start,
        },
        Some("MONTHLY") if days.is_empty() => Pattern::AbsoluteMonthly {
            day: month_day.unwrap_or(first.day()),
        },
        Some("MONTHLY") if month_day.is_none() => {
            let ordinal = match (set_pos, days.as_slice()) {
                (Some(pos), [(None, _)]) => pos,
                (None, [(Some(n), _), ..]) if days.iter().all(|(o, _)| *o == Some(*n)) => *n,
                _ => {
                    return Err(RuleError(
                        "a monthly BYDAY needs one ordinal for all its days",
                    ));
                }
            };
            Pattern::RelativeMonthly {
                index: index_of(ordinal)
                    .ok_or(RuleError("the week of the month must be 1 to 4, or -1"))?,
                days: Weekdays::new(days.iter().map(|(_, d)| *d)),
            }
        }
        Some("YEARLY") if days.is_empty() && month_day.is_none_or(|d| d == first.day()) => {
            Pattern::AbsoluteYearly
        }
        Some("DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY") => {
            return Err(RuleError(
                "the RRULE's parts do not make a DingTalk pattern",
            ));
        }
        _ => return Err(RuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")),
    };
    if by_month && !matches!(pattern, Pattern::AbsoluteYearly) {
        return Err(RuleError("BYMONTH is only kept for a yearly rule"));
    }
    if set_pos.is_some() && !matches!(pattern, Pattern::RelativeMonthly { .. }) {
        return Err(RuleError("BYSETPOS is only kept for a monthly BYDAY"));
    }
    Rule::new(pattern, interval, range)
}

/// The last date an UNTIL lets an occurrence fall on, in the series' own
/// calendar: the day before UNTIL's when UNTIL comes earlier in its day
/// than the series' time (as "this and the following" ends a series).
fn until_date(value: &str, start: &Start) -> Result<Date, RuleError> {
    let bad = RuleError("UNTIL must be a date or a date-time");
    if value.len() == 8 {
        return Date::strptime("%Y%m%d", value).map_err(|_| bad.clone());
    }
    let (text, utc) = match value.strip_suffix('Z') {
        Some(text) => (text, true),
        None => (value, false),
    };
    let at = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S", text).map_err(|_| bad.clone())?;
    let local = match (start, utc) {
        (Start::Timed { zone, .. }, true) => at
            .to_zoned(TimeZone::UTC)
            .map_err(|_| bad.clone())?
            .timestamp()
            .to_zoned(zone.clone())
            .datetime(),
        _ => at,
    };
    match start {
        Start::Timed { at: first, .. } if local.time() < first.time() => {
            local.date().yesterday().map_err(|_| bad)
        }
        _ => Ok(local.date()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn timed() -> Start {
        Start::Timed {
            at: date(2026, 12, 7).at(10, 0, 0, 0),
            zone: TimeZone::get("Asia/Shanghai").unwrap(),
        }
    }

    #[test]
    fn rules_read_back_as_written() {
        let all_day = Start::AllDay(date(2026, 12, 7));
        for (text, start) in [
            ("FREQ=DAILY;INTERVAL=3;COUNT=5", &all_day),
            ("FREQ=WEEKLY;BYDAY=MO,FR;WKST=MO;UNTIL=20270131", &all_day),
            (
                "FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;UNTIL=20270131T155959Z",
                &timed(),
            ),
            ("FREQ=MONTHLY;BYMONTHDAY=7", &timed()),
            ("FREQ=MONTHLY;BYDAY=-1FR", &timed()),
            ("FREQ=YEARLY;INTERVAL=2", &all_day),
        ] {
            let rule = from_rrule(text, start).unwrap();
            assert_eq!(to_rrule(&rule, start), text);
        }
    }

    #[test]
    fn client_forms_are_read_as_the_pattern_they_mean() {
        let weekdays = from_rrule("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", &timed()).unwrap();
        assert!(matches!(weekdays.pattern(), Pattern::Weekly { .. }));
        let second_tuesday = from_rrule("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", &timed()).unwrap();
        assert_eq!(
            second_tuesday.pattern(),
            Pattern::RelativeMonthly {
                index: Index::Second,
                days: Weekdays::new([Weekday::Tuesday])
            }
        );
        let weekly = from_rrule("FREQ=WEEKLY", &timed()).unwrap();
        assert_eq!(to_rrule(&weekly, &timed()), "FREQ=WEEKLY;BYDAY=MO;WKST=MO");
        // The end of 31 January in Shanghai is 15:59:59 UTC that day.
        let until = from_rrule("FREQ=DAILY;UNTIL=20270131T155959Z", &timed()).unwrap();
        assert_eq!(until.range(), Range::EndDate(date(2027, 1, 31)));
        // A second before the 31st's 10:00 in Shanghai ends on the 30th.
        let before = from_rrule("FREQ=DAILY;UNTIL=20270131T015959Z", &timed()).unwrap();
        assert_eq!(before.range(), Range::EndDate(date(2027, 1, 30)));
    }

    #[test]
    fn what_no_pattern_says_is_refused() {
        for text in [
            "FREQ=HOURLY",
            "FREQ=DAILY;BYHOUR=9",
            "FREQ=MONTHLY;BYDAY=1MO,2TU",
            "FREQ=MONTHLY;BYDAY=5FR",
            "FREQ=YEARLY;BYMONTH=3",
            "FREQ=DAILY;BYMONTH=12",
            "FREQ=WEEKLY;BYDAY=€",
            "FREQ=WEEKLY;BYDAY=M",
            "FREQ=WEEKLY;BYDAY=1MO",
            "INTERVAL=2",
        ] {
            assert!(from_rrule(text, &timed()).is_err(), "{text}");
        }
    }
}
