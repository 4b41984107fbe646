//! A store of its own for each test, on either backend, provisioned with a
//! small directory; and short ways to build what the store's traits take.

use std::sync::Arc;

use dingcal::directory::{App, DirectoryFile, EventCategory, Org, Plugin, Room, User};
use dingcal::domain::attendee::{Attendee, Invitee, ResponseStatus};
use dingcal::domain::event::{EventChanges, EventView};
use dingcal::domain::time::{TimeSpec, Window};
use dingcal::domain::{CorpId, EventId, UnionId};
use dingcal::error::{ApiError, ApiResult, Status};
use dingcal::store::{self, DbUrl, IdempotencyKey, ListEvents, Outcome, Store, WriteMeta};
use jiff::Timestamp;

use crate::postgres::{self, Schema};

/// Writes one test body as two tests of the module it is used in: `sqlite`,
/// always run, and `postgres`, ignored unless asked for. Each body is an
/// `async fn(Fixture)` of that module; its tests are `NAME::sqlite` and
/// `NAME::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(crate::support::Fixture::sqlite().await).await;
                }

                #[tokio::test]
                #[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
                async fn postgres() {
                    super::$name(crate::support::Fixture::postgres().await).await;
                }
            }
        )+
    };
}
pub(crate) use on_both_backends;

pub const ACME: &str = "ding-acme";
pub const OTHER_ORG: &str = "ding-other";
/// acme's apps.
pub const APP: &str = "acme-app";
pub const SECOND_APP: &str = "acme-second";
pub const ALICE: &str = "alice-union";
pub const BOB: &str = "bob-union";
pub const CAROL: &str = "carol-union";
pub const DAVE: &str = "dave-union";
/// The other org's only user.
pub const EVE: &str = "eve-union";

/// The instant every test's writes happen at, unless it says otherwise.
pub const NOW: &str = "2026-11-01T00:00:00Z";
/// The zone of every test event.
pub const ZONE: &str = "Asia/Shanghai";

/// What a test's database lives in; dropped after its store.
enum Place {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] Schema),
}

/// A store with its own database.
pub struct Fixture {
    pub store: Arc<dyn Store>,
    _place: Place,
}

impl Fixture {
    /// A fresh SQLite file in a temp dir, with the test directory saved.
    pub async fn sqlite() -> Fixture {
        Fixture::provisioned(Fixture::bare_sqlite().await).await
    }

    /// A fresh schema on `DINGCAL_TEST_POSTGRES`, with the test directory
    /// saved; panics without the variable.
    pub async fn postgres() -> Fixture {
        Fixture::provisioned(Fixture::bare_postgres().await).await
    }

    pub async fn bare_sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DbUrl::SqliteFile(dir.path().join("dingcal.db"));
        Fixture {
            store: store::open(&url).await.expect("SQLite store opens"),
            _place: Place::Sqlite(dir),
        }
    }

    pub async fn bare_postgres() -> Fixture {
        let schema = Schema::create(&postgres::server());
        let url = DbUrl::parse(&schema.url).expect("a PostgreSQL URL");
        Fixture {
            store: store::open(&url).await.expect("PostgreSQL store opens"),
            _place: Place::Postgres(schema),
        }
    }

    /// The same kind of store as this one, empty: nothing saved in it yet.
    pub async fn bare_like(&self) -> Fixture {
        match self._place {
            Place::Sqlite(_) => Fixture::bare_sqlite().await,
            Place::Postgres(_) => Fixture::bare_postgres().await,
        }
    }

    async fn provisioned(fixture: Fixture) -> Fixture {
        fixture
            .store
            .save_directory(directory())
            .await
            .expect("directory saved");
        fixture
    }

    /// Creates an event organised by `organizer`; the outcome's view.
    pub async fn create(
        &self,
        organizer: &str,
        changes: EventChanges,
        invited: &[&str],
    ) -> EventView {
        let event = changes
            .create(EventId::generate(at(NOW)), user(organizer), at(NOW))
            .expect("a valid event");
        let outcome = self
            .store
            .create_event(meta(organizer), event, invitees(invited))
            .await
            .expect("event created");
        view_of(outcome)
    }

    /// The event as `caller` of acme gets it, with up to 500 attendees.
    pub async fn get(&self, caller: &str, id: &EventId) -> ApiResult<EventView> {
        self.store
            .get_event(corp(), user(caller), id.clone(), 500)
            .await
    }

    /// `caller`'s answer to an event, without an x-client-token.
    pub async fn respond(&self, caller: &str, id: &EventId, status: ResponseStatus) {
        let outcome = self
            .store
            .respond(meta(caller), id.clone(), status)
            .await
            .expect("response recorded");
        assert_eq!(outcome, Outcome::Done);
    }
}

/// acme with four users and two apps, and another org with one user.
pub fn directory() -> DirectoryFile {
    let person = |id: &str, name: &str| User {
        union_id: format!("{id}-union"),
        user_id: Some(id.to_string()),
        name: name.to_string(),
        email: Some(format!("{id}@acme.example")),
    };
    let app = |key: &str, permissions: &[&str]| App {
        app_key: key.to_string(),
        app_secret: format!("{key}-secret"),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
        redirect_uris: vec![format!("https://{key}.example/cb")],
    };
    DirectoryFile {
        orgs: vec![
            Org {
                corp_id: ACME.into(),
                name: "Acme".into(),
                users: vec![
                    person("alice", "Alice"),
                    person("bob", "Bob"),
                    person("carol", "Carol"),
                    person("dave", "Dave"),
                ],
                apps: vec![
                    app(
                        APP,
                        &[
                            "Calendar.Event.Read",
                            "Calendar.Event.Write",
                            "Calendar.EventSchedule.Read",
                        ],
                    ),
                    app(SECOND_APP, &["Calendar.Event.Read"]),
                ],
                rooms: vec![
                    Room {
                        room_id: "room-one".into(),
                        name: "One".into(),
                        capacity: Some(6),
                        needs_approval: false,
                    },
                    Room {
                        room_id: "room-two".into(),
                        name: "Two".into(),
                        capacity: None,
                        needs_approval: true,
                    },
                ],
                categories: vec![
                    EventCategory {
                        category_id: "review".into(),
                        name: "Review".into(),
                    },
                    EventCategory {
                        category_id: "interview".into(),
                        name: "Interview".into(),
                    },
                ],
                plugins: vec![Plugin {
                    plugin_id: "notes".into(),
                    name: "Notes".into(),
                    logo: Some("https://notes.example/logo.png".into()),
                    classification: Some("document".into()),
                    dept_ids: vec!["dept-1".into()],
                    union_ids: vec![ALICE.into()],
                }],
            },
            Org {
                corp_id: OTHER_ORG.into(),
                name: "Other".into(),
                users: vec![User {
                    union_id: EVE.into(),
                    user_id: None,
                    name: "Eve".into(),
                    email: None,
                }],
                apps: Vec::new(),
                rooms: Vec::new(),
                categories: Vec::new(),
                plugins: Vec::new(),
            },
        ],
    }
}

pub fn at(instant: &str) -> Timestamp {
    instant.parse().expect("an RFC 3339 instant")
}

/// `NOW` moved by `seconds`.
pub fn later(seconds: i64) -> Timestamp {
    Timestamp::from_second(at(NOW).as_second() + seconds).expect("an instant")
}

pub fn corp() -> CorpId {
    CorpId(ACME.into())
}

pub fn user(id: &str) -> UnionId {
    UnionId(id.to_string())
}

/// A write by `caller` of acme at `NOW`, without an x-client-token.
pub fn meta(caller: &str) -> WriteMeta {
    WriteMeta {
        corp_id: corp(),
        caller: user(caller),
        now: at(NOW),
        idempotency: None,
    }
}

/// A write by `caller` under APP's x-client-token `token`, for `request`
/// (the method and path the HTTP layer would name).
pub fn meta_with_token(caller: &str, token: &str, request: &str) -> WriteMeta {
    WriteMeta {
        idempotency: Some(IdempotencyKey {
            app_key: APP.into(),
            token: token.into(),
            request: request.into(),
        }),
        ..meta(caller)
    }
}

pub fn invitees(ids: &[&str]) -> Vec<Invitee> {
    ids.iter()
        .map(|id| Invitee {
            id: user(id),
            is_optional: false,
        })
        .collect()
}

/// A wall-clock time in `ZONE`, `yyyy-mm-ddThh:mm`.
pub fn local(side: &str, wall: &str) -> TimeSpec {
    TimeSpec::parse(side, None, Some(&format!("{wall}:00")), Some(ZONE)).expect("a valid time")
}

/// A timed event in `ZONE` from `start` to `end` (wall clock,
/// `yyyy-mm-ddThh:mm`).
pub fn meeting(summary: &str, start: &str, end: &str) -> EventChanges {
    EventChanges {
        summary: Some(summary.to_string()),
        start: Some(local("start", start)),
        end: Some(local("end", end)),
        ..EventChanges::default()
    }
}

/// An all-day event from `start` to the exclusive `end` (`yyyy-mm-dd`).
pub fn all_day(summary: &str, start: &str, end: &str) -> EventChanges {
    let date = |side: &str, d: &str| TimeSpec::parse(side, Some(d), None, None).expect("a date");
    EventChanges {
        summary: Some(summary.to_string()),
        start: Some(date("start", start)),
        end: Some(date("end", end)),
        ..EventChanges::default()
    }
}

/// A window from `min` to `max` (RFC 3339 with offsets).
pub fn window(min: &str, max: &str) -> Window {
    Window::parse(Some(min), Some(max)).expect("a valid window")
}

/// 1 December in Shanghai.
pub fn december_first() -> Window {
    window("2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00")
}

/// The first page of a window.
pub fn listing(window: Window, max_results: usize) -> ListEvents {
    ListEvents {
        window,
        show_deleted: false,
        after: None,
        max_results,
        max_attendees: 100,
    }
}

pub fn view_of(outcome: Outcome) -> EventView {
    match outcome {
        Outcome::Event(view) => *view,
        Outcome::Done => panic!("expected an event, got Done"),
    }
}

/// Attendees as (id, status), in their order.
pub fn answers(attendees: &[Attendee]) -> Vec<(&str, ResponseStatus)> {
    attendees
        .iter()
        .map(|a| (a.id.as_str(), a.response_status))
        .collect()
}

/// The ids of events or occurrences, in their order.
pub fn ids(views: &[EventView]) -> Vec<&str> {
    views.iter().map(|v| v.event.id.as_str()).collect()
}

pub fn summaries(views: &[EventView]) -> Vec<&str> {
    views.iter().map(|v| v.event.summary.as_str()).collect()
}

/// Asserts that `result` failed with this status and code.
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(result: ApiResult<T>, status: Status, code: &str) {
    match result {
        Err(ApiError {
            status: got,
            code: got_code,
            message,
            ..
        }) => {
            assert_eq!(
                (got, got_code),
                (status, code),
                "refused, but differently: {message}"
            );
        }
        Ok(value) => panic!("expected {code} ({status:?}), got {value:?}"),
    }
}
