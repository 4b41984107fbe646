use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn an_attendee_response_is_recorded_and_seen_by_the_organizer() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union", "carol-union"]))
            .await,
    );
    for status in ["accepted", "declined", "tentative", "needsAction"] {
        let (code, body) = api.respond("bob-union", &id, status).await;
        assert_eq!(code.as_u16(), 200, "{body}");
        assert_eq!(body, serde_json::Value::Null, "RespondEvent has no body");
        let e = api.get("alice-union", &id).await;
        assert_eq!(attendee(&e, "bob-union").unwrap()["responseStatus"], status);
        assert_eq!(
            attendee(&e, "carol-union").unwrap()["responseStatus"],
            "needsAction",
            "another attendee changed"
        );
    }
}

#[tokio::test]
async fn an_unknown_response_status_is_refused_and_nothing_changes() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    api.respond("bob-union", &id, "accepted").await;
    let before = api.get("alice-union", &id).await;
    for body in [
        json!({"responseStatus": "maybe"}),
        json!({}),
        json!({"responseStatus": 1}),
    ] {
        let answer = api
            .call(
                Method::POST,
                &format!("{}/respond", event_path("bob-union", &id)),
                Some(body),
            )
            .await;
        assert_error(&answer, 400, "invalidParameter", None);
        assert_eq!(stable(&api.get("alice-union", &id).await), stable(&before));
    }
}

#[tokio::test]
async fn only_an_attendee_responds() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    let before = api.get("alice-union", &id).await;
    let answer = api.respond("carol-union", &id, "accepted").await;
    assert_error(
        &answer,
        404,
        "itemNotFound",
        Some("The specified event cannot be found."),
    );
    let after = api.get("alice-union", &id).await;
    assert_eq!(stable(&after), stable(&before));
    assert!(attendee(&after, "carol-union").is_none());
}

#[tokio::test]
async fn responding_to_an_unknown_or_deleted_event_is_item_not_found() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    assert_error(
        &api.respond("bob-union", "no-such-event", "accepted").await,
        404,
        "itemNotFound",
        None,
    );
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    api.call(Method::DELETE, &event_path("alice-union", &id), None)
        .await;
    assert_error(
        &api.respond("bob-union", &id, "accepted").await,
        404,
        "itemNotFound",
        None,
    );
}

#[tokio::test]
async fn a_response_shows_in_the_attendees_own_listing() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    api.respond("bob-union", &id, "tentative").await;
    let (_, list) = api.call(Method::GET, &events_path("bob-union"), None).await;
    let me = attendee(&list["events"][0], "bob-union").unwrap();
    assert_eq!(me["responseStatus"], "tentative");
    assert_eq!(me["self"], true);
}

/// Responses that arrive together are written together: to two events at
/// once, with one attendee answering many times meanwhile and someone who
/// is not invited among them. Each lands on its own row, the stranger's is
/// refused alone, and a response after them all stands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_sent_together_are_each_recorded() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let users: Vec<String> = (1..=80).map(extra_user).collect();
    let invited: Vec<&str> = users.iter().map(String::as_str).collect();
    let events = [
        id_of(&api.create("alice-union", meeting("a", &invited)).await),
        id_of(&api.create("alice-union", meeting("b", &invited)).await),
    ];
    let statuses = ["accepted", "declined", "tentative"];
    let expected = |n: usize, e: usize| statuses[(n + e) % 3];
    let mut calls = Vec::new();
    for n in 1..=80 {
        for (e, id) in events.iter().enumerate() {
            calls.push((extra_user(n), id.clone(), expected(n, e)));
        }
    }
    // The first attendee keeps changing their mind on the first event.
    for k in 0..40 {
        calls.push((extra_user(1), events[0].clone(), statuses[k % 3]));
    }
    calls.insert(
        80,
        ("carol-union".to_string(), events[0].clone(), "accepted"),
    );
    let answers = join_all(
        calls
            .iter()
            .map(|(user, id, status)| api.respond(user, id, status)),
    )
    .await;
    for ((user, id, _), answer) in calls.iter().zip(&answers) {
        if user == "carol-union" {
            assert_error(answer, 404, "itemNotFound", None);
        } else {
            assert_eq!(answer.0.as_u16(), 200, "{user} on {id}: {}", answer.1);
        }
    }
    let (code, body) = api.respond(&extra_user(1), &events[0], "tentative").await;
    assert_eq!(code.as_u16(), 200, "{body}");

    for (e, id) in events.iter().enumerate() {
        let path = format!("{}/attendees?maxResults=100", event_path("alice-union", id));
        let listed = all_pages(&api, &path, "attendees", 100).await;
        for n in 1..=80 {
            let entry = listed
                .iter()
                .find(|a| a["id"] == extra_user(n))
                .unwrap_or_else(|| panic!("attendee {n} listed"));
            let want = if (n, e) == (1, 0) {
                "tentative"
            } else {
                expected(n, e)
            };
            assert_eq!(entry["responseStatus"], want, "attendee {n} of event {e}");
        }
        assert_eq!(
            attendee(&api.get("alice-union", id).await, "alice-union").unwrap()["responseStatus"],
            "accepted",
            "the organizer's own answer is untouched"
        );
    }
}
