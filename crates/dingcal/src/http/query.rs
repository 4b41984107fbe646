//! Listing parameters from query strings: a window, paging and page sizes,
//! each checked against its documented bounds.

use crate::domain::limits::{LIST_EVENTS_MAX_ATTENDEES, LIST_EVENTS_MAX_RESULTS, page_size};
use crate::domain::time::Window;
use crate::error::ApiResult;
use crate::store::{EventCursor, ListEvents, decode_position};
use crate::wire::event::WindowQuery;

/// A listing's window, paging and sizes from its query string.
pub fn listing(
    time_min: Option<&str>,
    time_max: Option<&str>,
    max_results: Option<i64>,
    max_attendees: Option<i64>,
    next_token: Option<&str>,
) -> ApiResult<ListEvents> {
    Ok(ListEvents {
        window: Window::parse(time_min, time_max)?,
        show_deleted: false,
        after: next_token
            .filter(|t| !t.is_empty())
            .map(EventCursor::decode)
            .transpose()?,
        max_results: page_size(
            "maxResults",
            max_results,
            LIST_EVENTS_MAX_RESULTS,
            LIST_EVENTS_MAX_RESULTS,
        )?,
        max_attendees: page_size(
            "maxAttendees",
            max_attendees,
            LIST_EVENTS_MAX_ATTENDEES,
            LIST_EVENTS_MAX_ATTENDEES,
        )?,
    })
}

/// The listing of a window query (instances, eventsview).
pub fn window_listing(q: &WindowQuery) -> ApiResult<ListEvents> {
    listing(
        q.time_min.as_deref(),
        q.time_max.as_deref(),
        q.max_results,
        q.max_attendees,
        q.next_token.as_deref(),
    )
}

/// Where a page of attendees continues: after the position its `nextToken`
/// names, or from the start.
pub fn position_after(next_token: Option<&str>) -> ApiResult<Option<i64>> {
    next_token
        .filter(|t| !t.is_empty())
        .map(decode_position)
        .transpose()
}
