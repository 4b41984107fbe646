//! Storage: one trait, one module per backend. Every write is atomic, carries
//! its x-client-token record in the same transaction, and is durable before
//! its answer is returned.

mod db;
mod engine;
pub mod postgres;
mod responses;
pub mod sqlite;

use async_trait::async_trait;
use base64::Engine;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::directory::DirectoryFile;
use crate::domain::attendee::{Attendee, Invitee, ResponseStatus};
use crate::domain::event::{Event, EventChanges, EventView};
use crate::domain::time::{When, Window};
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};

/// Who writes, for which org, when, and under which x-client-token.
#[derive(Debug, Clone)]
pub struct WriteMeta {
    pub corp_id: CorpId,
    pub caller: UnionId,
    pub now: Timestamp,
    pub idempotency: Option<IdempotencyKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub app_key: String,
    pub token: String,
    /// The request's method and path: the same token on another request is
    /// refused rather than answered with the first one's outcome.
    pub request: String,
}

/// What a write answered; kept with its x-client-token so that a replay
/// answers the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Event(Box<EventView>),
    Done,
}

#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: Timestamp,
}

/// What an access token stands for.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub app_key: String,
    /// Set for a user's token.
    pub user: Option<UnionId>,
    pub expires_at: Timestamp,
}

/// How a user token is asked for.
#[derive(Debug, Clone)]
pub enum UserGrant {
    AuthorizationCode(String),
    RefreshToken(String),
}

#[derive(Debug, Clone)]
pub struct IssuedUserToken {
    pub token: IssuedToken,
    pub refresh_token: String,
    pub user: UnionId,
}

#[derive(Debug, Clone)]
pub struct ListEvents {
    pub window: Window,
    pub show_deleted: bool,
    pub after: Option<EventCursor>,
    pub max_results: usize,
    pub max_attendees: usize,
}

/// A listed event and whether it is cancelled (deleted).
#[derive(Debug, Clone)]
pub struct Listed {
    pub view: EventView,
    pub cancelled: bool,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    /// On the last page of a calendar listing or sync: where the next sync
    /// starts.
    pub sync_token: Option<String>,
}

/// Which changes a sync has seen: every change numbered up to `upto`,
/// except those of `pending`, which were being written when it was taken
/// (on PostgreSQL, where change numbers are transaction ids and commit out
/// of order; on SQLite `pending` is always empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncPoint {
    pub upto: i64,
    pub pending: Vec<i64>,
}

impl SyncPoint {
    pub fn covers(&self, seq: i64) -> bool {
        seq <= self.upto && !self.pending.contains(&seq)
    }

    /// Every change numbered up to this is covered.
    pub fn floor(&self) -> i64 {
        self.pending.iter().map(|p| p - 1).fold(self.upto, i64::min)
    }

    /// `upto`, then each pending number, joined by dots.
    fn encode(&self) -> String {
        let mut text = self.upto.to_string();
        for p in &self.pending {
            text.push('.');
            text.push_str(&p.to_string());
        }
        text
    }

    fn decode(text: &str) -> Option<SyncPoint> {
        let mut parts = text.split('.');
        let upto = parts.next()?.parse().ok()?;
        let pending = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
        Some(SyncPoint { upto, pending })
    }
}

/// Where an event listing resumes: after this (start key, id). It carries
/// the sync point the listing began at, so that the syncToken of its last
/// page misses nothing that changed while it was paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCursor {
    pub start_key: i64,
    pub event_id: String,
    pub snapshot: SyncPoint,
}

impl EventCursor {
    pub fn encode(&self) -> String {
        encode_token(&format!(
            "e:{}:{}:{}",
            self.snapshot.encode(),
            self.start_key,
            self.event_id
        ))
    }

    pub fn decode(token: &str) -> ApiResult<EventCursor> {
        let raw = decode_token(token)?;
        let parsed = raw.strip_prefix("e:").and_then(|rest| {
            let mut parts = rest.splitn(3, ':');
            Some(EventCursor {
                snapshot: SyncPoint::decode(parts.next()?)?,
                start_key: parts.next()?.parse().ok()?,
                event_id: parts.next()?.to_string(),
            })
        });
        parsed.ok_or_else(invalid_next_token)
    }
}

/// A syncToken: everything changed that this sync point does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncToken(pub SyncPoint);

impl SyncToken {
    pub fn encode(&self) -> String {
        encode_token(&format!("s:{}", self.0.encode()))
    }

    pub fn decode(token: &str) -> ApiResult<SyncToken> {
        decode_token(token)
            .ok()
            .and_then(|raw| raw.strip_prefix("s:").and_then(SyncPoint::decode))
            .map(SyncToken)
            .ok_or_else(ApiError::sync_token_invalid)
    }
}

/// Where a sync resumes: changes `since` does not cover and `snapshot`
/// does, after the change (seq, event id) last answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeCursor {
    pub since: SyncPoint,
    pub snapshot: SyncPoint,
    pub seq: i64,
    pub event_id: String,
}

impl ChangeCursor {
    pub fn encode(&self) -> String {
        encode_token(&format!(
            "c:{}:{}:{}:{}",
            self.since.encode(),
            self.snapshot.encode(),
            self.seq,
            self.event_id
        ))
    }

    pub fn decode(token: &str) -> ApiResult<ChangeCursor> {
        let raw = decode_token(token)?;
        let parsed = raw.strip_prefix("c:").and_then(|rest| {
            let mut parts = rest.splitn(4, ':');
            Some(ChangeCursor {
                since: SyncPoint::decode(parts.next()?)?,
                snapshot: SyncPoint::decode(parts.next()?)?,
                seq: parts.next()?.parse().ok()?,
                event_id: parts.next()?.to_string(),
            })
        });
        parsed.ok_or_else(invalid_next_token)
    }
}

/// An incremental sync of a calendar.
#[derive(Debug, Clone)]
pub struct ListChanges {
    pub since: SyncToken,
    pub after: Option<ChangeCursor>,
    pub max_results: usize,
    pub max_attendees: usize,
}

/// Where an attendee listing resumes: after this position.
/// The migrations a database at schema version `applied` still lacks; a
/// database a newer dingcal has migrated further is refused.
fn pending_migrations<'a>(applied: usize, all: &'a [&'a str]) -> Result<&'a [&'a str], String> {
    all.get(applied..).ok_or_else(|| {
        format!(
            "the database has schema version {applied}, newer than this dingcal's {}",
            all.len()
        )
    })
}

pub fn encode_position(position: i64) -> String {
    encode_token(&format!("a:{position}"))
}

pub fn decode_position(token: &str) -> ApiResult<i64> {
    decode_token(token)?
        .strip_prefix("a:")
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid_next_token)
}

fn encode_token(raw: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_token(token: &str) -> ApiResult<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid_next_token)
}

fn invalid_next_token() -> ApiError {
    ApiError::invalid_parameter("nextToken is invalid")
}

#[async_trait]
pub trait Store: Send + Sync {
    /// Upserts the organisations, users and apps of a directory file.
    async fn save_directory(&self, file: DirectoryFile) -> ApiResult<()>;
    /// Saves `file` only if the database holds no organisation yet; says
    /// whether it did. Of several nodes starting at once on an empty
    /// database, one does.
    async fn seed_directory(&self, file: DirectoryFile) -> ApiResult<bool>;
    /// The whole directory as stored.
    async fn load_directory(&self) -> ApiResult<DirectoryFile>;

    /// The app's valid token, its life renewed, or a new one.
    async fn issue_token(&self, app_key: &str, now: Timestamp) -> ApiResult<IssuedToken>;
    /// What a token stands for and when it expires.
    async fn token(&self, token: &str) -> ApiResult<Option<TokenRecord>>;
    /// A one-time code by which the app gets a token acting as `user`.
    async fn issue_auth_code(
        &self,
        app_key: &str,
        user: UnionId,
        now: Timestamp,
    ) -> ApiResult<String>;
    /// A new user token for the app, against a code or a refresh token;
    /// `None` when that is unknown, used or expired.
    async fn issue_user_token(
        &self,
        app_key: &str,
        grant: UserGrant,
        now: Timestamp,
    ) -> ApiResult<Option<IssuedUserToken>>;
    /// Forgets expired tokens and x-client-tokens.
    async fn purge_expired(&self, now: Timestamp) -> ApiResult<()>;

    async fn create_event(
        &self,
        meta: WriteMeta,
        event: Event,
        invitees: Vec<Invitee>,
    ) -> ApiResult<Outcome>;
    async fn patch_event(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        changes: EventChanges,
    ) -> ApiResult<Outcome>;
    async fn delete_event(&self, meta: WriteMeta, event_id: EventId) -> ApiResult<Outcome>;
    async fn respond(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        status: ResponseStatus,
    ) -> ApiResult<Outcome>;
    async fn add_attendees(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        invitees: Vec<Invitee>,
    ) -> ApiResult<Outcome>;
    async fn remove_attendees(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        ids: Vec<UnionId>,
    ) -> ApiResult<Outcome>;

    /// One event in the caller's calendar, with its first `max_attendees`.
    async fn get_event(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        max_attendees: usize,
    ) -> ApiResult<EventView>;
    async fn list_events(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListEvents,
    ) -> ApiResult<Page<Listed>>;
    /// The events of the caller's calendar created, changed or deleted (or
    /// that they left) since a syncToken, in change order.
    async fn list_changes(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListChanges,
    ) -> ApiResult<Page<Listed>>;
    /// The occurrences of a series the caller sees, in the window.
    async fn list_instances(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        series_id: EventId,
        query: ListEvents,
    ) -> ApiResult<Page<EventView>>;
    /// Every single event and every occurrence of every series in the
    /// caller's calendar whose start falls in the window, in start order.
    async fn list_view(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        query: ListEvents,
    ) -> ApiResult<Page<EventView>>;
    /// When `user` is taken within the window: events (and occurrences)
    /// overlapping it that they have not declined and that are not marked
    /// free, in start order.
    async fn busy(&self, corp_id: CorpId, user: UnionId, window: Window) -> ApiResult<Vec<Busy>>;
    async fn list_attendees(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        after: Option<i64>,
        limit: usize,
    ) -> ApiResult<Page<Attendee>>;
}

/// A stretch of time a user is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub when: When,
    /// The user answered the invitation with `tentative`.
    pub tentative: bool,
}

/// Where the data lives, from `--db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    SqliteFile(std::path::PathBuf),
    SqliteMemory,
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(DbUrl::SqliteMemory);
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, as in sqlite://dingcal.db".into());
            }
            return Ok(DbUrl::SqliteFile(path.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        Err(format!(
            "unsupported --db {url:?}: use sqlite://PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB"
        ))
    }
}

/// Opens the store a URL names, creating and migrating it.
pub async fn open(url: &DbUrl) -> Result<std::sync::Arc<dyn Store>, String> {
    match url {
        DbUrl::SqliteFile(path) => Ok(std::sync::Arc::new(sqlite::Sqlite::open_file(path)?)),
        DbUrl::SqliteMemory => Ok(std::sync::Arc::new(sqlite::Sqlite::open_memory()?)),
        DbUrl::Postgres(url) => Ok(std::sync::Arc::new(postgres::Postgres::open(url).await?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let point = |upto, pending: &[i64]| SyncPoint {
            upto,
            pending: pending.to_vec(),
        };
        let c = EventCursor {
            start_key: -5,
            event_id: "a:b".into(),
            snapshot: point(7, &[]),
        };
        let s = ChangeCursor {
            since: point(1, &[]),
            snapshot: point(9, &[3, 8]),
            seq: 4,
            event_id: "x:y".into(),
        };
        assert_eq!(ChangeCursor::decode(&s.encode()).unwrap(), s);
        let token = SyncToken(point(12, &[10]));
        assert_eq!(SyncToken::decode(&token.encode()).unwrap(), token);
        assert_eq!(
            SyncToken::decode("nope").unwrap_err().code,
            "invalidSyncToken"
        );
        assert_eq!(EventCursor::decode(&c.encode()).unwrap(), c);
        assert_eq!(decode_position(&encode_position(42)).unwrap(), 42);
        assert!(EventCursor::decode("garbage!").is_err());
        assert!(decode_position(&c.encode()).is_err());
    }

    #[test]
    fn a_sync_point_covers_what_it_saw() {
        let p = SyncPoint {
            upto: 10,
            pending: vec![7, 9],
        };
        assert!(p.covers(6) && p.covers(8) && p.covers(10));
        assert!(!p.covers(7) && !p.covers(9) && !p.covers(11));
        assert_eq!(p.floor(), 6);
        assert_eq!(SyncPoint::default().floor(), 0);
    }

    #[test]
    fn db_urls() {
        assert_eq!(
            DbUrl::parse("sqlite://dingcal.db").unwrap(),
            DbUrl::SqliteFile("dingcal.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite::memory:").unwrap(),
            DbUrl::SqliteMemory
        );
        assert!(DbUrl::parse("mysql://x").is_err());
    }
}
