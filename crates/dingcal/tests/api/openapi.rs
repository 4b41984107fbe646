//! `/_dingcal/openapi.json`: behind the admin token, and every operation it
//! describes is one the server routes at that method and path (the SDK
//! suite's test_openapi.py holds it against the official SDK).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::*;

const PATH: &str = "/_dingcal/openapi.json";

/// A path template with each `{name}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "x1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_document_needs_the_admin_token() {
    let s = TestServer::start().await;
    for token in [None, Some("wrong")] {
        let answer = s.control_as(token, Method::GET, PATH, None).await;
        assert_error(&answer, 401, "Unauthorized", None);
    }
    let (status, document) = s.admin(Method::GET, PATH, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"], "3.1.0");
}

#[tokio::test]
async fn every_operation_described_is_routed_at_its_method_and_path() {
    let s = TestServer::start().await;
    let (_, document) = s.admin(Method::GET, PATH, None).await;
    let mut seen = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let tag = op["tags"][0].as_str().unwrap();
            seen.push((
                tag.to_string(),
                op["operationId"].as_str().unwrap().to_string(),
            ));
            // A call with no token (an SDK operation) or with the admin
            // token (a control) reaches a handler: whatever it answers, it
            // is not the router's refusal.
            let (_, answer) = match tag {
                "controls" => s.admin(method.clone(), &concrete(path), None).await,
                _ => s.raw(method.clone(), &concrete(path), "", "{}").await,
            };
            let code = answer["code"].as_str().unwrap_or("");
            assert!(
                code != "InvalidAction.NotFound" && code != "InvalidAction.MethodNotAllowed",
                "{method} {path}: {answer}"
            );
        }
    }
    let calendar = seen.iter().filter(|(tag, _)| tag == "calendar").count();
    assert_eq!(calendar, 45 + 2, "{seen:?}");
    for control in [
        "Reset",
        "Export",
        "Import",
        "AdvanceClock",
        "AddFault",
        "ListRequests",
        "ListOutbox",
    ] {
        assert!(seen.iter().any(|(_, id)| id == control), "{control}");
    }
}

#[tokio::test]
async fn a_query_parameter_is_described_as_the_handler_reads_it() {
    let s = TestServer::start().await;
    let (_, document) = s.admin(Method::GET, PATH, None).await;
    let list =
        &document["paths"]["/v1.0/calendar/users/{userId}/calendars/{calendarId}/events"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "timeMin",
        "timeMax",
        "maxResults",
        "nextToken",
        "syncToken",
        "showDeleted",
    ] {
        assert!(names.contains(&name), "{name}: {names:?}");
    }
    let create =
        &document["paths"]["/v1.0/calendar/users/{userId}/calendars/{calendarId}/events"]["post"];
    let body: &Value =
        &create["requestBody"]["content"]["application/json"]["schema"]["properties"];
    assert!(
        body.get("summary").is_some() && body.get("recurrence").is_some(),
        "{body}"
    );
    let headers: Vec<&Value> = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "header")
        .collect();
    assert_eq!(headers.len(), 1);
    assert_eq!(headers[0]["name"], "x-client-token");
}
