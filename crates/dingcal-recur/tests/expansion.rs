//! Each pattern and range, with dates written out by hand or taken from the
//! examples of RFC 5545 section 3.8.5.3 (https://www.rfc-editor.org/rfc/rfc5545#section-3.8.5.3).

use dingcal_recur::{Index, Pattern, Range, Rule, Start, Weekdays, occurrences};
use jiff::civil::{Date, Weekday, date};
use jiff::tz::TimeZone;

fn dates(pattern: Pattern, interval: u32, range: Range, start: Date) -> Vec<String> {
    Rule::new(pattern, interval, range)
        .unwrap()
        .dates(start)
        .map(|d| d.to_string())
        .collect()
}

fn days(list: &[Weekday]) -> Weekdays {
    Weekdays::new(list.iter().copied())
}

#[test]
fn daily_for_five_days_crosses_a_month() {
    assert_eq!(
        dates(Pattern::Daily, 1, Range::Numbered(5), date(2026, 1, 30)),
        [
            "2026-01-30",
            "2026-01-31",
            "2026-02-01",
            "2026-02-02",
            "2026-02-03"
        ]
    );
}

/// RFC 5545: "Every 10 days, 5 occurrences".
#[test]
fn rfc5545_every_10_days_5_occurrences() {
    assert_eq!(
        dates(Pattern::Daily, 10, Range::Numbered(5), date(1997, 9, 2)),
        [
            "1997-09-02",
            "1997-09-12",
            "1997-09-22",
            "1997-10-02",
            "1997-10-12"
        ]
    );
}

#[test]
fn daily_until_an_end_date_includes_it() {
    assert_eq!(
        dates(
            Pattern::Daily,
            2,
            Range::EndDate(date(2026, 1, 5)),
            date(2026, 1, 1)
        ),
        ["2026-01-01", "2026-01-03", "2026-01-05"]
    );
}

/// RFC 5545: "Every other week on Monday, Wednesday, and Friday until
/// December 24, 1997, starting on Monday, September 1, 1997" (UNTIL there is
/// midnight UTC of the 24th, so the 24th itself is out: end date the 23rd).
#[test]
fn rfc5545_every_other_week_on_monday_wednesday_friday() {
    let pattern = Pattern::Weekly {
        days: days(&[Weekday::Monday, Weekday::Wednesday, Weekday::Friday]),
        week_start: Weekday::Sunday,
    };
    let got = dates(
        pattern,
        2,
        Range::EndDate(date(1997, 12, 23)),
        date(1997, 9, 1),
    );
    let expected = [
        "1997-09-01",
        "1997-09-03",
        "1997-09-05",
        "1997-09-15",
        "1997-09-17",
        "1997-09-19",
        "1997-09-29",
        "1997-10-01",
        "1997-10-03",
        "1997-10-13",
        "1997-10-15",
        "1997-10-17",
        "1997-10-27",
        "1997-10-29",
        "1997-10-31",
        "1997-11-10",
        "1997-11-12",
        "1997-11-14",
        "1997-11-24",
        "1997-11-26",
        "1997-11-28",
        "1997-12-08",
        "1997-12-10",
        "1997-12-12",
        "1997-12-22",
    ];
    assert_eq!(got, expected);
}

/// RFC 5545: the WKST example; the same rule with weeks starting Monday and
/// with weeks starting Sunday.
#[test]
fn rfc5545_week_start_monday_versus_sunday() {
    let rule = |week_start| Pattern::Weekly {
        days: days(&[Weekday::Tuesday, Weekday::Sunday]),
        week_start,
    };
    assert_eq!(
        dates(
            rule(Weekday::Monday),
            2,
            Range::Numbered(4),
            date(1997, 8, 5)
        ),
        ["1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"]
    );
    assert_eq!(
        dates(
            rule(Weekday::Sunday),
            2,
            Range::Numbered(4),
            date(1997, 8, 5)
        ),
        ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"]
    );
}

#[test]
fn monthly_on_the_31st_skips_shorter_months() {
    assert_eq!(
        dates(
            Pattern::AbsoluteMonthly { day: 31 },
            1,
            Range::Numbered(7),
            date(2026, 1, 31)
        ),
        [
            "2026-01-31",
            "2026-03-31",
            "2026-05-31",
            "2026-07-31",
            "2026-08-31",
            "2026-10-31",
            "2026-12-31"
        ]
    );
}

#[test]
fn monthly_on_the_30th_has_no_february() {
    assert_eq!(
        dates(
            Pattern::AbsoluteMonthly { day: 30 },
            1,
            Range::EndDate(date(2026, 4, 30)),
            date(2026, 1, 30)
        ),
        ["2026-01-30", "2026-03-30", "2026-04-30"]
    );
}

/// RFC 5545: "Monthly on the first Friday for 10 occurrences".
#[test]
fn rfc5545_monthly_on_the_first_friday() {
    let pattern = Pattern::RelativeMonthly {
        index: Index::First,
        days: days(&[Weekday::Friday]),
    };
    assert_eq!(
        dates(pattern, 1, Range::Numbered(10), date(1997, 9, 5)),
        [
            "1997-09-05",
            "1997-10-03",
            "1997-11-07",
            "1997-12-05",
            "1998-01-02",
            "1998-02-06",
            "1998-03-06",
            "1998-04-03",
            "1998-05-01",
            "1998-06-05",
        ]
    );
}

#[test]
fn monthly_on_the_last_friday() {
    let pattern = Pattern::RelativeMonthly {
        index: Index::Last,
        days: days(&[Weekday::Friday]),
    };
    assert_eq!(
        dates(pattern, 1, Range::Numbered(4), date(2026, 1, 1)),
        ["2026-01-30", "2026-02-27", "2026-03-27", "2026-04-24"]
    );
}

#[test]
fn every_other_month_on_the_second_tuesday_and_thursday() {
    let pattern = Pattern::RelativeMonthly {
        index: Index::Second,
        days: days(&[Weekday::Thursday, Weekday::Tuesday]),
    };
    assert_eq!(
        dates(pattern, 2, Range::Numbered(4), date(2026, 1, 1)),
        ["2026-01-08", "2026-01-13", "2026-03-10", "2026-03-12"]
    );
}

#[test]
fn yearly_on_29_february_only_in_leap_years() {
    assert_eq!(
        dates(
            Pattern::AbsoluteYearly,
            1,
            Range::Numbered(3),
            date(2024, 2, 29)
        ),
        ["2024-02-29", "2028-02-29", "2032-02-29"]
    );
}

#[test]
fn every_other_year() {
    assert_eq!(
        dates(Pattern::AbsoluteYearly, 2, Range::NoEnd, date(2026, 6, 15))
            .into_iter()
            .take(3)
            .collect::<Vec<_>>(),
        ["2026-06-15", "2028-06-15", "2030-06-15"]
    );
}

#[test]
fn starting_later_equals_filtering_the_whole_expansion() {
    let rules = [
        (Pattern::Daily, 3),
        (
            Pattern::Weekly {
                days: days(&[Weekday::Monday, Weekday::Saturday]),
                week_start: Weekday::Monday,
            },
            3,
        ),
        (Pattern::AbsoluteMonthly { day: 31 }, 2),
        (
            Pattern::RelativeMonthly {
                index: Index::Fourth,
                days: days(&[Weekday::Wednesday]),
            },
            5,
        ),
        (Pattern::AbsoluteYearly, 1),
    ];
    let start = date(2020, 1, 31);
    for (pattern, interval) in rules {
        let rule = Rule::new(pattern, interval, Range::EndDate(date(2030, 1, 1))).unwrap();
        for from in [date(2020, 1, 31), date(2023, 7, 4), date(2029, 12, 31)] {
            let whole: Vec<Date> = rule.dates(start).filter(|d| *d >= from).collect();
            let jumped: Vec<Date> = rule.dates_from(start, from).collect();
            assert_eq!(jumped, whole, "{pattern:?} from {from}");
        }
    }
}

#[test]
fn a_count_counts_from_the_first_occurrence_even_when_starting_later() {
    let rule = Rule::new(Pattern::Daily, 1, Range::Numbered(5)).unwrap();
    let later: Vec<String> = rule
        .dates_from(date(2026, 1, 1), date(2026, 1, 4))
        .map(|d| d.to_string())
        .collect();
    assert_eq!(later, ["2026-01-04", "2026-01-05"]);
}

#[test]
fn a_series_without_end_over_a_century_is_bounded_by_the_caller() {
    let rule = Rule::new(Pattern::Daily, 1, Range::NoEnd).unwrap();
    let far = rule
        .dates_from(date(1926, 1, 1), date(2026, 1, 1))
        .take(100)
        .last()
        .unwrap();
    assert_eq!(far, date(2026, 4, 10));
    // Left to run, it stops at the end of representable dates.
    assert!(rule.dates_from(date(1926, 1, 1), date(9999, 12, 1)).count() <= 31);
}

fn instants(
    pattern: Pattern,
    range: Range,
    zone: &str,
    start: jiff::civil::DateTime,
) -> Vec<String> {
    let rule = Rule::new(pattern, 1, range).unwrap();
    let start = Start::Timed {
        at: start,
        zone: TimeZone::get(zone).unwrap(),
    };
    occurrences(&rule, &start, date(1900, 1, 1))
        .map(|o| o.instant.unwrap().to_string())
        .collect()
}

#[test]
fn new_york_weekly_keeps_nine_oclock_across_the_spring_change() {
    let weekly = Pattern::Weekly {
        days: days(&[Weekday::Monday]),
        week_start: Weekday::Sunday,
    };
    assert_eq!(
        instants(
            weekly,
            Range::Numbered(3),
            "America/New_York",
            date(2026, 3, 2).at(9, 0, 0, 0)
        ),
        [
            "2026-03-02T14:00:00Z",
            "2026-03-09T13:00:00Z",
            "2026-03-16T13:00:00Z"
        ]
    );
}

#[test]
fn new_york_weekly_keeps_nine_oclock_across_the_autumn_change() {
    let weekly = Pattern::Weekly {
        days: days(&[Weekday::Sunday]),
        week_start: Weekday::Sunday,
    };
    assert_eq!(
        instants(
            weekly,
            Range::Numbered(2),
            "America/New_York",
            date(2026, 10, 25).at(9, 0, 0, 0)
        ),
        ["2026-10-25T13:00:00Z", "2026-11-01T14:00:00Z"]
    );
}

#[test]
fn london_daily_across_both_changes() {
    assert_eq!(
        instants(
            Pattern::Daily,
            Range::Numbered(3),
            "Europe/London",
            date(2026, 3, 28).at(9, 0, 0, 0)
        ),
        [
            "2026-03-28T09:00:00Z",
            "2026-03-29T08:00:00Z",
            "2026-03-30T08:00:00Z"
        ]
    );
    assert_eq!(
        instants(
            Pattern::Daily,
            Range::Numbered(3),
            "Europe/London",
            date(2026, 10, 24).at(9, 0, 0, 0)
        ),
        [
            "2026-10-24T08:00:00Z",
            "2026-10-25T09:00:00Z",
            "2026-10-26T09:00:00Z"
        ]
    );
}

#[test]
fn a_skipped_wall_clock_time_takes_the_offset_before_the_gap() {
    // 02:30 on 8 March 2026 does not exist in New York: it reads as 03:30 EDT.
    assert_eq!(
        instants(
            Pattern::Daily,
            Range::Numbered(3),
            "America/New_York",
            date(2026, 3, 7).at(2, 30, 0, 0)
        ),
        [
            "2026-03-07T07:30:00Z",
            "2026-03-08T07:30:00Z",
            "2026-03-09T06:30:00Z"
        ]
    );
}

#[test]
fn a_repeated_wall_clock_time_is_the_first_of_the_two() {
    assert_eq!(
        instants(
            Pattern::Daily,
            Range::Numbered(2),
            "America/New_York",
            date(2026, 10, 31).at(1, 30, 0, 0)
        ),
        ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z"]
    );
}

#[test]
fn shanghai_has_no_daylight_saving() {
    let got = instants(
        Pattern::Daily,
        Range::Numbered(200),
        "Asia/Shanghai",
        date(2026, 1, 1).at(9, 0, 0, 0),
    );
    assert!(got.iter().all(|t| t.ends_with("T01:00:00Z")));
}

#[test]
fn an_all_day_series_is_dates_without_instants() {
    let rule = Rule::new(Pattern::AbsoluteYearly, 1, Range::Numbered(2)).unwrap();
    let start = Start::AllDay(date(2026, 12, 24));
    let got: Vec<_> = occurrences(&rule, &start, date(2026, 1, 1)).collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].date, date(2027, 12, 24));
    assert!(got.iter().all(|o| o.instant.is_none()));
}

/// Every pattern under every range, from Friday 2026-01-30, the first three
/// occurrences (or all of them when the range ends sooner).
#[test]
fn each_pattern_under_each_range() {
    let start = date(2026, 1, 30);
    let weekly = Pattern::Weekly {
        days: days(&[Weekday::Friday, Weekday::Sunday]),
        week_start: Weekday::Monday,
    };
    let relative = Pattern::RelativeMonthly {
        index: Index::Last,
        days: days(&[Weekday::Friday]),
    };
    let monthly = Pattern::AbsoluteMonthly { day: 30 };
    let table: [(Pattern, u32, [&str; 3]); 5] = [
        (
            Pattern::Daily,
            2,
            ["2026-01-30", "2026-02-01", "2026-02-03"],
        ),
        (weekly, 2, ["2026-01-30", "2026-02-01", "2026-02-13"]),
        (monthly, 1, ["2026-01-30", "2026-03-30", "2026-04-30"]),
        (relative, 1, ["2026-01-30", "2026-02-27", "2026-03-27"]),
        (
            Pattern::AbsoluteYearly,
            1,
            ["2026-01-30", "2027-01-30", "2028-01-30"],
        ),
    ];
    for (pattern, interval, expected) in table {
        let take3 = |range| -> Vec<String> {
            let rule = Rule::new(pattern, interval, range).unwrap();
            rule.dates(start).take(3).map(|d| d.to_string()).collect()
        };
        assert_eq!(take3(Range::NoEnd), expected, "{pattern:?} noEnd");
        assert_eq!(
            take3(Range::Numbered(2)),
            expected[..2],
            "{pattern:?} numbered"
        );
        // An end date on the second occurrence keeps it and stops there.
        let second: Date = expected[1].parse().unwrap();
        assert_eq!(
            take3(Range::EndDate(second)),
            expected[..2],
            "{pattern:?} endDate"
        );
    }
}
