//! The emulator controls under `/_dingcal/`: the admin token they need,
//! and the minutes they attach, which ListAiMinutes lists.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

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
        let answer = s
            .control_as(token, Method::POST, "/_dingcal/minutes", Some(body.clone()))
            .await;
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
    let (status, made) = s
        .control_as(
            token,
            Method::POST,
            "/_dingcal/minutes",
            Some(json!({"eventId": id, "creatorUserId": "alice-union", "minutesId": "m-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["minutesId"], "m-1");
    let (_, made) = s
        .control_as(
            token,
            Method::POST,
            "/_dingcal/minutes",
            Some(json!({"eventId": id, "creatorUserId": "bob-union"})),
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
    let answer = s
        .control_as(
            token,
            Method::POST,
            "/_dingcal/minutes",
            Some(json!({"eventId": "nope", "creatorUserId": "bob-union"})),
        )
        .await;
    assert_eq!(answer.0, StatusCode::NOT_FOUND);
    let answer = s
        .control_as(
            token,
            Method::POST,
            "/_dingcal/minutes",
            Some(json!({"eventId": id, "creatorUserId": "nobody"})),
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

#[tokio::test]
async fn a_fault_answers_in_place_of_the_operation_and_changes_nothing() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let (status, made) = s
        .admin(
            Method::POST,
            "/_dingcal/faults",
            Some(
                json!({"operation": "CreateEvent", "status": 503, "code": "systemError",
                    "message": "try later", "count": 1}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let fault_id = made["faultId"].as_str().unwrap().to_string();
    let (_, listed) = s.admin(Method::GET, "/_dingcal/faults", None).await;
    assert_eq!(listed["faults"][0]["faultId"], fault_id.as_str());

    let refused = api
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("Faulted", &[])),
        )
        .await;
    assert_error(&refused, 503, "systemError", Some("try later"));
    assert!(!refused.1["requestid"].as_str().unwrap().is_empty());
    let (_, listed) = api
        .call(
            Method::GET,
            &format!("{}?maxResults=10", events_path("alice-union")),
            None,
        )
        .await;
    assert_eq!(
        listed["events"],
        json!([]),
        "the faulted create made nothing"
    );
    // Its count spent, the fault is gone.
    api.create("alice-union", meeting("Made", &[])).await;
    let (_, listed) = s.admin(Method::GET, "/_dingcal/faults", None).await;
    assert_eq!(listed["faults"], json!([]));

    // A delay only, on every operation, until removed.
    let (_, made) = s
        .admin(
            Method::POST,
            "/_dingcal/faults",
            Some(json!({"operation": "*", "status": 200, "delayMs": 300})),
        )
        .await;
    let started = std::time::Instant::now();
    let (status, _) = api
        .call(
            Method::GET,
            &format!("{}?maxResults=10", events_path("alice-union")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    let path = format!("/_dingcal/faults/{}", made["faultId"].as_str().unwrap());
    assert_eq!(s.admin(Method::DELETE, &path, None).await.0, StatusCode::OK);
    assert_eq!(
        s.admin(Method::DELETE, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
    let bad = s
        .admin(
            Method::POST,
            "/_dingcal/faults",
            Some(json!({"operation": "Nope"})),
        )
        .await;
    assert_error(&bad, 400, "invalidParameter", None);
}

#[tokio::test]
async fn the_throttle_refuses_a_burst_with_the_real_code() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("Busy", &[])).await);
    let (status, _) = s
        .admin(Method::PUT, "/_dingcal/throttle", Some(json!({"qps": 3})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut refused = Vec::new();
    for _ in 0..10 {
        let answer = api
            .call(Method::GET, &event_path("alice-union", &id), None)
            .await;
        if answer.0 != StatusCode::OK {
            refused.push(answer);
        }
    }
    assert!(refused.len() >= 6, "{} refused", refused.len());
    assert_error(
        &refused[0],
        403,
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        None,
    );
    // Another app has its own count.
    let other = Api::with_app(&s, "acme-read").await;
    assert_eq!(
        other
            .call(Method::GET, &event_path("alice-union", &id), None)
            .await
            .0,
        StatusCode::OK
    );
    s.admin(
        Method::PUT,
        "/_dingcal/throttle",
        Some(json!({"qps": null})),
    )
    .await;
    for _ in 0..10 {
        assert_eq!(
            api.call(Method::GET, &event_path("alice-union", &id), None)
                .await
                .0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_journal_lists_calls_newest_first_and_reset_clears_the_state() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Journaled", &["bob-union"]))
            .await,
    );
    api.get("bob-union", &id).await;
    let (status, _) = api
        .call(Method::GET, &event_path("bob-union", "missing"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, all) = s.admin(Method::GET, "/_dingcal/requests", None).await;
    let ops: Vec<&str> = all["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    assert_eq!(&ops[..3], ["GetEvent", "GetEvent", "CreateEvent"], "{all}");
    let (_, created) = s
        .admin(
            Method::GET,
            "/_dingcal/requests?operation=CreateEvent",
            None,
        )
        .await;
    let entry = &created["requests"][0];
    assert_eq!(entry["appKey"], "acme-full");
    assert_eq!(entry["userId"], "alice-union");
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["status"], 200);
    assert!(
        entry["body"].as_str().unwrap().contains("Journaled"),
        "{entry}"
    );
    let (_, missing) = s
        .admin(Method::GET, "/_dingcal/requests?status=404&limit=5", None)
        .await;
    assert_eq!(missing["requests"].as_array().unwrap().len(), 1);
    assert_eq!(missing["requests"][0]["code"], "itemNotFound");

    // Reset: events and tokens go, the directory stays.
    let (status, _) = s.admin(Method::POST, "/_dingcal/reset", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api
        .call(Method::GET, &event_path("alice-union", &id), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the old token is gone");
    let fresh = Api::new(&s).await;
    let (status, _) = fresh
        .call(Method::GET, &event_path("alice-union", &id), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    fresh
        .create("alice-union", meeting("After", &["bob-union"]))
        .await;
    let (_, journal) = s.admin(Method::GET, "/_dingcal/requests", None).await;
    let kept = journal["requests"].as_array().unwrap();
    assert!(
        kept.iter()
            .all(|r| !r["body"].as_str().unwrap().contains("Journaled")),
        "{journal}"
    );
    // A secret is not kept.
    let token_call = kept
        .iter()
        .find(|r| r["operation"] == "GetAccessToken")
        .unwrap();
    assert!(
        !token_call["body"].as_str().unwrap().contains("full-secret"),
        "{token_call}"
    );
    let (status, _) = s.admin(Method::DELETE, "/_dingcal/requests", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, journal) = s.admin(Method::GET, "/_dingcal/requests", None).await;
    assert_eq!(journal["requests"], json!([]));
}

#[tokio::test]
async fn the_clock_is_what_every_write_and_token_reads() {
    let s = TestServer::start().await;
    let (status, clock) = s.freeze_clock("2030-01-01T08:00:00Z").await;
    assert_eq!(status, StatusCode::OK, "{clock}");
    assert_eq!(
        clock,
        json!({"now": "2030-01-01T08:00:00Z", "frozen": true})
    );
    let api = Api::new(&s).await;
    let event = api
        .create("alice-union", meeting("Future", &["bob-union"]))
        .await;
    assert_eq!(event["createTime"], "2030-01-01T08:00:00Z", "{event}");
    let id = id_of(&event);
    let (status, signed) = Api::new(&s)
        .await
        .call(
            Method::POST,
            &format!("{}/signin", event_path("bob-union", &id)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["checkInTime"], 1_893_484_800_000_i64, "{signed}");

    // Two hours and a second on, the token has expired.
    let (_, clock) = s
        .admin(
            Method::POST,
            "/_dingcal/clock/advance",
            Some(json!({"seconds": 7201})),
        )
        .await;
    assert_eq!(clock["now"], "2030-01-01T10:00:01Z");
    let answer = api
        .call(Method::GET, &event_path("alice-union", &id), None)
        .await;
    assert_error(&answer, 400, "InvalidAuthentication", None);

    // Moving, it moves on from where it was set.
    s.admin(
        Method::PUT,
        "/_dingcal/clock",
        Some(json!({"now": "2031-06-01T00:00:00Z", "frozen": false})),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, clock) = s.admin(Method::GET, "/_dingcal/clock", None).await;
    let now: jiff::Timestamp = clock["now"].as_str().unwrap().parse().unwrap();
    let set: jiff::Timestamp = "2031-06-01T00:00:01Z".parse().unwrap();
    assert!(
        now >= set
            && now
                < set
                    .checked_add(jiff::SignedDuration::from_secs(30))
                    .unwrap(),
        "{now}"
    );
    assert_eq!(clock["frozen"], false);
    let (_, clock) = s.admin(Method::DELETE, "/_dingcal/clock", None).await;
    let now: jiff::Timestamp = clock["now"].as_str().unwrap().parse().unwrap();
    assert!(
        now < "2030-01-01T00:00:00Z".parse().unwrap(),
        "the system's time again"
    );
    let bad = s
        .admin(Method::PUT, "/_dingcal/clock", Some(json!({"now": "soon"})))
        .await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
}

async fn outbox(s: &TestServer, query: &str) -> Vec<Value> {
    let (status, body) = s
        .admin(Method::GET, &format!("/_dingcal/outbox{query}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["messages"].as_array().unwrap().clone()
}

fn sent(messages: &[Value]) -> Vec<(String, String, Vec<String>)> {
    messages
        .iter()
        .map(|m| {
            let to = m["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            (
                m["kind"].as_str().unwrap().into(),
                m["channel"].as_str().unwrap().into(),
                to,
            )
        })
        .collect()
}

#[tokio::test]
async fn the_outbox_holds_what_would_have_been_sent_as_the_flags_say() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            meeting("Plan", &["bob-union", "carol-union"]),
        )
        .await,
    );
    let bob_carol = vec!["bob-union".to_string(), "carol-union".to_string()];
    assert_eq!(
        sent(&outbox(&s, &format!("?eventId={id}")).await),
        [
            ("invitation".into(), "push".into(), bob_carol.clone()),
            ("invitation".into(), "chat".into(), bob_carol.clone()),
        ]
    );
    // The switches of `extra` turn a channel off.
    let mut quiet = meeting("Quiet", &["bob-union"]);
    quiet["extra"] = json!({"noChatNotification": "true"});
    let quiet = id_of(&api.create("alice-union", quiet).await);
    assert_eq!(
        sent(&outbox(&s, &format!("?eventId={quiet}")).await),
        [(
            "invitation".into(),
            "push".into(),
            vec!["bob-union".to_string()]
        )]
    );
    let (status, _) = api
        .call(
            Method::PUT,
            &event_path("alice-union", &id),
            Some(json!({"id": id, "summary": "Plan B"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let updates = outbox(&s, &format!("?eventId={id}&kind=update")).await;
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0]["detail"], "Plan B");
    // An attendee leaving tells no one; the organizer's delete, without
    // pushNotification, tells no one either.
    let (status, _) = api
        .call(Method::DELETE, &event_path("carol-union", &id), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!(
                "{}?pushNotification=false",
                event_path("alice-union", &quiet)
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(outbox(&s, "?kind=cancellation").await.is_empty());
    let (status, _) = api
        .call(Method::DELETE, &event_path("alice-union", &id), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sent(&outbox(&s, "?kind=cancellation").await),
        [(
            "cancellation".into(),
            "push".into(),
            vec!["bob-union".to_string()]
        )]
    );
    // Sharing a calendar with sendMsg tells the grantee.
    let (status, _) = api
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/calendars/primary/acls",
            Some(json!({"privilege": "reader", "sendMsg": true,
                        "scope": {"scopeType": "user", "userId": "dave-union"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sent(&outbox(&s, "?kind=aclShared").await),
        [(
            "aclShared".into(),
            "chat".into(),
            vec!["dave-union".to_string()]
        )]
    );
    s.admin(Method::POST, "/_dingcal/reset", None).await;
    assert!(outbox(&s, "").await.is_empty());
}

#[tokio::test]
async fn a_reminder_lands_in_the_outbox_once_the_clock_passes_it() {
    let s = TestServer::start().await;
    s.freeze_clock("2027-03-01T01:00:00Z").await;
    let api = Api::new(&s).await;
    let mut body = meeting("Soon", &["bob-union", "carol-union"]);
    body["start"]["dateTime"] = json!("2027-03-01T10:00:00+08:00");
    body["end"]["dateTime"] = json!("2027-03-01T11:00:00+08:00");
    body["reminders"] = json!([{"method": "dingtalk", "minutes": 15}]);
    let id = id_of(&api.create("alice-union", body).await);
    assert_eq!(
        api.respond("carol-union", &id, "declined").await.0,
        StatusCode::OK
    );

    let advance = |seconds: i64| {
        s.admin(
            Method::POST,
            "/_dingcal/clock/advance",
            Some(json!({"seconds": seconds})),
        )
    };
    advance(1800).await;
    assert!(
        outbox(&s, "?kind=reminder").await.is_empty(),
        "not due before 01:45"
    );
    advance(900).await;
    assert_eq!(
        sent(&outbox(&s, "?kind=reminder").await),
        [(
            "reminder".into(),
            "push".into(),
            vec!["alice-union".to_string(), "bob-union".to_string()]
        )]
    );
    advance(7200).await;
    assert_eq!(
        outbox(&s, "?kind=reminder").await.len(),
        1,
        "a reminder falls due once"
    );
}

#[tokio::test]
async fn an_export_imports_back_whole_and_a_bad_one_changes_nothing() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut series = meeting("Weekly", &["bob-union"]);
    series["recurrence"] = json!({"pattern": {"type": "weekly", "daysOfWeek": "tuesday", "interval": 1},
                                  "range": {"type": "numbered", "numberOfOccurrences": 4}});
    let id = id_of(&api.create("alice-union", series).await);
    assert_eq!(
        api.respond("bob-union", &id, "accepted").await.0,
        StatusCode::OK
    );
    let (status, exported) = s.admin(Method::GET, "/_dingcal/export", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(exported["version"], 1);
    assert_eq!(exported["state"]["events"].as_array().unwrap().len(), 1);

    s.admin(Method::POST, "/_dingcal/reset", None).await;
    let api = Api::new(&s).await;
    assert_eq!(
        api.call(Method::GET, &event_path("alice-union", &id), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, answer) = s
        .admin(Method::POST, "/_dingcal/import", Some(exported.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let api = Api::new(&s).await;
    let event = api.get("bob-union", &id).await;
    assert_eq!(
        attendee(&event, "bob-union").unwrap()["responseStatus"],
        "accepted"
    );
    let (_, instances) = api
        .call(
            Method::GET,
            &format!("{}/instances?maxResults=10", event_path("alice-union", &id)),
            None,
        )
        .await;
    assert_eq!(
        instances["events"].as_array().unwrap().len(),
        4,
        "{instances}"
    );

    // Another directory, or a malformed row, is refused whole.
    let mut other = exported.clone();
    other["directory"]["orgs"][0]["name"] = json!("Someone else");
    let refused = s.admin(Method::POST, "/_dingcal/import", Some(other)).await;
    assert_error(&refused, 400, "invalidParameter", None);
    let mut broken = exported.clone();
    broken["state"]["events"] = json!([]);
    broken["state"]["attendees"][0]["position"] = json!("first");
    let refused = s
        .admin(Method::POST, "/_dingcal/import", Some(broken))
        .await;
    assert_error(&refused, 400, "invalidParameter", None);
    api.get("alice-union", &id).await;
}
