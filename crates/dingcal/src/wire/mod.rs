//! Request and response bodies, field for field as the official SDK's
//! calendar_1_0 and oauth2_1_0 models send and parse them (serde types
//! only), and the two ways across to the domain: `convert` (what clients
//! send) and `render` (what they are answered).

pub mod caldav;
pub mod calendar;
pub mod convert;
pub mod event;
pub mod minutes;
pub mod oauth;
pub mod plugin;
pub mod render;
pub mod room;
pub mod schedule;
pub mod signin;
pub mod subscribed;

use serde::{Deserialize, Deserializer};

/// Query-string booleans: the Python SDK writes `True`/`False`, the others
/// `true`/`false`.
pub fn query_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let raw = Option::<String>::deserialize(d)?;
    match raw.as_deref() {
        None => Ok(None),
        Some("true" | "True" | "TRUE" | "1") => Ok(Some(true)),
        Some("false" | "False" | "FALSE" | "0") => Ok(Some(false)),
        Some(other) => Err(serde::de::Error::custom(format!(
            "{other:?} is not a boolean"
        ))),
    }
}
