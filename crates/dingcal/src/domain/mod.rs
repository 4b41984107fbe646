//! The rules of the calendar, with no I/O and no wire format: what a valid
//! event is, how a patch applies (`event`), who may do what (`policy`).
//! The HTTP layer and the stores call these rules rather than restating them.

pub mod attendee;
pub mod event;
pub mod limits;
pub mod policy;
pub mod recurrence;
pub mod series;
pub mod time;

use crate::error::{ApiError, ApiResult};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An event's id, the same in the organizer's and every attendee's calendar.
    EventId
);
id_type!(
    /// A user's unionId: the `{userId}` of every calendar path.
    UnionId
);
id_type!(
    /// An organisation (DingTalk's corpId).
    CorpId
);

impl EventId {
    /// A new random id, URL-safe, in the style of the real service's ids.
    pub fn generate() -> Self {
        EventId(random_token(18))
    }
}

/// `n` random bytes as URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What an app may be granted in the directory file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    EventRead,
    EventWrite,
    EventScheduleRead,
}

impl Permission {
    pub const ALL: [Permission; 3] = [
        Permission::EventRead,
        Permission::EventWrite,
        Permission::EventScheduleRead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::EventRead => "Calendar.Event.Read",
            Permission::EventWrite => "Calendar.Event.Write",
            Permission::EventScheduleRead => "Calendar.EventSchedule.Read",
        }
    }

    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether holding `self` allows an operation that needs `needed`:
    /// write permission on events also grants reading them.
    pub fn grants(self, needed: Permission) -> bool {
        self == needed || (self == Permission::EventWrite && needed == Permission::EventRead)
    }
}

/// Only the user's primary calendar exists.
pub fn check_calendar_id(calendar_id: &str) -> ApiResult<()> {
    let trimmed = calendar_id.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid_parameter("CalendarId cannot be blank"));
    }
    if trimmed != "primary" {
        return Err(ApiError::item_not_found(
            "The specified calendar cannot be found; the only calendar is primary.",
        ));
    }
    Ok(())
}
