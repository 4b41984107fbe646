use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn create_lists_the_organizer_first_among_attendees_and_marks_self() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let e = api
        .create("alice-union", meeting("Plan", &["bob-union"]))
        .await;
    assert_eq!(e["summary"], "Plan");
    assert_eq!(e["status"], "confirmed");
    assert_eq!(e["organizer"]["id"], "alice-union");
    assert_eq!(e["organizer"]["displayName"], "Alice");
    assert_eq!(e["organizer"]["self"], true);
    assert_eq!(e["attendees"][0]["id"], "alice-union");
    assert_eq!(e["attendees"][0]["responseStatus"], "accepted");
    assert_eq!(
        attendee(&e, "bob-union").unwrap()["responseStatus"],
        "needsAction"
    );
    assert_eq!(attendee(&e, "bob-union").unwrap()["self"], false);
    assert_eq!(e["start"]["dateTime"], "2026-12-01T10:00:00+08:00");
    assert_eq!(e["start"]["timeZone"], "Asia/Shanghai");
    assert_eq!(e["isAllDay"], false);
}

#[tokio::test]
async fn the_same_event_stands_in_each_attendees_calendar_with_self_on_their_entry() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Plan", &["bob-union"]))
            .await,
    );
    let seen = api.get("bob-union", &id).await;
    assert_eq!(seen["id"], id.as_str());
    assert_eq!(attendee(&seen, "bob-union").unwrap()["self"], true);
    assert_eq!(seen["organizer"]["self"], false);
    let (status, _) = api
        .call(Method::GET, &event_path("carol-union", &id), None)
        .await;
    assert_eq!(status.as_u16(), 404, "not in carol's calendar");
}

#[tokio::test]
async fn get_event_shows_max_attendees_and_refuses_more_than_500() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let many: Vec<String> = (1..=150).map(extra_user).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let id = id_of(&api.create("alice-union", meeting("Big", &refs)).await);
    let default = api.get("alice-union", &id).await;
    assert_eq!(default["attendees"].as_array().unwrap().len(), 100);
    let (_, five) = api
        .call(
            Method::GET,
            &format!("{}?maxAttendees=5", event_path("alice-union", &id)),
            None,
        )
        .await;
    assert_eq!(five["attendees"].as_array().unwrap().len(), 5);
    let (_, all) = api
        .call(
            Method::GET,
            &format!("{}?maxAttendees=500", event_path("alice-union", &id)),
            None,
        )
        .await;
    assert_eq!(all["attendees"].as_array().unwrap().len(), 151);
    let refused = api
        .call(
            Method::GET,
            &format!("{}?maxAttendees=501", event_path("alice-union", &id)),
            None,
        )
        .await;
    assert_error(&refused, 400, "invalidParameter", None);
}

#[tokio::test]
async fn an_all_day_event_takes_dates_with_an_exclusive_end() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let e = api
        .create(
            "alice-union",
            json!({"summary": "Offsite", "isAllDay": true, "start": {"date": "2026-12-20"}, "end": {"date": "2026-12-21"}}),
        )
        .await;
    assert_eq!(e["isAllDay"], true);
    assert_eq!(e["start"], json!({"date": "2026-12-20"}));
    assert_eq!(e["end"], json!({"date": "2026-12-21"}));
}

async fn assert_create_refused(api: &Api<'_>, body: Value, code: &str, message: Option<&str>) {
    let answer = api
        .call(Method::POST, &events_path("alice-union"), Some(body))
        .await;
    assert_error(&answer, 400, code, message);
    let (_, list) = api
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(
        list["events"],
        json!([]),
        "a refused create stored something"
    );
}

#[tokio::test]
async fn all_day_with_a_date_time_or_time_zone_is_refused_and_nothing_is_created() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    for (start, end) in [
        (
            json!({"date": "2026-12-20", "timeZone": "Asia/Shanghai"}),
            json!({"date": "2026-12-21"}),
        ),
        (
            json!({"dateTime": "2026-12-20T10:00:00+08:00", "timeZone": "Asia/Shanghai"}),
            json!({"date": "2026-12-21"}),
        ),
    ] {
        let body = json!({"summary": "x", "isAllDay": true, "start": start, "end": end});
        assert_create_refused(&api, body, "invalidParameter", None).await;
    }
}

#[tokio::test]
async fn a_timed_event_needs_date_time_and_time_zone_and_no_date() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let bodies = [
        json!({"summary": "x", "isAllDay": false, "start": {"date": "2026-12-20"}, "end": {"date": "2026-12-21"}}),
        json!({"summary": "x", "start": {"dateTime": "2026-12-20T10:00:00+08:00"}, "end": {"dateTime": "2026-12-20T11:00:00+08:00"}}),
        json!({"summary": "x", "start": {"dateTime": "2026-12-20T10:00:00+08:00", "timeZone": "Asia/Shanghai", "date": "2026-12-20"},
               "end": {"dateTime": "2026-12-20T11:00:00+08:00", "timeZone": "Asia/Shanghai"}}),
    ];
    for body in bodies {
        assert_create_refused(&api, body, "invalidParameter", None).await;
    }
}

#[tokio::test]
async fn end_time_zone_must_equal_start_time_zone() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let body = json!({"summary": "x",
        "start": {"dateTime": "2026-12-20T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-12-20T11:00:00+09:00", "timeZone": "Asia/Tokyo"}});
    assert_create_refused(
        &api,
        body,
        "invalidParameter",
        Some("end.timeZone must be the same as start.timeZone"),
    )
    .await;
}

#[tokio::test]
async fn bad_time_zone_names_and_dates_are_refused() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let bad_zone = json!({"summary": "x",
        "start": {"dateTime": "2026-12-20T10:00:00+08:00", "timeZone": "Mars/Olympus"},
        "end": {"dateTime": "2026-12-20T11:00:00+08:00", "timeZone": "Mars/Olympus"}});
    assert_create_refused(&api, bad_zone, "invalidParameter", None).await;
    let bad_date =
        json!({"summary": "x", "start": {"date": "2026-02-30"}, "end": {"date": "2026-03-01"}});
    assert_create_refused(&api, bad_date, "invalidParameter", None).await;
    let end_first =
        json!({"summary": "x", "start": {"date": "2026-03-02"}, "end": {"date": "2026-03-01"}});
    assert_create_refused(&api, end_first, "invalidParameter", None).await;
}

#[tokio::test]
async fn a_time_that_is_not_iso_8601_gets_the_parse_error_code() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let body = json!({"summary": "x",
        "start": {"dateTime": "tomorrow at ten", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-12-20T11:00:00+08:00", "timeZone": "Asia/Shanghai"}});
    assert_create_refused(
        &api,
        body,
        "InvalidParameter.ParsedISO8601TimestampError",
        None,
    )
    .await;
    let list = api
        .call(
            Method::GET,
            &format!("{}?timeMin=yesterday", events_path("alice-union")),
            None,
        )
        .await;
    assert_error(
        &list,
        400,
        "InvalidParameter.ParsedISO8601TimestampError",
        None,
    );
}

#[tokio::test]
async fn summary_and_description_lengths_are_bounded() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut ok = meeting(&"日".repeat(2048), &[]);
    ok["description"] = json!("d".repeat(5000));
    let id = id_of(&api.create("alice-union", ok).await);
    api.call(Method::DELETE, &event_path("alice-union", &id), None)
        .await;

    assert_create_refused(
        &api,
        meeting(&"日".repeat(2049), &[]),
        "invalidParameter",
        None,
    )
    .await;
    let mut long = meeting("x", &[]);
    long["description"] = json!("d".repeat(5001));
    assert_create_refused(&api, long, "invalidParameter", None).await;
    let mut blank = meeting("  ", &[]);
    blank["summary"] = json!("  ");
    assert_create_refused(&api, blank, "invalidParameter", None).await;
    let mut missing = meeting("x", &[]);
    missing.as_object_mut().unwrap().remove("summary");
    assert_create_refused(&api, missing, "invalidParameter", None).await;
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_refused_and_nothing_is_created() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    for body in [
        "{",
        "[1,2]",
        r#"{"summary": 5}"#,
        r#"{"summary":"x","attendees":"bob"}"#,
    ] {
        let answer = s
            .raw(Method::POST, &events_path("alice-union"), &api.token, body)
            .await;
        assert_error(&answer, 400, "invalidParameter", None);
    }
    let answer = s
        .raw(Method::POST, &events_path("alice-union"), &api.token, "")
        .await;
    assert_error(
        &answer,
        400,
        "invalidParameter",
        Some("Event must be provided."),
    );
    let (_, list) = api
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(list["events"], json!([]));
}

#[tokio::test]
async fn reminders_default_by_kind_and_an_empty_list_means_none() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let timed = api.create("alice-union", meeting("t", &[])).await;
    assert_eq!(
        timed["reminders"],
        json!([{"method": "dingtalk", "minutes": "15"}])
    );
    let all_day = api
        .create(
            "alice-union",
            json!({"summary": "a", "start": {"date": "2026-12-20"}, "end": {"date": "2026-12-21"}}),
        )
        .await;
    assert_eq!(
        all_day["reminders"],
        json!([{"method": "dingtalk", "minutes": "900"}])
    );
    let mut none = meeting("n", &[]);
    none["reminders"] = json!([]);
    assert_eq!(
        api.create("alice-union", none).await["reminders"],
        json!([])
    );
    let mut set = meeting("s", &[]);
    set["reminders"] = json!([{"method": "dingtalk", "minutes": 30}]);
    let e = api.create("alice-union", set).await;
    assert_eq!(
        api.get("alice-union", &id_of(&e)).await["reminders"],
        json!([{"method": "dingtalk", "minutes": "30"}])
    );
    let mut bad = meeting("b", &[]);
    bad["reminders"] = json!([{"method": "sms", "minutes": 30}]);
    let answer = api
        .call(Method::POST, &events_path("alice-union"), Some(bad))
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
}

#[tokio::test]
async fn a_dingtalk_online_meeting_gets_a_conference_id_and_url() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut body = meeting("call", &[]);
    body["onlineMeetingInfo"] = json!({"type": "dingtalk"});
    let e = api.create("alice-union", body).await;
    assert_eq!(e["onlineMeetingInfo"]["type"], "dingtalk");
    assert!(
        e["onlineMeetingInfo"]["conferenceId"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(
        e["onlineMeetingInfo"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    let mut other = meeting("call", &[]);
    other["onlineMeetingInfo"] = json!({"type": "zoom"});
    let answer = api
        .call(Method::POST, &events_path("alice-union"), Some(other))
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
}

#[tokio::test]
async fn optional_fields_are_stored_and_returned() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut body = meeting("rich", &[]);
    let extras = json!({
        "location": {"displayName": "Room 5"},
        "richTextDescription": {"text": "<b>hi</b>"},
        "uiConfigs": [{"uiName": "updateEventButton", "uiStatus": "hide"}],
        "extra": {"noPushNotification": "true"},
        "categories": [{"categoryId": "c1", "displayName": "Work"}], // c1 is Work in the directory
        "freeBusyStatus": "free",
        "recurrence": {"pattern": {"type": "weekly", "daysOfWeek": "monday,wednesday", "interval": 2, "firstDayOfWeek": "monday"},
                       "range": {"type": "numbered", "numberOfOccurrences": 10}},
    });
    for (k, v) in extras.as_object().unwrap() {
        body[k] = v.clone();
    }
    let id = id_of(&api.create("alice-union", body).await);
    let e = api.get("alice-union", &id).await;
    for (k, v) in extras.as_object().unwrap() {
        assert_eq!(&e[k], v, "field {k}");
    }
}

#[tokio::test]
async fn recurrence_bounds_use_the_seed_messages_on_create() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let cases = [
        (
            json!({"type": "daily", "interval": 0}),
            json!({"type": "noEnd"}),
            Some("Recurrence interval must between [1, 365]"),
        ),
        (
            json!({"type": "daily", "interval": 366}),
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
            json!({"type": "endDate", "endDate": "2027-01-01T00:00:00+08:00", "numberOfOccurrences": 5}),
            None,
        ),
        (json!({"type": "hourly"}), json!({"type": "noEnd"}), None),
    ];
    for (pattern, range, message) in cases {
        let mut body = meeting("r", &[]);
        body["recurrence"] = json!({"pattern": pattern, "range": range});
        assert_create_refused(&api, body, "invalidParameter", message).await;
    }
}

#[tokio::test]
async fn list_events_filters_on_start_between_time_min_and_time_max() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    for day in ["2026-12-01", "2026-12-02", "2026-12-03"] {
        let body = json!({"summary": day,
            "start": {"dateTime": format!("{day}T10:00:00+08:00"), "timeZone": "Asia/Shanghai"},
            "end": {"dateTime": format!("{day}T11:00:00+08:00"), "timeZone": "Asia/Shanghai"}});
        api.create("alice-union", body).await;
    }
    api.create("alice-union", json!({"summary": "all-day", "start": {"date": "2026-12-02"}, "end": {"date": "2026-12-03"}}))
        .await;
    let path = format!(
        "{}?timeMin=2026-12-02T00%3A00%3A00%2B08%3A00&timeMax=2026-12-03T00%3A00%3A00%2B08%3A00",
        events_path("alice-union")
    );
    let (status, list) = api.call(Method::GET, &path, None).await;
    assert_eq!(status.as_u16(), 200, "{list}");
    let mut summaries: Vec<&str> = list["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    summaries.sort();
    assert_eq!(summaries, ["2026-12-02", "all-day"]);
}

#[tokio::test]
async fn list_events_pages_return_every_event_exactly_once() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut created = Vec::new();
    for i in 0..7 {
        // Two share a start, so paging must break ties by id.
        let hour = 10 + i / 2;
        let body = json!({"summary": format!("e{i}"),
            "start": {"dateTime": format!("2026-12-01T{hour}:00:00+08:00"), "timeZone": "Asia/Shanghai"},
            "end": {"dateTime": format!("2026-12-01T{hour}:30:00+08:00"), "timeZone": "Asia/Shanghai"}});
        created.push(id_of(&api.create("alice-union", body).await));
    }
    let path = format!("{}?maxResults=3", events_path("alice-union"));
    let mut seen: Vec<String> = all_pages(&api, &path, "events", 3)
        .await
        .iter()
        .map(id_of)
        .collect();
    seen.sort();
    created.sort();
    assert_eq!(seen, created);
}

#[tokio::test]
async fn list_events_bounds_max_results_and_the_window() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    for query in [
        "maxResults=101",
        "maxResults=0",
        "maxAttendees=101",
        "nextToken=bogus",
        "timeMin=2026-01-01T00%3A00%3A00Z&timeMax=2027-06-01T00%3A00%3A00Z",
    ] {
        let answer = api
            .call(
                Method::GET,
                &format!("{}?{query}", events_path("alice-union")),
                None,
            )
            .await;
        assert_error(&answer, 400, "invalidParameter", None);
    }
}

#[tokio::test]
async fn delete_by_the_organizer_removes_the_event_for_everyone() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("gone", &["bob-union"]))
            .await,
    );
    let (status, body) = api
        .call(
            Method::DELETE,
            &format!("{}?pushNotification=False", event_path("alice-union", &id)),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(body, Value::Null);
    for user in ["alice-union", "bob-union"] {
        let answer = api.call(Method::GET, &event_path(user, &id), None).await;
        assert_error(&answer, 404, "itemNotFound", None);
    }
    let (_, list) = api
        .call(
            Method::GET,
            &format!("{}?showDeleted=True", events_path("bob-union")),
            None,
        )
        .await;
    assert_eq!(list["events"][0]["status"], "cancelled");
}

#[tokio::test]
async fn delete_by_an_attendee_removes_it_from_their_calendar_only() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            meeting("stay", &["bob-union", "carol-union"]),
        )
        .await,
    );
    let (status, _) = api
        .call(Method::DELETE, &event_path("bob-union", &id), None)
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_error(
        &api.call(Method::GET, &event_path("bob-union", &id), None)
            .await,
        404,
        "itemNotFound",
        None,
    );
    let e = api.get("alice-union", &id).await;
    assert!(attendee(&e, "bob-union").is_none());
    assert!(attendee(&e, "carol-union").is_some());
}

#[tokio::test]
async fn delete_of_an_unknown_event_is_item_not_found() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let answer = api
        .call(
            Method::DELETE,
            &event_path("alice-union", "no-such-event"),
            None,
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
async fn only_the_primary_calendar_exists_and_a_blank_one_is_refused() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let blank = api
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/calendars/%20/events",
            Some(meeting("x", &[])),
        )
        .await;
    assert_error(
        &blank,
        400,
        "invalidParameter",
        Some("CalendarId cannot be blank"),
    );
    let other = api
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/calendars/work/events",
            Some(meeting("x", &[])),
        )
        .await;
    assert_error(&other, 404, "itemNotFound", None);
    let (_, list) = api
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(list["events"], json!([]));
}

#[tokio::test]
async fn text_with_a_nul_character_is_refused_and_changes_nothing() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let answer = api
        .call(Method::GET, &event_path("alice-union", "abc%00def"), None)
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
    let answer = api
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("a\u{0}b", &[])),
        )
        .await;
    assert_error(&answer, 400, "invalidParameter", None);
    let (status, page) = api
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(page["events"].as_array().map(Vec::len), Some(0), "{page}");
}

/// ConvertLegacyEventId maps the legacy ids of the user's events (the id
/// read as a number, README) to their ids, and leaves out the rest.
#[tokio::test]
async fn legacy_ids_convert_to_the_users_events_only() {
    use dingcal::domain::EventId;
    use dingcal::domain::legacy::legacy_id;
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mine = id_of(
        &api.create("alice-union", meeting("Mine", &["bob-union"]))
            .await,
    );
    let theirs = id_of(&api.create("carol-union", meeting("Theirs", &[])).await);
    let legacy = |id: &str| legacy_id(&EventId(id.into())).unwrap();
    let convert = |user: &str, ids: Value| {
        let path = format!("/v1.0/calendar/users/{user}/legacyEventIds/convert");
        let api = &api;
        async move {
            api.call(Method::POST, &path, Some(json!({"legacyEventIds": ids})))
                .await
        }
    };
    let (status, answer) = convert(
        "bob-union",
        json!([legacy(&mine), legacy(&theirs), "12345"]),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    assert_eq!(answer, json!({"legacyEventIdMap": {legacy(&mine): mine}}));
    assert_error(
        &convert("bob-union", json!([])).await,
        400,
        "invalidParameter",
        None,
    );
    let too_many: Vec<String> = (0..101).map(|n| n.to_string()).collect();
    assert_error(
        &convert("bob-union", json!(too_many)).await,
        400,
        "invalidParameter",
        None,
    );
}
