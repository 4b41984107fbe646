//! GenerateCaldavAccount, as the SDK sends and parses it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct CaldavAccountRequest {
    pub device: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaldavAccountBody {
    pub username: String,
    pub password: String,
    pub server_address: String,
}
