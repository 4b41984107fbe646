use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_user_token_is_had_for_a_code_once_and_renewed_by_its_refresh_token() {
    let s = TestServer::start().await;
    let code = auth_code(&s, "bob-union").await;
    let body = json!({"clientId": "acme-full", "clientSecret": "full-secret", "code": code, "grantType": "authorization_code"});
    let (status, _) = s
        .send(
            Method::POST,
            "/v1.0/oauth2/userAccessToken",
            None,
            Some(body.clone()),
            &[],
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    let again = s
        .send(
            Method::POST,
            "/v1.0/oauth2/userAccessToken",
            None,
            Some(body),
            &[],
        )
        .await;
    assert_error(&again, 400, "invalidParameter", None);

    let (_, refresh) = sign_in(&s, "bob-union").await;
    let renew = json!({"clientId": "acme-full", "clientSecret": "full-secret", "refreshToken": refresh, "grantType": "refresh_token"});
    let (status, renewed) = s
        .send(
            Method::POST,
            "/v1.0/oauth2/userAccessToken",
            None,
            Some(renew.clone()),
            &[],
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{renewed}");
    let spent = s
        .send(
            Method::POST,
            "/v1.0/oauth2/userAccessToken",
            None,
            Some(renew),
            &[],
        )
        .await;
    assert_error(&spent, 400, "invalidParameter", None);
    let wrong = json!({"clientId": "acme-full", "clientSecret": "nope", "code": "x"});
    assert_error(
        &s.send(
            Method::POST,
            "/v1.0/oauth2/userAccessToken",
            None,
            Some(wrong),
            &[],
        )
        .await,
        400,
        "invalidClientIdOrSecret",
        None,
    );
}

#[tokio::test]
async fn sign_in_is_only_for_users_of_the_apps_org() {
    let s = TestServer::start().await;
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/oauth2/auth?client_id=acme-full&redirect_uri=http%3A%2F%2Fa.example&login_hint=eve-union", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn get_schedule_by_me_answers_for_the_signed_in_user_and_needs_a_user_token() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut e = meeting("busy", &["bob-union"]);
    e["start"] = json!({"dateTime": "2026-11-03T09:00:00+08:00", "timeZone": "Asia/Shanghai"});
    e["end"] = json!({"dateTime": "2026-11-03T10:00:00+08:00", "timeZone": "Asia/Shanghai"});
    api.create("alice-union", e).await;
    let (token, _) = sign_in(&s, "bob-union").await;
    let body = json!({"userIds": ["bob-union", "carol-union"], "startTime": "2026-11-03T00:00:00+08:00", "endTime": "2026-11-04T00:00:00+08:00"});
    let (status, answer) = s
        .send(
            Method::POST,
            "/v1.0/calendar/me/schedules/query",
            Some(&token),
            Some(body.clone()),
            &[],
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    assert_eq!(
        answer["scheduleInformation"][0]["scheduleItems"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(answer["scheduleInformation"][1]["scheduleItems"], json!([]));
    let with_app = api
        .call(
            Method::POST,
            "/v1.0/calendar/me/schedules/query",
            Some(body),
        )
        .await;
    assert_error(&with_app, 400, "InvalidAuthentication", None);
}

/// CONTRACT.md: a user's token acts as that user only. Its own calendar,
/// by id or as `me`, answers; any other user's path is refused with
/// nothing changed, and a made-up user is refused alike.
#[tokio::test]
async fn a_user_token_reaches_its_own_calendar_only() {
    let s = TestServer::start().await;
    let (alice, _) = sign_in(&s, "alice-union").await;
    let api = Api::new(&s).await;
    let bobs = api
        .create("bob-union", meeting("bob's", &["carol-union"]))
        .await;
    let bobs_id = id_of(&bobs);
    let call = |method: Method, path: String, body: Option<serde_json::Value>| {
        let s = &s;
        let alice = alice.clone();
        async move { s.send(method, &path, Some(&alice), body, &[]).await }
    };

    let (status, own) = call(
        Method::POST,
        events_path("me"),
        Some(meeting("mine", &["bob-union"])),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{own}");
    let (status, _) = call(Method::GET, event_path("alice-union", &id_of(&own)), None).await;
    assert_eq!(status.as_u16(), 200);

    for user in ["bob-union", "carol-union", "nobody-union"] {
        let listed = call(Method::GET, events_path(user), None).await;
        assert_error(&listed, 403, "permissionDenied", Some("permission denied"));
        let created = call(Method::POST, events_path(user), Some(meeting("x", &[]))).await;
        assert_error(&created, 403, "permissionDenied", None);
    }
    let responded = call(
        Method::POST,
        format!("{}/respond", event_path("carol-union", &bobs_id)),
        Some(json!({"responseStatus": "declined"})),
    )
    .await;
    assert_error(&responded, 403, "permissionDenied", None);
    let after = api.get("carol-union", &bobs_id).await;
    assert_eq!(
        attendee(&after, "carol-union").unwrap()["responseStatus"],
        "needsAction"
    );
    let busy = call(
        Method::POST,
        "/v1.0/calendar/users/bob-union/querySchedule".into(),
        Some(json!({"userIds": ["bob-union"], "startTime": "2026-12-01T00:00:00+08:00", "endTime": "2026-12-02T00:00:00+08:00"})),
    )
    .await;
    assert_error(&busy, 403, "permissionDenied", None);
}

/// CONTRACT.md: the stand-in sign-in sends users back only to a URI the
/// app registered, or to a loopback address; a browser without
/// `login_hint` gets a page that asks for the user and names none.
#[tokio::test]
async fn sign_in_returns_only_to_registered_or_loopback_uris() {
    let s = TestServer::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let open = |redirect: &str, hint: &str| {
        let url = format!(
            "{}/oauth2/auth?client_id=acme-full&response_type=code&redirect_uri={}{hint}",
            s.base,
            redirect.replace(':', "%3A").replace('/', "%2F")
        );
        let client = client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    for foreign in [
        "https://anywhere.example/cb",
        "http://app.example/cb/other",
        "http://127.0.0.1@anywhere.example/",
    ] {
        let resp = open(foreign, "&login_hint=alice-union").await;
        assert_eq!(resp.status().as_u16(), 400, "{foreign}");
        assert!(resp.headers().get("location").is_none());
    }
    for allowed in ["http://app.example/cb", "http://127.0.0.1:8765/done"] {
        let resp = open(allowed, "&login_hint=alice-union").await;
        assert_eq!(resp.status().as_u16(), 302, "{allowed}");
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with(&format!("{allowed}?authCode=")),
            "{location}"
        );
    }
    let page = open("http://app.example/cb", "").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"name="login_hint""#), "{html}");
    assert!(html.contains(r#"value="http://app.example/cb""#), "{html}");
    assert!(
        !html.contains("alice-union") && !html.contains("bob-union"),
        "{html}"
    );
}
