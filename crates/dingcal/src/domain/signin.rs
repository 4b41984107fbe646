//! Signing in to an event and out of it (SignIn, CheckIn, SignOut), the
//! lists of who has and has not, and the links an organizer hands out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::EventId;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignKind {
    In,
    Out,
}

impl SignKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SignKind::In => "in",
            SignKind::Out => "out",
        }
    }

    /// A list's `type`: those who have (`sign_in`, `sign_out`) or have
    /// not yet (`not_yet_sign_in`, `not_yet_sign_out`); whether it lists
    /// those who have.
    pub fn list_type(self, value: Option<&str>) -> ApiResult<bool> {
        let (done, not_yet) = match self {
            SignKind::In => ("sign_in", "not_yet_sign_in"),
            SignKind::Out => ("sign_out", "not_yet_sign_out"),
        };
        match value {
            Some(v) if v == done => Ok(true),
            Some(v) if v == not_yet => Ok(false),
            None => Err(ApiError::invalid_parameter("type is required")),
            Some(other) => Err(ApiError::invalid_parameter(format!(
                "type must be {done} or {not_yet}, got {other:?}"
            ))),
        }
    }

    /// What refuses a link to someone who may not hand it out (DingTalk's
    /// messages).
    pub fn no_link_permission(self) -> ApiError {
        ApiError::permission_denied_400(match self {
            SignKind::In => "Request user has no permission to launch check in",
            SignKind::Out => "Request user has no permission to launch sign out",
        })
    }
}

/// The code of an event's sign-in or sign-out link: which event, and
/// which way. The page it opens still asks who signs, as the stand-in
/// sign-in does, and takes only the event's attendees.
pub fn link_code(kind: SignKind, event: &EventId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.as_str(), event.as_str()))
}

pub fn parse_link_code(code: &str) -> Option<(SignKind, EventId)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(code).ok()?).ok()?;
    let (kind, event) = text.split_once(':')?;
    let kind = match kind {
        "in" => SignKind::In,
        "out" => SignKind::Out,
        _ => return None,
    };
    (!event.is_empty()).then(|| (kind, EventId(event.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_types_are_the_documented_ones() {
        assert!(SignKind::In.list_type(Some("sign_in")).unwrap());
        assert!(!SignKind::In.list_type(Some("not_yet_sign_in")).unwrap());
        assert!(SignKind::Out.list_type(Some("sign_out")).unwrap());
        assert!(SignKind::In.list_type(Some("sign_out")).is_err());
        assert!(SignKind::Out.list_type(None).is_err());
    }

    #[test]
    fn a_link_code_reads_back() {
        let event = EventId("abc_20261201T020000Z".into());
        let code = link_code(SignKind::Out, &event);
        assert_eq!(parse_link_code(&code), Some((SignKind::Out, event)));
        assert_eq!(parse_link_code("nonsense!"), None);
    }
}
