//! dingcal: a calendar server that speaks the DingTalk Calendar v1.0 open API.

pub mod cli;
pub mod directory;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod server;
pub mod store;
pub mod tls;
pub mod wire;
