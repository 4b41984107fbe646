//! The store's traits (`dingcal::store::Store`) called directly, without
//! HTTP. Each test body runs twice: on SQLite, in a database file of its
//! own, and on PostgreSQL, in a fresh schema of `DINGCAL_TEST_POSTGRES`.
//! The PostgreSQL tests are ignored unless `--include-ignored` asks for
//! them, and then fail without the variable. Tests are named
//! `<module>::<what it checks>::<backend>`.

mod support;

mod attendees;
mod client_tokens;
mod directory;
mod events;
mod listing;
#[path = "../support/postgres.rs"]
mod postgres;
mod schedule;
mod series;
mod tokens;
