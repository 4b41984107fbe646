//! Every bound the API enforces, in one place. Those marked "dingcal's choice"
//! are not documented by the real service; the README lists them.

use crate::error::{ApiError, ApiResult};

pub const SUMMARY_MAX: usize = 2_048;
pub const DESCRIPTION_MAX: usize = 5_000;
/// dingcal's choice.
pub const LOCATION_MAX: usize = 2_048;
/// dingcal's choice.
pub const RICH_TEXT_MAX: usize = 20_000;
/// dingcal's choice, for ids, names and other short strings.
pub const SHORT_STRING_MAX: usize = 256;
/// dingcal's choice, for the values of `extra`.
pub const EXTRA_VALUE_MAX: usize = 1_024;
/// dingcal's choice, for extra, categories, uiConfigs, cardInstances and reminders.
pub const SMALL_LIST_MAX: usize = 20;
/// Longest reminder lead time, one year in minutes (dingcal's choice).
pub const REMINDER_MINUTES_MAX: i64 = 525_600;

pub const ATTENDEES_PER_CALL: usize = 500;
pub const ATTENDEES_PER_EVENT: usize = 5_000;

/// GetSchedule asks about at most 20 users.
pub const USERS_PER_SCHEDULE: usize = 20;

pub const LIST_EVENTS_MAX_RESULTS: i64 = 100;
pub const LIST_EVENTS_MAX_ATTENDEES: i64 = 100;
pub const GET_EVENT_MAX_ATTENDEES_DEFAULT: i64 = 100;
pub const GET_EVENT_MAX_ATTENDEES: i64 = 500;
pub const LIST_ATTENDEES_DEFAULT: i64 = 100;
pub const LIST_ATTENDEES_MAX: i64 = 500;
/// timeMin and timeMax of a listing are at most a year apart (366 days, so
/// that a leap year fits).
pub const LIST_WINDOW_MAX_SECONDS: i64 = 366 * 86_400;

/// An access token lives two hours.
pub const ACCESS_TOKEN_TTL_SECONDS: i64 = 7_200;
/// An authorization code must be exchanged within five minutes, once.
pub const AUTH_CODE_TTL_SECONDS: i64 = 300;
/// Codes an app may have waiting to be exchanged; past it the oldest go,
/// so that signing in again and again cannot fill the database (dingcal's
/// choice).
pub const AUTH_CODES_PER_APP_MAX: i64 = 1_000;
/// A user token's refresh token lives 30 days (dingcal's choice).
pub const REFRESH_TOKEN_TTL_SECONDS: i64 = 30 * 86_400;
/// An x-client-token is remembered for a day.
pub const IDEMPOTENCY_TTL_SECONDS: i64 = 86_400;

/// HTTP body limit (dingcal's choice): 5,000 attendees fit many times over.
pub const BODY_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Refuses a string longer than `max` characters.
pub fn check_len(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max {
        return Err(ApiError::invalid_parameter(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(())
}

/// Refuses a list longer than `max` entries.
pub fn check_count<T>(field: &str, list: &[T], max: usize) -> ApiResult<()> {
    if list.len() > max {
        return Err(ApiError::invalid_parameter(format!(
            "{field} has more than {max} entries"
        )));
    }
    Ok(())
}

/// A paging size from the query: absent gives `default`, outside 1..=`max`
/// is refused.
pub fn page_size(field: &str, asked: Option<i64>, default: i64, max: i64) -> ApiResult<usize> {
    match asked {
        None => Ok(default as usize),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(ApiError::invalid_parameter(format!(
            "{field} must be between 1 and {max}, got {n}"
        ))),
    }
}

/// Users one calendar may be shared with (CreateAcls; DingTalk's
/// documented bound, `shareExceedLimit` beyond it).
pub const SHARES_PER_CALENDAR: usize = 500;

/// Meeting rooms on one event (AddMeetingRooms; DingTalk's bound).
pub const ROOMS_PER_EVENT: usize = 5;
/// Rooms in one GetMeetingRoomsSchedule (DingTalk recommends 5 and
/// documents no bound; dingcal's, as GetSchedule's users).
pub const ROOMS_PER_SCHEDULE: usize = 20;
/// The longest GetMeetingRoomsSchedule window (DingTalk's bound).
pub const ROOM_SCHEDULE_MAX_SECONDS: i64 = 90 * 86_400;
/// How far a series may run, from its first start to its last end, and
/// still book a room (dingcal's choice: a room is held for every
/// occurrence, and an endless series would hold it for ever).
pub const ROOM_SERIES_SPAN_MAX_SECONDS: i64 = 366 * 86_400;

/// Users in one page of GetSignInList or GetSignOutList (DingTalk's bound).
pub const SIGN_LIST_MAX: i64 = 500;

/// Ids of each kind in one UpdateOrgPluginSubscribers (dingcal's bound:
/// DingTalk documents none).
pub const PLUGIN_SUBSCRIBERS_MAX: usize = 1_000;

/// A subscribed calendar's name, in characters (DingTalk's bound: its
/// message says "less than 128").
pub const CALENDAR_NAME_MAX: usize = 128;
/// A subscribed calendar's description (DingTalk's bound).
pub const CALENDAR_DESCRIPTION_MAX: usize = 1_024;
/// Ids in each list of a subscribe scope, and managers (dingcal's bound).
pub const SUBSCRIBE_SCOPE_MAX: usize = 1_000;
/// Calendars one user may subscribe to (dingcal's bound: DingTalk answers
/// `exceedSubscribeLimit` at a number it does not document).
pub const SUBSCRIPTIONS_PER_USER: usize = 100;

/// Legacy ids in one ConvertLegacyEventId (dingcal's bound: DingTalk
/// documents none).
pub const LEGACY_IDS_PER_CALL: usize = 100;
