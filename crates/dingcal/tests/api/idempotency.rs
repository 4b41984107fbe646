use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_replayed_create_answers_the_same_event_and_creates_one() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let headers = [("x-client-token", "create-1")];
    let (_, first) = api
        .call_with(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("once", &["bob-union"])),
            &headers,
        )
        .await;
    let (status, second) = api
        .call_with(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("once", &["bob-union"])),
            &headers,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(first, second);
    let (_, list) = api
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(list["events"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_replayed_patch_answers_what_it_first_answered_and_applies_nothing() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("v1", &[])).await);
    let path = event_path("alice-union", &id);
    let headers = [("x-client-token", "patch-1")];
    let (_, first) = api
        .call_with(
            Method::PUT,
            &path,
            Some(json!({"id": id, "summary": "v2"})),
            &headers,
        )
        .await;
    api.call(Method::PUT, &path, Some(json!({"id": id, "summary": "v3"})))
        .await;
    let (status, replay) = api
        .call_with(
            Method::PUT,
            &path,
            Some(json!({"id": id, "summary": "v2"})),
            &headers,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(replay, first, "the replay answers the first answer");
    assert_eq!(
        api.get("alice-union", &id).await["summary"],
        "v3",
        "the replay applied again"
    );
}

#[tokio::test]
async fn a_replayed_response_is_applied_once() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    let path = format!("{}/respond", event_path("bob-union", &id));
    let headers = [("x-client-token", "respond-1")];
    api.call_with(
        Method::POST,
        &path,
        Some(json!({"responseStatus": "accepted"})),
        &headers,
    )
    .await;
    api.respond("bob-union", &id, "declined").await;
    let (status, _) = api
        .call_with(
            Method::POST,
            &path,
            Some(json!({"responseStatus": "accepted"})),
            &headers,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(
        attendee(&api.get("alice-union", &id).await, "bob-union").unwrap()["responseStatus"],
        "declined"
    );
}

#[tokio::test]
async fn a_refused_request_does_not_spend_its_token() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let headers = [("x-client-token", "retry-1")];
    let mut bad = meeting("x", &[]);
    bad["summary"] = json!("");
    let refused = api
        .call_with(
            Method::POST,
            &events_path("alice-union"),
            Some(bad),
            &headers,
        )
        .await;
    assert_error(&refused, 400, "invalidParameter", None);
    let (status, e) = api
        .call_with(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("fixed", &[])),
            &headers,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(e["summary"], "fixed");
}

#[tokio::test]
async fn a_token_is_remembered_per_app() {
    let s = TestServer::start().await;
    let acme = Api::new(&s).await;
    let other = Api::with_app(&s, "other-app").await;
    let headers = [("x-client-token", "shared")];
    let (_, a) = acme
        .call_with(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("a", &[])),
            &headers,
        )
        .await;
    let (_, b) = other
        .call_with(
            Method::POST,
            &events_path("eve-union"),
            Some(meeting("b", &[])),
            &headers,
        )
        .await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(b["summary"], "b");
}

#[tokio::test]
async fn concurrent_requests_with_one_token_apply_once() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let path = events_path("alice-union");
    let calls = (0..16).map(|_| {
        api.call_with(
            Method::POST,
            &path,
            Some(meeting("race", &[])),
            &[("x-client-token", "race-1")],
        )
    });
    let answers = join_all(calls).await;
    let mut ids = std::collections::HashSet::new();
    for (status, body) in &answers {
        match status.as_u16() {
            200 => {
                ids.insert(body["id"].as_str().unwrap().to_string());
            }
            400 => assert_eq!(body["code"], "idempotencyProcessing", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ids.len(), 1, "every success names the one event");
    let (_, list) = api
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(list["events"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_token_used_again_for_another_request_is_refused_and_changes_nothing() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let headers = [("x-client-token", "once-only")];
    let (_, created) = api
        .call_with(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("kept", &[])),
            &headers,
        )
        .await;
    let id = id_of(&created);
    let answer = api
        .call_with(
            Method::DELETE,
            &event_path("alice-union", &id),
            None,
            &headers,
        )
        .await;
    assert_error(
        &answer,
        400,
        "invalidParameter",
        Some("x-client-token was first used for another request"),
    );
    assert_eq!(api.get("alice-union", &id).await["summary"], "kept");
}

/// The writes of calendars and rooms take x-client-token too: a repeated
/// TransferEvent (which, applied again, would be refused: the new organizer
/// already organizes it) and AddMeetingRooms answer as they first did.
#[tokio::test]
async fn replayed_transfers_and_bookings_answer_as_they_first_did() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Twice", &["bob-union"]))
            .await,
    );
    let transfer = format!("{}/transfer", event_path("alice-union", &id));
    let body = json!({"newOrganizerId": "bob-union"});
    let headers = [("x-client-token", "transfer-1")];
    for _ in 0..2 {
        let (status, answer) = api
            .call_with(Method::POST, &transfer, Some(body.clone()), &headers)
            .await;
        assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
    }
    assert_eq!(
        api.get("bob-union", &id).await["organizer"]["id"],
        "bob-union"
    );
    // A new token is a new request: now refused.
    let (status, _) = api.call(Method::POST, &transfer, Some(body)).await;
    assert_eq!(status.as_u16(), 403, "alice no longer organizes it");

    let rooms = format!("{}/meetingRooms", event_path("bob-union", &id));
    let booking = json!({"meetingRoomsToAdd": [{"roomId": "room-aurora"}]});
    let headers = [("x-client-token", "book-1")];
    for _ in 0..2 {
        let (status, answer) = api
            .call_with(Method::POST, &rooms, Some(booking.clone()), &headers)
            .await;
        assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
    }
    let event = api.get("bob-union", &id).await;
    assert_eq!(event["meetingRooms"].as_array().unwrap().len(), 1);
}

/// Users of one app share its x-client-tokens' space, but a user's token is
/// tied to its user: another user reusing the value is refused, not
/// answered the first user's event.
#[tokio::test]
async fn a_users_client_token_is_not_replayed_to_another_user() {
    let s = TestServer::start().await;
    let alice = Api::as_user(&s, "alice-union").await;
    let bob = Api::as_user(&s, "bob-union").await;
    let path = "/v1.0/calendar/me/calendars/primary/events";
    let headers = [("x-client-token", "same-value")];
    let (status, first) = alice
        .call_with(Method::POST, path, Some(meeting("Alice's", &[])), &headers)
        .await;
    assert_eq!(status.as_u16(), 200, "{first}");
    let answer = bob
        .call_with(Method::POST, path, Some(meeting("Bob's", &[])), &headers)
        .await;
    assert_eq!(answer.0.as_u16(), 400, "{}", answer.1);
    assert_ne!(answer.1["summary"], "Alice's");
}
