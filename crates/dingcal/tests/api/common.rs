//! A dingcal served in-process on a free port, with a directory made for the
//! tests, and helpers to call it over real HTTP.

use std::fmt::Write as _;

use dingcal::server::{self, Config, Running};
use dingcal::store::DbUrl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::postgres::{self, Schema};

/// Users u0001..u5001 of acme, enough to reach every attendee bound.
pub const EXTRA_USERS: usize = 5_001;

/// A dingcal to call over HTTP: served in-process with its own database,
/// or a process started by the test.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    /// Kept so the server and its files live as long as the test.
    _own: Option<(Running, TestDb, TempDir)>,
}

/// `postgres` runs the whole suite on `DINGCAL_TEST_POSTGRES` instead of
/// SQLite.
pub const STORE_VAR: &str = "DINGCAL_TEST_STORE";

/// A test's own database: a SQLite file in its folder, or a fresh schema
/// on the PostgreSQL server, dropped when this is.
pub struct TestDb {
    pub url: String,
    schema: Option<Schema>,
}

impl TestDb {
    /// The database the suite runs on (see `STORE_VAR`).
    pub fn for_suite(dir: &std::path::Path) -> TestDb {
        match std::env::var(STORE_VAR).as_deref() {
            Ok("postgres") => TestDb::postgres(),
            _ => TestDb::sqlite_at(&dir.join("dingcal.db")),
        }
    }

    /// A SQLite database at `path`, whatever the suite's store.
    pub fn sqlite_at(path: &std::path::Path) -> TestDb {
        TestDb {
            url: format!("sqlite://{}", path.display()),
            schema: None,
        }
    }

    /// A fresh schema on the PostgreSQL server of `DINGCAL_TEST_POSTGRES`;
    /// panics without it. Tests calling this are `#[ignore]`d.
    pub fn postgres() -> TestDb {
        let schema = Schema::create(&postgres::server());
        TestDb {
            url: schema.url.clone(),
            schema: Some(schema),
        }
    }

    /// Runs SQL in this PostgreSQL schema.
    pub fn run_sql(&self, sql: &str) {
        self.schema
            .as_ref()
            .expect("a PostgreSQL test database")
            .run_sql(sql);
    }

    pub fn db_url(&self) -> DbUrl {
        DbUrl::parse(&self.url).expect("test database URL")
    }
}

/// The emulator controls' token of every test server.
pub const ADMIN_TOKEN: &str = "test-admin-token";

pub fn extra_user(n: usize) -> String {
    format!("u{n:04}-union")
}

pub fn directory_toml() -> String {
    let mut toml = String::from(
        r#"
[[orgs]]
corp_id = "ding-acme"
name = "Acme"

[[orgs.apps]]
app_key = "acme-full"
app_secret = "full-secret"
permissions = ["Calendar.Event.Read", "Calendar.Event.Write", "Calendar.EventSchedule.Read",
               "Calendar.Acl.Read", "Calendar.Acl.Write", "Calendar.Calendar.Read",
               "Calendar.Calendar.Write"]
redirect_uris = ["http://app.example/cb", "http://a.example"]

[[orgs.apps]]
app_key = "acme-read"
app_secret = "read-secret"
permissions = ["Calendar.Event.Read"]

[[orgs.apps]]
app_key = "acme-none"
app_secret = "none-secret"
permissions = []

[[orgs.rooms]]
room_id = "room-aurora"
name = "Aurora"
capacity = 8

[[orgs.rooms]]
room_id = "room-borealis"
name = "Borealis"
needs_approval = true

[[orgs.rooms]]
room_id = "room-c1"
name = "C1"

[[orgs.rooms]]
room_id = "room-c2"
name = "C2"

[[orgs.rooms]]
room_id = "room-c3"
name = "C3"

[[orgs.rooms]]
room_id = "room-c4"
name = "C4"

[[orgs.categories]]
category_id = "c1"
name = "Work"

[[orgs.categories]]
category_id = "c2"
name = "Home"

[[orgs.plugins]]
plugin_id = "plugin-notes"
name = "Notes"
logo = "https://notes.example/logo.png"
classification = "document"
union_ids = ["alice-union"]

[[orgs.plugins]]
plugin_id = "plugin-poll"
name = "Poll"
"#,
    );
    for (id, name) in [
        ("alice", "Alice"),
        ("bob", "Bob"),
        ("carol", "Carol"),
        ("dave", "Dave"),
    ] {
        let _ = write!(
            toml,
            "\n[[orgs.users]]\nunion_id = \"{id}-union\"\nuser_id = \"{id}\"\nname = \"{name}\"\n"
        );
    }
    for n in 1..=EXTRA_USERS {
        let _ = write!(
            toml,
            "\n[[orgs.users]]\nunion_id = \"{}\"\nname = \"User {n}\"\n",
            extra_user(n)
        );
    }
    toml.push_str(
        r#"
[[orgs]]
corp_id = "ding-other"
name = "Other"

[[orgs.users]]
union_id = "eve-union"
name = "Eve"

[[orgs.apps]]
app_key = "other-app"
app_secret = "other-secret"
permissions = ["Calendar.Event.Read", "Calendar.Event.Write"]

[[orgs.rooms]]
room_id = "room-other"
name = "Elsewhere"

[[orgs.categories]]
category_id = "c9"
name = "Other work"
"#,
    );
    toml
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_with(Default::default()).await
    }

    /// A server whose clients are held to these limits.
    pub async fn start_with(limits: dingcal::http::Limits) -> TestServer {
        TestServer::launch(limits, Some(ADMIN_TOKEN)).await
    }

    /// A server started with no admin token: the emulator controls off.
    pub async fn start_without_controls() -> TestServer {
        TestServer::launch(Default::default(), None).await
    }

    async fn launch(limits: dingcal::http::Limits, admin_token: Option<&str>) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let directory = dir.path().join("directory.toml");
        std::fs::write(&directory, directory_toml()).expect("write directory");
        let db = TestDb::for_suite(dir.path());
        let running = server::start(Config {
            listen: "127.0.0.1:0".into(),
            db: db.db_url(),
            directory: Some(directory),
            limits,
            log_format: Default::default(),
            admin_token: admin_token.map(str::to_string),
            throttle_qps: None,
            seed: None,
            tls: None,
            public_url: None,
        })
        .await
        .expect("server starts");
        TestServer {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            _own: Some((running, db, dir)),
        }
    }

    /// A dingcal the test started itself, at `base`.
    pub fn at(base: &str) -> TestServer {
        TestServer {
            base: base.to_string(),
            http: reqwest::Client::new(),
            _own: None,
        }
    }

    pub async fn token(&self, app: &str) -> String {
        let secret = match app {
            "acme-full" => "full-secret",
            "acme-read" => "read-secret",
            "acme-none" => "none-secret",
            "other-app" => "other-secret",
            other => panic!("unknown test app {other}"),
        };
        self.app_token(app, secret).await
    }

    /// An app access token for this appKey and appSecret.
    pub async fn app_token(&self, key: &str, secret: &str) -> String {
        let (status, body) = self
            .send(
                Method::POST,
                "/v1.0/oauth2/accessToken",
                None,
                Some(json!({"appKey": key, "appSecret": secret})),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["accessToken"]
            .as_str()
            .expect("accessToken")
            .to_string()
    }

    /// One request; the answer's status and JSON body (`Null` when empty).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.header("x-acs-dingtalk-access-token", token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body read");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// A call of the emulator controls with `token` as its bearer, or none.
    pub async fn control_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("authorization", b.as_str()))
            .collect();
        self.send(method, path, None, body, &headers).await
    }

    /// A call of the emulator controls with the test servers' admin token.
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.control_as(Some(ADMIN_TOKEN), method, path, body).await
    }

    /// Sets the server's clock to `at` (RFC 3339), standing still.
    pub async fn freeze_clock(&self, at: &str) -> (StatusCode, Value) {
        self.admin(
            Method::PUT,
            "/_dingcal/clock",
            Some(json!({"now": at, "frozen": true})),
        )
        .await
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &str,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-acs-dingtalk-access-token", token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request sent");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// A client acting with one app's token.
pub struct Api<'a> {
    pub server: &'a TestServer,
    pub token: String,
}

pub fn events_path(user: &str) -> String {
    format!("/v1.0/calendar/users/{user}/calendars/primary/events")
}

pub fn event_path(user: &str, id: &str) -> String {
    format!("{}/{id}", events_path(user))
}

impl<'a> Api<'a> {
    pub async fn new(server: &'a TestServer) -> Api<'a> {
        Api {
            token: server.token("acme-full").await,
            server,
        }
    }

    /// A client acting with `user`'s user token (signed in for acme-full).
    pub async fn as_user(server: &'a TestServer, user: &str) -> Api<'a> {
        Api {
            token: sign_in(server, user).await.0,
            server,
        }
    }

    pub async fn with_app(server: &'a TestServer, app: &str) -> Api<'a> {
        Api {
            token: server.token(app).await,
            server,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.server
            .send(method, path, Some(&self.token), body, &[])
            .await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        self.server
            .send(method, path, Some(&self.token), body, headers)
            .await
    }

    /// Creates an event that must succeed; returns its body.
    pub async fn create(&self, organizer: &str, body: Value) -> Value {
        let (status, event) = self
            .call(Method::POST, &events_path(organizer), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "create failed: {event}");
        event
    }

    pub async fn get(&self, user: &str, id: &str) -> Value {
        let (status, event) = self.call(Method::GET, &event_path(user, id), None).await;
        assert_eq!(status, StatusCode::OK, "get failed: {event}");
        event
    }

    pub async fn respond(&self, user: &str, id: &str, status: &str) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            &format!("{}/respond", event_path(user, id)),
            Some(json!({"responseStatus": status})),
        )
        .await
    }
}

/// A one-hour meeting in Shanghai with the given attendees.
pub fn meeting(summary: &str, attendees: &[&str]) -> Value {
    json!({
        "summary": summary,
        "start": {"dateTime": "2026-12-01T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-12-01T11:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "attendees": attendees.iter().map(|a| json!({"id": a})).collect::<Vec<_>>(),
    })
}

pub fn id_of(event: &Value) -> String {
    event["id"].as_str().expect("event id").to_string()
}

pub fn attendee<'v>(event: &'v Value, id: &str) -> Option<&'v Value> {
    event["attendees"]
        .as_array()?
        .iter()
        .find(|a| a["id"] == id)
}

/// Asserts an error answer's status, code and (when given) exact message.
pub fn assert_error(answer: &(StatusCode, Value), status: u16, code: &str, message: Option<&str>) {
    let (got, body) = answer;
    assert_eq!(got.as_u16(), status, "unexpected status, body {body}");
    assert_eq!(body["code"], code, "unexpected code, body {body}");
    if let Some(message) = message {
        assert_eq!(body["message"], message, "unexpected message, body {body}");
    }
    assert!(
        body["requestid"].as_str().is_some_and(|r| !r.is_empty()),
        "no requestid in {body}"
    );
}

/// Event bodies without the fields every read recomputes.
pub fn stable(event: &Value) -> Value {
    let mut e = event.clone();
    if let Some(list) = e["attendees"].as_array_mut() {
        for a in list {
            a.as_object_mut().map(|o| o.remove("self"));
        }
    }
    e.as_object_mut().map(|o| o.remove("organizer"));
    e
}

/// Follows `nextToken` from `path` (which carries its own query) to the last
/// page; returns every item of `field`, checking no page exceeds `page_max`.
pub async fn all_pages(api: &Api<'_>, path: &str, field: &str, page_max: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(t) => format!("{path}&nextToken={t}"),
            None => path.to_string(),
        };
        let (status, page) = api.call(Method::GET, &url, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let list = page[field].as_array().expect("a list");
        assert!(list.len() <= page_max, "a page longer than asked");
        items.extend(list.iter().cloned());
        match page["nextToken"].as_str() {
            Some(t) => next = Some(t.to_string()),
            None => return items,
        }
    }
}

/// Runs futures concurrently on this task.
pub async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

/// Signs `user` in for acme-full through the stand-in login page and
/// exchanges the code: (access token, refresh token).
pub async fn sign_in(s: &TestServer, user: &str) -> (String, String) {
    let code = auth_code(s, user).await;
    let body = json!({"clientId": "acme-full", "clientSecret": "full-secret", "code": code, "grantType": "authorization_code"});
    let (status, token) = s
        .send(
            Method::POST,
            "/v1.0/oauth2/userAccessToken",
            None,
            Some(body),
            &[],
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{token}");
    assert_eq!(token["expireIn"], 7200);
    assert_eq!(token["corpId"], "ding-acme");
    (
        token["accessToken"].as_str().unwrap().into(),
        token["refreshToken"].as_str().unwrap().into(),
    )
}

pub async fn auth_code(s: &TestServer, user: &str) -> String {
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirects
        .get(format!(
            "{}/oauth2/auth?client_id=acme-full&response_type=code&redirect_uri=http%3A%2F%2Fapp.example%2Fcb&state=s%201&login_hint={user}",
            s.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("http://app.example/cb?authCode="),
        "{location}"
    );
    assert!(location.ends_with("&state=s%201"), "{location}");
    location
        .split("authCode=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string()
}
