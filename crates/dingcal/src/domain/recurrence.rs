//! A recurrence as the API carries it: a pattern and a range. It is kept as
//! sent, and checked here against the seed's bounds and messages.

use dingcal_recur::{Index, Pattern as RulePattern, Range as RuleRange, Rule, Weekdays};
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recurrence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pattern {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_of_week: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_day_of_week: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Range {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// Checks the pattern and range; the seed's own messages come first, for
    /// the bounds it names.
    pub fn validate(&self) -> ApiResult<()> {
        let pattern = self
            .pattern
            .as_ref()
            .ok_or_else(|| ApiError::invalid_parameter("Recurrence pattern must be provided"))?;
        let range = self
            .range
            .as_ref()
            .ok_or_else(|| ApiError::invalid_parameter("Recurrence range must be provided"))?;

        if let Some(interval) = pattern.interval {
            if !(1..=365).contains(&interval) {
                return Err(ApiError::invalid_parameter(
                    "Recurrence interval must between [1, 365]",
                ));
            }
        }
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

        let kind = one_of(
            "Recurrence pattern type",
            pattern.kind.as_deref(),
            &PATTERN_TYPES,
        )?;
        match kind {
            "weekly" => {
                weekdays(pattern.days_of_week.as_deref())?;
            }
            "absoluteMonthly" => match pattern.day_of_month {
                Some(1..=31) => {}
                _ => {
                    return Err(ApiError::invalid_parameter(
                        "Recurrence pattern dayOfMonth must be between 1 and 31 for absoluteMonthly",
                    ));
                }
            },
            "relativeMonthly" => {
                one_of(
                    "Recurrence pattern index",
                    pattern.index.as_deref(),
                    &INDEXES,
                )?;
                weekdays(pattern.days_of_week.as_deref())?;
            }
            _ => {}
        }
        if let Some(first) = pattern.first_day_of_week.as_deref() {
            one_of("Recurrence pattern firstDayOfWeek", Some(first), &WEEKDAYS)?;
        }

        match one_of("Recurrence range type", range.kind.as_deref(), &RANGE_TYPES)? {
            "endDate" => {
                let end = range.end_date.as_deref().ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "Recurrence range endDate is required for type endDate",
                    )
                })?;
                end_date(end)?;
            }
            "numbered" if range.number_of_occurrences.is_none() => {
                return Err(ApiError::invalid_parameter(
                    "Recurrence range numberOfOccurrences is required for type numbered",
                ));
            }
            "noEnd" if range.end_date.is_some() || range.number_of_occurrences.is_some() => {
                return Err(ApiError::invalid_parameter(
                    "Recurrence range noEnd takes neither endDate nor numberOfOccurrences",
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

impl Recurrence {
    /// The rule this recurrence stands for. The recurrence must have been
    /// validated.
    pub fn rule(&self) -> ApiResult<Rule> {
        let invalid = || ApiError::invalid_parameter("Recurrence is not valid");
        let (pattern, range) = self
            .pattern
            .as_ref()
            .zip(self.range.as_ref())
            .ok_or_else(invalid)?;
        let days = || -> ApiResult<Weekdays> {
            let list = pattern.days_of_week.as_deref().unwrap_or_default();
            list.split(',')
                .map(|d| weekday(d.trim()).ok_or_else(invalid))
                .collect::<ApiResult<Vec<_>>>()
                .map(Weekdays::new)
        };
        let rule_pattern = match pattern.kind.as_deref() {
            Some("daily") => RulePattern::Daily,
            Some("weekly") => RulePattern::Weekly {
                days: days()?,
                week_start: weekday(pattern.first_day_of_week.as_deref().unwrap_or("sunday"))
                    .ok_or_else(invalid)?,
            },
            Some("absoluteMonthly") => RulePattern::AbsoluteMonthly {
                day: pattern
                    .day_of_month
                    .and_then(|d| i8::try_from(d).ok())
                    .ok_or_else(invalid)?,
            },
            Some("relativeMonthly") => RulePattern::RelativeMonthly {
                index: match pattern.index.as_deref() {
                    Some("first") => Index::First,
                    Some("second") => Index::Second,
                    Some("third") => Index::Third,
                    Some("fourth") => Index::Fourth,
                    Some("last") => Index::Last,
                    _ => return Err(invalid()),
                },
                days: days()?,
            },
            Some("absoluteYearly") => RulePattern::AbsoluteYearly,
            _ => return Err(invalid()),
        };
        let rule_range = match range.kind.as_deref() {
            Some("endDate") => {
                RuleRange::EndDate(end_date(range.end_date.as_deref().unwrap_or_default())?)
            }
            Some("numbered") => RuleRange::Numbered(
                range
                    .number_of_occurrences
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(invalid)?,
            ),
            _ => RuleRange::NoEnd,
        };
        let interval = pattern
            .interval
            .map_or(Ok(1), u32::try_from)
            .map_err(|_| invalid())?;
        Rule::new(rule_pattern, interval, rule_range)
            .map_err(|e| ApiError::invalid_parameter(format!("Recurrence {e}")))
    }
}

fn weekday(name: &str) -> Option<Weekday> {
    let i = WEEKDAYS.iter().position(|d| *d == name)?;
    Some(Weekday::Sunday.wrapping_add(i as i64))
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

fn weekdays(days: Option<&str>) -> ApiResult<()> {
    let days = days.filter(|d| !d.trim().is_empty()).ok_or_else(|| {
        ApiError::invalid_parameter("Recurrence pattern daysOfWeek is required for this type")
    })?;
    for day in days.split(',') {
        one_of("Recurrence pattern daysOfWeek", Some(day.trim()), &WEEKDAYS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(pattern: &str, range: &str) -> Recurrence {
        Recurrence {
            pattern: Some(serde_json::from_str(pattern).unwrap()),
            range: Some(serde_json::from_str(range).unwrap()),
        }
    }

    #[test]
    fn weekly_with_days_is_valid() {
        rec(
            r#"{"type":"weekly","daysOfWeek":"monday,friday","interval":2}"#,
            r#"{"type":"noEnd"}"#,
        )
        .validate()
        .unwrap();
    }

    #[test]
    fn interval_bounds_use_the_seed_message() {
        for bad in [0, 366] {
            let err = rec(
                &format!(r#"{{"type":"daily","interval":{bad}}}"#),
                r#"{"type":"noEnd"}"#,
            )
            .validate()
            .unwrap_err();
            assert_eq!(err.message, "Recurrence interval must between [1, 365]");
        }
    }

    #[test]
    fn occurrences_bounds_use_the_seed_message() {
        for bad in [0, 100] {
            let err = rec(
                r#"{"type":"daily"}"#,
                &format!(r#"{{"type":"numbered","numberOfOccurrences":{bad}}}"#),
            )
            .validate()
            .unwrap_err();
            assert_eq!(
                err.message,
                "Recurrence range numberOfOccurrences must between [1, 99]"
            );
        }
    }

    #[test]
    fn end_date_and_count_together_are_refused() {
        let err = rec(
            r#"{"type":"daily"}"#,
            r#"{"type":"endDate","endDate":"2026-12-31T00:00:00Z","numberOfOccurrences":3}"#,
        )
        .validate()
        .unwrap_err();
        assert_eq!(err.code, "invalidParameter");
    }

    #[test]
    fn relative_monthly_needs_an_index() {
        let err = rec(
            r#"{"type":"relativeMonthly","daysOfWeek":"friday"}"#,
            r#"{"type":"noEnd"}"#,
        )
        .validate()
        .unwrap_err();
        assert!(err.message.contains("index"));
    }
}
