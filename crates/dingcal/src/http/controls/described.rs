//! The controls as the OpenAPI document describes them, and the document
//! itself (`GET /_dingcal/openapi.json`).

use serde_json::Value;

use super::clock::{Advance, ClockBody, ClockRequest};
use super::faults::FaultRequest;
use super::{
    Admin, Empty, FaultId, FaultList, JournalList, JournalQuery, OutboxList, OutboxQuery,
    ThrottleBody,
};
use crate::http::answer::JsonAnswer;
use crate::http::openapi::{Auth, Group, document};
use crate::http::operations::{Operation, TABLE, of};
use crate::wire::minutes::{AttachMinutes, AttachedMinutes};

/// Every JSON control route (`super::router`, `clock::router`; the
/// console's pages are for people), with what it reads and answers.
pub const CONTROLS: &[Operation] = &[
    Operation::new("POST", "/_dingcal/reset", "Reset").answer(of::<Empty>),
    Operation::new("GET", "/_dingcal/export", "Export").answer(of::<Value>),
    Operation::new("POST", "/_dingcal/import", "Import")
        .body(of::<Value>)
        .answer(of::<Empty>),
    Operation::new("GET", "/_dingcal/clock", "GetClock").answer(of::<ClockBody>),
    Operation::new("PUT", "/_dingcal/clock", "SetClock")
        .body(of::<ClockRequest>)
        .answer(of::<ClockBody>),
    Operation::new("DELETE", "/_dingcal/clock", "UnsetClock").answer(of::<ClockBody>),
    Operation::new("POST", "/_dingcal/clock/advance", "AdvanceClock")
        .body(of::<Advance>)
        .answer(of::<ClockBody>),
    Operation::new("POST", "/_dingcal/faults", "AddFault")
        .body(of::<FaultRequest>)
        .answer(of::<FaultId>),
    Operation::new("GET", "/_dingcal/faults", "ListFaults").answer(of::<FaultList>),
    Operation::new("DELETE", "/_dingcal/faults", "RemoveFaults").answer(of::<Empty>),
    Operation::new("DELETE", "/_dingcal/faults/{faultId}", "RemoveFault").answer(of::<Empty>),
    Operation::new("PUT", "/_dingcal/throttle", "SetThrottle")
        .body(of::<ThrottleBody>)
        .answer(of::<ThrottleBody>),
    Operation::new("GET", "/_dingcal/throttle", "GetThrottle").answer(of::<ThrottleBody>),
    Operation::new("GET", "/_dingcal/requests", "ListRequests")
        .query(of::<JournalQuery>)
        .answer(of::<JournalList>),
    Operation::new("DELETE", "/_dingcal/requests", "ClearRequests").answer(of::<Empty>),
    Operation::new("GET", "/_dingcal/outbox", "ListOutbox")
        .query(of::<OutboxQuery>)
        .answer(of::<OutboxList>),
    Operation::new("DELETE", "/_dingcal/outbox", "ClearOutbox").answer(of::<Empty>),
    Operation::new("POST", "/_dingcal/minutes", "AttachMinutes")
        .body(of::<AttachMinutes>)
        .answer(of::<AttachedMinutes>),
    Operation::new("GET", "/_dingcal/openapi.json", "GetOpenApi").answer(of::<Value>),
];

/// The document, for an admin.
pub(super) async fn openapi(_: Admin) -> JsonAnswer<Value> {
    JsonAnswer(document(&[
        Group {
            tag: "calendar",
            description: "The DingTalk operations dingcal serves: calendar_1_0's 45 and \
                oauth2_1_0's GetAccessToken and GetUserToken, under their SDK action names.",
            operations: TABLE,
            auth: Auth::AccessToken,
        },
        Group {
            tag: "controls",
            description: "dingcal's emulator controls (on with --admin-token).",
            operations: CONTROLS,
            auth: Auth::AdminToken,
        },
    ]))
}
