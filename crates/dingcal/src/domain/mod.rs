//! The rules of the calendar, with no I/O and no wire format: what a valid
//! event is, how a patch applies (`event`), who may do what (`policy`).
//! The HTTP layer and the stores call these rules rather than restating them.

pub mod attendee;
pub mod calendar;
pub mod event;
pub mod legacy;
pub mod limits;
pub mod policy;
pub mod recurrence;
pub mod reminder;
pub mod room;
pub mod secret;
pub mod series;
pub mod signin;
pub mod subscribed;
pub mod time;

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

/// The 64 URL-safe characters in the order ASCII sorts them, so that ids
/// written with them sort as the numbers they stand for.
const ORDERED_DIGITS: &[u8; 64] = legacy::DIGITS;

impl EventId {
    /// A new id, 24 URL-safe characters in the style of the real service's:
    /// the creation time in milliseconds, then 72 random bits. Ids made
    /// later sort later, so that a new event's rows land at the end of
    /// every index that begins with its id instead of anywhere in it.
    pub fn generate(now: jiff::Timestamp) -> Self {
        let millis = u64::try_from(now.as_millisecond()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
        let random: u128 = rand::random::<u128>() >> 56;
        // 48 bits of time and 72 of chance, then 24 bits of chance more:
        // 144 bits, 24 characters of 6 bits each.
        let high = (u128::from(millis) << 72) | random;
        let low: u32 = rand::random::<u32>() & 0xFF_FFFF;
        let mut id = String::with_capacity(24);
        for shift in (0..20).rev() {
            id.push(char::from(
                ORDERED_DIGITS[(high >> (shift * 6)) as usize & 63],
            ));
        }
        for shift in (0..4).rev() {
            id.push(char::from(
                ORDERED_DIGITS[(low >> (shift * 6)) as usize & 63],
            ));
        }
        EventId(id)
    }
}

/// `n` random bytes as URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `n` random lowercase letters and digits: for names people may type.
pub fn random_lowercase(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| CHARS[rand::random_range(0..CHARS.len())] as char)
        .collect()
}

/// What an app may be granted in the directory file (DingTalk's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    EventRead,
    EventWrite,
    EventScheduleRead,
    AclRead,
    AclWrite,
    CalendarRead,
    CalendarWrite,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::EventRead,
        Permission::EventWrite,
        Permission::EventScheduleRead,
        Permission::AclRead,
        Permission::AclWrite,
        Permission::CalendarRead,
        Permission::CalendarWrite,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::EventRead => "Calendar.Event.Read",
            Permission::EventWrite => "Calendar.Event.Write",
            Permission::EventScheduleRead => "Calendar.EventSchedule.Read",
            Permission::AclRead => "Calendar.Acl.Read",
            Permission::AclWrite => "Calendar.Acl.Write",
            Permission::CalendarRead => "Calendar.Calendar.Read",
            Permission::CalendarWrite => "Calendar.Calendar.Write",
        }
    }

    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether holding `self` allows an operation that needs `needed`: a
    /// write permission also grants the reads of the same things.
    pub fn grants(self, needed: Permission) -> bool {
        use Permission::*;
        self == needed
            || matches!(
                (self, needed),
                (EventWrite, EventRead) | (AclWrite, AclRead) | (CalendarWrite, CalendarRead)
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_made_later_sort_later() {
        let at = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap();
        let ids: Vec<EventId> = (0..200)
            .map(|i| EventId::generate(at(1_790_000_000_000 + i * 37)))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        for id in &ids {
            assert_eq!(id.as_str().len(), 24);
            assert!(id.as_str().bytes().all(|b| ORDERED_DIGITS.contains(&b)));
        }
        let same_moment = EventId::generate(at(1));
        assert_ne!(same_moment, EventId::generate(at(1)));
    }
}
