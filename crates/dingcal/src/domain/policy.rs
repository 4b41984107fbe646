//! Who may do what to an event, and what follows from a change: the rules
//! that decide an operation's outcome once the event and the caller's place
//! in it are known. The stores read and write rows; these decide.

use super::UnionId;
use super::attendee::{Attendee, Invitee, ResponseStatus};
use super::event::{Event, EventChanges};
use super::limits::ATTENDEES_PER_EVENT;
use crate::error::{ApiError, ApiResult};

/// An event is in the calendars of its attendees (the organizer is one),
/// and in no one's once it is cancelled: anyone else is told it does not
/// exist, so nothing of it leaks.
pub fn may_see(me: Option<Attendee>, cancelled: bool) -> ApiResult<Attendee> {
    match me {
        Some(me) if !cancelled => Ok(me),
        _ => Err(ApiError::event_not_found()),
    }
}

/// Only the organizer changes an event, its attendees or one occurrence;
/// another attendee is refused with the seed's message.
pub fn may_change(me: &Attendee) -> ApiResult<()> {
    if me.is_organizer {
        Ok(())
    } else {
        Err(ApiError::not_organizer())
    }
}

/// What DeleteEvent by `me` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// The organizer cancels it for everyone (one occurrence: that
    /// occurrence is cancelled).
    Cancel,
    /// An attendee takes it out of their own calendar only (one occurrence:
    /// they decline that occurrence, which stays for the others).
    Leave,
}

pub fn deletion(me: &Attendee) -> Deletion {
    if me.is_organizer {
        Deletion::Cancel
    } else {
        Deletion::Leave
    }
}

/// What an attendee who leaves one occurrence answers for it.
pub const LEFT_OCCURRENCE: ResponseStatus = ResponseStatus::Declined;

/// The organizer answers their own invitation: they accept it.
pub const ORGANIZER_RESPONSE: ResponseStatus = ResponseStatus::Accepted;

/// One occurrence of a series takes neither a recurrence nor its own
/// attendee list: those belong to the series.
pub fn check_occurrence_changes(changes: &EventChanges) -> ApiResult<()> {
    if changes.recurrence.is_some() {
        return Err(ApiError::invalid_parameter(
            "An occurrence of a series cannot have a recurrence of its own",
        ));
    }
    if changes.attendees.is_some() {
        return Err(ApiError::invalid_parameter(
            "The attendees of one occurrence cannot be changed; change the series",
        ));
    }
    Ok(())
}

/// A series moved or re-patterned keeps none of its exceptions (as Outlook
/// does): their occurrences may no longer exist.
pub fn drops_exceptions(before: &Event, after: &Event) -> bool {
    before.when != after.when || before.recurrence != after.recurrence
}

/// TransferEvent hands an event to another user, not to its organizer.
pub fn check_transfer(organizer: &UnionId, to: &UnionId) -> ApiResult<()> {
    if organizer == to {
        return Err(ApiError::invalid_parameter(
            "newOrganizerId is already the organizer of the event",
        ));
    }
    Ok(())
}

/// The organizer stays on their event.
pub fn check_removal(organizer: &UnionId, ids: &[UnionId]) -> ApiResult<()> {
    if ids.contains(organizer) {
        return Err(ApiError::invalid_parameter(
            "The organizer cannot be removed from the attendees",
        ));
    }
    Ok(())
}

/// An event holds at most 5,000 attendees besides its organizer.
pub fn check_event_total(total: usize) -> ApiResult<()> {
    if total > ATTENDEES_PER_EVENT {
        return Err(ApiError::invalid_parameter(format!(
            "An event has at most {ATTENDEES_PER_EVENT} attendees; this change would make {total}"
        )));
    }
    Ok(())
}

/// How inviting `invitee` changes an event's attendee list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invitation {
    /// The organizer is always on it: nothing to do.
    Organizer,
    /// A new attendee, who has not answered yet.
    New,
    /// Already invited: only `isOptional` is set anew.
    Optional(bool),
    Unchanged,
}

pub fn invitation(
    organizer: &UnionId,
    invitee: &Invitee,
    current: Option<&Attendee>,
) -> Invitation {
    match current {
        _ if &invitee.id == organizer => Invitation::Organizer,
        None => Invitation::New,
        Some(a) if a.is_optional != invitee.is_optional => {
            Invitation::Optional(invitee.is_optional)
        }
        Some(_) => Invitation::Unchanged,
    }
}

/// PatchEvent's `attendees` replaces the list: those left out leave (the
/// organizer stays); those kept keep their responses.
pub fn leaving<'a>(
    current: impl IntoIterator<Item = &'a Attendee>,
    kept: &[Invitee],
) -> Vec<UnionId> {
    current
        .into_iter()
        .filter(|a| !a.is_organizer && !kept.iter().any(|k| k.id == a.id))
        .map(|a| a.id.clone())
        .collect()
}

/// How an event takes up an attendee's time in free/busy: not at all when
/// they declined it or it is marked free; tentatively when they answered
/// tentative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    Free,
    Busy,
    Tentative,
}

pub fn busy(status: ResponseStatus, event_free: bool) -> Busy {
    match status {
        ResponseStatus::Declined => Busy::Free,
        _ if event_free => Busy::Free,
        ResponseStatus::Tentative => Busy::Tentative,
        _ => Busy::Busy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attendee(id: &str, organizer: bool) -> Attendee {
        Attendee {
            id: UnionId(id.into()),
            is_optional: false,
            response_status: ResponseStatus::NeedsAction,
            is_organizer: organizer,
        }
    }

    #[test]
    fn only_the_organizer_changes_an_event() {
        assert!(may_change(&attendee("alice", true)).is_ok());
        assert_eq!(
            may_change(&attendee("bob", false)).unwrap_err().message,
            "Only the organizer is allowed to update an event."
        );
    }

    #[test]
    fn a_cancelled_event_is_seen_by_no_one() {
        assert!(may_see(Some(attendee("bob", false)), false).is_ok());
        assert_eq!(
            may_see(Some(attendee("alice", true)), true)
                .unwrap_err()
                .code,
            "itemNotFound"
        );
        assert!(may_see(None, false).is_err());
    }

    #[test]
    fn the_organizer_cancels_and_an_attendee_leaves() {
        assert_eq!(deletion(&attendee("alice", true)), Deletion::Cancel);
        assert_eq!(deletion(&attendee("bob", false)), Deletion::Leave);
    }

    #[test]
    fn a_replaced_list_keeps_the_organizer() {
        let current = [
            attendee("alice", true),
            attendee("bob", false),
            attendee("carol", false),
        ];
        let kept = [Invitee {
            id: UnionId("carol".into()),
            is_optional: true,
        }];
        assert_eq!(leaving(&current, &kept), [UnionId("bob".into())]);
    }

    #[test]
    fn declined_and_free_events_leave_time_free() {
        assert_eq!(busy(ResponseStatus::Declined, false), Busy::Free);
        assert_eq!(busy(ResponseStatus::Accepted, true), Busy::Free);
        assert_eq!(busy(ResponseStatus::Tentative, false), Busy::Tentative);
        assert_eq!(busy(ResponseStatus::NeedsAction, false), Busy::Busy);
    }
}
