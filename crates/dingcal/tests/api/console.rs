//! The web console at `/_dingcal/ui`: behind the admin token (a bearer, or
//! the cookie its login form sets), its pages showing what the API made,
//! and its forms working the controls as the JSON controls do.

use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

/// A browser of the console: it follows no redirect, so that each can be
/// checked, and carries the cookie it logged in with.
struct Browser<'a> {
    server: &'a TestServer,
    http: reqwest::Client,
    cookie: Option<String>,
}

impl<'a> Browser<'a> {
    fn new(server: &'a TestServer) -> Browser<'a> {
        Browser {
            server,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookie: None,
        }
    }

    /// Logged in with the admin token.
    async fn logged_in(server: &'a TestServer) -> Browser<'a> {
        let mut browser = Browser::new(server);
        let answer = browser
            .post("/_dingcal/ui/login", &[("token", ADMIN_TOKEN)])
            .await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let set = answer.headers()[SET_COOKIE].to_str().unwrap();
        browser.cookie = Some(set.split(';').next().unwrap().to_string());
        browser
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        // As a browser asks for a page.
        let request = self
            .http
            .request(method, format!("{}{path}", self.server.base))
            .header(ACCEPT, "text/html,application/xhtml+xml");
        match &self.cookie {
            Some(cookie) => request.header(COOKIE, cookie),
            None => request,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path).send().await.expect("sent")
    }

    /// A page that must answer 200, as text.
    async fn page(&self, path: &str) -> String {
        let answer = self.get(path).await;
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        answer.text().await.expect("body")
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.request(Method::POST, path)
            .form(form)
            .send()
            .await
            .expect("sent")
    }

    /// A form that must be taken: the browser is sent back to `to`.
    async fn submit(&self, path: &str, form: &[(&str, &str)], to: &str) {
        let answer = self.post(path, form).await;
        let status = answer.status();
        let location = answer
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let body = answer.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {body}");
        assert_eq!(location.as_deref(), Some(to));
    }
}

#[tokio::test]
async fn the_console_is_an_unknown_path_without_an_admin_token() {
    let s = TestServer::start_without_controls().await;
    for (method, path) in [
        (Method::GET, "/_dingcal/ui"),
        (Method::GET, "/_dingcal/ui/login"),
        (Method::POST, "/_dingcal/ui/login"),
        (Method::GET, "/_dingcal/ui/journal"),
    ] {
        let answer = s.control_as(Some(ADMIN_TOKEN), method, path, None).await;
        assert_error(&answer, 404, "InvalidAction.NotFound", None);
    }
}

#[tokio::test]
async fn a_page_without_the_token_is_refused_with_the_login_form() {
    let s = TestServer::start().await;
    let browser = Browser::new(&s);
    for path in ["/_dingcal/ui", "/_dingcal/ui/week?user=alice-union"] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{path}");
        let page = answer.text().await.unwrap();
        assert!(page.contains("name=\"token\""), "{page}");
        // It goes on to the page asked for once the token is given.
        let next = format!("name=\"next\" value=\"{}\"", path.replace('&', "&amp;"));
        assert!(page.contains(&next), "{page}");
    }
    let answer = browser
        .post("/_dingcal/ui/faults", &[("operation", "*")])
        .await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let (_, faults) = s.admin(Method::GET, "/_dingcal/faults", None).await;
    assert_eq!(
        faults["faults"],
        json!([]),
        "the refused form added nothing"
    );
    // A script may send the token as the JSON controls take it; a wrong
    // one, or none from a client that is no browser, gets the controls'
    // 401 in the API's shape.
    let answer = browser
        .request(Method::GET, "/_dingcal/ui")
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    for token in [Some("wrong"), None] {
        let answer = s
            .control_as(token, Method::GET, "/_dingcal/ui/journal", None)
            .await;
        assert_error(&answer, 401, "Unauthorized", None);
    }
}

#[tokio::test]
async fn a_session_is_the_servers_own_and_ends_at_logout() {
    let s = TestServer::start().await;
    let mut browser = Browser::new(&s);
    for forged in [
        "dingcal_admin=1",
        "dingcal_admin=4102444800.abc",
        "dingcal_admin=",
    ] {
        browser.cookie = Some(forged.to_string());
        assert_eq!(
            browser.get("/_dingcal/ui").await.status(),
            StatusCode::UNAUTHORIZED,
            "{forged}"
        );
    }
    // A session made for the same token by another server is not this
    // one's.
    let other = TestServer::start().await;
    let elsewhere = Browser::logged_in(&other).await;
    browser.cookie = elsewhere.cookie.clone();
    assert_eq!(
        browser.get("/_dingcal/ui").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let browser = Browser::logged_in(&s).await;
    let out = browser.post("/_dingcal/ui/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let cleared = out.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("dingcal_admin=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

#[tokio::test]
async fn a_form_posted_from_another_site_changes_nothing() {
    let s = TestServer::start().await;
    let browser = Browser::logged_in(&s).await;
    let host = s.base.trim_start_matches("http://").to_string();
    // Another port of the same host is another origin (SameSite would let
    // the cookie through).
    let forged = [
        ("origin", "http://127.0.0.1:1".to_string()),
        ("sec-fetch-site", "same-site".to_string()),
    ];
    for (name, value) in forged {
        let answer = browser
            .request(Method::POST, "/_dingcal/ui/faults")
            .header(name, value)
            .form(&[("operation", "*")])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{name}");
    }
    let (_, faults) = s.admin(Method::GET, "/_dingcal/faults", None).await;
    assert_eq!(faults["faults"], json!([]));
    // The console's own page posts from its own origin.
    let own = browser
        .request(Method::POST, "/_dingcal/ui/faults")
        .header("origin", format!("http://{host}"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("operation", "*")])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    let (_, faults) = s.admin(Method::GET, "/_dingcal/faults", None).await;
    assert_eq!(faults["faults"].as_array().unwrap().len(), 1);
    // And its pages cannot be framed by another site's.
    let page = browser.get("/_dingcal/ui").await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn the_login_form_takes_only_the_admin_token() {
    let s = TestServer::start().await;
    let browser = Browser::new(&s);
    let form = browser.get("/_dingcal/ui/login").await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("name=\"token\""));

    let wrong = browser
        .post("/_dingcal/ui/login", &[("token", "not-the-token")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let page = wrong.text().await.unwrap();
    assert!(page.contains("That is not the admin token."), "{page}");
    assert!(page.contains("name=\"token\""), "the form again");

    let right = browser
        .post("/_dingcal/ui/login", &[("token", ADMIN_TOKEN)])
        .await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(right.headers()[LOCATION], "/_dingcal/ui");
    let cookie = right.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("dingcal_admin="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/_dingcal"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains(ADMIN_TOKEN),
        "the token stays out of the browser"
    );

    // It goes on to a page of the console, and nowhere else.
    for (next, to) in [
        (
            "/_dingcal/ui/journal?operation=GetEvent",
            "/_dingcal/ui/journal?operation=GetEvent",
        ),
        ("https://elsewhere.example/", "/_dingcal/ui"),
        ("/_dingcal/export", "/_dingcal/ui"),
    ] {
        let answer = browser
            .post(
                "/_dingcal/ui/login",
                &[("token", ADMIN_TOKEN), ("next", next)],
            )
            .await;
        assert_eq!(answer.headers()[LOCATION], to, "{next}");
    }

    let browser = Browser::logged_in(&s).await;
    let users = browser.page("/_dingcal/ui").await;
    assert!(
        users.contains("Acme") && users.contains("alice-union"),
        "{users}"
    );
}

#[tokio::test]
async fn the_week_shows_an_event_with_the_users_answer_and_its_room() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            meeting("Review <plans> & more", &["bob-union", "carol-union"]),
        )
        .await,
    );
    assert_eq!(
        api.respond("bob-union", &id, "accepted").await.0,
        StatusCode::OK
    );
    let rooms = json!({"meetingRoomsToAdd": [{"roomId": "room-aurora"}]});
    let (status, _) = api
        .call(
            Method::POST,
            &format!("{}/meetingRooms", event_path("alice-union", &id)),
            Some(rooms),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let browser = Browser::logged_in(&s).await;
    // Any day of the week shows the whole week, Monday first.
    let week = browser
        .page("/_dingcal/ui/week?user=bob-union&start=2026-12-03")
        .await;
    assert!(week.contains("Bob · week of 30 Nov 2026"), "{week}");
    assert!(
        week.contains("Review &lt;plans&gt; &amp; more"),
        "escaped: {week}"
    );
    assert!(week.contains("10:00–11:00"), "{week}");
    // Bob's own answer, on the card before its room's.
    let card = &week[week.find("Review &lt;plans").expect("the card")..];
    let card = &card[..card.find("class=\"room\"").expect("its room")];
    assert!(card.contains(">accepted<"), "Bob's own answer: {card}");
    assert!(week.contains("Aurora"), "the room: {week}");
    let carol = browser
        .page("/_dingcal/ui/week?user=carol-union&start=2026-11-30")
        .await;
    assert!(carol.contains(">needsAction<"), "{carol}");
    let next_week = browser
        .page("/_dingcal/ui/week?user=bob-union&start=2026-12-07")
        .await;
    assert!(!next_week.contains("Review"), "{next_week}");

    // An event over several days is on each of them.
    let mut offsite = meeting("Offsite", &["bob-union"]);
    offsite["start"] = json!({"date": "2026-12-08"});
    offsite["end"] = json!({"date": "2026-12-10"});
    offsite["isAllDay"] = json!(true);
    let (status, body) = api
        .call(Method::POST, &events_path("alice-union"), Some(offsite))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let next_week = browser
        .page("/_dingcal/ui/week?user=bob-union&start=2026-12-07")
        .await;
    assert_eq!(
        next_week.matches(">Offsite<").count(),
        2,
        "Tuesday and Wednesday: {next_week}"
    );
}

#[tokio::test]
async fn the_event_page_lists_its_attendees_and_their_answers() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            meeting("Planning", &["bob-union", "dave-union"]),
        )
        .await,
    );
    api.respond("bob-union", &id, "declined").await;

    let browser = Browser::logged_in(&s).await;
    let page = browser
        .page(&format!("/_dingcal/ui/event?user=alice-union&event={id}"))
        .await;
    assert!(page.contains("<h1>Planning</h1>"), "{page}");
    assert!(page.contains("2026-12-01T10:00:00+08:00"), "{page}");
    for name in ["Alice", "Bob", "Dave"] {
        assert!(page.contains(name), "{name}: {page}");
    }
    assert!(
        page.contains(">declined<") && page.contains(">needsAction<"),
        "{page}"
    );
    let unknown = browser
        .get("/_dingcal/ui/event?user=alice-union&event=nope")
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("itemNotFound"));
}

#[tokio::test]
async fn the_journal_and_outbox_pages_show_the_calls_and_messages() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Sync", &["bob-union"]))
            .await,
    );
    let browser = Browser::logged_in(&s).await;
    // What the follow script asks for: the table alone.
    let journal = browser
        .page("/_dingcal/ui/journal?operation=CreateEvent&fragment=1")
        .await;
    assert!(journal.starts_with("<table"), "{journal}");
    assert!(
        journal.contains("CreateEvent") && journal.contains("acme-full"),
        "{journal}"
    );
    let refused = browser
        .page("/_dingcal/ui/journal?operation=GetEvent&fragment=1")
        .await;
    assert!(!refused.contains("acme-full"), "filtered: {refused}");
    let outbox = browser.page("/_dingcal/ui/outbox").await;
    assert!(outbox.contains("id=\"follow\""), "{outbox}");
    assert!(
        outbox.contains("invitation") && outbox.contains(&id),
        "{outbox}"
    );
}

#[tokio::test]
async fn a_fault_added_by_the_form_fails_the_next_call_until_removed_by_it() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let browser = Browser::logged_in(&s).await;
    let fault = [
        ("operation", "CreateEvent"),
        ("status", "503"),
        ("code", "systemError"),
        ("message", "from the console"),
        ("count", ""),
        ("probability", ""),
        ("delayMs", ""),
    ];
    browser
        .submit("/_dingcal/ui/faults", &fault, "/_dingcal/ui/faults")
        .await;
    let refused = api
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("Faulted", &[])),
        )
        .await;
    assert_error(&refused, 503, "systemError", Some("from the console"));

    let (_, listed) = s.admin(Method::GET, "/_dingcal/faults", None).await;
    let fault_id = listed["faults"][0]["faultId"].as_str().unwrap().to_string();
    assert!(
        browser
            .page("/_dingcal/ui/faults")
            .await
            .contains(&fault_id)
    );
    browser
        .submit(
            "/_dingcal/ui/faults/remove",
            &[("faultId", &fault_id)],
            "/_dingcal/ui/faults",
        )
        .await;
    api.create("alice-union", meeting("After", &[])).await;
}

#[tokio::test]
async fn a_fault_the_controls_refuse_is_shown_on_the_form() {
    let s = TestServer::start().await;
    let browser = Browser::logged_in(&s).await;
    let answer = browser
        .post(
            "/_dingcal/ui/faults",
            &[("operation", "NoSuchThing"), ("status", "503")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let page = answer.text().await.unwrap();
    assert!(
        page.contains("operation must be an SDK action name, or *"),
        "{page}"
    );
    assert!(
        page.contains("value=\"NoSuchThing\""),
        "the form as posted: {page}"
    );
    let (_, listed) = s.admin(Method::GET, "/_dingcal/faults", None).await;
    assert_eq!(listed["faults"], json!([]));
}

#[tokio::test]
async fn the_clock_forms_set_and_advance_the_controls_clock() {
    let s = TestServer::start().await;
    let browser = Browser::logged_in(&s).await;
    // A wall-clock time is read in the calendars' zone.
    browser
        .submit(
            "/_dingcal/ui/clock",
            &[("now", "2027-03-01T09:00:00"), ("frozen", "true")],
            "/_dingcal/ui/clock",
        )
        .await;
    let (_, clock) = s.admin(Method::GET, "/_dingcal/clock", None).await;
    assert_eq!(
        clock,
        json!({"now": "2027-03-01T01:00:00Z", "frozen": true})
    );

    browser
        .submit(
            "/_dingcal/ui/clock/advance",
            &[("seconds", "5400")],
            "/_dingcal/ui/clock",
        )
        .await;
    let (_, clock) = s.admin(Method::GET, "/_dingcal/clock", None).await;
    assert_eq!(
        clock,
        json!({"now": "2027-03-01T02:30:00Z", "frozen": true})
    );
    assert!(
        browser
            .page("/_dingcal/ui/clock")
            .await
            .contains("2027-03-01T02:30:00Z")
    );

    let refused = browser
        .post("/_dingcal/ui/clock/advance", &[("seconds", "-5")])
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("seconds must be a number, 0 or more")
    );
}

#[tokio::test]
async fn advancing_the_clock_by_the_form_fires_reminders() {
    let s = TestServer::start().await;
    s.freeze_clock("2026-12-01T01:00:00Z").await;
    let api = Api::new(&s).await;
    let mut body = meeting("Soon", &["bob-union"]);
    body["reminders"] = json!([{"method": "dingtalk", "minutes": 15}]);
    api.create("alice-union", body).await;
    let browser = Browser::logged_in(&s).await;
    browser
        .submit(
            "/_dingcal/ui/clock/advance",
            &[("seconds", "3600")],
            "/_dingcal/ui/clock",
        )
        .await;
    let (_, outbox) = s
        .admin(Method::GET, "/_dingcal/outbox?kind=reminder", None)
        .await;
    assert_eq!(outbox["messages"][0]["detail"], "Soon");
}
