//! The expansion checked against the `rrule` crate, an independent RFC 5545
//! expander: every pattern, range, interval and kind of start is written as
//! an RRULE (by the crate's `rfc5545::to_rrule`), expanded by both, and
//! compared occurrence by occurrence.
//!
//! An all-day series is given to `rrule` with DTSTART at midnight UTC, where
//! every day has 24 hours, and compared by date. (`rrule` would read a
//! `VALUE=DATE` start in the machine's own zone, which a test cannot choose.)
//! A timed series is given with `DTSTART;TZID=` and compared by instant.
//!
//! The one place they differ by design, a start whose wall-clock time falls in
//! a daylight-saving gap or fold, has its own test at the end, and so has a
//! limit of `rrule`'s time zone data (nothing changes after 2099), which keeps
//! the timed comparisons before 2100.

use dingcal_recur::{Index, Pattern, Range, Rule, Start, Weekdays, occurrences, rfc5545};
use jiff::civil::{Date, DateTime, Weekday, date};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};
use rrule::{ParseError, RRuleError, RRuleSet};

// ---------------------------------------------------------------------------
// The RRULE text of a rule.

/// The crate's RRULE of `rule`, as `rrule` takes it: an all-day series is
/// given to `rrule` at midnight UTC (see `dtstart`), so its UNTIL date
/// becomes that date-time.
fn to_rrule(rule: &Rule, start: &Start) -> String {
    let text = rfc5545::to_rrule(rule, start);
    match (start, text.split_once("UNTIL=")) {
        (Start::AllDay(_), Some((head, until))) if until.len() == 8 => {
            format!("{head}UNTIL={until}T000000Z")
        }
        _ => text,
    }
}

/// The DTSTART line of a series starting at `start`.
fn dtstart(start: &Start) -> String {
    match start {
        Start::AllDay(day) => format!("DTSTART:{}", day.strftime("%Y%m%dT000000Z")),
        Start::Timed { at, zone } => format!(
            "DTSTART;TZID={}:{}",
            zone.iana_name().expect("a TZ database zone"),
            at.strftime("%Y%m%dT%H%M%S")
        ),
    }
}

/// The RRULE text of a few rules, as `rrule` is given it.
#[test]
fn rrule_text_examples() {
    let weekly = Rule::new(
        Pattern::Weekly {
            days: Weekdays::new([Weekday::Friday, Weekday::Monday]),
            week_start: Weekday::Monday,
        },
        2,
        Range::Numbered(10),
    )
    .unwrap();
    let all_day = Start::AllDay(date(2026, 1, 30));
    assert_eq!(
        to_rrule(&weekly, &all_day),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST=MO;COUNT=10"
    );
    let last_friday = Rule::new(
        Pattern::RelativeMonthly {
            index: Index::Last,
            days: Weekdays::new([Weekday::Friday]),
        },
        1,
        Range::EndDate(date(2027, 6, 30)),
    )
    .unwrap();
    assert_eq!(
        to_rrule(&last_friday, &all_day),
        "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270630T000000Z"
    );
    let timed = Start::Timed {
        at: date(2026, 1, 30).at(9, 0, 0, 0),
        zone: TimeZone::get("Asia/Shanghai").unwrap(),
    };
    assert_eq!(
        dtstart(&timed),
        "DTSTART;TZID=Asia/Shanghai:20260130T090000"
    );
    // The end of 30 June in Shanghai (UTC+8).
    assert_eq!(
        to_rrule(&last_friday, &timed),
        "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270630T155959Z"
    );
}

// ---------------------------------------------------------------------------
// Expanding a series both ways.

/// The occurrences compared of one series, and how many of them fell on a
/// wall-clock time that is skipped or repeated that day.
#[derive(Debug, Default)]
struct Tally {
    series: usize,
    occurrences: usize,
    in_gap_or_fold: usize,
}

/// The first year `rrule` cannot place a wall-clock time in: chrono-tz, which
/// it uses, lists each zone's changes only up to 2099 and keeps the last
/// offset after that, where jiff applies the zone's ongoing rule (see
/// `rrule_s_zones_stop_changing_after_2099`).
const RRULE_ZONE_DATA_ENDS: i16 = 2100;

/// Where the comparison stops (exclusive): three years after the start, or
/// twelve periods when that is longer, so a large interval still repeats; for
/// a timed series, at the end of 2099 at the latest.
fn window_end(rule: &Rule, start: &Start) -> Date {
    let first = start_date(start);
    let periods = i64::from(rule.interval()) * 12;
    let twelve: Span = match rule.pattern() {
        Pattern::Daily => periods.days(),
        Pattern::Weekly { .. } => periods.weeks(),
        Pattern::AbsoluteMonthly { .. } | Pattern::RelativeMonthly { .. } => periods.months(),
        Pattern::AbsoluteYearly => periods.years(),
    };
    let three_years = first.checked_add(3.years()).unwrap();
    let end = three_years.max(first.checked_add(twelve).unwrap());
    match start {
        Start::AllDay(_) => end,
        Start::Timed { .. } => end.min(date(RRULE_ZONE_DATA_ENDS, 1, 1)),
    }
}

fn start_date(start: &Start) -> Date {
    match start {
        Start::AllDay(day) => *day,
        Start::Timed { at, .. } => at.date(),
    }
}

fn midnight_utc(day: Date) -> Timestamp {
    day.to_zoned(TimeZone::UTC).unwrap().timestamp()
}

/// Expands `rule` from `start` with this crate and with `rrule` over the
/// window, and says where they first differ.
fn compare(rule: &Rule, start: &Start, tally: &mut Tally) -> Result<(), String> {
    let first = start_date(start);
    let end = window_end(rule, start);
    let end_instant = match start {
        Start::AllDay(_) => midnight_utc(end),
        Start::Timed { zone, .. } => end.to_zoned(zone.clone()).unwrap().timestamp(),
    };

    let mut ours = Vec::new();
    let mut in_gap_or_fold = 0;
    for occurrence in occurrences(rule, start, first).take_while(|o| o.date < end) {
        match (start, occurrence.instant) {
            (Start::AllDay(_), None) => ours.push(midnight_utc(occurrence.date)),
            (Start::Timed { at, zone }, Some(instant)) => {
                let wall = occurrence.date.to_datetime(at.time());
                if zone.to_ambiguous_timestamp(wall).is_ambiguous() {
                    in_gap_or_fold += 1;
                }
                ours.push(instant);
            }
            _ => return Err(format!("{rule:?} from {start:?}: {occurrence:?}")),
        }
    }

    let text = format!("{}\nRRULE:{}", dtstart(start), to_rrule(rule, start));
    let set: RRuleSet = text
        .parse()
        .map_err(|e| format!("rrule refuses\n{text}\n{e}"))?;
    let set = set.limit();
    let theirs: Vec<Timestamp> = (&set)
        .into_iter()
        .map(|d| Timestamp::from_second(d.timestamp()).unwrap())
        .take_while(|t| *t < end_instant)
        .collect();

    if ours != theirs {
        let at = ours
            .iter()
            .zip(&theirs)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(theirs.len()));
        let show = |list: &[Timestamp]| -> Vec<String> {
            list.iter()
                .skip(at.saturating_sub(1))
                .take(4)
                .map(|t| t.to_string())
                .collect()
        };
        return Err(format!(
            "{rule:?} from {start:?}\n{text}\n\
             {} occurrences here, {} from rrule; first difference at #{at}:\n  \
             dingcal-recur: {:?}\n  rrule:         {:?}",
            ours.len(),
            theirs.len(),
            show(&ours),
            show(&theirs),
        ));
    }
    tally.series += 1;
    tally.occurrences += ours.len();
    tally.in_gap_or_fold += in_gap_or_fold;
    Ok(())
}

// ---------------------------------------------------------------------------
// The grid.

const INTERVALS: [u32; 4] = [1, 2, 3, 53];

const ZONES: [&str; 4] = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Shanghai",
];

/// 02:30 is skipped on spring-forward days in all three zones with daylight
/// saving, and repeated on fall-back days in Berlin and Sydney; 01:30 is
/// repeated on New York's fall-back days.
const TIMES: [(i8, i8); 3] = [(1, 30), (2, 30), (9, 0)];

/// Start dates over several years, leap days included, many of them on or
/// just before a daylight-saving change in one of the zones.
fn start_dates() -> [Date; 10] {
    [
        date(2023, 3, 11), // the day before New York springs forward
        date(2024, 2, 29),
        date(2024, 3, 30), // the day before Berlin springs forward
        date(2024, 10, 5), // the day before Sydney springs forward
        date(2025, 4, 6),  // Sydney falls back
        date(2025, 10, 25),
        date(2026, 1, 31),
        date(2026, 11, 1), // New York falls back
        date(2028, 2, 29),
        date(2030, 12, 31),
    ]
}

/// The timed starts on `day`: each time in each zone, leaving out the
/// wall-clock times that do not exist or exist twice on that day (see
/// `a_start_in_a_gap_or_fold_is_read_by_rfc5545_here_and_refused_by_rrule`).
fn timed_starts(day: Date, zones: &[TimeZone]) -> Vec<Start> {
    let mut out = Vec::new();
    for zone in zones {
        for (hour, minute) in TIMES {
            let at = day.at(hour, minute, 0, 0);
            if !zone.to_ambiguous_timestamp(at).is_ambiguous() {
                out.push(Start::Timed {
                    at,
                    zone: zone.clone(),
                });
            }
        }
    }
    out
}

/// Every range for a series starting on `first`.
fn ranges(first: Date) -> [Range; 8] {
    [
        Range::NoEnd,
        Range::EndDate(first),
        Range::EndDate(first.checked_add(45.days()).unwrap()),
        Range::EndDate(first.checked_add(2.years().days(17)).unwrap()),
        Range::Numbered(1),
        Range::Numbered(2),
        Range::Numbered(7),
        Range::Numbered(60),
    ]
}

fn days(list: &[Weekday]) -> Weekdays {
    Weekdays::new(list.iter().copied())
}

fn day_sets() -> Vec<Weekdays> {
    use Weekday::*;
    vec![
        days(&[Monday]),
        days(&[Sunday]),
        days(&[Friday, Monday]),
        days(&[Tuesday, Sunday]),
        days(&[Saturday, Sunday]),
        days(&[Monday, Wednesday, Friday]),
        days(&[
            Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
        ]),
    ]
}

/// Expands every pattern of `patterns` with every interval, start date and
/// range both ways; fails with the first disagreements.
///
/// Each case starts once, on its date: all-day, or at one of the times in one
/// of the zones. Which is picked by a fixed hash of the case's number, a
/// third of the cases all-day; every zone and time must have been picked for
/// some case. (All of them for every case would take a minute.)
fn check(patterns: &[Pattern]) -> Tally {
    let zones: Vec<TimeZone> = ZONES.iter().map(|z| TimeZone::get(z).unwrap()).collect();
    let timed: Vec<(Date, Vec<Start>)> = start_dates()
        .into_iter()
        .map(|day| (day, timed_starts(day, &zones)))
        .collect();
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    let mut cases: u32 = 0;
    let mut all_day = 0;
    let mut used = std::collections::BTreeSet::new();
    for pattern in patterns {
        for interval in INTERVALS {
            for (day, timed) in &timed {
                for range in ranges(*day) {
                    let rule = Rule::new(*pattern, interval, range).unwrap();
                    let pick = (cases.wrapping_mul(2_654_435_761) >> 16) as usize;
                    cases += 1;
                    let start = if pick % 3 == 0 {
                        all_day += 1;
                        Start::AllDay(*day)
                    } else {
                        timed[pick / 3 % timed.len()].clone()
                    };
                    if let Start::Timed { at, zone } = &start {
                        used.insert((zone.iana_name().unwrap().to_owned(), at.time()));
                    }
                    if let Err(failure) = compare(&rule, &start, &mut tally) {
                        failures.push(failure);
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} series disagree with rrule; the first:\n\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n\n")
    );
    assert!(all_day > 0);
    assert_eq!(used.len(), ZONES.len() * TIMES.len(), "{used:?}");
    println!(
        "{} series ({all_day} all-day), {} occurrences, {} of them on a skipped or repeated \
         wall-clock time",
        tally.series, tally.occurrences, tally.in_gap_or_fold
    );
    tally
}

#[test]
fn daily_agrees_with_rrule() {
    let tally = check(&[Pattern::Daily]);
    assert!(tally.in_gap_or_fold > 0);
}

fn weekly(week_starts: [Weekday; 2]) -> Vec<Pattern> {
    let mut patterns = Vec::new();
    for days in day_sets() {
        for week_start in week_starts {
            patterns.push(Pattern::Weekly { days, week_start });
        }
    }
    patterns
}

#[test]
fn weekly_from_sunday_or_monday_agrees_with_rrule() {
    let tally = check(&weekly([Weekday::Sunday, Weekday::Monday]));
    assert!(tally.in_gap_or_fold > 0);
}

#[test]
fn weekly_from_wednesday_or_saturday_agrees_with_rrule() {
    let tally = check(&weekly([Weekday::Wednesday, Weekday::Saturday]));
    assert!(tally.in_gap_or_fold > 0);
}

#[test]
fn absolute_monthly_agrees_with_rrule() {
    let patterns: Vec<Pattern> = [1, 8, 15, 28, 29, 30, 31]
        .into_iter()
        .map(|day| Pattern::AbsoluteMonthly { day })
        .collect();
    check(&patterns);
}

#[test]
fn relative_monthly_agrees_with_rrule() {
    let mut patterns = Vec::new();
    for index in [
        Index::First,
        Index::Second,
        Index::Third,
        Index::Fourth,
        Index::Last,
    ] {
        for days in day_sets() {
            patterns.push(Pattern::RelativeMonthly { index, days });
        }
    }
    let tally = check(&patterns);
    // The changes fall on first, second and last Sundays.
    assert!(tally.in_gap_or_fold > 0);
}

#[test]
fn absolute_yearly_agrees_with_rrule() {
    check(&[Pattern::AbsoluteYearly]);
}

// ---------------------------------------------------------------------------
// The documented difference.

/// A series whose first wall-clock time does not exist (the spring gap) or
/// exists twice (the autumn fold) on its start date.
///
/// dingcal-recur follows RFC 5545 section 3.3.5 for that DATE-TIME: a time in
/// the gap is read with the UTC offset before the gap (02:30 becomes 03:30),
/// a time in the fold is the first of the two (README, "Recurrence").
///
/// `rrule` follows no rule of RFC 5545 here: it refuses such a DTSTART
/// outright (chrono finds no single local time, and `rrule` turns that into
/// a parse error), although RFC 5545 3.3.5 defines both values. For the
/// occurrences after the first both follow RFC 5545 3.3.10, whose paragraph
/// on computed local times in a gap or fold sends them to 3.3.5 (rather
/// than its other paragraph, which would drop a nonexistent local time), so
/// from the second occurrence on the two agree again; the grid above checks
/// that on the gap and fold days its series cross.
#[test]
fn a_start_in_a_gap_or_fold_is_read_by_rfc5545_here_and_refused_by_rrule() {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Gap,
        Fold,
    }
    use Kind::*;
    // (zone, start, the instant RFC 5545 3.3.5 gives it, why)
    let cases = [
        (
            "America/New_York",
            date(2026, 3, 8).at(2, 30, 0, 0),
            "2026-03-08T07:30:00Z", // 03:30 EDT
            Gap,
        ),
        (
            "America/New_York",
            date(2026, 11, 1).at(1, 30, 0, 0),
            "2026-11-01T05:30:00Z", // 01:30 EDT, not EST
            Fold,
        ),
        (
            "Europe/Berlin",
            date(2026, 3, 29).at(2, 30, 0, 0),
            "2026-03-29T01:30:00Z", // 03:30 CEST
            Gap,
        ),
        (
            "Europe/Berlin",
            date(2026, 10, 25).at(2, 30, 0, 0),
            "2026-10-25T00:30:00Z", // 02:30 CEST, not CET
            Fold,
        ),
        (
            "Australia/Sydney",
            date(2026, 10, 4).at(2, 30, 0, 0),
            "2026-10-03T16:30:00Z", // 03:30 AEDT
            Gap,
        ),
        (
            "Australia/Sydney",
            date(2026, 4, 5).at(2, 30, 0, 0),
            "2026-04-04T15:30:00Z", // 02:30 AEDT, not AEST
            Fold,
        ),
    ];
    let rule = Rule::new(Pattern::Daily, 1, Range::NoEnd).unwrap();
    for (zone, at, instant, kind) in cases {
        let zone = TimeZone::get(zone).unwrap();
        let start = Start::Timed {
            at,
            zone: zone.clone(),
        };

        // This crate: the first occurrence where RFC 5545 puts it, the next
        // at the same wall-clock time the day after.
        let ours: Vec<Timestamp> = occurrences(&rule, &start, at.date())
            .take(3)
            .map(|o| o.instant.unwrap())
            .collect();
        assert_eq!(ours[0].to_string(), instant, "{start:?}");
        let next: DateTime = at.date().tomorrow().unwrap().to_datetime(at.time());
        assert_eq!(ours[1], zone.to_timestamp(next).unwrap(), "{start:?}");

        // rrule: no series at all.
        let text = format!("{}\nRRULE:{}", dtstart(&start), to_rrule(&rule, &start));
        let refused = text.parse::<RRuleSet>().unwrap_err();
        let expected = match kind {
            Gap => matches!(
                refused,
                RRuleError::ParserError(ParseError::InvalidDateTimeInLocalTimezone { .. })
            ),
            Fold => matches!(
                refused,
                RRuleError::ParserError(ParseError::DateTimeInLocalTimezoneIsAmbiguous { .. })
            ),
        };
        assert!(expected, "{text}: {refused:?}");

        // Started the next day instead, rrule gives what this crate gives
        // from its second occurrence on.
        let later = Start::Timed {
            at: next,
            zone: zone.clone(),
        };
        let text = format!("{}\nRRULE:{}", dtstart(&later), to_rrule(&rule, &later));
        let set: RRuleSet = text.parse().unwrap();
        let theirs: Vec<Timestamp> = (&set.limit())
            .into_iter()
            .take(2)
            .map(|d| Timestamp::from_second(d.timestamp()).unwrap())
            .collect();
        assert_eq!(theirs, ours[1..], "{text}");
    }
}

// ---------------------------------------------------------------------------
// A limit of rrule's time zone data, not a difference of rules.

/// chrono-tz 0.10, which `rrule` places occurrences with, lists a zone's
/// offset changes up to 2099 and keeps the last offset for ever after, so
/// from 2100 New York has no summer time there. jiff reads the zone's
/// ongoing rule (the POSIX TZ string that ends a TZif file) and keeps
/// changing. Both follow RFC 5545 (3.3.10 places an occurrence by its
/// zone's definition); they hold different definitions after 2099. The grid
/// compares timed series up to 2099 only; this test says when that can go.
#[test]
fn rrule_s_zones_stop_changing_after_2099() {
    let rule = Rule::new(Pattern::Daily, 1, Range::Numbered(1)).unwrap();
    for (year, ours, theirs) in [
        (2099, "2099-07-01T13:00:00Z", "2099-07-01T13:00:00Z"),
        (2100, "2100-07-01T13:00:00Z", "2100-07-01T14:00:00Z"),
    ] {
        let start = Start::Timed {
            at: date(year, 7, 1).at(9, 0, 0, 0),
            zone: TimeZone::get("America/New_York").unwrap(),
        };
        let here = occurrences(&rule, &start, date(year, 7, 1))
            .next()
            .unwrap()
            .instant
            .unwrap();
        assert_eq!(here.to_string(), ours, "09:00 EDT");
        let text = format!("{}\nRRULE:{}", dtstart(&start), to_rrule(&rule, &start));
        let set: RRuleSet = text.parse().unwrap();
        let there = (&set.limit()).into_iter().next().unwrap();
        assert_eq!(
            Timestamp::from_second(there.timestamp())
                .unwrap()
                .to_string(),
            theirs,
            "{text}"
        );
    }
}
