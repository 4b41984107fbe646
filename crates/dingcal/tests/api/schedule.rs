use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

fn at(day: &str, hour: u32) -> Value {
    json!({"dateTime": format!("{day}T{hour:02}:00:00+08:00"), "timeZone": "Asia/Shanghai"})
}

fn event(summary: &str, day: &str, from: u32, to: u32, attendees: &[&str]) -> Value {
    let mut e = meeting(summary, attendees);
    e["start"] = at(day, from);
    e["end"] = at(day, to);
    e
}

async fn schedule(
    api: &Api<'_>,
    users: &[&str],
    start: &str,
    end: &str,
) -> (reqwest::StatusCode, Value) {
    let body = json!({"userIds": users, "startTime": start, "endTime": end});
    api.call(
        Method::POST,
        "/v1.0/calendar/users/alice-union/querySchedule",
        Some(body),
    )
    .await
}

fn items(answer: &Value, user: &str) -> Vec<(String, String)> {
    let info = answer["scheduleInformation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["userId"] == user)
        .unwrap();
    info["scheduleItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["start"]["dateTime"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn free_busy_leaves_out_declined_and_free_events_and_expands_series() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let busy = id_of(
        &api.create(
            "alice-union",
            event("busy", "2026-11-03", 9, 10, &["bob-union"]),
        )
        .await,
    );
    let declined = id_of(
        &api.create(
            "alice-union",
            event("declined", "2026-11-03", 11, 12, &["bob-union"]),
        )
        .await,
    );
    let maybe = id_of(
        &api.create(
            "alice-union",
            event("maybe", "2026-11-04", 9, 10, &["bob-union"]),
        )
        .await,
    );
    let mut free = event("free", "2026-11-04", 14, 15, &["bob-union"]);
    free["freeBusyStatus"] = json!("free");
    api.create("alice-union", free).await;
    let mut series = event("standup", "2026-11-02", 8, 9, &["bob-union"]);
    series["recurrence"] = json!({"pattern": {"type": "daily"}, "range": {"type": "noEnd"}});
    let series = id_of(&api.create("alice-union", series).await);
    api.respond("bob-union", &declined, "declined").await;
    api.respond("bob-union", &maybe, "tentative").await;
    api.respond(
        "bob-union",
        &format!("{series}_20261104T000000Z"),
        "declined",
    )
    .await;
    let _ = busy;

    let (status, answer) = schedule(
        &api,
        &["bob-union"],
        "2026-11-03T00:00:00+08:00",
        "2026-11-05T00:00:00+08:00",
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    assert_eq!(
        items(&answer, "bob-union"),
        [
            ("2026-11-03T08:00:00+08:00".to_string(), "Busy".to_string()),
            ("2026-11-03T09:00:00+08:00".to_string(), "Busy".to_string()),
            (
                "2026-11-04T09:00:00+08:00".to_string(),
                "Tentative".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn an_event_that_started_before_the_window_still_counts() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    api.create("alice-union", event("long", "2026-11-03", 8, 18, &[]))
        .await;
    let (_, answer) = schedule(
        &api,
        &["alice-union"],
        "2026-11-03T12:00:00+08:00",
        "2026-11-03T13:00:00+08:00",
    )
    .await;
    assert_eq!(items(&answer, "alice-union").len(), 1);
}

#[tokio::test]
async fn free_busy_bounds_and_permission() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let many: Vec<String> = (1..=21).map(extra_user).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let too_many = schedule(
        &api,
        &refs,
        "2026-11-03T00:00:00+08:00",
        "2026-11-04T00:00:00+08:00",
    )
    .await;
    assert_error(&too_many, 400, "invalidParameter", None);
    let bad_time = schedule(&api, &["bob-union"], "soon", "2026-11-04T00:00:00+08:00").await;
    assert_error(
        &bad_time,
        400,
        "InvalidParameter.ParsedISO8601TimestampError",
        None,
    );
    let (_, unknown) = schedule(
        &api,
        &["eve-union"],
        "2026-11-03T00:00:00+08:00",
        "2026-11-04T00:00:00+08:00",
    )
    .await;
    assert_eq!(unknown["scheduleInformation"][0]["error"], "user not found");
    let reader = Api::with_app(&s, "acme-read").await;
    let body = json!({"userIds": ["bob-union"], "startTime": "2026-11-03T00:00:00+08:00", "endTime": "2026-11-04T00:00:00+08:00"});
    let denied = reader
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/querySchedule",
            Some(body),
        )
        .await;
    assert_error(
        &denied,
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        None,
    );
}
