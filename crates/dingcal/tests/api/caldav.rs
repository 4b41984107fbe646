//! CalDAV over real HTTP: accounts from GenerateCaldavAccount, discovery,
//! one event seen alike through the API and as iCalendar, writes from
//! either side, ETag preconditions, sync tokens, and what is refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

/// A CalDAV user: the credentials GenerateCaldavAccount gave.
struct Dav<'a> {
    server: &'a TestServer,
    username: String,
    password: String,
}

async fn account(api: &Api<'_>, user: &str, device: &str) -> (StatusCode, Value) {
    api.call(
        Method::POST,
        &format!("/v1.0/calendar/users/{user}/caldavAccounts"),
        Some(json!({"device": device})),
    )
    .await
}

impl<'a> Dav<'a> {
    async fn of(api: &Api<'a>, user: &str) -> Dav<'a> {
        let (status, body) = account(api, user, "test").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Dav {
            server: api.server,
            username: body["username"].as_str().unwrap().into(),
            password: body["password"].as_str().unwrap().into(),
        }
    }

    fn calendar(&self) -> String {
        format!("/dav/calendars/{}/primary/", self.username)
    }

    async fn send(
        &self,
        verb: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let mut req = reqwest::Client::new()
            .request(method(verb), format!("{}{path}", self.server.base))
            .basic_auth(&self.username, Some(&self.password))
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.text().await.unwrap())
    }

    async fn get(&self, resource: &str) -> (String, String) {
        let (status, headers, text) = self
            .send("GET", &format!("{}{resource}", self.calendar()), &[], "")
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let etag = headers["etag"].to_str().unwrap().to_string();
        (text, etag)
    }

    async fn report(&self, body: &str) -> String {
        let (status, _, text) = self
            .send("REPORT", &self.calendar(), &[("depth", "1")], body)
            .await;
        assert_eq!(status, StatusCode::MULTI_STATUS, "{text}");
        text
    }
}

/// Unfolds iCalendar lines, so that a whole property can be looked for.
fn unfolded(text: &str) -> String {
    text.replace("\r\n ", "")
}

fn sync_token(multistatus: &str) -> String {
    let start = multistatus.find("<D:sync-token>").unwrap() + "<D:sync-token>".len();
    let end = multistatus[start..].find('<').unwrap();
    multistatus[start..start + end].to_string()
}

const SYNC: &str = r#"<D:sync-collection xmlns:D="DAV:"><D:sync-token>TOKEN</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"#;

fn series() -> Value {
    json!({
        "summary": "Standup",
        "start": {"dateTime": "2026-12-07T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-12-07T10:30:00+08:00", "timeZone": "Asia/Shanghai"},
        "recurrence": {"pattern": {"type": "daily", "interval": 1},
                       "range": {"type": "numbered", "numberOfOccurrences": 5}},
        "attendees": [{"id": "bob-union"}],
        "reminders": [{"method": "dingtalk", "minutes": 30}],
    })
}

#[tokio::test]
async fn accounts_are_one_username_per_user_and_a_password_per_device() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let (_, first) = account(&api, "alice-union", "phone").await;
    let (_, second) = account(&api, "alice-union", "laptop").await;
    let name = first["username"].as_str().unwrap();
    assert!(name.starts_with("u_") && name.len() == 10, "{name}");
    assert_eq!(first["username"], second["username"]);
    assert_ne!(first["password"], second["password"]);
    assert_eq!(first["serverAddress"], format!("{}/dav/", s.base).as_str());
    for body in [&first, &second] {
        let dav = Dav {
            server: &s,
            username: name.into(),
            password: body["password"].as_str().unwrap().into(),
        };
        let (status, _, _) = dav.send("PROPFIND", "/dav/", &[("depth", "0")], "").await;
        assert_eq!(status, StatusCode::MULTI_STATUS);
    }
    let wrong = Dav {
        server: &s,
        username: name.into(),
        password: "not-the-password".into(),
    };
    let (status, headers, _) = wrong.send("PROPFIND", "/dav/", &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );

    // The permission, the device, and another org's user.
    let read_only = Api::with_app(&s, "acme-read").await;
    let denied = account(&read_only, "alice-union", "x").await;
    assert_error(
        &denied,
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        None,
    );
    let (status, _) = api
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/caldavAccounts",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = account(&api, "eve-union", "x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn discovery_leads_from_the_well_known_address_to_the_primary_calendar() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let dav = Dav::of(&api, "alice-union").await;
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/.well-known/caldav", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(resp.headers()["location"], "/dav/");
    let body = r#"<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:current-user-principal/><C:calendar-home-set/><D:displayname/></D:prop></D:propfind>"#;
    let (_, _, root) = dav.send("PROPFIND", "/dav/", &[("depth", "0")], body).await;
    let principal = format!("/dav/principals/{}/", dav.username);
    assert!(
        root.contains(&format!("<D:current-user-principal><D:href>{principal}")),
        "{root}"
    );
    let (_, _, me) = dav
        .send("PROPFIND", &principal, &[("depth", "0")], body)
        .await;
    let home = format!("/dav/calendars/{}/", dav.username);
    assert!(
        me.contains(&format!("<C:calendar-home-set><D:href>{home}</D:href>")),
        "{me}"
    );
    assert!(me.contains("<D:displayname>Alice</D:displayname>"), "{me}");
    let (status, _, calendars) = dav.send("PROPFIND", &home, &[("depth", "1")], "").await;
    assert_eq!(status, StatusCode::MULTI_STATUS);
    assert!(
        calendars.contains(&format!("<D:href>{}</D:href>", dav.calendar())),
        "{calendars}"
    );
    assert!(calendars.contains("<C:calendar/>"));
}

#[tokio::test]
async fn a_series_made_through_the_api_reads_as_icalendar_with_its_exceptions() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", series()).await);
    let cancel = format!("{id}_20261208T020000Z");
    let (status, _) = api
        .call(Method::DELETE, &event_path("alice-union", &cancel), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let moved = format!("{id}_20261209T020000Z");
    let (status, body) = api
        .call(
            Method::PUT,
            &event_path("alice-union", &moved),
            Some(json!({"id": moved, "summary": "Moved",
                "start": {"dateTime": "2026-12-09T15:00:00+08:00", "timeZone": "Asia/Shanghai"},
                "end": {"dateTime": "2026-12-09T15:30:00+08:00", "timeZone": "Asia/Shanghai"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        api.respond("bob-union", &id, "accepted").await.0,
        StatusCode::OK
    );

    for user in ["alice-union", "bob-union"] {
        let dav = Dav::of(&api, user).await;
        let (text, _) = dav.get(&format!("{id}.ics")).await;
        let text = unfolded(&text);
        assert!(text.contains(&format!("UID:{id}")), "{text}");
        assert!(
            text.contains("DTSTART;TZID=Asia/Shanghai:20261207T100000"),
            "{text}"
        );
        assert!(text.contains("RRULE:FREQ=DAILY;COUNT=5"), "{text}");
        assert!(
            text.contains("EXDATE;TZID=Asia/Shanghai:20261208T100000"),
            "{text}"
        );
        assert!(
            text.contains("RECURRENCE-ID;TZID=Asia/Shanghai:20261209T100000"),
            "{text}"
        );
        assert!(
            text.contains("DTSTART;TZID=Asia/Shanghai:20261209T150000"),
            "{text}"
        );
        assert!(text.contains("SUMMARY:Moved"), "{text}");
        assert!(text.contains("TRIGGER:-PT30M"), "{text}");
        assert!(
            text.contains("PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL:mailto:bob-union@dingcal.invalid"),
            "{text}"
        );
        // An expanded week: four occurrences, the moved one at its new time.
        let expanded = dav
            .report(
                r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data><C:expand start="20261206T000000Z" end="20261213T000000Z"/></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20261206T000000Z" end="20261213T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#,
            )
            .await;
        assert_eq!(expanded.matches("BEGIN:VEVENT").count(), 4, "{expanded}");
        // Each occurrence is written out: an expansion needs an end.
        let (status, _, _) = dav
            .send(
                "REPORT",
                &dav.calendar(),
                &[("depth", "1")],
                r#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data><C:expand start="20261206T000000Z"/></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>"#,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(expanded.contains("DTSTART:20261209T070000Z"), "{expanded}");
        assert!(!expanded.contains("20261208T020000Z"), "{expanded}");
    }
}

const WRITTEN: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\
UID:written-1@client\r\nDTSTAMP:20261201T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20261214T090000\r\nDTEND;TZID=Europe/Berlin:20261214T100000\r\n\
SUMMARY:Planning\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\r\n\
EXDATE;TZID=Europe/Berlin:20261221T090000\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob-union@dingcal.invalid\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:written-1@client\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261228T090000\r\n\
DTSTART;TZID=Europe/Berlin:20261228T150000\r\nDTEND;TZID=Europe/Berlin:20261228T160000\r\n\
SUMMARY:Planning (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

async fn view(api: &Api<'_>, user: &str) -> Vec<Value> {
    let (status, body) = api
        .call(
            Method::GET,
            &format!("/v1.0/calendar/users/{user}/calendars/primary/eventsview?timeMin=2026-12-13T00:00:00Z&timeMax=2027-01-10T00:00:00Z"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn what_a_caldav_client_writes_is_an_event_of_the_api() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let alice = Dav::of(&api, "alice-union").await;
    let path = format!("{}written-1%40client.ics", alice.calendar());
    let (status, _, text) = alice
        .send(
            "PUT",
            &path,
            &[("if-none-match", "*"), ("content-type", "text/calendar")],
            WRITTEN,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let events = view(&api, "bob-union").await;
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["summary"].as_str().unwrap(),
                e["start"]["dateTime"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("Planning", "2026-12-14T09:00:00+01:00"),
            ("Planning (moved)", "2026-12-28T15:00:00+01:00"),
            ("Planning", "2027-01-04T09:00:00+01:00"),
        ]
    );
    let series_id = events[0]["seriesMasterId"].as_str().unwrap().to_string();
    let event = api.get("alice-union", &series_id).await;
    assert_eq!(event["reminders"][0]["minutes"], "10");
    assert!(attendee(&event, "bob-union").is_some());

    // Bob accepts from his own calendar app: a RespondEvent.
    let bob = Dav::of(&api, "bob-union").await;
    let (text, etag) = bob.get("written-1@client.ics").await;
    let accepted = unfolded(&text).replace(
        "PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL:mailto:bob",
        "PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL:mailto:bob",
    );
    let bob_path = format!("{}written-1%40client.ics", bob.calendar());
    let (status, _, _) = bob
        .send("PUT", &bob_path, &[("if-match", &etag)], &accepted)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let event = api.get("bob-union", &series_id).await;
    assert_eq!(
        attendee(&event, "bob-union").unwrap()["responseStatus"],
        "accepted"
    );

    // The ETag Bob had is stale now: his next write is refused, and
    // changes nothing; so is a create over an existing name.
    let (status, _, _) = bob
        .send("PUT", &bob_path, &[("if-match", &etag)], &text)
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, _, _) = alice
        .send("PUT", &path, &[("if-none-match", "*")], WRITTEN)
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, _, _) = alice
        .send("DELETE", &path, &[("if-match", &etag)], "")
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let event = api.get("bob-union", &series_id).await;
    assert_eq!(
        attendee(&event, "bob-union").unwrap()["responseStatus"],
        "accepted"
    );

    // The organizer deletes it over CalDAV: gone from the API too.
    let (_, etag) = alice.get("written-1@client.ics").await;
    let (status, _, _) = alice
        .send("DELETE", &path, &[("if-match", &etag)], "")
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(view(&api, "bob-union").await.is_empty());
    let (status, _, _) = alice.send("GET", &path, &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bob was told of the event and of its end, both ways.
    let (_, outbox) = s
        .admin(
            Method::GET,
            &format!("/_dingcal/outbox?eventId={series_id}"),
            None,
        )
        .await;
    let told: Vec<(&str, &str, &Value)> = outbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["channel"].as_str().unwrap(),
                &m["recipients"],
            )
        })
        .collect();
    let bob = json!(["bob-union"]);
    assert_eq!(
        told,
        [
            ("invitation", "push", &bob),
            ("invitation", "chat", &bob),
            ("cancellation", "push", &bob),
            ("cancellation", "chat", &bob),
        ],
        "{outbox}"
    );
}

#[tokio::test]
async fn what_the_api_cannot_keep_is_refused_and_changes_nothing() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let alice = Dav::of(&api, "alice-union").await;
    for (what, body) in [
        (
            "a stranger",
            WRITTEN.replace("bob-union@dingcal.invalid", "someone@else.example"),
        ),
        (
            "an hourly rule",
            WRITTEN.replace("FREQ=WEEKLY;BYDAY=MO", "FREQ=HOURLY"),
        ),
        (
            "no start",
            WRITTEN.replace("DTSTART;TZID=Europe/Berlin:20261214T090000\r\n", ""),
        ),
        (
            "a date not in the series",
            WRITTEN.replace(
                "EXDATE;TZID=Europe/Berlin:20261221T090000",
                "EXDATE;TZID=Europe/Berlin:20261222T090000",
            ),
        ),
    ] {
        let path = format!("{}refused.ics", alice.calendar());
        let (status, _, text) = alice.send("PUT", &path, &[], &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {text}");
    }
    assert!(view(&api, "alice-union").await.is_empty());
}

#[tokio::test]
async fn sync_tokens_give_what_changed_and_what_went() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let kept = id_of(&api.create("alice-union", meeting("Kept", &[])).await);
    let changed = id_of(&api.create("alice-union", meeting("Changed", &[])).await);
    let deleted = id_of(&api.create("alice-union", meeting("Deleted", &[])).await);
    let dav = Dav::of(&api, "alice-union").await;
    let first = dav.report(&SYNC.replace("TOKEN", "")).await;
    for id in [&kept, &changed, &deleted] {
        assert!(first.contains(&format!("{id}.ics")), "{first}");
    }
    let token = sync_token(&first);
    let patch = json!({"id": changed, "summary": "Changed again"});
    let (status, _) = api
        .call(
            Method::PUT,
            &event_path("alice-union", &changed),
            Some(patch),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api
        .call(Method::DELETE, &event_path("alice-union", &deleted), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let next = dav.report(&SYNC.replace("TOKEN", &token)).await;
    assert!(!next.contains(&format!("{kept}.ics")), "{next}");
    assert!(
        next.contains(&format!("{changed}.ics</D:href><D:propstat>")),
        "{next}"
    );
    assert!(
        next.contains(&format!(
            "{deleted}.ics</D:href><D:status>HTTP/1.1 404 Not Found"
        )),
        "{next}"
    );
    let (status, _, _) = dav
        .send(
            "REPORT",
            &dav.calendar(),
            &[],
            &SYNC.replace("TOKEN", "http://dingcal.invalid/sync/bogus"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_users_calendar_is_refused_and_a_read_only_share_takes_no_writes() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let alice = Dav::of(&api, "alice-union").await;
    let bob = Dav::of(&api, "bob-union").await;
    for verb in ["PROPFIND", "GET", "PUT"] {
        let (status, _, _) = bob
            .send(verb, &format!("{}x.ics", alice.calendar()), &[], WRITTEN)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{verb}");
    }
    // Alice shares her calendar with Bob to read.
    let (status, body) = api
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/calendars/primary/acls",
            Some(json!({"privilege": "reader", "sendMsg": false,
                        "scope": {"scopeType": "user", "userId": "bob-union"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = id_of(&api.create("alice-union", meeting("Alice's", &[])).await);
    let (_, _, home) = bob
        .send(
            "PROPFIND",
            &format!("/dav/calendars/{}/", bob.username),
            &[("depth", "1")],
            "",
        )
        .await;
    let shared = home
        .split("<D:href>")
        .filter_map(|h| h.split('<').next())
        .find(|h| {
            h.starts_with("/dav/calendars/")
                && !h.ends_with("/primary/")
                && h.matches('/').count() == 5
        })
        .expect("the shared calendar is listed")
        .to_string();
    let (status, _, text) = bob.send("GET", &format!("{shared}{id}.ics"), &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("SUMMARY:Alice's"), "{text}");
    let (status, _, _) = bob
        .send("PUT", &format!("{shared}new.ics"), &[], WRITTEN)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = bob
        .send("DELETE", &format!("{shared}{id}.ics"), &[], "")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    api.get("alice-union", &id).await;
}

#[tokio::test]
async fn two_users_may_each_write_an_object_of_one_name() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let alice = Dav::of(&api, "alice-union").await;
    let bob = Dav::of(&api, "bob-union").await;
    let single = |summary: &str| {
        WRITTEN
            .replace("SUMMARY:Planning\r\n", &format!("SUMMARY:{summary}\r\n"))
            .replace(
                "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob-union@dingcal.invalid\r\n",
                "",
            )
    };
    for (dav, summary) in [(&alice, "Alice's copy"), (&bob, "Bob's copy")] {
        let path = format!("{}shared-uid.ics", dav.calendar());
        let (status, _, text) = dav
            .send("PUT", &path, &[("if-none-match", "*")], &single(summary))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{summary}: {text}");
    }
    for (dav, summary) in [(&alice, "Alice's copy"), (&bob, "Bob's copy")] {
        let (text, _) = dav.get("shared-uid.ics").await;
        assert!(text.contains(&format!("SUMMARY:{summary}")), "{text}");
    }
}
