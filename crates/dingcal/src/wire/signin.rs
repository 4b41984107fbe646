//! The sign-in operations' bodies: SignIn, CheckIn, SignOut, their lists
//! and links.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckInBody {
    pub check_in_time: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckOutBody {
    pub check_out_time: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignListQuery {
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// One user of a sign-in list (`checkInTime`) or sign-out list
/// (`checkOutTime`): the time only for those who have.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedUser<'a> {
    pub user_id: &'a str,
    pub display_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_in_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_out_time: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignList<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<&'a str>,
    pub users: Vec<SignedUser<'a>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInLink {
    pub sign_in_link: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignOutLink {
    pub sign_out_link: String,
}

/// The link page's form: who signs (as the stand-in sign-in asks).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LinkQuery {
    pub login_hint: Option<String>,
}
