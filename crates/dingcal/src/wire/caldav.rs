//! GenerateCaldavAccount, as the SDK sends and parses it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CaldavAccountRequest {
    pub device: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaldavAccountBody {
    pub username: String,
    pub password: String,
    pub server_address: String,
}
