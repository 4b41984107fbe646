//! Calendars and who may see them: each user has one, `primary`, which
//! access rules (CreateAcls) share with other users of the org at a
//! privilege; what each privilege shows of an event.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::UnionId;
use super::event::EventView;
use crate::error::{ApiError, ApiResult};

/// Every calendar's zone: the directory gives users none, and DingTalk's
/// default is China's.
pub const TIME_ZONE: &str = "Asia/Shanghai";

/// How far a user may go in a calendar, least first (DingTalk's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Privilege {
    /// When the owner is taken, and nothing of their events.
    FreeBusyReader,
    /// The events' times and titles.
    TitleReader,
    /// The events, whole.
    Reader,
    /// The events, to read and to change as the owner would.
    Writer,
    /// The owner's own.
    Owner,
}

impl Privilege {
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::FreeBusyReader => "free_busy_reader",
            Privilege::TitleReader => "title_reader",
            Privilege::Reader => "reader",
            Privilege::Writer => "writer",
            Privilege::Owner => "owner",
        }
    }

    /// A privilege an access rule may grant: all but `owner`.
    pub fn grantable(name: &str) -> ApiResult<Privilege> {
        match name {
            "free_busy_reader" => Ok(Privilege::FreeBusyReader),
            "title_reader" => Ok(Privilege::TitleReader),
            "reader" => Ok(Privilege::Reader),
            "writer" => Ok(Privilege::Writer),
            _ => Err(ApiError::invalid_parameter(
                "privilege must be one of free_busy_reader, title_reader, reader, writer",
            )),
        }
    }

    /// The caller's privilege, if it reaches `needed`; else the refusal
    /// DingTalk gives for a calendar a user may not touch.
    pub fn require(self, needed: Privilege) -> ApiResult<Privilege> {
        if self >= needed {
            Ok(self)
        } else {
            Err(ApiError::not_own_calendar())
        }
    }
}

/// The calendar a path's `{calendarId}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarRef {
    /// The primary calendar of the path's user.
    Primary,
    /// The primary calendar of this user, by the id ListCalendars gave it.
    Of(UnionId),
    /// A subscribed calendar, by its id.
    Subscribed(String),
}

impl CalendarRef {
    pub fn parse(calendar_id: &str) -> ApiResult<CalendarRef> {
        if calendar_id.trim().is_empty() {
            return Err(ApiError::invalid_parameter("CalendarId cannot be blank"));
        }
        if calendar_id == "primary" {
            return Ok(CalendarRef::Primary);
        }
        let decoded = URL_SAFE_NO_PAD
            .decode(calendar_id)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(ApiError::calendar_not_found)?;
        if let Some(owner) = decoded.strip_prefix(ID_PREFIX) {
            return Ok(CalendarRef::Of(UnionId(owner.into())));
        }
        if decoded.starts_with(super::subscribed::ID_PREFIX) {
            return Ok(CalendarRef::Subscribed(calendar_id.to_string()));
        }
        Err(ApiError::calendar_not_found())
    }
}

/// What a shared calendar's id encodes before the owner's unionId: the id
/// is opaque to clients, and reads back to its owner without a look-up.
const ID_PREFIX: &str = "calendar:";

/// The id under which `owner`'s primary calendar is listed to others.
pub fn shared_id(owner: &UnionId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{ID_PREFIX}{}", owner.as_str()))
}

/// What `privilege` shows of an event: everything to a reader; its times
/// and title (and how it repeats) to a title reader; its times alone to a
/// free/busy reader. The attendees show only to readers.
pub fn visible_part(mut view: EventView, privilege: Privilege) -> EventView {
    if privilege >= Privilege::Reader {
        return view;
    }
    let event = Arc::make_mut(&mut view.event);
    if privilege < Privilege::TitleReader {
        event.summary.clear();
    }
    event.description = None;
    event.location = None;
    event.meeting_rooms.clear();
    event.reminders = Some(Vec::new());
    event.online_meeting = None;
    event.rich_text = None;
    event.ui_configs.clear();
    event.categories.clear();
    event.extra.clear();
    event.card_instances.clear();
    event.event_config = None;
    view.attendees.retain(|a| a.is_organizer);
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileges_are_ordered_and_owner_is_never_granted() {
        assert!(Privilege::FreeBusyReader < Privilege::TitleReader);
        assert!(Privilege::Reader < Privilege::Writer);
        assert!(Privilege::grantable("owner").is_err());
        assert!(Privilege::grantable("freeBusyReader").is_err());
        for p in ["free_busy_reader", "title_reader", "reader", "writer"] {
            assert_eq!(Privilege::grantable(p).unwrap().as_str(), p);
        }
        assert_eq!(
            Privilege::Reader
                .require(Privilege::Writer)
                .unwrap_err()
                .code,
            "permissionDenied"
        );
    }

    #[test]
    fn a_shared_id_reads_back_to_its_owner() {
        let alice = UnionId("alice-union".into());
        let id = shared_id(&alice);
        assert_eq!(CalendarRef::parse(&id).unwrap(), CalendarRef::Of(alice));
        assert_eq!(CalendarRef::parse("primary").unwrap(), CalendarRef::Primary);
        assert_eq!(
            CalendarRef::parse(" ").unwrap_err().code,
            "invalidParameter"
        );
        assert_eq!(CalendarRef::parse("work").unwrap_err().code, "itemNotFound");
        assert_eq!(
            CalendarRef::parse(&format!("{id} ")).unwrap_err().code,
            "itemNotFound"
        );
    }
}
