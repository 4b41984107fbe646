use reqwest::Method;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn an_access_token_lives_7200_seconds_and_is_the_same_while_valid() {
    let s = TestServer::start().await;
    let body = json!({"appKey": "acme-full", "appSecret": "full-secret"});
    let (status, first) = s
        .send(
            Method::POST,
            "/v1.0/oauth2/accessToken",
            None,
            Some(body.clone()),
            &[],
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(first["expireIn"], 7200);
    let (_, second) = s
        .send(
            Method::POST,
            "/v1.0/oauth2/accessToken",
            None,
            Some(body),
            &[],
        )
        .await;
    assert_eq!(first["accessToken"], second["accessToken"]);
}

#[tokio::test]
async fn a_wrong_key_or_secret_is_invalid_client_id_or_secret() {
    let s = TestServer::start().await;
    for body in [
        json!({"appKey": "acme-full", "appSecret": "wrong"}),
        json!({"appKey": "nobody", "appSecret": "x"}),
        json!({}),
    ] {
        let answer = s
            .send(
                Method::POST,
                "/v1.0/oauth2/accessToken",
                None,
                Some(body),
                &[],
            )
            .await;
        assert_error(&answer, 400, "invalidClientIdOrSecret", None);
    }
}

#[tokio::test]
async fn a_missing_token_header_is_missing_parameter() {
    let s = TestServer::start().await;
    let answer = s
        .send(Method::GET, &events_path("alice-union"), None, None, &[])
        .await;
    assert_error(&answer, 400, "AuthenticationFailed.MissingParameter", None);
}

#[tokio::test]
async fn an_unknown_token_is_invalid_authentication() {
    let s = TestServer::start().await;
    let answer = s
        .send(
            Method::POST,
            &events_path("alice-union"),
            Some("forged"),
            Some(meeting("x", &[])),
            &[],
        )
        .await;
    assert_error(&answer, 400, "InvalidAuthentication", None);
}

#[tokio::test]
async fn an_app_without_write_permission_cannot_write_and_nothing_changes() {
    let s = TestServer::start().await;
    let reader = Api::with_app(&s, "acme-read").await;
    let answer = reader
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("x", &[])),
        )
        .await;
    assert_error(
        &answer,
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        None,
    );
    assert_eq!(
        answer.1["accessdenieddetail"]["requiredScopes"],
        json!(["Calendar.Event.Write"])
    );
    let (status, list) = reader
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(status.as_u16(), 200, "a read-only app reads");
    assert_eq!(list["events"], json!([]));
}

#[tokio::test]
async fn an_app_without_read_permission_cannot_read() {
    let s = TestServer::start().await;
    let none = Api::with_app(&s, "acme-none").await;
    let answer = none
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_error(
        &answer,
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        None,
    );
    assert_eq!(
        answer.1["accessdenieddetail"]["requiredScopes"],
        json!(["Calendar.Event.Read"])
    );
}

#[tokio::test]
async fn another_orgs_users_and_events_do_not_exist_for_an_app() {
    let s = TestServer::start().await;
    let acme = Api::new(&s).await;
    let other = Api::with_app(&s, "other-app").await;
    let id = id_of(&other.create("eve-union", meeting("secret", &[])).await);
    let as_user = acme
        .call(Method::GET, &events_path("eve-union"), None)
        .await;
    assert_error(&as_user, 404, "itemNotFound", None);
    let as_event = acme
        .call(Method::GET, &event_path("eve-union", &id), None)
        .await;
    assert_error(&as_event, 404, "itemNotFound", None);
    let cross = other
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("x", &[])),
        )
        .await;
    assert_error(&cross, 404, "itemNotFound", None);
    let (_, list) = acme
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(list["events"], json!([]));
}

#[tokio::test]
async fn unknown_paths_methods_and_unserved_operations_answer_in_the_error_shape() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    assert_error(
        &api.call(Method::GET, "/v1.0/calendar/nothing", None).await,
        404,
        "InvalidAction.NotFound",
        None,
    );
    assert_error(
        &api.call(Method::PATCH, &events_path("alice-union"), None)
            .await,
        405,
        "InvalidAction.MethodNotAllowed",
        None,
    );
    let resp = s
        .http
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().get("x-acs-request-id").is_some());
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_shape() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let huge = format!(r#"{{"summary":"{}"}}"#, "x".repeat(5 * 1024 * 1024));
    let answer = s
        .raw(Method::POST, &events_path("alice-union"), &api.token, &huge)
        .await;
    assert_error(&answer, 413, "invalidParameter", None);
}

#[tokio::test]
async fn a_request_refused_before_its_body_arrived_leaves_the_connection_usable() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start().await;
    let mut conn = tokio::net::TcpStream::connect(s.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let body = serde_json::to_string(&meeting("x", &[])).unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: x\r\nx-acs-dingtalk-access-token: forged\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        events_path("alice-union"),
        body.len()
    );
    // Headers and body in two writes, as the SDKs send them.
    conn.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    conn.write_all(body.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answers = String::new();
    let mut buf = [0u8; 4096];
    while !answers.contains("\r\n\r\nok") {
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), conn.read(&mut buf))
            .await
            .expect("the second answer came")
            .unwrap();
        assert!(n > 0, "the connection was dropped after: {answers}");
        answers.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(answers.starts_with("HTTP/1.1 400"), "{answers}");
    assert!(answers.contains("InvalidAuthentication"));
}
