//! dingcal over real HTTP: every rule of the event lifecycle and every error
//! row of the two seed documents, each error checked to change nothing.

mod attendees;
mod auth;
mod caldav;
mod calendars;
mod common;
mod console;
mod controls;
mod crash;
mod events;
mod hardening;
mod https;
mod idempotency;
mod multinode;
mod openapi;
mod organizer;
mod patch;
#[path = "../support/postgres.rs"]
mod postgres;
mod process;
mod recurrence;
mod respond;
mod rooms;
mod schedule;
mod signin;
mod subscribed;
mod sync;
mod user_tokens;
