//! The feeds: the request journal and the outbox, newest first, each
//! followed as it grows (the page asks for its own table again every few
//! seconds: `?fragment=1` answers the table alone).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::{Console, Page, given, html_answer, layout, link, number, user_label};
use crate::http::AppState;
use crate::http::controls::journal::Entry;
use crate::http::controls::outbox::Message;
use crate::http::extract::Query;

const JOURNAL: &str = "/_dingcal/ui/journal";
const OUTBOX: &str = "/_dingcal/ui/outbox";
/// How many entries a feed shows.
const SHOWN: usize = 200;
const FOLLOW: &str = include_str!("follow.js");

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(JOURNAL, get(journal))
        .route(OUTBOX, get(outbox))
}

/// An instant as the controls keep it, to the second in UTC.
fn short_time(at: &str) -> String {
    at.parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| at.to_string())
}

/// A feed's table, or the whole page around it with the switch that
/// follows it.
fn feed(title: &str, fragment: Option<String>, filter: Markup, table: Markup) -> Page {
    if fragment.as_deref() == Some("1") {
        return Ok(html_answer(StatusCode::OK, table));
    }
    let body = html! {
        div.bar {
            (filter)
            label.follow { input #follow type="checkbox" checked; " follow" }
        }
        p.note { "Newest first; times in UTC on the server's clock." }
        div #feed { (table) }
        script { (PreEscaped(FOLLOW)) }
    };
    Ok(html_answer(StatusCode::OK, layout(title, body)))
}

#[derive(Deserialize)]
struct JournalQuery {
    operation: Option<String>,
    status: Option<String>,
    fragment: Option<String>,
}

/// The calls of the SDK this node answered, those of one operation and
/// status if asked.
async fn journal(
    State(state): State<Arc<AppState>>,
    _: Console,
    Query(q): Query<JournalQuery>,
) -> Page {
    let operation = given(q.operation);
    let status: Option<u16> = number("status", q.status)?;
    let entries = state
        .controls
        .journal
        .list(operation.as_deref(), status, SHOWN);
    let filter = html! {
        form.filter method="get" action=(JOURNAL) {
            label { "operation " input name="operation" value=[operation.as_deref()] placeholder="CreateEvent"; }
            label { "status " input.short type="number" name="status" value=[status] placeholder="200"; }
            button type="submit" { "Filter" }
        }
    };
    feed(
        "Journal",
        q.fragment,
        filter,
        journal_table(&state, &entries),
    )
}

fn journal_table(state: &AppState, entries: &[Entry]) -> Markup {
    html! {
        table.feed {
            thead { tr {
                th { "at" } th { "operation" } th { "request" } th { "user" } th { "appKey" }
                th { "status" } th { "code" } th.number { "ms" }
            } }
            tbody {
                @for e in entries {
                    tr.failed[e.status >= 400] {
                        td.nowrap { (short_time(&e.at)) }
                        td { (e.operation) }
                        td {
                            code { (e.method) " " (e.path) }
                            @if !e.body.is_empty() {
                                details { summary { "body" } pre { (e.body) } }
                            }
                        }
                        td.nowrap { @if !e.user_id.is_empty() { (user_label(state, &e.user_id)) } }
                        td.nowrap { (e.app_key) }
                        td { (e.status) }
                        td { (e.code) }
                        td.number { (format!("{:.1}", e.duration_ms)) }
                    }
                }
                @if entries.is_empty() { tr { td colspan="8" { "No calls yet." } } }
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxQuery {
    event_id: Option<String>,
    kind: Option<String>,
    fragment: Option<String>,
}

/// What dingcal would have sent people, about one event and of one kind
/// if asked.
async fn outbox(
    State(state): State<Arc<AppState>>,
    _: Console,
    Query(q): Query<OutboxQuery>,
) -> Page {
    let event_id = given(q.event_id);
    let kind = given(q.kind);
    let messages = state
        .controls
        .outbox
        .list(event_id.as_deref(), kind.as_deref());
    let filter = html! {
        form.filter method="get" action=(OUTBOX) {
            label { "eventId " input name="eventId" value=[event_id.as_deref()]; }
            label { "kind " input name="kind" value=[kind.as_deref()] placeholder="invitation"; }
            button type="submit" { "Filter" }
        }
    };
    let newest: Vec<&Message> = messages.iter().rev().take(SHOWN).collect();
    feed("Outbox", q.fragment, filter, outbox_table(&state, &newest))
}

fn outbox_table(state: &AppState, messages: &[&Message]) -> Markup {
    html! {
        table.feed {
            thead { tr {
                th { "at" } th { "kind" } th { "channel" } th { "event" } th { "recipients" }
                th { "detail" }
            } }
            tbody {
                @for m in messages {
                    tr {
                        td.nowrap { (short_time(&m.at)) }
                        td { span.tag { (m.kind) } }
                        td { (m.channel) }
                        td {
                            // An event is seen in a calendar: its first
                            // recipient's.
                            @match m.recipients.first() {
                                Some(user) => a href=(link("/_dingcal/ui/event", &[("user", user), ("event", &m.event_id)])) {
                                    code { (m.event_id) }
                                },
                                None => code { (m.event_id) },
                            }
                        }
                        td {
                            @for (i, r) in m.recipients.iter().enumerate() {
                                @if i > 0 { ", " } (user_label(state, r))
                            }
                        }
                        td { (m.detail) }
                    }
                }
                @if messages.is_empty() { tr { td colspan="6" { "Nothing sent yet." } } }
            }
        }
    }
}
