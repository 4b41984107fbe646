//! The operations of the official SDK's calendar_1_0 (`calendar-api.md`)
//! and the two oauth2 ones dingcal serves, by method and path, with the
//! wire types each reads and answers. The table names requests in the
//! access log and the metrics, and is what `/_dingcal/openapi.json`
//! describes.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::Method;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::legacy::{ConvertRequest, ConvertResponse};
use crate::wire::caldav::{CaldavAccountBody, CaldavAccountRequest};
use crate::wire::calendar::{
    AclBody, AclList, CategoryList, CreateAclRequest, ListCalendarsResponse,
};
use crate::wire::event::{
    AddAttendeeRequest, AttendeeListBody, CancelEventQuery, DeleteEventQuery, EventFields,
    EventInput, EventParticipants, EventsInstancesQuery, GetEventQuery, ListAttendeesQuery,
    ListEventsQuery, ListTokens, RemoveAttendeeRequest, RespondEventRequest, ResultBody,
    TransferEventRequest, WindowQuery,
};
use crate::wire::minutes::{MinutesList, MinutesQuery};
use crate::wire::oauth::{
    AccessTokenRequest, AccessTokenResponse, UserTokenRequest, UserTokenResponse,
};
use crate::wire::plugin::{PluginList, SubscribersRequest};
use crate::wire::room::{
    AddRoomsRequest, RemoveRoomsRequest, RoomRespondRequest, RoomScheduleRequest,
    RoomScheduleResponse,
};
use crate::wire::schedule::{ScheduleAnswer, ScheduleRequest};
use crate::wire::signin::{
    CheckInBody, CheckOutBody, SignInLink, SignList, SignListQuery, SignOutLink,
};
use crate::wire::subscribed::{CreatedCalendar, SubscribedCalendarBody, SubscribedCalendarRequest};

/// Writes the JSON Schema of a request's or an answer's part.
pub type Describe = fn(&mut SchemaGenerator) -> Schema;

/// One operation as dingcal serves it.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub action: &'static str,
    /// Its query string's parameters, as the fields of one object.
    pub query: Option<Describe>,
    pub body: Option<Describe>,
    /// Its answer's body; none for an empty one.
    pub answer: Option<Describe>,
    /// It takes `x-client-token`: a retry with the same one is answered
    /// as the first was.
    pub replays: bool,
    /// It needs no access token (it is how one is got).
    pub public: bool,
}

impl Operation {
    pub const fn new(method: &'static str, path: &'static str, action: &'static str) -> Operation {
        Operation {
            method,
            path,
            action,
            query: None,
            body: None,
            answer: None,
            replays: false,
            public: false,
        }
    }

    pub const fn query(self, query: Describe) -> Operation {
        Operation {
            query: Some(query),
            ..self
        }
    }

    pub const fn body(self, body: Describe) -> Operation {
        Operation {
            body: Some(body),
            ..self
        }
    }

    pub const fn answer(self, answer: Describe) -> Operation {
        Operation {
            answer: Some(answer),
            ..self
        }
    }

    pub const fn replays(self) -> Operation {
        Operation {
            replays: true,
            ..self
        }
    }

    pub const fn public(self) -> Operation {
        Operation {
            public: true,
            ..self
        }
    }
}

/// The schema of a wire type.
pub fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// An event as `Renderer::write_event` writes it: its own fields, then
/// who is on it, in one object.
fn event(generator: &mut SchemaGenerator) -> Schema {
    let (fields, participants) = (
        of::<EventFields>(generator),
        of::<EventParticipants>(generator),
    );
    json_schema!({ "allOf": [fields, participants] })
}

/// A page of events as `Renderer::event_list` writes it.
fn event_list(generator: &mut SchemaGenerator) -> Schema {
    let (event, tokens) = (event(generator), of::<ListTokens>(generator));
    json_schema!({
        "allOf": [
            {
                "type": "object",
                "properties": { "events": { "type": "array", "items": event } },
                "required": ["events"]
            },
            tokens
        ]
    })
}

/// Every operation: its method, path and SDK action name, and what it
/// reads and answers (for `/_dingcal/openapi.json`): the wire types its
/// handler deserialises and serialises.
pub const TABLE: &[Operation] = &[
    Operation::new("GET", "/v1.0/calendar/categories", "ListCategories").answer(of::<CategoryList>),
    Operation::new("POST", "/v1.0/calendar/me/calendars/{calendarId}/events", "CreateEventByMe").body(of::<EventInput>).answer(event).replays(),
    Operation::new("GET", "/v1.0/calendar/me/calendars/{calendarId}/eventsview", "ListEventsViewByMe").query(of::<WindowQuery>).answer(event_list),
    Operation::new("POST", "/v1.0/calendar/me/schedules/query", "GetScheduleByMe").body(of::<ScheduleRequest>).answer(of::<ScheduleAnswer>),
    Operation::new("GET", "/v1.0/calendar/plugins", "ListOrgPlugins").answer(of::<PluginList>),
    Operation::new("POST", "/v1.0/calendar/plugins/{pluginId}/subscribers", "UpdateOrgPluginSubscribers").body(of::<SubscribersRequest>).answer(of::<ResultBody>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/caldavAccounts", "GenerateCaldavAccount").body(of::<CaldavAccountRequest>).answer(of::<CaldavAccountBody>),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars", "ListCalendars").answer(of::<ListCalendarsResponse>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls", "CreateAcls").body(of::<CreateAclRequest>).answer(of::<AclBody>).replays(),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls", "ListAcls").answer(of::<AclList>),
    Operation::new("DELETE", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/acls/{aclId}", "DeleteAcl").replays(),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events", "CreateEvent").body(of::<EventInput>).answer(event).replays(),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events", "ListEvents").query(of::<ListEventsQuery>).answer(event_list),
    Operation::new("DELETE", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}", "DeleteEvent").query(of::<DeleteEventQuery>).replays(),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}", "GetEvent").query(of::<GetEventQuery>).answer(event),
    Operation::new("PUT", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}", "PatchEvent").body(of::<EventInput>).answer(event).replays(),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees", "AddAttendee").body(of::<AddAttendeeRequest>).replays(),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees", "ListAttendees").query(of::<ListAttendeesQuery>).answer(of::<AttendeeListBody>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/attendees/batchRemove", "RemoveAttendee").body(of::<RemoveAttendeeRequest>).replays(),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/cancel", "CancelEvent").query(of::<CancelEventQuery>).answer(of::<ResultBody>).replays(),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/checkIn", "CheckIn").answer(of::<CheckInBody>),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/instances", "ListInstances").query(of::<WindowQuery>).answer(event_list),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms", "AddMeetingRooms").body(of::<AddRoomsRequest>).answer(of::<ResultBody>).replays(),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms/batchRemove", "RemoveMeetingRooms").body(of::<RemoveRoomsRequest>).answer(of::<ResultBody>).replays(),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/meetingRooms/{roomId}/respond", "MeetingRoomRespond").body(of::<RoomRespondRequest>).answer(of::<ResultBody>).replays(),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/minutes", "ListAiMinutes").query(of::<MinutesQuery>).answer(of::<MinutesList>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/respond", "RespondEvent").body(of::<RespondEventRequest>).replays(),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signInLinks", "GetSignInLink").answer(of::<SignInLink>),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signOut", "GetSignOutList").query(of::<SignListQuery>).answer(of::<SignList>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signOut", "SignOut").answer(of::<CheckOutBody>),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signOutLinks", "GetSignOutLink").answer(of::<SignOutLink>),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signin", "GetSignInList").query(of::<SignListQuery>).answer(of::<SignList>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/signin", "SignIn").answer(of::<CheckInBody>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/events/{eventId}/transfer", "TransferEvent").body(of::<TransferEventRequest>).answer(of::<ResultBody>).replays(),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/eventsview", "ListEventsView").query(of::<WindowQuery>).answer(event_list),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/instances", "ListEventsInstances").query(of::<EventsInstancesQuery>).answer(event_list),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/subscribe", "SubscribeCalendar"),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/calendars/{calendarId}/unsubscribe", "UnsubscribeCalendar").answer(of::<ResultBody>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/legacyEventIds/convert", "ConvertLegacyEventId").body(of::<ConvertRequest>).answer(of::<ConvertResponse>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/meetingRooms/schedules/query", "GetMeetingRoomsSchedule").body(of::<RoomScheduleRequest>).answer(of::<RoomScheduleResponse>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/querySchedule", "GetSchedule").body(of::<ScheduleRequest>).answer(of::<ScheduleAnswer>),
    Operation::new("POST", "/v1.0/calendar/users/{userId}/subscribedCalendars", "CreateSubscribedCalendar").body(of::<SubscribedCalendarRequest>).answer(of::<CreatedCalendar>),
    Operation::new("DELETE", "/v1.0/calendar/users/{userId}/subscribedCalendars/{calendarId}", "DeleteSubscribedCalendar").answer(of::<ResultBody>),
    Operation::new("GET", "/v1.0/calendar/users/{userId}/subscribedCalendars/{calendarId}", "GetSubscribedCalendar").answer(of::<SubscribedCalendarBody>),
    Operation::new("PUT", "/v1.0/calendar/users/{userId}/subscribedCalendars/{calendarId}", "UpdateSubscribedCalendars").body(of::<SubscribedCalendarRequest>).answer(of::<ResultBody>),
    Operation::new("POST", "/v1.0/oauth2/accessToken", "GetAccessToken").body(of::<AccessTokenRequest>).answer(of::<AccessTokenResponse>).public(),
    Operation::new("POST", "/v1.0/oauth2/userAccessToken", "GetUserToken").body(of::<UserTokenRequest>).answer(of::<UserTokenResponse>).public(),
];

/// For each path, its operations by method.
static BY_PATH: LazyLock<matchit::Router<HashMap<&'static str, &'static str>>> =
    LazyLock::new(|| {
        let mut paths: HashMap<&str, HashMap<&str, &str>> = HashMap::new();
        for op in TABLE {
            paths
                .entry(op.path)
                .or_default()
                .insert(op.method, op.action);
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
    TABLE.iter().any(|op| op.action == action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_calendar_operation_is_named_by_its_path_and_method() {
        assert_eq!(TABLE.len(), 45 + 2);
        for op in TABLE {
            let (path, name) = (op.path, &op.action);
            let method = Method::from_bytes(op.method.as_bytes()).unwrap();
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
