//! Meeting rooms: booking, conflicts (occurrences of a series included),
//! approval, a booking following its event, and a room's schedule.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

fn rooms_path(user: &str, id: &str) -> String {
    format!("{}/meetingRooms", event_path(user, id))
}

const SCHEDULE: &str = "/v1.0/calendar/users/alice-union/meetingRooms/schedules/query";

async fn add(api: &Api<'_>, id: &str, rooms: &[&str]) -> (reqwest::StatusCode, Value) {
    let body = json!({"meetingRoomsToAdd": rooms.iter().map(|r| json!({"roomId": r})).collect::<Vec<_>>()});
    api.call(Method::POST, &rooms_path("alice-union", id), Some(body))
        .await
}

async fn booked(api: &Api<'_>, id: &str, rooms: &[&str]) {
    let (status, answer) = add(api, id, rooms).await;
    assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
}

/// A room's schedule over the test week: (eventId, status) of each item.
async fn schedule(api: &Api<'_>, room: &str) -> Vec<(String, String)> {
    let body = json!({"roomIds": [room], "startTime": "2026-11-30T00:00:00Z",
                      "endTime": "2026-12-07T00:00:00Z"});
    let (status, answer) = api.call(Method::POST, SCHEDULE, Some(body)).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let info = &answer["scheduleInformation"][0];
    assert_eq!(info["roomId"], room);
    info["scheduleItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["eventId"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn at(summary: &str, day: u32, hour: u32) -> Value {
    let mut body = meeting(summary, &[]);
    body["start"]["dateTime"] = json!(format!("2026-12-{day:02}T{hour:02}:00:00+08:00"));
    body["end"]["dateTime"] = json!(format!("2026-12-{day:02}T{:02}:00:00+08:00", hour + 1));
    body
}

#[tokio::test]
async fn a_room_is_booked_once_for_a_time_and_shown_on_the_event() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let first = id_of(
        &api.create("alice-union", meeting("First", &["bob-union"]))
            .await,
    );
    booked(&api, &first, &["room-aurora"]).await;
    let event = api.get("bob-union", &first).await;
    assert_eq!(
        event["meetingRooms"],
        json!([{"roomId": "room-aurora", "responseStatus": "accepted", "displayName": "Aurora"}])
    );
    assert_eq!(event["location"]["meetingRooms"], json!(["room-aurora"]));

    // Another event at an overlapping time cannot have it; nothing changes.
    let mut body = meeting("Second", &[]);
    body["start"]["dateTime"] = json!("2026-12-01T10:30:00+08:00");
    body["end"]["dateTime"] = json!("2026-12-01T11:30:00+08:00");
    let second = id_of(&api.create("alice-union", body).await);
    let (status, answer) = add(&api, &second, &["room-c1", "room-aurora"]).await;
    assert_error(
        &(status, answer),
        400,
        "meetingRoomNotAvailable",
        Some("room busy"),
    );
    assert!(
        api.get("alice-union", &second)
            .await
            .get("meetingRooms")
            .is_none()
    );
    assert!(schedule(&api, "room-c1").await.is_empty(), "refused whole");
    // Right after it, it is free.
    let after = id_of(&api.create("alice-union", at("After", 1, 11)).await);
    booked(&api, &after, &["room-aurora"]).await;
    assert_eq!(
        schedule(&api, "room-aurora").await,
        [
            (first.clone(), "BUSY".into()),
            (after.clone(), "BUSY".into())
        ]
    );

    // Moving an event onto the room's other booking is refused too.
    let moved = api
        .call(
            Method::PUT,
            &event_path("alice-union", &after),
            Some(json!({"id": after, "start": {"dateTime": "2026-12-01T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
                        "end": {"dateTime": "2026-12-01T11:00:00+08:00", "timeZone": "Asia/Shanghai"}})),
        )
        .await;
    assert_error(&moved, 400, "meetingRoomNotAvailable", None);
    let kept = api.get("alice-union", &after).await;
    assert_eq!(kept["start"]["dateTime"], "2026-12-01T11:00:00+08:00");

    // Deleting frees it; cancelling frees it and keeps it on the event.
    let (status, _) = api
        .call(Method::DELETE, &event_path("alice-union", &first), None)
        .await;
    assert_eq!(status.as_u16(), 200);
    let (status, _) = api
        .call(
            Method::POST,
            &format!("{}/cancel", event_path("alice-union", &after)),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert!(schedule(&api, "room-aurora").await.is_empty());
    booked(&api, &second, &["room-aurora"]).await;
}

#[tokio::test]
async fn a_room_needing_approval_is_tentative_until_it_answers() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("Approval", &[])).await);
    booked(&api, &id, &["room-borealis"]).await;
    assert_eq!(
        api.get("alice-union", &id).await["meetingRooms"][0]["responseStatus"],
        "tentative"
    );
    assert_eq!(
        schedule(&api, "room-borealis").await,
        [(id.clone(), "TENTATIVE".into())]
    );
    let respond = |status: &str| {
        let path = format!("{}/room-borealis/respond", rooms_path("alice-union", &id));
        let api = &api;
        let body = json!({"responseStatus": status});
        async move { api.call(Method::POST, &path, Some(body)).await }
    };
    assert_error(&respond("maybe").await, 400, "invalidParameter", None);
    // The approving system answers, not the organizer's own token.
    let alice = Api::as_user(&s, "alice-union").await;
    let own = alice
        .call(
            Method::POST,
            &format!("{}/room-borealis/respond", rooms_path("me", &id)),
            Some(json!({"responseStatus": "accepted"})),
        )
        .await;
    assert_error(&own, 403, "permissionDenied", None);
    assert_eq!(
        schedule(&api, "room-borealis").await,
        [(id.clone(), "TENTATIVE".into())]
    );
    assert_eq!(respond("accepted").await.0.as_u16(), 200);
    assert_eq!(
        schedule(&api, "room-borealis").await,
        [(id.clone(), "BUSY".into())]
    );
    assert_eq!(respond("declined").await.0.as_u16(), 200);
    assert_eq!(
        api.get("alice-union", &id).await["meetingRooms"][0]["responseStatus"],
        "declined"
    );
    assert!(
        schedule(&api, "room-borealis").await.is_empty(),
        "a declined booking holds nothing"
    );
    let other = id_of(&api.create("alice-union", meeting("Other", &[])).await);
    booked(&api, &other, &["room-borealis"]).await;
    // Accepting the declined one again finds the room taken.
    assert_error(
        &respond("accepted").await,
        400,
        "meetingRoomNotAvailable",
        None,
    );
    let not_on = api
        .call(
            Method::POST,
            &format!("{}/room-c1/respond", rooms_path("alice-union", &id)),
            Some(json!({"responseStatus": "accepted"})),
        )
        .await;
    assert_error(&not_on, 400, "invalidParameter", Some("roomId invalid"));
}

#[tokio::test]
async fn every_occurrence_of_a_series_holds_its_room() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut daily = meeting("Daily", &[]);
    daily["recurrence"] = json!({"pattern": {"type": "daily", "interval": 1},
                                 "range": {"type": "numbered", "numberOfOccurrences": 3}});
    let series = id_of(&api.create("alice-union", daily).await);
    booked(&api, &series, &["room-c2"]).await;
    let held = schedule(&api, "room-c2").await;
    assert_eq!(held.len(), 3, "{held:?}");
    assert!(
        held.iter()
            .all(|(id, _)| id.starts_with(&format!("{series}_")))
    );

    let on_day_two = id_of(&api.create("alice-union", at("Clash", 2, 10)).await);
    assert_error(
        &add(&api, &on_day_two, &["room-c2"]).await,
        400,
        "meetingRoomNotAvailable",
        None,
    );
    // Cancelling that one occurrence frees its time.
    let (status, _) = api
        .call(
            Method::POST,
            &format!("{}/cancel", event_path("alice-union", &held[1].0)),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(schedule(&api, "room-c2").await.len(), 2);
    booked(&api, &on_day_two, &["room-c2"]).await;

    // An endless series cannot hold a room.
    let mut endless = at("Endless", 5, 15);
    endless["recurrence"] =
        json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "noEnd"}});
    let endless = id_of(&api.create("alice-union", endless).await);
    assert_error(
        &add(&api, &endless, &["room-c3"]).await,
        400,
        "invalidParameter",
        None,
    );
}

#[tokio::test]
async fn room_operations_check_their_input_and_the_five_room_bound() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Bounds", &["bob-union"]))
            .await,
    );
    assert_error(
        &add(&api, &id, &[]).await,
        400,
        "invalidParameter",
        Some("roomId must be provided."),
    );
    assert_error(
        &add(&api, &id, &["no-such-room"]).await,
        400,
        "invalidParameter",
        Some("roomId invalid"),
    );
    assert_error(
        &add(&api, &id, &["room-other"]).await,
        400,
        "invalidParameter",
        Some("roomId invalid"),
    );
    booked(
        &api,
        &id,
        &[
            "room-aurora",
            "room-borealis",
            "room-c1",
            "room-c2",
            "room-c3",
        ],
    )
    .await;
    assert_error(
        &add(&api, &id, &["room-c4"]).await,
        400,
        "invalidParameter",
        Some("attendees batch size too large. Maximum allowed:5"),
    );
    let by_attendee = api
        .call(
            Method::POST,
            &rooms_path("bob-union", &id),
            Some(json!({"meetingRoomsToAdd": [{"roomId": "room-c4"}]})),
        )
        .await;
    assert_error(&by_attendee, 403, "forbidden", None);

    let remove = |body: Value| {
        let path = format!("{}/batchRemove", rooms_path("alice-union", &id));
        let api = &api;
        async move { api.call(Method::POST, &path, Some(body)).await }
    };
    assert_error(
        &remove(json!({"meetingRoomsToRemove": []})).await,
        400,
        "invalidParameter",
        Some("Meeting rooms to remove must be provided."),
    );
    let removed =
        remove(json!({"meetingRoomsToRemove": [{"roomId": "room-c1"}, {"roomId": "room-c4"}]}))
            .await;
    assert_eq!(removed.0.as_u16(), 200, "{}", removed.1);
    assert_eq!(
        api.get("alice-union", &id).await["meetingRooms"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(schedule(&api, "room-c1").await.is_empty());
    let all = ["room-aurora", "room-borealis", "room-c2", "room-c3"]
        .iter()
        .map(|r| json!({"roomId": r}))
        .collect::<Vec<_>>();
    assert_eq!(
        remove(json!({"meetingRoomsToRemove": all}))
            .await
            .0
            .as_u16(),
        200
    );
    assert!(
        api.get("alice-union", &id)
            .await
            .get("meetingRooms")
            .is_none()
    );
    assert!(schedule(&api, "room-aurora").await.is_empty());

    for (body, message) in [
        (
            json!({"roomIds": [], "startTime": "2026-12-01T00:00:00Z", "endTime": "2026-12-02T00:00:00Z"}),
            "query ids cannot be empty",
        ),
        (
            json!({"roomIds": ["room-other"], "startTime": "2026-12-01T00:00:00Z", "endTime": "2026-12-02T00:00:00Z"}),
            "roomId invalid",
        ),
        (
            json!({"roomIds": ["room-aurora"], "startTime": "2026-12-01T00:00:00Z", "endTime": "2027-03-02T00:00:00Z"}),
            "Cannot query schedule for more than 90 days.",
        ),
        (
            json!({"roomIds": vec!["room-aurora"; 21], "startTime": "2026-12-01T00:00:00Z", "endTime": "2026-12-02T00:00:00Z"}),
            "Cannot get schedule information for more than limit.",
        ),
    ] {
        let answer = api.call(Method::POST, SCHEDULE, Some(body)).await;
        assert_error(&answer, 400, "invalidParameter", Some(message));
    }
}
