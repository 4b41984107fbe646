//! Subscribed calendars: made, read, changed and deleted by their author
//! and managers; subscribed to by users in their scope, who then read
//! their events through the event operations on the calendar's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

fn calendars(user: &str) -> String {
    format!("/v1.0/calendar/users/{user}/subscribedCalendars")
}

fn events_of(user: &str, calendar: &str) -> String {
    format!("/v1.0/calendar/users/{user}/calendars/{calendar}/events")
}

async fn create(api: &Api<'_>, body: Value) -> (StatusCode, Value) {
    api.call(Method::POST, &calendars("alice-union"), Some(body))
        .await
}

#[tokio::test]
async fn a_subscribed_calendar_is_written_by_its_managers_and_read_by_subscribers() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let scope = json!({"unionIds": ["alice-union", "bob-union"], "corpIds": []});
    for (body, message) in [
        (
            json!({"name": " ", "subscribeScope": scope}),
            "calendar name cannot be blank",
        ),
        (
            json!({"name": "x".repeat(128), "subscribeScope": scope}),
            "calendar name length must less than 128",
        ),
        (json!({"name": "Team"}), "subscribe range cannot be null"),
        (
            json!({"name": "Team", "subscribeScope": {"unionIds": []}}),
            "subscribe range cannot be null",
        ),
        (
            json!({"name": "Team", "subscribeScope": {"unionIds": ["bob-union"]}}),
            "current user must in range",
        ),
    ] {
        assert_error(
            &create(&api, body).await,
            400,
            "invalidParameter",
            Some(message),
        );
    }
    let (status, made) = create(
        &api,
        json!({"name": "Team", "description": "releases", "managers": ["carol-union"], "subscribeScope": scope}),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{made}");
    let id = made["calendarId"].as_str().unwrap().to_string();
    let one = format!("{}/{id}", calendars("alice-union"));
    let (_, got) = api.call(Method::GET, &one, None).await;
    assert_eq!(got["name"], "Team");
    assert_eq!(got["author"], "alice-union");
    assert_eq!(got["managers"], json!(["carol-union"]));
    assert_eq!(
        got["subscribeScope"]["unionIds"],
        json!(["alice-union", "bob-union"])
    );
    let by_bob = api
        .call(
            Method::GET,
            &format!("{}/{id}", calendars("bob-union")),
            None,
        )
        .await;
    assert_error(&by_bob, 403, "permissionDenied", Some("permission denied"));
    let (status, _) = api
        .call(
            Method::GET,
            &format!("{}/{id}", calendars("carol-union")),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "a manager reads it");
    let (_, carols) = api
        .call(
            Method::GET,
            "/v1.0/calendar/users/carol-union/calendars",
            None,
        )
        .await;
    let listed = &carols["response"]["calendars"][1];
    assert_eq!(
        (listed["id"].as_str(), listed["privilege"].as_str()),
        (Some(id.as_str()), Some("writer")),
        "{carols}"
    );

    // Its author writes events on it; bob reads them once subscribed.
    let (status, event) = api
        .call(
            Method::POST,
            &events_of("alice-union", &id),
            Some(meeting("Release", &[])),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{event}");
    let bob = Api::as_user(&s, "bob-union").await;
    let before = bob.call(Method::GET, &events_of("me", &id), None).await;
    assert_error(&before, 403, "permissionDenied", None);
    let subscribe = format!("/v1.0/calendar/users/me/calendars/{id}/subscribe");
    let (status, _) = bob.call(Method::POST, &subscribe, None).await;
    assert_eq!(status.as_u16(), 200);
    let (status, listed) = bob.call(Method::GET, &events_of("me", &id), None).await;
    assert_eq!(status.as_u16(), 200, "{listed}");
    assert_eq!(listed["events"][0]["summary"], "Release");
    let write = bob
        .call(
            Method::POST,
            &events_of("me", &id),
            Some(meeting("Mine", &[])),
        )
        .await;
    assert_error(&write, 403, "permissionDenied", None);
    let (_, mine) = bob
        .call(Method::GET, "/v1.0/calendar/users/me/calendars", None)
        .await;
    let entry = &mine["response"]["calendars"][1];
    assert_eq!(
        (
            entry["id"].as_str(),
            entry["type"].as_str(),
            entry["privilege"].as_str()
        ),
        (Some(id.as_str()), Some("subscribed"), Some("reader"))
    );
    assert_eq!(entry["summary"], "Team");

    // Subscribing is for users in scope, and for subscribed calendars only.
    let dave = api
        .call(
            Method::POST,
            &format!("/v1.0/calendar/users/dave-union/calendars/{id}/subscribe"),
            None,
        )
        .await;
    assert_error(&dave, 400, "permissionDenied", Some("用户不在订阅范围"));
    let primary = bob
        .call(
            Method::POST,
            "/v1.0/calendar/users/me/calendars/primary/subscribe",
            None,
        )
        .await;
    assert_error(
        &primary,
        400,
        "invalidParameter",
        Some("calendar type invalid"),
    );

    // Updates: a manager renames it; the scope still holds its author.
    let (status, _) = api
        .call(
            Method::PUT,
            &format!("{}/{id}", calendars("carol-union")),
            Some(json!({"name": "Team 2"})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    let narrowed = api
        .call(
            Method::PUT,
            &one,
            Some(json!({"subscribeScope": {"unionIds": ["bob-union"]}})),
        )
        .await;
    assert_error(
        &narrowed,
        400,
        "invalidParameter",
        Some("current user must in range"),
    );
    assert_eq!(api.call(Method::GET, &one, None).await.1["name"], "Team 2");

    // A scope that leaves bob out ends his reading, yet he may still leave.
    let (status, _) = api
        .call(
            Method::PUT,
            &one,
            Some(json!({"subscribeScope": {"unionIds": ["alice-union"]}})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_error(
        &bob.call(Method::GET, &events_of("me", &id), None).await,
        403,
        "permissionDenied",
        None,
    );
    let (_, bobs) = bob
        .call(Method::GET, "/v1.0/calendar/users/me/calendars", None)
        .await;
    assert_eq!(
        bobs["response"]["calendars"].as_array().unwrap().len(),
        1,
        "{bobs}"
    );
    let (status, _) = api
        .call(Method::PUT, &one, Some(json!({"subscribeScope": scope})))
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(
        bob.call(Method::GET, &events_of("me", &id), None)
            .await
            .0
            .as_u16(),
        200
    );

    // Unsubscribing ends bob's reading.
    let unsubscribe = format!("/v1.0/calendar/users/me/calendars/{id}/unsubscribe");
    let (status, answer) = bob.call(Method::POST, &unsubscribe, None).await;
    assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
    assert_error(
        &bob.call(Method::GET, &events_of("me", &id), None).await,
        403,
        "permissionDenied",
        None,
    );

    // Only its author deletes it: its subscriptions and events go with it.
    let (status, _) = bob.call(Method::POST, &subscribe, None).await;
    assert_eq!(status.as_u16(), 200);
    let by_manager = api
        .call(
            Method::DELETE,
            &format!("{}/{id}", calendars("carol-union")),
            None,
        )
        .await;
    assert_error(&by_manager, 403, "permissionDenied", None);
    let (status, answer) = api.call(Method::DELETE, &one, None).await;
    assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
    assert_error(
        &api.call(Method::GET, &one, None).await,
        404,
        "itemNotFound",
        None,
    );
    assert_error(
        &bob.call(Method::GET, &events_of("me", &id), None).await,
        404,
        "itemNotFound",
        None,
    );
    let (_, mine) = bob
        .call(Method::GET, "/v1.0/calendar/users/me/calendars", None)
        .await;
    assert_eq!(mine["response"]["calendars"].as_array().unwrap().len(), 1);
}
