//! The calendar pages: pick an org and a user, their week, one event.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Console, HOME, Page, calendar_zone, given, html_answer, layout, link, user_label};
use crate::directory::Org;
use crate::domain::attendee::Attendee;
use crate::domain::calendar::TIME_ZONE;
use crate::domain::event::{Event, EventView};
use crate::domain::limits::{ATTENDEES_PER_EVENT, LIST_EVENTS_MAX_RESULTS};
use crate::domain::recurrence::Recurrence;
use crate::domain::time::{When, Window};
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::http::extract::Query;
use crate::store::{EventCursor, ListEvents};
use crate::wire::render::{event_times, format_instant};

const WEEK: &str = "/_dingcal/ui/week";
const EVENT: &str = "/_dingcal/ui/event";
/// How many users the picker lists at once; a filter narrows them.
const USERS_SHOWN: usize = 50;
/// How many pages of a week are read: a bound on a crowded week.
const WEEK_PAGES: usize = 10;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(HOME, get(index))
        .route(WEEK, get(week))
        .route(EVENT, get(event))
}

#[derive(Deserialize)]
struct IndexQuery {
    org: Option<String>,
    q: Option<String>,
}

/// The orgs of the directory; for the one picked, its users (those the
/// filter matches) and rooms.
async fn index(
    State(state): State<Arc<AppState>>,
    _: Console,
    Query(q): Query<IndexQuery>,
) -> Page {
    let file = state.store.load_directory().await?;
    let picked = given(q.org);
    let org = file
        .orgs
        .iter()
        .find(|o| picked.as_deref() == Some(o.corp_id.as_str()))
        .or(file.orgs.first());
    let filter = given(q.q).unwrap_or_default();
    let body = html! {
        nav.tabs {
            @for o in &file.orgs {
                a.current[org.is_some_and(|p| p.corp_id == o.corp_id)]
                    href=(link(HOME, &[("org", &o.corp_id)])) {
                    (o.name) " " small { (o.corp_id) }
                }
            }
        }
        @if let Some(org) = org { (org_page(org, &filter)) }
    };
    Ok(html_answer(StatusCode::OK, layout("Users", body)))
}

fn org_page(org: &Org, filter: &str) -> Markup {
    let needle = filter.to_lowercase();
    let matching: Vec<_> = org
        .users
        .iter()
        .filter(|u| {
            needle.is_empty()
                || u.name.to_lowercase().contains(&needle)
                || u.union_id.to_lowercase().contains(&needle)
        })
        .collect();
    html! {
        form.filter method="get" action=(HOME) {
            input type="hidden" name="org" value=(org.corp_id);
            label { "Find a user " input type="search" name="q" value=(filter) placeholder="name or unionId"; }
            button type="submit" { "Find" }
        }
        table {
            thead { tr { th { "name" } th { "unionId" } th { "userId" } th { "email" } } }
            tbody {
                @for u in matching.iter().take(USERS_SHOWN) {
                    tr {
                        td { a href=(link(WEEK, &[("user", &u.union_id)])) { (u.name) } }
                        td { code { (u.union_id) } }
                        td { (u.user_id.as_deref().unwrap_or("")) }
                        td { (u.email.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
        @if matching.len() > USERS_SHOWN {
            p.note { (matching.len() - USERS_SHOWN) " more; narrow them with the filter." }
        }
        @if !org.rooms.is_empty() {
            h2 { "Meeting rooms" }
            table {
                thead { tr { th { "name" } th { "roomId" } th { "capacity" } th { "needs approval" } } }
                tbody {
                    @for r in &org.rooms {
                        tr {
                            td { (r.name) }
                            td { code { (r.room_id) } }
                            td { (r.capacity.map(|c| c.to_string()).unwrap_or_default()) }
                            td { @if r.needs_approval { "yes" } @else { "no" } }
                        }
                    }
                }
            }
        }
    }
}

/// A user of the directory, with their org.
fn member(state: &AppState, user: Option<String>) -> ApiResult<(UnionId, CorpId)> {
    let user = UnionId(given(user).ok_or_else(|| ApiError::invalid_parameter("user is required"))?);
    let corp_id = state.directory.corp_of(&user).cloned().ok_or_else(|| {
        ApiError::item_not_found(format!(
            "The specified user {:?} cannot be found.",
            user.as_str()
        ))
    })?;
    Ok((user, corp_id))
}

#[derive(Deserialize)]
struct WeekQuery {
    user: Option<String>,
    start: Option<String>,
}

/// A user's week, Monday to Sunday in the calendars' zone, as
/// ListEventsView lists it: each single event and each occurrence of a
/// series that starts in it.
async fn week(State(state): State<Arc<AppState>>, _: Console, Query(q): Query<WeekQuery>) -> Page {
    let (user, corp_id) = member(&state, q.user)?;
    let zone = calendar_zone();
    let today = state.clock.now().to_zoned(zone.clone()).date();
    let day = match given(q.start) {
        Some(text) => text
            .parse::<Date>()
            .map_err(|_| ApiError::invalid_parameter("start must be a date, YYYY-MM-DD"))?,
        None => today,
    };
    let out_of_range = |_| ApiError::invalid_parameter("start is out of range");
    let monday = day
        .checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days())
        .map_err(out_of_range)?;
    let days: Vec<Date> = (0..7)
        .map(|n| monday.checked_add(n.days()))
        .collect::<Result<_, _>>()
        .map_err(out_of_range)?;
    let next_monday = monday.checked_add(7.days()).map_err(out_of_range)?;
    let previous_monday = monday.checked_sub(7.days()).map_err(out_of_range)?;
    let (mut views, more) = week_events(&state, corp_id, &user, &zone, monday, next_monday).await?;
    // In each day, its all-day events first, then the others by start.
    views.sort_by_key(|v| match &v.event.when {
        When::AllDay { .. } => (0, 0),
        When::Timed { start, .. } => (1, start.as_second()),
    });
    let week_of = |d: Date| link(WEEK, &[("user", user.as_str()), ("start", &d.to_string())]);
    let name = state.directory.display_name(&user);
    let body = html! {
        p.lead {
            (user_label(&state, user.as_str()))
            " · times in " (TIME_ZONE) ", the calendars' zone"
        }
        nav.pager {
            a href=(week_of(previous_monday)) { "← previous week" }
            a href=(week_of(today)) { "this week" }
            a href=(week_of(next_monday)) { "next week →" }
            form.filter method="get" action=(WEEK) {
                input type="hidden" name="user" value=(user.as_str());
                label { "week of " input type="date" name="start" value=(monday.to_string()); }
                button type="submit" { "Go" }
            }
        }
        div.week {
            @for d in &days {
                section.day.today[*d == today] {
                    h2 { (d.strftime("%a %-d %b")) }
                    @for view in views.iter().filter(|v| on_day(&v.event.when, &zone, *d)) {
                        (event_card(&state, view, &user, &zone))
                    }
                }
            }
        }
        @if more { p.note { "More events than these in this week: only the first are shown." } }
    };
    let title = format!("{name} · week of {}", monday.strftime("%-d %b %Y"));
    Ok(html_answer(StatusCode::OK, layout(&title, body)))
}

/// The events and occurrences of the user's primary calendar starting in
/// `[from, to)`, and whether there were more than the pages read.
async fn week_events(
    state: &AppState,
    corp_id: CorpId,
    user: &UnionId,
    zone: &TimeZone,
    from: Date,
    to: Date,
) -> ApiResult<(Vec<EventView>, bool)> {
    let bound = |d: Date| -> ApiResult<String> {
        let z = d
            .to_zoned(zone.clone())
            .map_err(|_| ApiError::invalid_parameter("start is out of range"))?;
        Ok(z.timestamp().display_with_offset(z.offset()).to_string())
    };
    let window = Window::parse(Some(&bound(from)?), Some(&bound(to)?))?;
    let mut views = Vec::new();
    let mut after = None;
    for _ in 0..WEEK_PAGES {
        let query = ListEvents {
            window,
            show_deleted: false,
            after,
            max_results: LIST_EVENTS_MAX_RESULTS as usize,
            // Every attendee, so that the user's own answer is among them.
            max_attendees: ATTENDEES_PER_EVENT,
        };
        let page = state
            .store
            .list_view(corp_id.clone(), user.clone(), query)
            .await?;
        views.extend(page.items);
        match page.next {
            Some(token) => after = Some(EventCursor::decode(&token)?),
            None => return Ok((views, false)),
        }
    }
    Ok((views, true))
}

/// The day an event starts on in the calendars' zone (an all-day event's
/// own first date).
fn day_of(when: &When, zone: &TimeZone) -> Date {
    match when {
        When::AllDay { start, .. } => *start,
        When::Timed { start, .. } => start.to_zoned(zone.clone()).date(),
    }
}

/// Whether an event takes part of day `d` in the calendars' zone: one
/// that runs over several days is shown on each.
fn on_day(when: &When, zone: &TimeZone, d: Date) -> bool {
    match when {
        When::AllDay { start, end } => *start <= d && d < *end,
        When::Timed { start, end, .. } => {
            let bound = |d: Date| d.to_zoned(zone.clone()).map(|z| z.timestamp());
            let (Ok(from), Ok(to)) = (bound(d), d.tomorrow().map_or(bound(d), bound)) else {
                return false;
            };
            // One of no length is shown on the day it is at.
            (start < &to && end > &from) || (start == end && (from..to).contains(start))
        }
    }
}

fn hours(when: &When, zone: &TimeZone) -> String {
    match when {
        When::AllDay { .. } => "all day".into(),
        When::Timed { start, end, .. } => format!(
            "{}–{}",
            start.to_zoned(zone.clone()).strftime("%H:%M"),
            end.to_zoned(zone.clone()).strftime("%H:%M")
        ),
    }
}

/// The user's own answer to an event: as its attendee, or as its
/// organizer (accepted unless they answered otherwise), as GetEvent says.
fn own_status(view: &EventView, user: &UnionId) -> Option<&'static str> {
    view.attendees
        .iter()
        .find(|a| &a.id == user)
        .map(|a| a.response_status.as_str())
        .or_else(|| (&view.event.organizer == user).then_some("accepted"))
}

fn event_card(state: &AppState, view: &EventView, user: &UnionId, zone: &TimeZone) -> Markup {
    let e = &view.event;
    let href = link(EVENT, &[("user", user.as_str()), ("event", e.id.as_str())]);
    html! {
        article.event.cancelled[e.cancelled] {
            div.time { (hours(&e.when, zone)) }
            a.summary href=(href) { (summary(e)) }
            div.tags {
                @if e.cancelled { span.tag.cancelled { "cancelled" } }
                @if let Some(status) = own_status(view, user) { (status_tag(status)) }
                @if view.series.is_some() { span.tag { "recurring" } }
            }
            @for room in &e.meeting_rooms {
                div.room {
                    (state.directory.room_name(&room.room_id)) " "
                    (status_tag(room.response_status.as_str()))
                }
            }
        }
    }
}

/// A responseStatus, coloured by what it says.
fn status_tag(status: &str) -> Markup {
    html! { span class=(format!("tag {status}")) { (status) } }
}

fn summary(e: &Event) -> &str {
    if e.summary.is_empty() {
        "(no title)"
    } else {
        &e.summary
    }
}

#[derive(Deserialize)]
struct EventQuery {
    user: Option<String>,
    event: Option<String>,
}

/// One event as the user sees it in their calendar (GetEvent), with every
/// attendee and room.
async fn event(
    State(state): State<Arc<AppState>>,
    _: Console,
    Query(q): Query<EventQuery>,
) -> Page {
    let (user, corp_id) = member(&state, q.user)?;
    let event_id =
        given(q.event).ok_or_else(|| ApiError::invalid_parameter("event is required"))?;
    let view = state
        .store
        .get_event(
            corp_id,
            user.clone(),
            EventId(event_id),
            ATTENDEES_PER_EVENT,
        )
        .await?;
    let e = &view.event;
    let (start, end) = event_times(&e.when);
    let shown = |t: &crate::wire::event::EventTime| {
        t.date_time
            .clone()
            .or_else(|| t.date.clone())
            .unwrap_or_default()
    };
    let week = link(
        WEEK,
        &[
            ("user", user.as_str()),
            ("start", &day_of(&e.when, &calendar_zone()).to_string()),
        ],
    );
    let body = html! {
        p.lead {
            "In the calendar of " (user_label(&state, user.as_str())) " · "
            a href=(week) { "their week" } " · "
            a href=(link("/_dingcal/ui/outbox", &[("eventId", e.id.as_str())])) { "its outbox" }
        }
        dl.fields {
            dt { "id" } dd { code { (e.id.as_str()) } }
            dt { "status" } dd {
                @if e.cancelled { span.tag.cancelled { "cancelled" } } @else { "confirmed" }
            }
            dt { "start" } dd { (shown(&start)) }
            dt { "end" } dd { (shown(&end)) }
            @if let Some(zone) = &start.time_zone { dt { "timeZone" } dd { (zone) } }
            @if e.when.is_all_day() { dt { "isAllDay" } dd { "true" } }
            dt { "organizer" } dd { (user_label(&state, e.organizer.as_str())) }
            @if let Some(place) = e.location.as_ref().and_then(|l| l.display_name.as_deref()) {
                dt { "location" } dd { (place) }
            }
            @if let Some(text) = &e.description { dt { "description" } dd.text { (text) } }
            @if let Some(r) = &e.recurrence { dt { "recurrence" } dd { (recurrence(r)) } }
            @if let Some((series, _)) = &view.series {
                dt { "seriesMasterId" } dd {
                    a href=(link(EVENT, &[("user", user.as_str()), ("event", series.as_str())])) {
                        code { (series.as_str()) }
                    }
                }
            }
            @if let Some(m) = &e.online_meeting { dt { "onlineMeetingInfo" } dd { (m.url) } }
            dt { "reminders" } dd {
                @for (i, r) in e.effective_reminders().iter().enumerate() {
                    @if i > 0 { ", " } (r.minutes) " minutes before"
                }
            }
            dt { "createTime" } dd { (format_instant(e.created)) }
            dt { "updateTime" } dd { (format_instant(e.updated)) }
        }
        h2 { "Attendees (" (view.attendees.len()) ")" }
        (attendees(&state, &view.attendees, &e.when))
        @if !e.meeting_rooms.is_empty() {
            h2 { "Meeting rooms" }
            table {
                thead { tr { th { "name" } th { "roomId" } th { "responseStatus" } } }
                tbody {
                    @for room in &e.meeting_rooms {
                        tr {
                            td { (state.directory.room_name(&room.room_id)) }
                            td { code { (room.room_id) } }
                            td { (status_tag(room.response_status.as_str())) }
                        }
                    }
                }
            }
        }
    };
    Ok(html_answer(StatusCode::OK, layout(summary(e), body)))
}

fn attendees(state: &AppState, list: &[Attendee], when: &When) -> Markup {
    let start = day_of(when, &calendar_zone()).to_string();
    html! {
        table {
            thead { tr { th { "attendee" } th { "responseStatus" } th { "isOptional" } th { "" } } }
            tbody {
                @for a in list {
                    tr {
                        td { a href=(link(WEEK, &[("user", a.id.as_str()), ("start", &start)])) {
                            (user_label(state, a.id.as_str()))
                        } }
                        td { (status_tag(a.response_status.as_str())) }
                        td { (a.is_optional) }
                        td { @if a.is_organizer { "organizer" } }
                    }
                }
            }
        }
    }
}

/// A recurrence in the API's own field names.
fn recurrence(r: &Recurrence) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &r.pattern {
        parts.extend(p.kind.as_ref().map(|k| format!("type {k}")));
        parts.extend(p.interval.map(|i| format!("interval {i}")));
        parts.extend(p.days_of_week.as_ref().map(|d| format!("daysOfWeek {d}")));
        parts.extend(p.day_of_month.map(|d| format!("dayOfMonth {d}")));
        parts.extend(p.index.as_ref().map(|i| format!("index {i}")));
    }
    if let Some(range) = &r.range {
        parts.extend(range.kind.as_ref().map(|k| format!("range {k}")));
        parts.extend(range.end_date.as_ref().map(|d| format!("endDate {d}")));
        parts.extend(
            range
                .number_of_occurrences
                .map(|n| format!("numberOfOccurrences {n}")),
        );
    }
    parts.join(", ")
}
