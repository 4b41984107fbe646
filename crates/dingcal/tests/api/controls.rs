//! The emulator controls under `/_dingcal/`: the admin token they need,
//! and the minutes they attach, which ListAiMinutes lists.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

async fn control(
    s: &TestServer,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("authorization", b.as_str()))
        .collect();
    s.send(Method::POST, path, None, Some(body), &headers).await
}

fn minutes_path(user: &str, id: &str, all: bool) -> String {
    format!("{}/minutes?fetchAll={all}", event_path(user, id))
}

#[tokio::test]
async fn controls_need_the_admin_token() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Review", &["bob-union"]))
            .await,
    );
    let body = json!({"eventId": id, "creatorUserId": "alice-union"});
    for token in [None, Some("wrong")] {
        let answer = control(&s, "/_dingcal/minutes", token, body.clone()).await;
        assert_error(&answer, 401, "Unauthorized", None);
    }
    let (_, listed) = api
        .call(Method::GET, &minutes_path("alice-union", &id, true), None)
        .await;
    assert_eq!(listed["minutes"], json!([]));
}

#[tokio::test]
async fn minutes_attached_by_the_controls_are_listed_by_list_ai_minutes() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Review", &["bob-union"]))
            .await,
    );
    let token = Some(ADMIN_TOKEN);
    let (status, made) = control(
        &s,
        "/_dingcal/minutes",
        token,
        json!({"eventId": id, "creatorUserId": "alice-union", "minutesId": "m-1"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["minutesId"], "m-1");
    let (_, made) = control(
        &s,
        "/_dingcal/minutes",
        token,
        json!({"eventId": id, "creatorUserId": "bob-union"}),
    )
    .await;
    let bobs = made["minutesId"].as_str().unwrap().to_string();

    let (status, all) = api
        .call(Method::GET, &minutes_path("bob-union", &id, true), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(
        all["minutes"],
        json!([{"minutesId": "m-1", "creatorUserId": "alice-union"},
               {"minutesId": bobs, "creatorUserId": "bob-union"}])
    );
    let (_, own) = api
        .call(Method::GET, &minutes_path("bob-union", &id, false), None)
        .await;
    assert_eq!(
        own["minutes"],
        json!([{"minutesId": bobs, "creatorUserId": "bob-union"}])
    );

    // Someone not on the event sees none of it; an unknown event, or a
    // creator outside the directory, attaches nothing.
    let (status, _) = api
        .call(Method::GET, &minutes_path("carol-union", &id, true), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let answer = control(
        &s,
        "/_dingcal/minutes",
        token,
        json!({"eventId": "nope", "creatorUserId": "bob-union"}),
    )
    .await;
    assert_eq!(answer.0, StatusCode::NOT_FOUND);
    let answer = control(
        &s,
        "/_dingcal/minutes",
        token,
        json!({"eventId": id, "creatorUserId": "nobody"}),
    )
    .await;
    assert_eq!(answer.0, StatusCode::BAD_REQUEST);
    // Another org's app cannot read them.
    let other = Api::with_app(&s, "other-app").await;
    let (status, _) = other
        .call(Method::GET, &minutes_path("alice-union", &id, true), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let read_only = Api::with_app(&s, "acme-none").await;
    let (status, _) = read_only
        .call(Method::GET, &minutes_path("alice-union", &id, true), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
