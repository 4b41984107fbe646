//! Signing in to an event and out of it (SignIn, CheckIn, SignOut), the
//! lists of who has and has not, and the links an organizer hands out.

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

    pub fn parse(stored: &str) -> Option<SignKind> {
        match stored {
            "in" => Some(SignKind::In),
            "out" => Some(SignKind::Out),
            _ => None,
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
}
