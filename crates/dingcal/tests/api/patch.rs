use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

async fn setup(s: &TestServer) -> (Api<'_>, String, Value) {
    let api = Api::new(s).await;
    let mut body = meeting("Plan", &["bob-union"]);
    body["description"] = json!("agenda");
    body["location"] = json!({"displayName": "Room 1"});
    let id = id_of(&api.create("alice-union", body).await);
    let before = api.get("alice-union", &id).await;
    (api, id, before)
}

async fn patch(api: &Api<'_>, user: &str, id: &str, body: Value) -> (reqwest::StatusCode, Value) {
    api.call(Method::PUT, &event_path(user, id), Some(body))
        .await
}

/// The error came back and the event reads as it did before.
async fn assert_refused_unchanged(
    api: &Api<'_>,
    answer: (reqwest::StatusCode, Value),
    status: u16,
    code: &str,
    message: Option<&str>,
    id: &str,
    before: &Value,
) {
    assert_error(&answer, status, code, message);
    assert_eq!(
        stable(&api.get("alice-union", id).await),
        stable(before),
        "a refused patch changed the event"
    );
}

#[tokio::test]
async fn only_the_fields_passed_change() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let (status, answer) = patch(
        &api,
        "alice-union",
        &id,
        json!({"id": id, "summary": "Renamed"}),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let after = api.get("alice-union", &id).await;
    assert_eq!(after["summary"], "Renamed");
    assert_eq!(answer["summary"], "Renamed");
    for field in [
        "description",
        "location",
        "start",
        "end",
        "attendees",
        "reminders",
        "isAllDay",
        "createTime",
    ] {
        assert_eq!(after[field], before[field], "{field} changed");
    }
}

#[tokio::test]
async fn only_the_organizer_updates() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let answer = patch(
        &api,
        "bob-union",
        &id,
        json!({"id": id, "summary": "Hijacked"}),
    )
    .await;
    assert_refused_unchanged(
        &api,
        answer,
        403,
        "forbidden",
        Some("Only the organizer is allowed to update an event."),
        &id,
        &before,
    )
    .await;
    let stranger = patch(
        &api,
        "carol-union",
        &id,
        json!({"id": id, "summary": "Hijacked"}),
    )
    .await;
    assert_refused_unchanged(&api, stranger, 404, "itemNotFound", None, &id, &before).await;
}

#[tokio::test]
async fn the_body_id_is_required() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let missing = patch(&api, "alice-union", &id, json!({"summary": "x"})).await;
    assert_refused_unchanged(
        &api,
        missing,
        400,
        "invalidParameter",
        Some("Event id summary cannot be blank"),
        &id,
        &before,
    )
    .await;
    let blank = patch(&api, "alice-union", &id, json!({"id": " ", "summary": "x"})).await;
    assert_refused_unchanged(
        &api,
        blank,
        400,
        "invalidParameter",
        Some("Event id summary cannot be blank"),
        &id,
        &before,
    )
    .await;
    let other = patch(
        &api,
        "alice-union",
        &id,
        json!({"id": "another", "summary": "x"}),
    )
    .await;
    assert_refused_unchanged(&api, other, 400, "invalidParameter", None, &id, &before).await;
}

#[tokio::test]
async fn an_empty_body_is_event_must_be_provided() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let answer = s
        .raw(Method::PUT, &event_path("alice-union", &id), &api.token, "")
        .await;
    assert_refused_unchanged(
        &api,
        answer,
        400,
        "invalidParameter",
        Some("Event must be provided."),
        &id,
        &before,
    )
    .await;
    let null = s
        .raw(
            Method::PUT,
            &event_path("alice-union", &id),
            &api.token,
            "null",
        )
        .await;
    assert_refused_unchanged(
        &api,
        null,
        400,
        "invalidParameter",
        Some("Event must be provided."),
        &id,
        &before,
    )
    .await;
}

#[tokio::test]
async fn a_blank_calendar_id_is_refused() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let path = format!("/v1.0/calendar/users/alice-union/calendars/%20/events/{id}");
    let answer = api
        .call(Method::PUT, &path, Some(json!({"id": id, "summary": "x"})))
        .await;
    assert_refused_unchanged(
        &api,
        answer,
        400,
        "invalidParameter",
        Some("CalendarId cannot be blank"),
        &id,
        &before,
    )
    .await;
}

#[tokio::test]
async fn an_unknown_event_is_item_not_found() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let answer = patch(
        &api,
        "alice-union",
        "nope",
        json!({"id": "nope", "summary": "x"}),
    )
    .await;
    assert_error(
        &answer,
        404,
        "itemNotFound",
        Some("The specified event cannot be found."),
    );
}

#[tokio::test]
async fn recurrence_bounds_use_the_seed_messages_and_change_nothing() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let cases = [
        (
            json!({"type": "daily", "interval": 0}),
            json!({"type": "noEnd"}),
            Some("Recurrence interval must between [1, 365]"),
        ),
        (
            json!({"type": "weekly", "daysOfWeek": "monday", "interval": 366}),
            json!({"type": "noEnd"}),
            Some("Recurrence interval must between [1, 365]"),
        ),
        (
            json!({"type": "daily"}),
            json!({"type": "numbered", "numberOfOccurrences": 0}),
            Some("Recurrence range numberOfOccurrences must between [1, 99]"),
        ),
        (
            json!({"type": "daily"}),
            json!({"type": "numbered", "numberOfOccurrences": 100}),
            Some("Recurrence range numberOfOccurrences must between [1, 99]"),
        ),
        (
            json!({"type": "daily"}),
            json!({"type": "endDate", "endDate": "2027-01-01T00:00:00+08:00", "numberOfOccurrences": 3}),
            None,
        ),
    ];
    for (pattern, range, message) in cases {
        let body =
            json!({"id": id, "summary": "x", "recurrence": {"pattern": pattern, "range": range}});
        let answer = patch(&api, "alice-union", &id, body).await;
        assert_refused_unchanged(&api, answer, 400, "invalidParameter", message, &id, &before)
            .await;
    }
    let good = json!({"id": id, "recurrence": {"pattern": {"type": "absoluteMonthly", "dayOfMonth": 31, "interval": 1},
                                            "range": {"type": "numbered", "numberOfOccurrences": 99}}});
    let (status, answer) = patch(&api, "alice-union", &id, good.clone()).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    assert_eq!(
        api.get("alice-union", &id).await["recurrence"],
        good["recurrence"]
    );
}

#[tokio::test]
async fn switching_to_all_day_takes_dates_and_the_default_reminder_follows() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let half = patch(
        &api,
        "alice-union",
        &id,
        json!({"id": id, "isAllDay": true}),
    )
    .await;
    assert_refused_unchanged(&api, half, 400, "invalidParameter", None, &id, &before).await;
    let body = json!({"id": id, "isAllDay": true, "start": {"date": "2026-12-05"}, "end": {"date": "2026-12-06"}});
    let (status, answer) = patch(&api, "alice-union", &id, body).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let after = api.get("alice-union", &id).await;
    assert_eq!(after["isAllDay"], true);
    assert_eq!(after["start"], json!({"date": "2026-12-05"}));
    assert_eq!(
        after["reminders"],
        json!([{"method": "dingtalk", "minutes": "900"}])
    );
}

#[tokio::test]
async fn a_patched_end_must_keep_the_start_time_zone() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    let body = json!({"id": id, "end": {"dateTime": "2026-12-01T12:00:00+09:00", "timeZone": "Asia/Tokyo"}});
    let answer = patch(&api, "alice-union", &id, body).await;
    assert_refused_unchanged(
        &api,
        answer,
        400,
        "invalidParameter",
        Some("end.timeZone must be the same as start.timeZone"),
        &id,
        &before,
    )
    .await;
}

#[tokio::test]
async fn passing_online_meeting_info_again_makes_a_new_meeting() {
    let s = TestServer::start().await;
    let (api, id, _) = setup(&s).await;
    let body = json!({"id": id, "onlineMeetingInfo": {"type": "dingtalk"}});
    let (_, first) = patch(&api, "alice-union", &id, body.clone()).await;
    let (_, second) = patch(&api, "alice-union", &id, body).await;
    let (a, b) = (
        &first["onlineMeetingInfo"]["conferenceId"],
        &second["onlineMeetingInfo"]["conferenceId"],
    );
    assert!(a.is_string() && b.is_string());
    assert_ne!(a, b, "the meeting was not replaced");
    assert_eq!(
        api.get("alice-union", &id).await["onlineMeetingInfo"],
        second["onlineMeetingInfo"]
    );
}

#[tokio::test]
async fn optional_fields_are_replaced_when_passed() {
    let s = TestServer::start().await;
    let (api, id, _) = setup(&s).await;
    let changes = json!({
        "uiConfigs": [{"uiName": "comment", "uiStatus": "disable"}],
        "location": {"displayName": "Room 9"},
        "richTextDescription": {"text": "new"},
        "extra": {"noChatNotification": "true"},
        "categories": [{"displayName": "Home"}],
        "freeBusyStatus": "busy",
        "reminders": [{"method": "dingtalk", "minutes": 5}],
    });
    let mut body = changes.clone();
    body["id"] = json!(id);
    let (status, answer) = patch(&api, "alice-union", &id, body).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let after = api.get("alice-union", &id).await;
    for (k, v) in changes.as_object().unwrap() {
        if k != "reminders" {
            assert_eq!(&after[k], v, "{k}");
        }
    }
    assert_eq!(
        after["reminders"],
        json!([{"method": "dingtalk", "minutes": "5"}])
    );
    let (_, cleared) = patch(&api, "alice-union", &id, json!({"id": id, "reminders": []})).await;
    assert_eq!(cleared["reminders"], json!([]));
}

#[tokio::test]
async fn bad_ui_configs_are_refused() {
    let s = TestServer::start().await;
    let (api, id, before) = setup(&s).await;
    for ui in [
        json!([{"uiName": "comment"}]),
        json!([{"uiStatus": "hide"}]),
        json!([{"uiName": "comment", "uiStatus": "blink"}]),
    ] {
        let answer = patch(&api, "alice-union", &id, json!({"id": id, "uiConfigs": ui})).await;
        assert_refused_unchanged(&api, answer, 400, "invalidParameter", None, &id, &before).await;
    }
}

#[tokio::test]
async fn attendees_in_a_patch_replace_the_list_and_keep_responses() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union", "carol-union"]))
            .await,
    );
    api.respond("bob-union", &id, "accepted").await;
    let body = json!({"id": id, "attendees": [{"id": "bob-union"}, {"id": "dave-union", "isOptional": true}]});
    let (status, answer) = patch(&api, "alice-union", &id, body).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let after = api.get("alice-union", &id).await;
    let ids: Vec<&str> = after["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["alice-union", "bob-union", "dave-union"]);
    assert_eq!(
        attendee(&after, "bob-union").unwrap()["responseStatus"],
        "accepted"
    );
    assert_eq!(attendee(&after, "dave-union").unwrap()["isOptional"], true);
}

#[tokio::test]
async fn moving_an_event_moves_it_in_every_calendar_listing() {
    let s = TestServer::start().await;
    let (api, id, _) = setup(&s).await;
    let body = json!({"id": id,
        "start": {"dateTime": "2027-01-10T09:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2027-01-10T10:00:00+08:00", "timeZone": "Asia/Shanghai"}});
    let (status, answer) = patch(&api, "alice-union", &id, body).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let window =
        "timeMin=2027-01-10T00%3A00%3A00%2B08%3A00&timeMax=2027-01-11T00%3A00%3A00%2B08%3A00";
    for user in ["alice-union", "bob-union"] {
        let (_, list) = api
            .call(
                Method::GET,
                &format!("{}?{window}", events_path(user)),
                None,
            )
            .await;
        assert_eq!(list["events"][0]["id"], id.as_str(), "{user}");
    }
}

#[tokio::test]
async fn a_patched_attendee_list_can_change_who_is_optional() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("m", &["bob-union"]))
            .await,
    );
    let body = json!({"id": id, "attendees": [{"id": "bob-union", "isOptional": true}]});
    let (status, answer) = patch(&api, "alice-union", &id, body).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    assert_eq!(
        attendee(&api.get("alice-union", &id).await, "bob-union").unwrap()["isOptional"],
        true
    );
}
