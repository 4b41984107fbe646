use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenRequest {
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenResponse {
    pub access_token: String,
    pub expire_in: i64,
}

/// `GET /oauth2/auth`: the query of DingTalk's login page, with
/// `login_hint` naming the user who signs in.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AuthorizeQuery {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub state: Option<String>,
    pub login_hint: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserTokenRequest {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub code: Option<String>,
    pub refresh_token: Option<String>,
    pub grant_type: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserTokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub expire_in: i64,
    pub corp_id: String,
}
