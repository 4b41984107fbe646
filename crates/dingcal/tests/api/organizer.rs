//! CancelEvent and TransferEvent.

use reqwest::Method;
use serde_json::json;

use crate::common::*;

fn action(user: &str, id: &str, what: &str) -> String {
    format!("{}/{what}", event_path(user, id))
}

fn busy_path(user: &str) -> String {
    format!("/v1.0/calendar/users/{user}/querySchedule")
}

async fn busy_items(api: &Api<'_>, user: &str) -> usize {
    let body = json!({"userIds": [user], "startTime": "2026-12-01T00:00:00+08:00",
                      "endTime": "2026-12-02T00:00:00+08:00"});
    let (status, answer) = api
        .call(Method::POST, &busy_path("alice-union"), Some(body))
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    answer["scheduleInformation"][0]["scheduleItems"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_cancelled_event_stays_shown_cancelled_and_takes_no_time() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Off", &["bob-union"]))
            .await,
    );
    assert_eq!(busy_items(&api, "bob-union").await, 1);

    let refused = api
        .call(Method::POST, &action("bob-union", &id, "cancel"), None)
        .await;
    assert_error(&refused, 403, "forbidden", None);
    let bad = api
        .call(
            Method::POST,
            &format!("{}?scope=one", action("alice-union", &id, "cancel")),
            None,
        )
        .await;
    assert_error(&bad, 400, "invalidParameter", None);
    assert_eq!(
        api.get("bob-union", &id).await["status"],
        "confirmed",
        "refusals change nothing"
    );

    let (status, answer) = api
        .call(
            Method::POST,
            &format!("{}?scope=all", action("alice-union", &id, "cancel")),
            None,
        )
        .await;
    assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
    for user in ["alice-union", "bob-union"] {
        assert_eq!(api.get(user, &id).await["status"], "cancelled");
    }
    let (_, listed) = api.call(Method::GET, &events_path("bob-union"), None).await;
    assert_eq!(listed["events"][0]["status"], "cancelled");
    assert_eq!(busy_items(&api, "bob-union").await, 0);
    // Again: nothing more to do.
    let (status, _) = api
        .call(Method::POST, &action("alice-union", &id, "cancel"), None)
        .await;
    assert_eq!(status.as_u16(), 200);
}

#[tokio::test]
async fn cancelling_one_occurrence_leaves_the_others() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut body = meeting("Daily", &["bob-union"]);
    body["recurrence"] = json!({"pattern": {"type": "daily", "interval": 1},
                                "range": {"type": "numbered", "numberOfOccurrences": 3}});
    let series = id_of(&api.create("alice-union", body).await);
    let view = "/v1.0/calendar/users/bob-union/calendars/primary/eventsview?timeMin=2026-11-30T00:00:00Z&timeMax=2026-12-07T00:00:00Z";
    let (_, before) = api.call(Method::GET, view, None).await;
    let second = before["events"][1]["id"].as_str().unwrap().to_string();
    let (status, _) = api
        .call(
            Method::POST,
            &action("alice-union", &second, "cancel"),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    let (_, after) = api.call(Method::GET, view, None).await;
    let statuses: Vec<&str> = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["confirmed", "cancelled", "confirmed"]);
    assert_eq!(api.get("bob-union", &series).await["status"], "confirmed");
}

#[tokio::test]
async fn a_transfer_hands_the_event_over_and_the_old_organizer_stays_or_leaves() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Handover", &["bob-union"]))
            .await,
    );
    let transfer = |user: &str, body: serde_json::Value| {
        let path = action(user, &id, "transfer");
        let api = &api;
        async move { api.call(Method::POST, &path, Some(body)).await }
    };
    for (user, body, status, code) in [
        (
            "bob-union",
            json!({"newOrganizerId": "carol-union"}),
            403,
            "forbidden",
        ),
        ("alice-union", json!({}), 400, "invalidParameter"),
        (
            "alice-union",
            json!({"newOrganizerId": "alice-union"}),
            400,
            "invalidParameter",
        ),
        (
            "alice-union",
            json!({"newOrganizerId": "eve-union"}),
            400,
            "invalidParameter",
        ),
    ] {
        assert_error(&transfer(user, body).await, status, code, None);
    }
    assert_eq!(
        api.get("alice-union", &id).await["organizer"]["id"],
        "alice-union"
    );

    // To carol, who was not on it; alice stays as an attendee.
    let (status, answer) = transfer(
        "alice-union",
        json!({"newOrganizerId": "carol-union", "isExitCalendar": false, "needNotifyViaO2O": true}),
    )
    .await;
    assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
    let event = api.get("carol-union", &id).await;
    assert_eq!(event["organizer"]["id"], "carol-union");
    assert_eq!(event["organizer"]["responseStatus"], "accepted");
    assert_eq!(
        attendee(&event, "alice-union").unwrap()["responseStatus"],
        "accepted"
    );
    let patched = api
        .call(
            Method::PUT,
            &event_path("alice-union", &id),
            Some(json!({"id": id, "summary": "mine?"})),
        )
        .await;
    assert_error(&patched, 403, "forbidden", None);

    // On to bob; carol leaves the event and her calendar.
    let (status, _) = api
        .call(
            Method::POST,
            &action("carol-union", &id, "transfer"),
            Some(json!({"newOrganizerId": "bob-union", "isExitCalendar": true})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    let event = api.get("bob-union", &id).await;
    assert_eq!(event["organizer"]["id"], "bob-union");
    assert!(attendee(&event, "carol-union").is_none(), "{event}");
    let gone = api
        .call(Method::GET, &event_path("carol-union", &id), None)
        .await;
    assert_error(&gone, 404, "itemNotFound", None);
}
