use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

fn attendees_path(user: &str, id: &str) -> String {
    format!("{}/attendees", event_path(user, id))
}

fn ids(from: std::ops::RangeInclusive<usize>) -> Vec<Value> {
    from.map(|n| json!({"id": extra_user(n)})).collect()
}

async fn count(api: &Api<'_>, id: &str) -> usize {
    let path = format!("{}?maxResults=500", attendees_path("alice-union", id));
    all_pages(api, &path, "attendees", 500).await.len()
}

#[tokio::test]
async fn added_attendees_are_listed_with_needs_action() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("m", &[])).await);
    let body = json!({"attendeesToAdd": [{"id": "bob-union"}, {"id": "carol-union", "isOptional": true}], "chatNotification": false});
    let (status, answer) = api
        .call(
            Method::POST,
            &attendees_path("alice-union", &id),
            Some(body),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let (_, list) = api
        .call(Method::GET, &attendees_path("bob-union", &id), None)
        .await;
    let got: Vec<(&str, &str, bool)> = list["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap(),
                a["responseStatus"].as_str().unwrap(),
                a["self"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("alice-union", "accepted", false),
            ("bob-union", "needsAction", true),
            ("carol-union", "needsAction", false)
        ]
    );
    assert_eq!(list["attendees"][2]["isOptional"], true);
}

#[tokio::test]
async fn more_than_500_attendees_in_one_call_is_refused_and_nothing_changes() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    let answer = api
        .call(
            Method::POST,
            &attendees_path("alice-union", &id),
            Some(json!({"attendeesToAdd": ids(1..=501)})),
        )
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
    assert_eq!(count(&api, &id).await, 2);
    let mut create = meeting("big", &[]);
    create["attendees"] = Value::Array(ids(1..=501));
    let answer = api
        .call(Method::POST, &events_path("alice-union"), Some(create))
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
    let remove = api
        .call(
            Method::POST,
            &format!("{}/batchRemove", attendees_path("alice-union", &id)),
            Some(json!({"attendeesToRemove": ids(1..=501)})),
        )
        .await;
    assert_error(&remove, 400, "invalidParameter", None);
    assert_eq!(count(&api, &id).await, 2);
}

#[tokio::test]
async fn an_event_holds_at_most_5000_attendees() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut create = meeting("huge", &[]);
    create["attendees"] = Value::Array(ids(1..=500));
    let id = id_of(&api.create("alice-union", create).await);
    for batch in 1..10 {
        let from = batch * 500 + 1;
        let (status, body) = api
            .call(
                Method::POST,
                &attendees_path("alice-union", &id),
                Some(json!({"attendeesToAdd": ids(from..=from + 499)})),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "batch {batch}: {body}");
    }
    assert_eq!(
        count(&api, &id).await,
        5_001,
        "5,000 attendees and the organizer"
    );
    let answer = api
        .call(
            Method::POST,
            &attendees_path("alice-union", &id),
            Some(json!({"attendeesToAdd": ids(5001..=5001)})),
        )
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
    assert_eq!(count(&api, &id).await, 5_001);
    // Re-adding someone already there adds nothing, so it is not refused.
    let (status, _) = api
        .call(
            Method::POST,
            &attendees_path("alice-union", &id),
            Some(json!({"attendeesToAdd": ids(1..=1)})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    // The last of the 5,000 can answer, and so can the first.
    for n in [1, 5000] {
        let (status, body) = api.respond(&extra_user(n), &id, "accepted").await;
        assert_eq!(status.as_u16(), 200, "{body}");
    }
}

#[tokio::test]
async fn removed_attendees_lose_the_event() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union", "carol-union"]))
            .await,
    );
    let (status, _) = api
        .call(
            Method::POST,
            &format!("{}/batchRemove", attendees_path("alice-union", &id)),
            Some(json!({"attendeesToRemove": [{"id": "bob-union"}]})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_error(
        &api.call(Method::GET, &event_path("bob-union", &id), None)
            .await,
        404,
        "itemNotFound",
        None,
    );
    assert_eq!(count(&api, &id).await, 2);
}

#[tokio::test]
async fn the_organizer_cannot_be_removed() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    let answer = api
        .call(
            Method::POST,
            &format!("{}/batchRemove", attendees_path("alice-union", &id)),
            Some(json!({"attendeesToRemove": [{"id": "bob-union"}, {"id": "alice-union"}]})),
        )
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
    assert_eq!(
        count(&api, &id).await,
        2,
        "bob was removed by a refused request"
    );
}

#[tokio::test]
async fn only_the_organizer_changes_attendees() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    let answer = api
        .call(
            Method::POST,
            &attendees_path("bob-union", &id),
            Some(json!({"attendeesToAdd": [{"id": "carol-union"}]})),
        )
        .await;
    assert_error(&answer, 403, "forbidden", None);
    assert_eq!(count(&api, &id).await, 2);
}

#[tokio::test]
async fn attendees_must_be_users_of_the_org() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("m", &[])).await);
    for who in ["eve-union", "nobody-union"] {
        let answer = api
            .call(
                Method::POST,
                &attendees_path("alice-union", &id),
                Some(json!({"attendeesToAdd": [{"id": "bob-union"}, {"id": who}]})),
            )
            .await;
        assert_error(&answer, 400, "invalidParameter", None);
    }
    let missing = api
        .call(
            Method::POST,
            &attendees_path("alice-union", &id),
            Some(json!({"chatNotification": true})),
        )
        .await;
    assert_error(&missing, 400, "invalidParameter", None);
    assert_eq!(count(&api, &id).await, 1);
}

#[tokio::test]
async fn list_attendees_pages_return_each_attendee_once() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut create = meeting("m", &[]);
    create["attendees"] = Value::Array(ids(1..=23));
    let id = id_of(&api.create("alice-union", create).await);
    let path = format!("{}?maxResults=5", attendees_path("alice-union", &id));
    let seen: Vec<String> = all_pages(&api, &path, "attendees", 5)
        .await
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let mut expected: Vec<String> = (1..=23).map(extra_user).collect();
    expected.insert(0, "alice-union".into());
    assert_eq!(seen, expected);
    let too_many = api
        .call(
            Method::GET,
            &format!("{}?maxResults=501", attendees_path("alice-union", &id)),
            None,
        )
        .await;
    assert_error(&too_many, 400, "invalidParameter", None);
}
