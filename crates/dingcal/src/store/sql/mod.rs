//! The store's logic, written once over [`db::Db`]: each operation is the
//! statements it runs in one unit of work of whichever backend. One module
//! per concern; this one maps the store's traits onto them.

mod acls;
mod auth;
mod batch;
mod cache;
mod caldav;
mod calendar;
mod creates;
pub mod db;
mod directory;
mod dump;
mod load;
mod minutes;
mod patches;
mod responses;
mod rooms;
mod rows;
mod schedule;
mod signins;
mod state;
mod subscribed;
mod writes;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

use self::batch::Batcher;
pub use self::cache::Caches;
use self::creates::{Create, CreateWriter};
use self::db::{Backend, BoxFuture};
use self::patches::{Patch, PatchWriter, batchable};
use self::responses::{Answer, ResponseWriter};
use super::idempotency::{self, InFlight};
use super::{
    Busy, CalendarReads, DirectoryStore, EventWrites, IssuedToken, IssuedUserToken, ListChanges,
    ListEvents, Listed, Outcome, Page, ScheduleReads, TokenRecord, TokenStore, UserGrant,
    WriteMeta,
};
use crate::directory::{DirectoryFile, Plugin};
use crate::domain::attendee::{Attendee, Invitee, ResponseStatus};
use crate::domain::event::{Event, EventChanges, EventView};
use crate::domain::time::Window;
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::ApiResult;

/// A store on a SQL backend.
pub struct SqlStore<B: Backend> {
    backend: Arc<B>,
    responses: Arc<Batcher<ResponseWriter<B>>>,
    patches: Arc<Batcher<PatchWriter<B>>>,
    creates: Arc<Batcher<CreateWriter<B>>>,
    in_flight: InFlight,
}

impl<B: Backend> SqlStore<B> {
    pub fn new(backend: B) -> SqlStore<B> {
        let backend = Arc::new(backend);
        SqlStore {
            responses: ResponseWriter::new(&backend),
            patches: PatchWriter::new(&backend),
            creates: CreateWriter::new(&backend),
            backend,
            in_flight: InFlight::default(),
        }
    }

    /// Runs a write under its x-client-token: refused while the token's
    /// first request runs, its first answer replayed once that is recorded,
    /// else `op` applied and its answer recorded in the same transaction.
    async fn write_once<F>(&self, meta: WriteMeta, op: F) -> ApiResult<Outcome>
    where
        F: for<'c> FnOnce(&'c B::Conn, &'c WriteMeta) -> BoxFuture<'c, ApiResult<Outcome>>
            + Clone
            + Send
            + 'static,
    {
        let _held = self.in_flight.hold(meta.idempotency.as_ref())?;
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    let now = meta.now.as_second();
                    if let Some(key) = &meta.idempotency {
                        if let Some(replayed) = idempotency::replay(conn, key, now).await? {
                            return Ok(replayed);
                        }
                    }
                    let outcome = op(conn, &meta).await?;
                    if let Some(key) = &meta.idempotency {
                        idempotency::record(conn, key, now, &outcome).await?;
                    }
                    Ok(outcome)
                })
            })
            .await
    }
}

#[async_trait]
impl<B: Backend> DirectoryStore for SqlStore<B> {
    async fn save_directory(&self, file: DirectoryFile) -> ApiResult<()> {
        self.backend
            .write(move |conn| Box::pin(async move { directory::save(conn, &file).await }))
            .await
    }

    async fn seed_directory(&self, file: DirectoryFile) -> ApiResult<bool> {
        self.backend
            .write(move |conn| Box::pin(async move { directory::seed(conn, &file).await }))
            .await
    }

    async fn load_directory(&self) -> ApiResult<DirectoryFile> {
        self.backend
            .read(|conn| Box::pin(directory::load(conn)))
            .await
    }

    async fn plugins(&self, corp_id: CorpId) -> ApiResult<Vec<Plugin>> {
        self.backend
            .read_alone(move |conn| {
                Box::pin(async move { directory::plugins(conn, corp_id.as_str()).await })
            })
            .await
    }

    async fn set_plugin_subscribers(
        &self,
        corp_id: CorpId,
        plugin_id: String,
        dept_ids: Vec<String>,
        union_ids: Vec<String>,
    ) -> ApiResult<bool> {
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    directory::set_plugin_subscribers(
                        conn,
                        corp_id.as_str(),
                        &plugin_id,
                        &dept_ids,
                        &union_ids,
                    )
                    .await
                })
            })
            .await
    }

    async fn set_app_secret(&self, app_key: String, secret: String) -> ApiResult<bool> {
        self.backend
            .write(move |conn| {
                Box::pin(async move { directory::set_app_secret(conn, &app_key, &secret).await })
            })
            .await
    }
}

#[async_trait]
impl<B: Backend> TokenStore for SqlStore<B> {
    async fn issue_token(
        &self,
        app_key: &str,
        secret: &str,
        now: Timestamp,
    ) -> ApiResult<IssuedToken> {
        let (app_key, secret) = (app_key.to_string(), secret.to_string());
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    auth::issue_token(conn, &app_key, &secret, now.as_second()).await
                })
            })
            .await
    }

    async fn token(&self, token: &str) -> ApiResult<Option<TokenRecord>> {
        let token = token.to_string();
        self.backend
            .read(move |conn| Box::pin(async move { auth::token(conn, &token).await }))
            .await
    }

    async fn issue_auth_code(
        &self,
        app_key: &str,
        user: UnionId,
        now: Timestamp,
    ) -> ApiResult<String> {
        let app_key = app_key.to_string();
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    auth::issue_auth_code(conn, &app_key, &user, now.as_second()).await
                })
            })
            .await
    }

    async fn issue_user_token(
        &self,
        app_key: &str,
        grant: UserGrant,
        now: Timestamp,
    ) -> ApiResult<Option<IssuedUserToken>> {
        let app_key = app_key.to_string();
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    auth::issue_user_token(conn, &app_key, &grant, now.as_second()).await
                })
            })
            .await
    }

    async fn purge_expired(&self, now: Timestamp) -> ApiResult<()> {
        self.backend
            .write(move |conn| Box::pin(auth::purge_expired(conn, now.as_second())))
            .await
    }
}

#[async_trait]
impl<B: Backend> EventWrites for SqlStore<B> {
    async fn create_event(
        &self,
        meta: WriteMeta,
        event: Event,
        invitees: Vec<Invitee>,
    ) -> ApiResult<Outcome> {
        // New events waiting at the same moment are written together where
        // the backend does not commit them together itself; one with an
        // x-client-token, or a CalDAV resource name, is a write of its own.
        if !B::COMMITS_TOGETHER && meta.idempotency.is_none() && event.ical.is_none() {
            let create = Create {
                meta,
                event,
                invitees,
            };
            return self.creates.submit(create).await;
        }
        self.write_once(meta, move |conn, meta| {
            Box::pin(writes::create_event(conn, meta, event, invitees))
        })
        .await
    }

    async fn patch_event(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        changes: EventChanges,
    ) -> ApiResult<Outcome> {
        // Patches of one event waiting at the same moment are applied
        // together; one with an x-client-token, an attendee list or an
        // occurrence's id is a write of its own.
        if batchable(&meta, &event_id, &changes) {
            return self
                .patches
                .submit(Patch {
                    meta,
                    event_id,
                    changes,
                })
                .await;
        }
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move { writes::patch_event(conn, meta, &event_id, changes).await })
        })
        .await
    }

    async fn delete_event(&self, meta: WriteMeta, event_id: EventId) -> ApiResult<Outcome> {
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move { writes::delete_event(conn, meta, &event_id).await })
        })
        .await
    }

    async fn respond(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        status: ResponseStatus,
    ) -> ApiResult<Outcome> {
        // The common case is one statement on the caller's own attendee row,
        // which carries the change for everyone's sync: responses to one
        // event contend for nothing. Without an x-client-token to record
        // beside it, it joins the responses being batched; when it changes
        // nothing (an occurrence id, or no such attendee) the full write
        // decides.
        if meta.idempotency.is_none() {
            let answer = Answer {
                corp_id: meta.corp_id.clone(),
                event_id: event_id.clone(),
                caller: meta.caller.clone(),
                status,
            };
            if self.responses.submit(answer).await? {
                return Ok(Outcome::Done);
            }
        }
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move { writes::respond(conn, meta, &event_id, status).await })
        })
        .await
    }

    async fn add_attendees(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        invitees: Vec<Invitee>,
    ) -> ApiResult<Outcome> {
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move { writes::add_attendees(conn, meta, &event_id, invitees).await })
        })
        .await
    }

    async fn remove_attendees(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        ids: Vec<UnionId>,
    ) -> ApiResult<Outcome> {
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move { writes::remove_attendees(conn, meta, &event_id, ids).await })
        })
        .await
    }

    async fn transfer_event(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        to: UnionId,
        exit: bool,
    ) -> ApiResult<Outcome> {
        self.write_once(meta, move |conn, meta| {
            Box::pin(async move { writes::transfer_event(conn, meta, &event_id, &to, exit).await })
        })
        .await
    }
}

#[async_trait]
impl<B: Backend> CalendarReads for SqlStore<B> {
    async fn get_event(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        max_attendees: usize,
    ) -> ApiResult<EventView> {
        // The common case, an event rather than an occurrence, is one
        // statement and needs no transaction.
        let (corp, user, id) = (corp_id.clone(), caller.clone(), event_id.clone());
        let plain = self
            .backend
            .read_alone(move |conn| {
                Box::pin(async move {
                    calendar::get_plain_event(conn, &corp, &user, &id, max_attendees).await
                })
            })
            .await?;
        if let Some(view) = plain {
            return Ok(view);
        }
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    calendar::get_event(conn, &corp_id, &caller, &event_id, max_attendees).await
                })
            })
            .await
    }

    async fn list_events(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListEvents,
    ) -> ApiResult<Page<Listed>> {
        self.backend
            .scan(move |conn| {
                Box::pin(
                    async move { calendar::list_events(conn, &corp_id, &caller, &query).await },
                )
            })
            .await
    }

    async fn list_changes(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListChanges,
    ) -> ApiResult<Page<Listed>> {
        self.backend
            .scan(move |conn| {
                Box::pin(
                    async move { calendar::list_changes(conn, &corp_id, &caller, &query).await },
                )
            })
            .await
    }

    async fn list_instances(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        series_id: EventId,
        query: ListEvents,
    ) -> ApiResult<Page<EventView>> {
        self.backend
            .scan(move |conn| {
                Box::pin(async move {
                    calendar::list_instances(conn, &corp_id, &caller, &series_id, &query).await
                })
            })
            .await
    }

    async fn list_view(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListEvents,
    ) -> ApiResult<Page<EventView>> {
        self.backend
            .scan(move |conn| {
                Box::pin(async move { calendar::list_view(conn, &corp_id, &caller, &query).await })
            })
            .await
    }

    async fn list_attendees(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        after: Option<i64>,
        limit: usize,
    ) -> ApiResult<Page<Attendee>> {
        self.backend
            .read(move |conn| {
                Box::pin(async move {
                    calendar::list_attendees(conn, &corp_id, &caller, &event_id, after, limit).await
                })
            })
            .await
    }
}

#[async_trait]
impl<B: Backend> ScheduleReads for SqlStore<B> {
    async fn busy(
        &self,
        corp_id: CorpId,
        users: Vec<UnionId>,
        window: Window,
    ) -> ApiResult<Vec<Vec<Busy>>> {
        self.backend
            .scan(move |conn| {
                Box::pin(async move {
                    let mut all = Vec::with_capacity(users.len());
                    for user in &users {
                        all.push(schedule::busy(conn, &corp_id, user, &window).await?);
                    }
                    Ok(all)
                })
            })
            .await
    }
}

/// The plans SQLite makes for the statements that read ranges of a
/// calendar: each must search an index on what bounds it, never scan a
/// table. (SQLite plans by the order of the terms too: a bound given later
/// than another can be ignored.)
#[cfg(test)]
mod plans {
    use rusqlite::Connection;

    use super::db::Sql;
    use super::{acls, calendar, load, rooms, schedule, signins};
    use crate::store::migrate;

    /// The plan's steps, one per line.
    fn plan(sql: Sql) -> String {
        let conn = Connection::open_in_memory().unwrap();
        for step in migrate::SQLITE {
            conn.execute_batch(step).unwrap();
        }
        let mut explain = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.sqlite))
            .unwrap();
        let nulls = vec![rusqlite::types::Null; explain.parameter_count()];
        let steps: Vec<String> = explain
            .query_map(rusqlite::params_from_iter(nulls), |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        steps.join("\n")
    }

    fn assert_searches(sql: Sql, wanted: &[&str]) {
        let plan = plan(sql);
        assert!(!plan.contains("SCAN"), "a scan in\n{plan}");
        for step in wanted {
            assert!(plan.contains(step), "no `{step}` in\n{plan}");
        }
    }

    #[test]
    fn a_room_conflict_check_and_a_rooms_schedule_seek_the_rooms_key() {
        let range = "PRIMARY KEY (room_id=? AND start_key>? AND start_key<?)";
        assert_searches(rooms::STARTING_WITHIN, &[range]);
        assert_searches(rooms::ALL_WITHIN, &[range]);
        assert_searches(
            rooms::LAST_BEFORE,
            &["PRIMARY KEY (room_id=? AND start_key<?)"],
        );
        for sql in [
            rooms::STARTING_WITHIN,
            rooms::ALL_WITHIN,
            rooms::LAST_BEFORE,
        ] {
            assert!(!plan(sql).contains("TEMP B-TREE"), "{}", plan(sql));
        }
        // A grantee's every request asks this.
        assert_searches(acls::PRIVILEGE, &["(owner=? AND grantee=?)"]);
    }

    #[test]
    fn sign_in_lists_walk_the_attendees_in_order_and_seek_each_sign_in() {
        for sql in [signins::SIGNED, signins::NOT_SIGNED] {
            assert_searches(sql, &["attendees_in_order (event_id=? AND position>?)"]);
            let plan = plan(sql);
            assert!(
                plan.contains("USING PRIMARY KEY (event_id=? AND kind=? AND union_id=?)"),
                "{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }

    #[test]
    fn a_window_of_a_calendar_ranges_its_index_on_the_window() {
        assert_searches(
            calendar::CALENDAR_ROWS,
            &["attendees_calendar (union_id=? AND start_key>? AND start_key<?)"],
        );
    }

    #[test]
    fn series_and_free_busy_range_the_series_index() {
        assert_searches(
            calendar::SERIES_IN_WINDOW,
            &["COVERING INDEX attendees_series (union_id=?"],
        );
        // The candidates first, from covering indexes only; then each
        // candidate's own row.
        let busy = plan(schedule::BUSY_CANDIDATES);
        let materialized = busy.find("MATERIALIZE").expect(&busy);
        let candidates = busy
            .find("COVERING INDEX attendees_series (union_id=?")
            .expect(&busy);
        let answers = busy
            .find("PRIMARY KEY (event_id=? AND union_id=?)")
            .expect(&busy);
        assert!(materialized < candidates && candidates < answers, "{busy}");
        assert!(busy.contains("COVERING INDEX events_version"), "{busy}");
        // A user's single events are read from the bound on, not all.
        assert!(
            busy.contains(
                "attendees_series (union_id=? AND recurring=? AND series_start_key>? AND series_start_key<?)"
            ),
            "{busy}"
        );
    }

    #[test]
    fn an_event_and_its_attendees_are_read_by_their_keys() {
        assert_searches(load::EVENT_PAGE, &["attendees_in_order (event_id=?)"]);
        assert!(!plan(load::EVENT_PAGE).contains("TEMP B-TREE"));
        // A cached event's header and attendees: from indexes alone.
        assert_searches(
            load::EVENT_PAGE_HEADER,
            &[
                "COVERING INDEX attendees_in_order (event_id=?)",
                "COVERING INDEX events_version (id=? AND corp_id=?)",
            ],
        );
        assert!(!plan(load::EVENT_PAGE_HEADER).contains("TEMP B-TREE"));
        assert_searches(
            load::EVENT_WITH_ME,
            &["PRIMARY KEY (event_id=? AND union_id=?)"],
        );
        assert_searches(
            load::ATTENDEES_PAGE,
            &["attendees_in_order (event_id=? AND position>?)"],
        );
    }

    #[test]
    fn a_sync_reads_the_callers_entries_then_each_events_changes() {
        assert_searches(calendar::CHANGED_EVENTS, &["(union_id=?)"]);
        assert_searches(
            calendar::ANSWERED_EVENTS,
            &["attendees_changed (event_id=? AND changed>? AND changed<?)"],
        );
        assert_searches(calendar::LEFT_EVENTS, &["r USING PRIMARY KEY (union_id=?)"]);
    }
}
