//! The operations of the official SDK's calendar_1_0 (`calendar-api.md`)
//! and the two oauth2 ones dingcal serves, by method and path. The table
//! names requests in the access log and the metrics.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::Method;

/// (method, path, SDK action name).
const TABLE: &[(&str, &str, &str)] = &[
    ("GET", "/v1.0/calendar/categories", "ListCategories"),
    (
        "POST",
        "/v1.0/calendar/me/calendars/{calendarId}/events",
        "CreateEventByMe",
    ),
    (
        "GET",
        "/v1.0/calendar/me/calendars/{calendarId}/eventsview",
        "ListEventsViewByMe",
    ),
    (
        "POST",
        "/v1.0/calendar/me/schedules/query",
        "GetScheduleByMe",
    ),
    ("GET", "/v1.0/calendar/plugins", "ListOrgPlugins"),
    (
        "POST",
        "/v1.0/calendar/plugins/{pluginId}/subscribers",
        "UpdateOrgPluginSubscribers",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/caldavAccounts",
        "GenerateCaldavAccount",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars",
        "ListCalendars",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls",
        "CreateAcls",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls",
        "ListAcls",
    ),
    (
        "DELETE",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls/{aclId}",
        "DeleteAcl",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events",
        "CreateEvent",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events",
        "ListEvents",
    ),
    (
        "DELETE",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}",
        "DeleteEvent",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}",
        "GetEvent",
    ),
    (
        "PUT",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}",
        "PatchEvent",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees",
        "AddAttendee",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees",
        "ListAttendees",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees/batchRemove",
        "RemoveAttendee",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/cancel",
        "CancelEvent",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/checkIn",
        "CheckIn",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/instances",
        "ListInstances",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms",
        "AddMeetingRooms",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms/batchRemove",
        "RemoveMeetingRooms",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms/{roomId}/respond",
        "MeetingRoomRespond",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/minutes",
        "ListAiMinutes",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/respond",
        "RespondEvent",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signInLinks",
        "GetSignInLink",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signOut",
        "GetSignOutList",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signOut",
        "SignOut",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signOutLinks",
        "GetSignOutLink",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signin",
        "GetSignInList",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signin",
        "SignIn",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/transfer",
        "TransferEvent",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/eventsview",
        "ListEventsView",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/instances",
        "ListEventsInstances",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/subscribe",
        "SubscribeCalendar",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/calendars/{calendarId}/unsubscribe",
        "UnsubscribeCalendar",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/legacyEventIds/convert",
        "ConvertLegacyEventId",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/meetingRooms/schedules/query",
        "GetMeetingRoomsSchedule",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/querySchedule",
        "GetSchedule",
    ),
    (
        "POST",
        "/v1.0/calendar/users/{userId}/subscribedCalendars",
        "CreateSubscribedCalendar",
    ),
    (
        "DELETE",
        "/v1.0/calendar/users/{userId}/subscribedCalendars/{calendarId}",
        "DeleteSubscribedCalendar",
    ),
    (
        "GET",
        "/v1.0/calendar/users/{userId}/subscribedCalendars/{calendarId}",
        "GetSubscribedCalendar",
    ),
    (
        "PUT",
        "/v1.0/calendar/users/{userId}/subscribedCalendars/{calendarId}",
        "UpdateSubscribedCalendars",
    ),
    ("POST", "/v1.0/oauth2/accessToken", "GetAccessToken"),
    ("POST", "/v1.0/oauth2/userAccessToken", "GetUserToken"),
];

/// For each path, its operations by method.
static BY_PATH: LazyLock<matchit::Router<HashMap<&'static str, &'static str>>> =
    LazyLock::new(|| {
        let mut paths: HashMap<&str, HashMap<&str, &str>> = HashMap::new();
        for (method, path, name) in TABLE {
            paths.entry(path).or_default().insert(method, name);
        }
        let mut router = matchit::Router::new();
        for (path, methods) in paths {
            router
                .insert(path, methods)
                .expect("the operation paths do not overlap");
        }
        router
    });

/// The SDK action name of a request, by its path or by the route it
/// matched (a route's `{param}` segments match themselves).
pub fn name(method: &Method, path: &str) -> Option<&'static str> {
    BY_PATH
        .at(path)
        .ok()
        .and_then(|m| m.value.get(method.as_str()).copied())
}

/// Whether `action` is the name of one of the SDK's operations.
pub fn known(action: &str) -> bool {
    TABLE.iter().any(|(_, _, name)| *name == action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_calendar_operation_is_named_by_its_path_and_method() {
        assert_eq!(TABLE.len(), 45 + 2);
        for (method, path, name) in TABLE {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(super::name(&method, path), Some(*name));
            let concrete = path
                .replace("{userId}", "alice-union")
                .replace("{calendarId}", "primary")
                .replace("{eventId}", "ev1")
                .replace("{roomId}", "room-aurora")
                .replace("{aclId}", "acl1")
                .replace("{pluginId}", "p1");
            assert_eq!(super::name(&method, &concrete), Some(*name), "{concrete}");
        }
        assert_eq!(
            super::name(&Method::PATCH, "/v1.0/calendar/categories"),
            None
        );
        assert_eq!(super::name(&Method::GET, "/v1.0/calendar/nothing"), None);
    }
}
