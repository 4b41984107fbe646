//! Attendees and their responses.

use super::UnionId;
use super::limits::{ATTENDEES_PER_CALL, SHORT_STRING_MAX, check_len};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    NeedsAction,
    Accepted,
    Declined,
    Tentative,
}

impl ResponseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseStatus::NeedsAction => "needsAction",
            ResponseStatus::Accepted => "accepted",
            ResponseStatus::Declined => "declined",
            ResponseStatus::Tentative => "tentative",
        }
    }

    pub fn parse(value: Option<&str>) -> ApiResult<ResponseStatus> {
        match value {
            Some("needsAction") => Ok(ResponseStatus::NeedsAction),
            Some("accepted") => Ok(ResponseStatus::Accepted),
            Some("declined") => Ok(ResponseStatus::Declined),
            Some("tentative") => Ok(ResponseStatus::Tentative),
            None => Err(ApiError::invalid_parameter("responseStatus is required")),
            Some(other) => Err(ApiError::invalid_parameter(format!(
                "responseStatus must be one of needsAction, accepted, declined, tentative, got {other:?}"
            ))),
        }
    }
}

/// One attendee of one event, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub id: UnionId,
    pub is_optional: bool,
    pub response_status: ResponseStatus,
    pub is_organizer: bool,
}

/// An attendee to invite, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub id: UnionId,
    pub is_optional: bool,
}

/// Checks a list of attendees sent in one call, each as its id and
/// `isOptional`: at most 500, each with an id; a repeated id counts once
/// (its last flags win).
pub fn parse_invitees(
    field: &str,
    list: &[(Option<&str>, Option<bool>)],
) -> ApiResult<Vec<Invitee>> {
    check_per_call(field, list.len())?;
    let mut out: Vec<Invitee> = Vec::with_capacity(list.len());
    for (i, (id, is_optional)) in list.iter().enumerate() {
        let id = id.map(str::trim).filter(|id| !id.is_empty());
        let Some(id) = id else {
            return Err(ApiError::invalid_parameter(format!(
                "{field}[{i}].id is required (attendees by email alone are not supported)"
            )));
        };
        check_len(&format!("{field}[{i}].id"), id, SHORT_STRING_MAX)?;
        let invitee = Invitee {
            id: UnionId(id.to_string()),
            is_optional: is_optional.unwrap_or(false),
        };
        match out.iter_mut().find(|o| o.id == invitee.id) {
            Some(existing) => *existing = invitee,
            None => out.push(invitee),
        }
    }
    Ok(out)
}

/// Parses the ids of a removal list under the same per-call bound.
pub fn parse_ids(field: &str, ids: &[Option<String>]) -> ApiResult<Vec<UnionId>> {
    check_per_call(field, ids.len())?;
    let mut out: Vec<UnionId> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id.as_deref().map(str::trim).filter(|id| !id.is_empty()) else {
            return Err(ApiError::invalid_parameter(format!(
                "{field}[{i}].id is required"
            )));
        };
        let id = UnionId(id.to_string());
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

fn check_per_call(field: &str, n: usize) -> ApiResult<()> {
    if n > ATTENDEES_PER_CALL {
        return Err(ApiError::invalid_parameter(format!(
            "{field}: at most {ATTENDEES_PER_CALL} attendees per call, got {n}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str) -> (Option<&str>, Option<bool>) {
        (Some(id), None)
    }

    #[test]
    fn more_than_500_in_one_call_is_refused() {
        let ids: Vec<String> = (0..501).map(|i| format!("u{i}")).collect();
        let list: Vec<_> = ids.iter().map(|id| input(id)).collect();
        assert_eq!(
            parse_invitees("attendees", &list).unwrap_err().code,
            "invalidParameter"
        );
        assert_eq!(
            parse_invitees("attendees", &list[..500]).unwrap().len(),
            500
        );
    }

    #[test]
    fn a_repeated_attendee_counts_once() {
        let list = [input("a"), input("b"), input("a")];
        assert_eq!(parse_invitees("attendees", &list).unwrap().len(), 2);
    }

    #[test]
    fn unknown_response_status_is_refused() {
        assert!(ResponseStatus::parse(Some("maybe")).is_err());
        assert_eq!(
            ResponseStatus::parse(Some("tentative")).unwrap(),
            ResponseStatus::Tentative
        );
    }
}
