use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

/// Weekly on Monday and Wednesday at 09:00 Shanghai, from Monday 2026-11-02.
fn standup(range: Value) -> Value {
    json!({
        "summary": "Standup",
        "start": {"dateTime": "2026-11-02T09:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-11-02T09:15:00+08:00", "timeZone": "Asia/Shanghai"},
        "attendees": [{"id": "bob-union"}],
        "recurrence": {"pattern": {"type": "weekly", "daysOfWeek": "monday,wednesday", "interval": 1}, "range": range},
    })
}

const NOVEMBER: &str =
    "timeMin=2026-11-01T00%3A00%3A00%2B08%3A00&timeMax=2026-12-01T00%3A00%3A00%2B08%3A00";

fn starts(list: &Value) -> Vec<String> {
    list["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["start"]["dateTime"].as_str().unwrap().to_string())
        .collect()
}

fn instances_path(user: &str, id: &str, query: &str) -> String {
    format!("{}/instances?{query}", event_path(user, id))
}

#[tokio::test]
async fn list_instances_expands_the_series_in_the_window() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            standup(json!({"type": "numbered", "numberOfOccurrences": 5})),
        )
        .await,
    );
    let (status, list) = api
        .call(
            Method::GET,
            &instances_path("bob-union", &id, NOVEMBER),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{list}");
    assert_eq!(
        starts(&list),
        [
            "2026-11-02T09:00:00+08:00",
            "2026-11-04T09:00:00+08:00",
            "2026-11-09T09:00:00+08:00",
            "2026-11-11T09:00:00+08:00",
            "2026-11-16T09:00:00+08:00"
        ]
    );
    let first = &list["events"][0];
    assert_eq!(first["seriesMasterId"], id.as_str());
    assert_eq!(
        first["originStart"]["dateTime"],
        "2026-11-02T09:00:00+08:00"
    );
    assert_eq!(first["end"]["dateTime"], "2026-11-02T09:15:00+08:00");
    assert_eq!(first["id"], format!("{id}_20261102T010000Z"));
    assert_eq!(attendee(first, "bob-union").unwrap()["self"], true);
}

#[tokio::test]
async fn an_instance_id_reads_back_and_a_non_occurrence_is_not_found() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", standup(json!({"type": "noEnd"})))
            .await,
    );
    let one = api
        .get("bob-union", &format!("{id}_20261104T010000Z"))
        .await;
    assert_eq!(one["start"]["dateTime"], "2026-11-04T09:00:00+08:00");
    assert_eq!(one["seriesMasterId"], id.as_str());
    for bogus in [
        format!("{id}_20261103T010000Z"),
        format!("{id}_20261104T020000Z"),
        format!("{id}_garbage"),
    ] {
        let answer = api
            .call(Method::GET, &event_path("bob-union", &bogus), None)
            .await;
        assert_error(&answer, 404, "itemNotFound", None);
    }
}

#[tokio::test]
async fn patching_one_occurrence_changes_it_alone() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            standup(json!({"type": "numbered", "numberOfOccurrences": 4})),
        )
        .await,
    );
    let instance = format!("{id}_20261104T010000Z");
    let body = json!({"id": instance, "summary": "Moved standup",
        "start": {"dateTime": "2026-11-05T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-11-05T10:15:00+08:00", "timeZone": "Asia/Shanghai"}});
    let (status, answer) = api
        .call(
            Method::PUT,
            &event_path("alice-union", &instance),
            Some(body),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    assert_eq!(answer["summary"], "Moved standup");
    let (_, list) = api
        .call(
            Method::GET,
            &instances_path("alice-union", &id, NOVEMBER),
            None,
        )
        .await;
    assert_eq!(
        starts(&list),
        [
            "2026-11-02T09:00:00+08:00",
            "2026-11-05T10:00:00+08:00",
            "2026-11-09T09:00:00+08:00",
            "2026-11-11T09:00:00+08:00"
        ]
    );
    let summaries: Vec<&str> = list["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        ["Standup", "Moved standup", "Standup", "Standup"]
    );
    assert_eq!(
        list["events"][1]["originStart"]["dateTime"],
        "2026-11-04T09:00:00+08:00"
    );
    assert_eq!(
        api.get("alice-union", &id).await["summary"],
        "Standup",
        "the series changed"
    );
}

#[tokio::test]
async fn an_occurrence_refuses_a_recurrence_or_attendee_list_of_its_own() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", standup(json!({"type": "noEnd"})))
            .await,
    );
    let instance = format!("{id}_20261104T010000Z");
    for extra in [
        json!({"recurrence": {"pattern": {"type": "daily"}, "range": {"type": "noEnd"}}}),
        json!({"attendees": []}),
    ] {
        let mut body = extra.clone();
        body["id"] = json!(instance);
        let answer = api
            .call(
                Method::PUT,
                &event_path("alice-union", &instance),
                Some(body),
            )
            .await;
        assert_error(&answer, 400, "invalidParameter", None);
    }
    let bob = api
        .call(
            Method::PUT,
            &event_path("bob-union", &instance),
            Some(json!({"id": instance, "summary": "x"})),
        )
        .await;
    assert_error(&bob, 403, "forbidden", None);
    assert_eq!(
        api.get("alice-union", &instance).await["summary"],
        "Standup"
    );
}

#[tokio::test]
async fn deleting_one_occurrence_removes_it_alone() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            standup(json!({"type": "numbered", "numberOfOccurrences": 3})),
        )
        .await,
    );
    let instance = format!("{id}_20261104T010000Z");
    let (status, _) = api
        .call(Method::DELETE, &event_path("alice-union", &instance), None)
        .await;
    assert_eq!(status.as_u16(), 200);
    let (_, list) = api
        .call(
            Method::GET,
            &instances_path("bob-union", &id, NOVEMBER),
            None,
        )
        .await;
    assert_eq!(
        starts(&list),
        ["2026-11-02T09:00:00+08:00", "2026-11-09T09:00:00+08:00"]
    );
    assert_error(
        &api.call(Method::GET, &event_path("bob-union", &instance), None)
            .await,
        404,
        "itemNotFound",
        None,
    );
    api.get("bob-union", &id).await;
}

#[tokio::test]
async fn a_response_to_one_occurrence_stays_with_it() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            standup(json!({"type": "numbered", "numberOfOccurrences": 3})),
        )
        .await,
    );
    api.respond("bob-union", &id, "accepted").await;
    let instance = format!("{id}_20261104T010000Z");
    let (status, body) = api.respond("bob-union", &instance, "declined").await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let (_, list) = api
        .call(
            Method::GET,
            &instances_path("alice-union", &id, NOVEMBER),
            None,
        )
        .await;
    let bob: Vec<&str> = list["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            attendee(e, "bob-union").unwrap()["responseStatus"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(bob, ["accepted", "declined", "accepted"]);
    assert_eq!(
        attendee(&api.get("alice-union", &id).await, "bob-union").unwrap()["responseStatus"],
        "accepted"
    );
    let stranger = api.respond("carol-union", &instance, "accepted").await;
    assert_error(&stranger, 404, "itemNotFound", None);
}

#[tokio::test]
async fn moving_the_series_drops_its_exceptions() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            standup(json!({"type": "numbered", "numberOfOccurrences": 3})),
        )
        .await,
    );
    let instance = format!("{id}_20261104T010000Z");
    api.call(
        Method::PUT,
        &event_path("alice-union", &instance),
        Some(json!({"id": instance, "summary": "Special"})),
    )
    .await;
    api.call(
        Method::DELETE,
        &event_path("alice-union", &format!("{id}_20261109T010000Z")),
        None,
    )
    .await;
    let body = json!({"id": id,
        "start": {"dateTime": "2026-11-02T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-11-02T10:15:00+08:00", "timeZone": "Asia/Shanghai"}});
    let (status, answer) = api
        .call(Method::PUT, &event_path("alice-union", &id), Some(body))
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let (_, list) = api
        .call(
            Method::GET,
            &instances_path("alice-union", &id, NOVEMBER),
            None,
        )
        .await;
    assert_eq!(
        starts(&list),
        [
            "2026-11-02T10:00:00+08:00",
            "2026-11-04T10:00:00+08:00",
            "2026-11-09T10:00:00+08:00"
        ]
    );
    assert!(
        list["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["summary"] == "Standup")
    );
}

#[tokio::test]
async fn the_view_merges_single_events_and_occurrences_in_start_order() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    api.create("alice-union", standup(json!({"type": "noEnd"})))
        .await;
    let single = json!({"summary": "Lunch",
        "start": {"dateTime": "2026-11-03T12:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-11-03T13:00:00+08:00", "timeZone": "Asia/Shanghai"}});
    api.create("alice-union", single).await;
    api.create("alice-union", json!({"summary": "Holiday", "start": {"date": "2026-11-06"}, "end": {"date": "2026-11-07"}})).await;
    let week =
        "timeMin=2026-11-02T00%3A00%3A00%2B08%3A00&timeMax=2026-11-09T00%3A00%3A00%2B08%3A00";
    let path = format!(
        "/v1.0/calendar/users/alice-union/calendars/primary/eventsview?{week}&maxResults=2"
    );
    let events = all_pages(&api, &path, "events", 2).await;
    let summaries: Vec<&str> = events
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["Standup", "Lunch", "Standup", "Holiday"]);
}

#[tokio::test]
async fn list_events_by_series_master_and_events_instances_from_an_occurrence() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            standup(json!({"type": "numbered", "numberOfOccurrences": 4})),
        )
        .await,
    );
    let (_, by_master) = api
        .call(
            Method::GET,
            &format!("{}?seriesMasterId={id}", events_path("alice-union")),
            None,
        )
        .await;
    assert_eq!(by_master["events"].as_array().unwrap().len(), 4);
    let path = format!(
        "/v1.0/calendar/users/alice-union/calendars/primary/instances?seriesMasterId={id}&startRecurrenceId={id}_20261109T010000Z"
    );
    let (status, from) = api.call(Method::GET, &path, None).await;
    assert_eq!(status.as_u16(), 200, "{from}");
    assert_eq!(
        starts(&from),
        ["2026-11-09T09:00:00+08:00", "2026-11-11T09:00:00+08:00"]
    );
    let missing = api
        .call(
            Method::GET,
            "/v1.0/calendar/users/alice-union/calendars/primary/instances",
            None,
        )
        .await;
    assert_error(&missing, 400, "invalidParameter", None);
}

#[tokio::test]
async fn an_endless_series_is_listed_a_page_at_a_time() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut daily = standup(json!({"type": "noEnd"}));
    daily["recurrence"]["pattern"] = json!({"type": "daily", "interval": 1});
    let id = id_of(&api.create("alice-union", daily).await);
    let (status, page) = api
        .call(
            Method::GET,
            &instances_path("alice-union", &id, "maxResults=100"),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(page["events"].as_array().unwrap().len(), 100);
    assert!(page["nextToken"].is_string());
    let century = api
        .call(
            Method::GET,
            &instances_path(
                "alice-union",
                &id,
                "timeMin=2026-01-01T00%3A00%3A00Z&timeMax=2126-01-01T00%3A00%3A00Z",
            ),
            None,
        )
        .await;
    assert_error(&century, 400, "invalidParameter", None);
}

#[tokio::test]
async fn instances_of_a_single_event_are_refused() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("one", &[])).await);
    let answer = api
        .call(Method::GET, &instances_path("alice-union", &id, ""), None)
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
}

#[tokio::test]
async fn an_occurrence_moved_past_the_series_end_is_in_the_view_and_free_busy() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            standup(json!({"type": "numbered", "numberOfOccurrences": 2})),
        )
        .await,
    );
    let instance = format!("{id}_20261102T010000Z");
    let body = json!({"id": instance,
        "start": {"dateTime": "2026-12-15T09:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-12-15T09:15:00+08:00", "timeZone": "Asia/Shanghai"}});
    let (status, answer) = api
        .call(
            Method::PUT,
            &event_path("alice-union", &instance),
            Some(body),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let day = "timeMin=2026-12-15T00%3A00%3A00%2B08%3A00&timeMax=2026-12-16T00%3A00%3A00%2B08%3A00";
    let (_, view) = api
        .call(
            Method::GET,
            &format!("/v1.0/calendar/users/bob-union/calendars/primary/eventsview?{day}"),
            None,
        )
        .await;
    assert_eq!(starts(&view), ["2026-12-15T09:00:00+08:00"]);
    let free_busy = json!({"userIds": ["bob-union"], "startTime": "2026-12-15T00:00:00+08:00", "endTime": "2026-12-16T00:00:00+08:00"});
    let (_, busy) = api
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/querySchedule",
            Some(free_busy),
        )
        .await;
    assert_eq!(
        busy["scheduleInformation"][0]["scheduleItems"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_series_ending_in_the_far_future_is_written_and_listed_at_once() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut daily = standup(json!({"type": "endDate", "endDate": "9999-12-31"}));
    daily["recurrence"]["pattern"] = json!({"type": "daily"});
    let started = std::time::Instant::now();
    let id = id_of(&api.create("alice-union", daily).await);
    let (_, view) = api
        .call(
            Method::GET,
            &format!("/v1.0/calendar/users/alice-union/calendars/primary/eventsview?{NOVEMBER}"),
            None,
        )
        .await;
    assert_eq!(view["events"].as_array().unwrap().len(), 29);
    // A forged cursor far in the future must not walk the series there.
    let far = base64_url(&format!("e:0:253402214400:{id}"));
    let (status, _) = api
        .call(
            Method::GET,
            &instances_path("alice-union", &id, &format!("nextToken={far}")),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_end_date_with_an_offset_keeps_the_day_it_names() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let body = json!({"summary": "Daily", "start": {"date": "2026-06-28"}, "end": {"date": "2026-06-29"},
        "recurrence": {"pattern": {"type": "daily"}, "range": {"type": "endDate", "endDate": "2026-06-30T00:00:00+08:00"}}});
    let id = id_of(&api.create("alice-union", body).await);
    let (_, list) = api
        .call(Method::GET, &instances_path("alice-union", &id, ""), None)
        .await;
    let dates: Vec<&str> = list["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["start"]["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-06-28", "2026-06-29", "2026-06-30"]);
}

fn base64_url(raw: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = raw.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}
