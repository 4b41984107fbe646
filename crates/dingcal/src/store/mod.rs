//! Storage: narrow traits, one per concern, that [`Store`] gathers; the
//! logic written once over SQL (`sql`), and one module per backend. Every
//! write is atomic, carries its x-client-token record in the same
//! transaction, and is durable before its answer is returned.

pub mod cursor;
pub mod idempotency;
pub mod migrate;
pub mod postgres;
mod sql;
pub mod sqlite;
mod stored;
mod url;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

pub use cursor::{
    ChangeCursor, EventCursor, SyncPoint, SyncToken, decode_position, encode_position,
};
pub use idempotency::IdempotencyKey;
pub use url::DbUrl;

use crate::directory::{DirectoryFile, Plugin};
use crate::domain::attendee::{Attendee, Invitee, ResponseStatus};
use crate::domain::calendar::Privilege;
use crate::domain::event::{Event, EventChanges, EventView};
use crate::domain::reminder::Due;
use crate::domain::room::RoomStatus;
use crate::domain::series::Origin;
use crate::domain::signin::SignKind;
use crate::domain::subscribed::SubscribedCalendar;
use crate::domain::time::{ClockSetting, When, Window};
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::ApiResult;

/// Who writes, for which org, when, and under which x-client-token.
#[derive(Debug, Clone)]
pub struct WriteMeta {
    pub corp_id: CorpId,
    pub caller: UnionId,
    pub now: Timestamp,
    pub idempotency: Option<IdempotencyKey>,
}

/// What a write answered; kept with its x-client-token so that a replay
/// answers the same.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A window of a calendar, paged.
#[derive(Debug, Clone)]
pub struct ListEvents {
    pub window: Window,
    pub show_deleted: bool,
    pub after: Option<EventCursor>,
    pub max_results: usize,
    pub max_attendees: usize,
}

/// An incremental sync of a calendar.
#[derive(Debug, Clone)]
pub struct ListChanges {
    pub since: SyncToken,
    pub after: Option<ChangeCursor>,
    pub max_results: usize,
    pub max_attendees: usize,
}

/// A listed event and whether it is cancelled (deleted) for the caller.
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

/// A stretch of time a user is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub when: When,
    /// The user answered the invitation with `tentative`.
    pub tentative: bool,
}

/// Organisations, users and apps.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Upserts the organisations, users and apps of a directory file.
    async fn save_directory(&self, file: DirectoryFile) -> ApiResult<()>;
    /// Saves `file` only if the database holds no organisation yet; says
    /// whether it did. Of several nodes starting at once on an empty
    /// database, one does.
    async fn seed_directory(&self, file: DirectoryFile) -> ApiResult<bool>;
    /// The whole directory as stored.
    async fn load_directory(&self) -> ApiResult<DirectoryFile>;
    /// Replaces an app's secret and ends the tokens the old one got;
    /// whether the app exists.
    async fn set_app_secret(&self, app_key: String, secret: String) -> ApiResult<bool>;
    /// An org's calendar plugins, with their subscribers as they stand.
    async fn plugins(&self, corp_id: CorpId) -> ApiResult<Vec<Plugin>>;
    /// Replaces a plugin's subscribers; whether the org has that plugin.
    async fn set_plugin_subscribers(
        &self,
        corp_id: CorpId,
        plugin_id: String,
        dept_ids: Vec<String>,
        union_ids: Vec<String>,
    ) -> ApiResult<bool>;
}

/// Access tokens, user tokens and what they are issued against.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The app's valid token, its life renewed, or a new one; made from
    /// the app's `secret`, which the caller has checked.
    async fn issue_token(
        &self,
        app_key: &str,
        secret: &str,
        now: Timestamp,
    ) -> ApiResult<IssuedToken>;
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
}

/// Every change to events, each answered with its [`Outcome`].
#[async_trait]
pub trait EventWrites: Send + Sync {
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
    /// Hands the event to `to`; the old organizer leaves it if `exit`.
    async fn transfer_event(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        to: UnionId,
        exit: bool,
    ) -> ApiResult<Outcome>;
}

/// A user's calendar as they see it.
#[async_trait]
pub trait CalendarReads: Send + Sync {
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
    async fn list_attendees(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        after: Option<i64>,
        limit: usize,
    ) -> ApiResult<Page<Attendee>>;
}

/// Free/busy.
#[async_trait]
pub trait ScheduleReads: Send + Sync {
    /// For each of `users`, when they are taken within the window: events
    /// (and occurrences) overlapping it that take up their time (see
    /// `policy::busy`), in start order.
    async fn busy(
        &self,
        corp_id: CorpId,
        users: Vec<UnionId>,
        window: Window,
    ) -> ApiResult<Vec<Vec<Busy>>>;
}

/// An access rule: `grantee` may use `owner`'s calendar at `privilege`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    pub acl_id: String,
    pub owner: UnionId,
    pub grantee: UnionId,
    pub privilege: Privilege,
    /// Whether the grantee is to be told (kept for the outbox).
    pub send_msg: bool,
}

/// Calendars shared through access rules.
#[async_trait]
pub trait AclStore: Send + Sync {
    /// Shares `acl.owner`'s calendar with `acl.grantee`. A second rule for
    /// the same grantee replaces the first and keeps its id; a calendar
    /// has at most `SHARES_PER_CALENDAR` (`shareExceedLimit`).
    async fn create_acl(&self, meta: WriteMeta, acl: Acl) -> ApiResult<Acl>;
    /// The rules of `owner`'s calendar, oldest first.
    async fn list_acls(&self, corp_id: CorpId, owner: UnionId) -> ApiResult<Vec<Acl>>;
    /// Takes a rule back at once; whether there was one by that id.
    async fn delete_acl(&self, meta: WriteMeta, owner: UnionId, acl_id: String) -> ApiResult<bool>;
    /// What `grantee` was granted on `owner`'s calendar, if anything.
    async fn privilege(
        &self,
        corp_id: CorpId,
        owner: UnionId,
        grantee: UnionId,
    ) -> ApiResult<Option<Privilege>>;
    /// The calendars shared with `grantee`: each owner, and the privilege.
    async fn shared_with(
        &self,
        corp_id: CorpId,
        grantee: UnionId,
    ) -> ApiResult<Vec<(UnionId, Privilege)>>;
    /// A tag of `owner`'s calendar that changes whenever its events (as
    /// the owner sees them) or its sharing change: its eTag.
    async fn calendar_tag(&self, corp_id: CorpId, owner: UnionId) -> ApiResult<String>;
}

/// One stretch of time a room is held for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSlot {
    /// The event, or the occurrence's instance id.
    pub event_id: EventId,
    pub organizer: UnionId,
    pub status: RoomStatus,
    pub when: When,
}

/// Meeting rooms on events. Each write saves the event, which holds its
/// rooms anew or is refused where one is taken.
#[async_trait]
pub trait RoomStore: Send + Sync {
    /// Adds rooms, each `(room id, whether it needs approval)`.
    async fn add_rooms(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        rooms: Vec<(String, bool)>,
    ) -> ApiResult<Outcome>;
    /// Takes rooms off the event (those not on it are passed over).
    async fn remove_rooms(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        room_ids: Vec<String>,
    ) -> ApiResult<Outcome>;
    /// Sets a room's answer to its booking.
    async fn respond_room(
        &self,
        meta: WriteMeta,
        event_id: EventId,
        room_id: String,
        status: RoomStatus,
    ) -> ApiResult<Outcome>;
    /// For each room, what holds it within the window, in start order.
    async fn room_schedule(
        &self,
        corp_id: CorpId,
        room_ids: Vec<String>,
        window: Window,
    ) -> ApiResult<Vec<Vec<RoomSlot>>>;
}

/// Who signed in or out of an event, and when (milliseconds since the
/// epoch); `None` in a list of those who have not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub user: UnionId,
    pub at_ms: Option<i64>,
}

/// Signing in to events and out of them.
#[async_trait]
pub trait SignStore: Send + Sync {
    /// Signs `meta.caller` in or out of an event, or one occurrence; the
    /// first time is kept and answered. `notInEvent` for someone not on it.
    async fn sign(&self, meta: WriteMeta, event_id: EventId, kind: SignKind) -> ApiResult<i64>;
    /// The event's attendees who have (`done`), or have not yet, signed
    /// `kind`, in attendee order, after the position `after`.
    #[allow(clippy::too_many_arguments)]
    async fn sign_list(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        kind: SignKind,
        done: bool,
        after: Option<i64>,
        limit: usize,
    ) -> ApiResult<Page<Signed>>;
    /// The code of an event's sign-in or sign-out link: made at the first
    /// ask, the same after.
    async fn sign_link(
        &self,
        corp_id: CorpId,
        event_id: EventId,
        kind: SignKind,
    ) -> ApiResult<String>;
    /// What a link's code names: the org, the event and which way.
    async fn sign_link_target(
        &self,
        code: String,
    ) -> ApiResult<Option<(CorpId, EventId, SignKind)>>;
    /// The organizer of an event (or occurrence) the caller is on.
    async fn organizer_of(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
    ) -> ApiResult<UnionId>;
}

/// Subscribed calendars and their subscriptions.
#[async_trait]
pub trait SubscribedStore: Send + Sync {
    async fn create_subscribed(
        &self,
        meta: WriteMeta,
        calendar: SubscribedCalendar,
    ) -> ApiResult<()>;
    /// Replaces a calendar's settings (its id and author stay); not found
    /// if it was deleted meanwhile.
    async fn update_subscribed(
        &self,
        meta: WriteMeta,
        calendar: SubscribedCalendar,
    ) -> ApiResult<()>;
    /// The org's subscribed calendar of that id, and whether `user`
    /// subscribes to it.
    async fn subscribed(
        &self,
        corp_id: CorpId,
        calendar_id: String,
        user: UnionId,
    ) -> ApiResult<Option<(SubscribedCalendar, bool)>>;
    /// Deletes a calendar: its subscriptions end and its events go.
    async fn delete_subscribed(&self, meta: WriteMeta, calendar_id: String) -> ApiResult<()>;
    /// `meta.caller` subscribes (again: nothing changes); at most
    /// `SUBSCRIPTIONS_PER_USER` (`exceedSubscribeLimit`).
    async fn subscribe(&self, meta: WriteMeta, calendar_id: String) -> ApiResult<()>;
    async fn unsubscribe(&self, meta: WriteMeta, calendar_id: String) -> ApiResult<()>;
    /// The calendars `user` authors, manages or subscribes to, by id, each
    /// with whether they subscribe.
    async fn calendars_of(
        &self,
        corp_id: CorpId,
        user: UnionId,
    ) -> ApiResult<Vec<(SubscribedCalendar, bool)>>;
}

/// An account GenerateCaldavAccount hands out.
#[derive(Debug, Clone)]
pub struct CaldavAccount {
    pub username: String,
    pub password: String,
}

/// An event whole, as CalDAV serves it: the event (a series' master) with
/// all its attendees, the occurrences that differ from the series, and
/// the original starts of those cancelled.
#[derive(Debug, Clone)]
pub struct CalendarObject {
    pub event: EventView,
    pub overrides: Vec<EventView>,
    pub cancelled: Vec<Origin>,
}

/// What CalDAV needs beyond the API's reads and writes.
#[async_trait]
pub trait CaldavStore: Send + Sync {
    /// A new password for `device` (replacing that device's last one);
    /// the username is the user's, the same on every call.
    async fn generate_caldav_account(
        &self,
        corp_id: CorpId,
        user: UnionId,
        device: String,
    ) -> ApiResult<CaldavAccount>;
    /// Whose account the credentials open, if any.
    async fn caldav_login(
        &self,
        username: String,
        password: String,
    ) -> ApiResult<Option<(CorpId, UnionId)>>;
    /// The user's CalDAV username, if they have an account.
    async fn caldav_username(&self, user: UnionId) -> ApiResult<Option<String>>;
    /// An event of the caller's calendar, whole.
    async fn calendar_object(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
    ) -> ApiResult<CalendarObject>;
    /// A syncToken of now (CalDAV's DAV:sync-token).
    async fn sync_token(&self) -> ApiResult<String>;
    /// The events CalDAV clients wrote under that resource name in the
    /// org, `owner`'s own first.
    async fn resource_events(
        &self,
        corp_id: CorpId,
        owner: UnionId,
        resource: String,
    ) -> ApiResult<Vec<EventId>>;
}

/// AI minutes (听记) attached to an event: which, and who made them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minutes {
    pub minutes_id: String,
    pub creator: UnionId,
}

#[async_trait]
pub trait MinutesStore: Send + Sync {
    /// Attaches minutes to an event of the org (again: the creator is
    /// replaced).
    async fn add_minutes(
        &self,
        corp_id: CorpId,
        event_id: EventId,
        minutes: Minutes,
    ) -> ApiResult<()>;
    /// The minutes of an event the caller sees, in the order attached; only
    /// the caller's own when `only_caller`.
    async fn minutes(
        &self,
        corp_id: CorpId,
        caller: UnionId,
        event_id: EventId,
        only_caller: bool,
    ) -> ApiResult<Vec<Minutes>>;
}

/// The state as a whole, for the emulator controls.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Deletes every event, token, access rule, subscription, sign-in and
    /// CalDAV account; the directory stays.
    async fn reset(&self) -> ApiResult<()>;
    /// The clock the controls set, which every node reads.
    async fn clock(&self) -> ApiResult<Option<ClockSetting>>;
    /// Sets the clock (`None`: the system's time again).
    async fn set_clock(&self, setting: Option<ClockSetting>) -> ApiResult<()>;
    /// The whole store as one JSON document (see `sql::dump`).
    async fn export(&self) -> ApiResult<serde_json::Value>;
    /// Replaces the state with a document's, in one transaction; refused
    /// when the document's directory is not the store's.
    async fn import(&self, document: serde_json::Value) -> ApiResult<()>;
    /// Loads a whole document, directory too, if the store holds no
    /// organisation yet; whether it did.
    async fn seed(&self, document: serde_json::Value) -> ApiResult<bool>;
    /// The reminders of every org that fall due in `(from, to]`, each with
    /// those it reminds: the attendees who have not declined.
    async fn due_reminders(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> ApiResult<Vec<(Due, Vec<UnionId>)>>;
}

/// Everything the server keeps.
pub trait Store:
    DirectoryStore
    + TokenStore
    + EventWrites
    + CalendarReads
    + ScheduleReads
    + AclStore
    + RoomStore
    + SignStore
    + SubscribedStore
    + CaldavStore
    + MinutesStore
    + StateStore
{
}

impl<T> Store for T where
    T: DirectoryStore
        + TokenStore
        + EventWrites
        + CalendarReads
        + ScheduleReads
        + AclStore
        + RoomStore
        + SignStore
        + SubscribedStore
        + CaldavStore
        + MinutesStore
        + StateStore
{
}

/// Opens the store a URL names, creating and migrating it.
pub async fn open(url: &DbUrl) -> Result<Arc<dyn Store>, String> {
    match url {
        DbUrl::SqliteFile(path) => Ok(Arc::new(sqlite::open_file(path)?)),
        DbUrl::SqliteMemory => Ok(Arc::new(sqlite::open_memory()?)),
        DbUrl::Postgres(url) => Ok(Arc::new(postgres::open(url).await?)),
    }
}
