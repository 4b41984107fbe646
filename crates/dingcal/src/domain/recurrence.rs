//! A recurrence as the API carries it: a pattern and a range. It is kept as
//! sent (answers repeat it), and checked here against the seed's bounds and
//! messages; only a checked recurrence gives a rule to expand.

use dingcal_recur::{Index, Pattern as RulePattern, Range as RuleRange, Rule, Weekdays};
use jiff::civil::{Date, Weekday};

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recurrence {
    pub pattern: Option<Pattern>,
    pub range: Option<Range>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pattern {
    pub kind: Option<String>,
    pub day_of_month: Option<i64>,
    pub days_of_week: Option<String>,
    pub first_day_of_week: Option<String>,
    pub index: Option<String>,
    pub interval: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    pub kind: Option<String>,
    pub end_date: Option<String>,
    pub number_of_occurrences: Option<i64>,
}

const PATTERN_TYPES: [&str; 5] = [
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
];
const RANGE_TYPES: [&str; 3] = ["noEnd", "endDate", "numbered"];
const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const INDEXES: [&str; 5] = ["first", "second", "third", "fourth", "last"];

impl Recurrence {
    /// Checks the pattern and range: the seed's bounds first, with its own
    /// messages, then everything a rule needs.
    pub fn validate(&self) -> ApiResult<()> {
        if let Some(interval) = self.pattern.as_ref().and_then(|p| p.interval) {
            if !(1..=365).contains(&interval) {
                return Err(ApiError::invalid_parameter(
                    "Recurrence interval must between [1, 365]",
                ));
            }
        }
        if let Some(range) = &self.range {
            if let Some(n) = range.number_of_occurrences {
                if !(1..=99).contains(&n) {
                    return Err(ApiError::invalid_parameter(
                        "Recurrence range numberOfOccurrences must between [1, 99]",
                    ));
                }
            }
            if range.end_date.is_some() && range.number_of_occurrences.is_some() {
                return Err(ApiError::invalid_parameter(
                    "Recurrence range endDate and numberOfOccurrences cannot be set at the same time",
                ));
            }
            if range.kind.as_deref() == Some("noEnd")
                && (range.end_date.is_some() || range.number_of_occurrences.is_some())
            {
                return Err(ApiError::invalid_parameter(
                    "Recurrence range noEnd takes neither endDate nor numberOfOccurrences",
                ));
            }
        }
        self.rule().map(|_| ())
    }

    /// The recurrence that stands for `rule`, as the API would carry it.
    pub fn from_rule(rule: &Rule) -> Recurrence {
        let names = |days: Weekdays| {
            let list: Vec<&str> = WEEKDAYS
                .iter()
                .copied()
                .filter(|name| days.contains(weekday(name)))
                .collect();
            Some(list.join(","))
        };
        let mut pattern = Pattern {
            interval: Some(i64::from(rule.interval())),
            ..Pattern::default()
        };
        let kind = match rule.pattern() {
            RulePattern::Daily => "daily",
            RulePattern::Weekly { days, week_start } => {
                pattern.days_of_week = names(days);
                pattern.first_day_of_week =
                    Some(WEEKDAYS[week_start.to_sunday_zero_offset() as usize].into());
                "weekly"
            }
            RulePattern::AbsoluteMonthly { day } => {
                pattern.day_of_month = Some(i64::from(day));
                "absoluteMonthly"
            }
            RulePattern::RelativeMonthly { index, days } => {
                pattern.days_of_week = names(days);
                pattern.index = Some(
                    match index {
                        Index::First => "first",
                        Index::Second => "second",
                        Index::Third => "third",
                        Index::Fourth => "fourth",
                        Index::Last => "last",
                    }
                    .into(),
                );
                "relativeMonthly"
            }
            RulePattern::AbsoluteYearly => "absoluteYearly",
        };
        pattern.kind = Some(kind.into());
        let range = match rule.range() {
            RuleRange::NoEnd => Range {
                kind: Some("noEnd".into()),
                ..Range::default()
            },
            RuleRange::EndDate(end) => Range {
                kind: Some("endDate".into()),
                end_date: Some(end.to_string()),
                ..Range::default()
            },
            RuleRange::Numbered(n) => Range {
                kind: Some("numbered".into()),
                number_of_occurrences: Some(i64::from(n)),
                ..Range::default()
            },
        };
        Recurrence {
            pattern: Some(pattern),
            range: Some(range),
        }
    }

    /// The rule this recurrence stands for, or why it stands for none.
    pub fn rule(&self) -> ApiResult<Rule> {
        let pattern = self
            .pattern
            .as_ref()
            .ok_or_else(|| ApiError::invalid_parameter("Recurrence pattern must be provided"))?;
        let range = self
            .range
            .as_ref()
            .ok_or_else(|| ApiError::invalid_parameter("Recurrence range must be provided"))?;
        let week_start = weekday(one_of(
            "Recurrence pattern firstDayOfWeek",
            Some(pattern.first_day_of_week.as_deref().unwrap_or("sunday")),
            &WEEKDAYS,
        )?);
        let days = || weekdays(pattern.days_of_week.as_deref());
        let rule_pattern = match one_of("Recurrence pattern type", pattern.kind.as_deref(), &PATTERN_TYPES)? {
            "daily" => RulePattern::Daily,
            "weekly" => RulePattern::Weekly {
                days: days()?,
                week_start,
            },
            "absoluteMonthly" => RulePattern::AbsoluteMonthly {
                day: pattern
                    .day_of_month
                    .filter(|d| (1..=31).contains(d))
                    .and_then(|d| i8::try_from(d).ok())
                    .ok_or_else(|| {
                        ApiError::invalid_parameter(
                            "Recurrence pattern dayOfMonth must be between 1 and 31 for absoluteMonthly",
                        )
                    })?,
            },
            "relativeMonthly" => RulePattern::RelativeMonthly {
                index: match one_of("Recurrence pattern index", pattern.index.as_deref(), &INDEXES)? {
                    "first" => Index::First,
                    "second" => Index::Second,
                    "third" => Index::Third,
                    "fourth" => Index::Fourth,
                    _ => Index::Last,
                },
                days: days()?,
            },
            _ => RulePattern::AbsoluteYearly,
        };
        let rule_range = match one_of("Recurrence range type", range.kind.as_deref(), &RANGE_TYPES)?
        {
            "endDate" => {
                RuleRange::EndDate(end_date(range.end_date.as_deref().ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "Recurrence range endDate is required for type endDate",
                    )
                })?)?)
            }
            "numbered" => RuleRange::Numbered(
                range
                    .number_of_occurrences
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        ApiError::invalid_parameter(
                            "Recurrence range numberOfOccurrences is required for type numbered",
                        )
                    })?,
            ),
            _ => RuleRange::NoEnd,
        };
        let interval = pattern.interval.map_or(Ok(1), u32::try_from).map_err(|_| {
            ApiError::invalid_parameter("Recurrence interval must between [1, 365]")
        })?;
        Rule::new(rule_pattern, interval, rule_range)
            .map_err(|e| ApiError::invalid_parameter(format!("Recurrence {e}")))
    }
}

/// A weekday by its name, which `one_of` has checked.
fn weekday(name: &str) -> Weekday {
    let i = WEEKDAYS.iter().position(|d| *d == name).unwrap_or(0);
    Weekday::Sunday.wrapping_add(i as i64)
}

/// `daysOfWeek`: lowercase English names, comma-separated, at least one.
fn weekdays(days: Option<&str>) -> ApiResult<Weekdays> {
    let days = days.filter(|d| !d.trim().is_empty()).ok_or_else(|| {
        ApiError::invalid_parameter("Recurrence pattern daysOfWeek is required for this type")
    })?;
    days.split(',')
        .map(|day| {
            one_of("Recurrence pattern daysOfWeek", Some(day.trim()), &WEEKDAYS).map(weekday)
        })
        .collect::<ApiResult<Vec<_>>>()
        .map(Weekdays::new)
}

/// The last day a series may have an occurrence: the date endDate names,
/// as written (an instant's own offset says which day the client meant).
fn end_date(value: &str) -> ApiResult<Date> {
    jiff::fmt::temporal::Pieces::parse(value)
        .map(|p| p.date())
        .map_err(|_| ApiError::bad_timestamp("Recurrence range endDate", value))
}

fn one_of<'a>(field: &str, value: Option<&str>, allowed: &[&'a str]) -> ApiResult<&'a str> {
    let value = value.ok_or_else(|| ApiError::invalid_parameter(format!("{field} is required")))?;
    allowed
        .iter()
        .copied()
        .find(|a| *a == value)
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "{field} must be one of {}, got {value:?}",
                allowed.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(kind: &str) -> Pattern {
        Pattern {
            kind: Some(kind.into()),
            ..Pattern::default()
        }
    }

    fn range(kind: &str) -> Range {
        Range {
            kind: Some(kind.into()),
            ..Range::default()
        }
    }

    fn rec(pattern: Pattern, range: Range) -> Recurrence {
        Recurrence {
            pattern: Some(pattern),
            range: Some(range),
        }
    }

    #[test]
    fn weekly_with_days_is_valid() {
        let weekly = Pattern {
            days_of_week: Some("monday,friday".into()),
            interval: Some(2),
            ..pattern("weekly")
        };
        rec(weekly, range("noEnd")).validate().unwrap();
    }

    #[test]
    fn interval_bounds_use_the_seed_message() {
        for bad in [0, 366] {
            let daily = Pattern {
                interval: Some(bad),
                ..pattern("daily")
            };
            let err = rec(daily, range("noEnd")).validate().unwrap_err();
            assert_eq!(err.message, "Recurrence interval must between [1, 365]");
        }
    }

    #[test]
    fn occurrences_bounds_use_the_seed_message() {
        for bad in [0, 100] {
            let numbered = Range {
                number_of_occurrences: Some(bad),
                ..range("numbered")
            };
            let err = rec(pattern("daily"), numbered).validate().unwrap_err();
            assert_eq!(
                err.message,
                "Recurrence range numberOfOccurrences must between [1, 99]"
            );
        }
    }

    #[test]
    fn a_rule_reads_back_from_its_recurrence() {
        for text in [
            "FREQ=DAILY;INTERVAL=2;COUNT=4",
            "FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;UNTIL=20270131",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            "FREQ=MONTHLY;BYDAY=-1MO,-1FR",
            "FREQ=YEARLY",
        ] {
            let start = dingcal_recur::Start::AllDay(jiff::civil::date(2026, 12, 7));
            let rule = dingcal_recur::rfc5545::from_rrule(text, &start).unwrap();
            let recurrence = Recurrence::from_rule(&rule);
            recurrence.validate().unwrap();
            assert_eq!(recurrence.rule().unwrap(), rule, "{text}");
        }
    }

    #[test]
    fn end_date_and_count_together_are_refused() {
        let both = Range {
            end_date: Some("2026-12-31T00:00:00Z".into()),
            number_of_occurrences: Some(3),
            ..range("endDate")
        };
        let err = rec(pattern("daily"), both).validate().unwrap_err();
        assert_eq!(err.code, "invalidParameter");
    }

    #[test]
    fn relative_monthly_needs_an_index() {
        let friday = Pattern {
            days_of_week: Some("friday".into()),
            ..pattern("relativeMonthly")
        };
        let err = rec(friday, range("noEnd")).validate().unwrap_err();
        assert!(err.message.contains("index"));
    }
}
