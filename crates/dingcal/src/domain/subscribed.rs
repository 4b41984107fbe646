//! Subscribed calendars: calendars a user (the author) makes for others to
//! subscribe to, without attendees. The author and the managers write
//! their events; users inside the subscribe scope may subscribe and then
//! read them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::calendar::Privilege;
use super::limits::{
    CALENDAR_DESCRIPTION_MAX, CALENDAR_NAME_MAX, SUBSCRIBE_SCOPE_MAX, check_count,
};
use super::{CorpId, UnionId, random_token};
use crate::error::{ApiError, ApiResult};

/// Who may subscribe: users by unionId, whole orgs by corpId, and group
/// chats (dingcal has none: kept, matching no one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeScope {
    pub union_ids: Vec<UnionId>,
    pub conversation_ids: Vec<String>,
    pub corp_ids: Vec<String>,
}

impl SubscribeScope {
    pub fn check(self) -> ApiResult<SubscribeScope> {
        if self.union_ids.is_empty() && self.conversation_ids.is_empty() && self.corp_ids.is_empty()
        {
            return Err(ApiError::invalid_parameter(
                "subscribe range cannot be null",
            ));
        }
        check_count(
            "subscribeScope.unionIds",
            &self.union_ids,
            SUBSCRIBE_SCOPE_MAX,
        )?;
        check_count(
            "subscribeScope.openConversationIds",
            &self.conversation_ids,
            SUBSCRIBE_SCOPE_MAX,
        )?;
        check_count(
            "subscribeScope.corpIds",
            &self.corp_ids,
            SUBSCRIBE_SCOPE_MAX,
        )?;
        Ok(self)
    }

    pub fn includes(&self, user: &UnionId, corp_id: &CorpId) -> bool {
        self.union_ids.contains(user) || self.corp_ids.iter().any(|c| c == corp_id.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribedCalendar {
    pub calendar_id: String,
    pub author: UnionId,
    pub name: String,
    pub description: Option<String>,
    pub managers: Vec<UnionId>,
    pub scope: SubscribeScope,
}

/// What an id of a subscribed calendar encodes before its own random part.
pub const ID_PREFIX: &str = "subscribed:";

impl SubscribedCalendar {
    /// A new id, opaque, told apart from shared calendars' ids by what it
    /// encodes.
    pub fn new_id() -> String {
        URL_SAFE_NO_PAD.encode(format!("{ID_PREFIX}{}", random_token(12)))
    }

    /// Who its events stand for as organizer: the calendar itself, whose
    /// events are in no user's own calendar.
    pub fn owner(&self) -> UnionId {
        UnionId(self.calendar_id.clone())
    }

    /// Only the author and the managers read and change its settings.
    pub fn may_manage(&self, user: &UnionId) -> bool {
        &self.author == user || self.managers.contains(user)
    }

    /// What `user` (of `corp_id`) may do with its events: write them as
    /// author or manager, read them as a subscriber still inside its
    /// scope (a subscription the scope no longer covers reads nothing).
    pub fn privilege(
        &self,
        user: &UnionId,
        corp_id: &CorpId,
        subscribed: bool,
    ) -> Option<Privilege> {
        if self.may_manage(user) {
            Some(Privilege::Writer)
        } else if subscribed && self.scope.includes(user, corp_id) {
            Some(Privilege::Reader)
        } else {
            None
        }
    }
}

/// `name`: not blank, fewer than 128 characters.
pub fn name(value: Option<String>) -> ApiResult<String> {
    let value = value
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("calendar name cannot be blank"))?;
    if value.chars().count() >= CALENDAR_NAME_MAX {
        return Err(ApiError::invalid_parameter(
            "calendar name length must less than 128",
        ));
    }
    Ok(value)
}

/// `description`: at most 1,024 characters; empty is none.
pub fn description(value: String) -> ApiResult<Option<String>> {
    if value.chars().count() > CALENDAR_DESCRIPTION_MAX {
        return Err(ApiError::invalid_parameter(format!(
            "description is longer than {CALENDAR_DESCRIPTION_MAX} characters"
        )));
    }
    Ok(Some(value).filter(|d| !d.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_scopes_are_checked_with_dingtalks_messages() {
        assert_eq!(
            name(Some(" ".into())).unwrap_err().message,
            "calendar name cannot be blank"
        );
        assert_eq!(
            name(Some("x".repeat(128))).unwrap_err().message,
            "calendar name length must less than 128"
        );
        assert!(name(Some("x".repeat(127))).is_ok());
        assert_eq!(
            SubscribeScope::default().check().unwrap_err().message,
            "subscribe range cannot be null"
        );
        let scope = SubscribeScope {
            corp_ids: vec!["ding-acme".into()],
            ..SubscribeScope::default()
        };
        assert!(scope.includes(&UnionId("anyone".into()), &CorpId("ding-acme".into())));
        assert!(!scope.includes(&UnionId("anyone".into()), &CorpId("ding-other".into())));
    }
}
