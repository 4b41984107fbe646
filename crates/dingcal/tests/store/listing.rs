//! ListEvents over a window, its paging, and sync from its syncToken.

use dingcal::domain::EventId;
use dingcal::domain::attendee::ResponseStatus::*;
use dingcal::domain::event::EventChanges;
use dingcal::error::Status;
use dingcal::store::{
    ChangeCursor, EventCursor, ListChanges, ListEvents, Listed, Page, SyncPoint, SyncToken,
};

use crate::support::*;

/// An hour-long meeting on 1 December at `hour` (Shanghai).
fn at_hour(summary: &str, hour: u32) -> EventChanges {
    meeting(
        summary,
        &format!("2026-12-01T{hour:02}:00"),
        &format!("2026-12-01T{:02}:00", hour + 1),
    )
}

fn listed_summaries(page: &Page<Listed>) -> Vec<&str> {
    page.items
        .iter()
        .map(|l| l.view.event.summary.as_str())
        .collect()
}

/// Every page of `caller`'s listing, following nextToken; the pages.
async fn all_pages(f: &Fixture, caller: &str, mut query: ListEvents) -> Vec<Page<Listed>> {
    let mut pages = Vec::new();
    loop {
        let page = f
            .store
            .list_events(corp(), user(caller), query.clone())
            .await
            .unwrap();
        let next = page.next.clone();
        pages.push(page);
        match next {
            Some(token) => query.after = Some(EventCursor::decode(&token).unwrap()),
            None => return pages,
        }
        assert!(pages.len() < 100, "paging does not end");
    }
}

/// The syncToken at the end of `caller`'s full listing of 1 December.
async fn sync_token(f: &Fixture, caller: &str) -> SyncToken {
    let pages = all_pages(f, caller, listing(december_first(), 100)).await;
    let token = pages.last().unwrap().sync_token.as_deref().unwrap();
    SyncToken::decode(token).unwrap()
}

async fn changes(f: &Fixture, caller: &str, since: SyncToken) -> Page<Listed> {
    let query = ListChanges {
        since,
        after: None,
        max_results: 100,
        max_attendees: 100,
    };
    f.store
        .list_changes(corp(), user(caller), query)
        .await
        .unwrap()
}

async fn list_events_lists_the_starts_in_the_window_in_start_order(f: Fixture) {
    // Created out of order, to see the listing sort them.
    for (summary, hour) in [("11h", 11), ("9h", 9), ("12h", 12), ("10h", 10)] {
        f.create(ALICE, at_hour(summary, hour), &[BOB]).await;
    }
    f.create(CAROL, at_hour("carol's own", 10), &[]).await;
    // timeMin is inclusive and timeMax exclusive, both on the start; an
    // event that started before timeMin and is still running is not listed.
    let w = window("2026-12-01T09:30:00+08:00", "2026-12-01T12:00:00+08:00");
    let page = f
        .store
        .list_events(corp(), user(BOB), listing(w, 10))
        .await
        .unwrap();
    assert_eq!(listed_summaries(&page), ["10h", "11h"]);
    assert!(page.next.is_none());
    assert!(
        page.sync_token.is_some(),
        "the last page carries a syncToken"
    );
    let exact = window("2026-12-01T10:00:00+08:00", "2026-12-01T11:00:00+08:00");
    let page = f
        .store
        .list_events(corp(), user(ALICE), listing(exact, 10))
        .await
        .unwrap();
    assert_eq!(listed_summaries(&page), ["10h"]);
}

async fn an_all_day_event_falls_in_a_window_by_the_bounds_wall_clock(f: Fixture) {
    f.create(ALICE, all_day("Holiday", "2026-12-01", "2026-12-02"), &[])
        .await;
    // Midnight of 1 December in New York is 05:00 UTC: an instant after
    // the UTC start of the day, but the same calendar day.
    let new_york = window("2026-12-01T00:00:00-05:00", "2026-12-02T00:00:00-05:00");
    let page = f
        .store
        .list_events(corp(), user(ALICE), listing(new_york, 10))
        .await
        .unwrap();
    assert_eq!(listed_summaries(&page), ["Holiday"]);
    let next_day = window("2026-12-02T00:00:00+08:00", "2026-12-03T00:00:00+08:00");
    let page = f
        .store
        .list_events(corp(), user(ALICE), listing(next_day, 10))
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

async fn list_events_pages_continue_without_repeats(f: Fixture) {
    // Eight events, two at each of four hours: pages must break ties.
    let mut expected = Vec::new();
    for hour in [13, 10, 12, 11] {
        for n in 0..2 {
            let created = f
                .create(ALICE, at_hour(&format!("{hour}h #{n}"), hour), &[BOB])
                .await;
            expected.push((hour, created.event.id.0.clone()));
        }
    }
    expected.sort();
    let pages = all_pages(&f, BOB, listing(december_first(), 3)).await;
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [3, 3, 2]);
    let listed: Vec<String> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|l| l.view.event.id.0.clone()))
        .collect();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(listed, expected, "in (start, id) order, each once");
    for page in &pages[..2] {
        assert!(page.sync_token.is_none(), "only the last page has one");
    }
    assert!(pages[2].sync_token.is_some());
}

async fn list_changes_returns_the_events_changed_since_the_sync_token(f: Fixture) {
    let mut ids = Vec::new();
    for (summary, hour) in [("a", 9), ("b", 10), ("c", 11)] {
        ids.push(
            f.create(ALICE, at_hour(summary, hour), &[BOB])
                .await
                .event
                .id
                .clone(),
        );
    }
    let since = sync_token(&f, BOB).await;
    let renamed = EventChanges {
        summary: Some("b, renamed".into()),
        ..EventChanges::default()
    };
    f.store
        .patch_event(meta(ALICE), ids[1].clone(), renamed)
        .await
        .unwrap();
    let created = f
        .create(ALICE, at_hour("d", 14), &[BOB])
        .await
        .event
        .id
        .clone();

    let page = changes(&f, BOB, since).await;
    let listed: Vec<(&EventId, &str, bool)> = page
        .items
        .iter()
        .map(|l| (&l.view.event.id, l.view.event.summary.as_str(), l.cancelled))
        .collect();
    assert_eq!(
        listed,
        [(&ids[1], "b, renamed", false), (&created, "d", false)],
        "in change order"
    );
    assert!(page.next.is_none());
    let next = SyncToken::decode(page.sync_token.as_deref().unwrap()).unwrap();
    let quiet = changes(&f, BOB, next.clone()).await;
    assert!(quiet.items.is_empty());
    assert_eq!(
        quiet.sync_token.as_deref(),
        Some(next.encode().as_str()),
        "a sync that finds nothing keeps its token"
    );
}

async fn a_moved_event_is_listed_on_its_new_day(f: Fixture) {
    let created = f.create(ALICE, at_hour("Moving", 10), &[BOB]).await;
    let moved = EventChanges {
        start: Some(local("start", "2026-12-02T10:00")),
        end: Some(local("end", "2026-12-02T11:00")),
        ..EventChanges::default()
    };
    f.store
        .patch_event(meta(ALICE), created.event.id.clone(), moved)
        .await
        .unwrap();
    let first = f
        .store
        .list_events(corp(), user(BOB), listing(december_first(), 10))
        .await
        .unwrap();
    assert!(first.items.is_empty());
    let second_day = window("2026-12-02T00:00:00+08:00", "2026-12-03T00:00:00+08:00");
    let second = f
        .store
        .list_events(corp(), user(BOB), listing(second_day, 10))
        .await
        .unwrap();
    assert_eq!(listed_summaries(&second), ["Moving"]);
}

async fn list_changes_pages_continue_without_repeats(f: Fixture) {
    let since = sync_token(&f, BOB).await;
    let mut ids = Vec::new();
    for (summary, hour) in [("a", 9), ("b", 10), ("c", 11), ("d", 12)] {
        ids.push(
            f.create(ALICE, at_hour(summary, hour), &[BOB])
                .await
                .event
                .id
                .clone(),
        );
    }
    let renamed = EventChanges {
        summary: Some("a, renamed".into()),
        ..EventChanges::default()
    };
    f.store
        .patch_event(meta(ALICE), ids[0].clone(), renamed)
        .await
        .unwrap();

    let mut query = ListChanges {
        since,
        after: None,
        max_results: 2,
        max_attendees: 100,
    };
    let mut pages = Vec::new();
    loop {
        let page = f
            .store
            .list_changes(corp(), user(BOB), query.clone())
            .await
            .unwrap();
        let next = page.next.clone();
        pages.push(page);
        match next {
            Some(token) => query.after = Some(ChangeCursor::decode(&token).unwrap()),
            None => break,
        }
        assert!(pages.len() < 10, "paging does not end");
    }
    let listed: Vec<&str> = pages.iter().flat_map(listed_summaries).collect();
    assert_eq!(
        listed,
        ["b", "c", "d", "a, renamed"],
        "each event once, at its latest change"
    );
    assert!(pages[0].sync_token.is_none());
    assert!(pages.last().unwrap().sync_token.is_some());
}

async fn a_change_made_while_paging_is_in_the_next_sync(f: Fixture) {
    let mut ids = Vec::new();
    for (summary, hour) in [("a", 9), ("b", 10), ("c", 11)] {
        ids.push(
            f.create(ALICE, at_hour(summary, hour), &[BOB])
                .await
                .event
                .id
                .clone(),
        );
    }
    let mut query = listing(december_first(), 2);
    let first = f
        .store
        .list_events(corp(), user(BOB), query.clone())
        .await
        .unwrap();
    // "a", already listed, changes before the last page is read.
    let renamed = EventChanges {
        summary: Some("a, renamed".into()),
        ..EventChanges::default()
    };
    f.store
        .patch_event(meta(ALICE), ids[0].clone(), renamed)
        .await
        .unwrap();
    query.after = Some(EventCursor::decode(first.next.as_deref().unwrap()).unwrap());
    let last = f.store.list_events(corp(), user(BOB), query).await.unwrap();
    assert_eq!(listed_summaries(&last), ["c"]);
    let since = SyncToken::decode(last.sync_token.as_deref().unwrap()).unwrap();
    let synced = changes(&f, BOB, since).await;
    assert_eq!(listed_summaries(&synced), ["a, renamed"]);
}

async fn list_changes_marks_deleted_and_left_events_cancelled(f: Fixture) {
    let cancelled = f.create(ALICE, at_hour("cancelled", 9), &[BOB]).await;
    let left = f.create(ALICE, at_hour("left", 10), &[BOB]).await;
    f.create(ALICE, at_hour("untouched", 11), &[BOB]).await;
    let since = sync_token(&f, BOB).await;
    f.store
        .delete_event(meta(ALICE), cancelled.event.id.clone())
        .await
        .unwrap();
    f.store
        .delete_event(meta(BOB), left.event.id.clone())
        .await
        .unwrap();

    let page = changes(&f, BOB, since).await;
    let listed: Vec<(&str, bool)> = page
        .items
        .iter()
        .map(|l| (l.view.event.summary.as_str(), l.cancelled))
        .collect();
    assert_eq!(listed, [("cancelled", true), ("left", true)]);
}

async fn a_response_changes_the_event_for_everyones_sync(f: Fixture) {
    let created = f.create(ALICE, at_hour("M", 9), &[BOB, CAROL]).await;
    let since = sync_token(&f, CAROL).await;
    f.respond(BOB, &created.event.id, Declined).await;
    let page = changes(&f, CAROL, since).await;
    assert_eq!(page.items.len(), 1);
    let synced = &page.items[0].view;
    assert_eq!(synced.event.id, created.event.id);
    assert_eq!(
        answers(&synced.attendees),
        [(ALICE, Accepted), (BOB, Declined), (CAROL, NeedsAction)]
    );
}

async fn a_sync_token_from_the_future_is_refused(f: Fixture) {
    let future = SyncToken(SyncPoint {
        upto: i64::MAX / 2,
        pending: Vec::new(),
    });
    let query = ListChanges {
        since: future,
        after: None,
        max_results: 10,
        max_attendees: 10,
    };
    let refused = f.store.list_changes(corp(), user(ALICE), query).await;
    assert_refused(refused, Status::Gone, "invalidSyncToken");
}

on_both_backends!(
    list_events_lists_the_starts_in_the_window_in_start_order,
    an_all_day_event_falls_in_a_window_by_the_bounds_wall_clock,
    list_events_pages_continue_without_repeats,
    a_moved_event_is_listed_on_its_new_day,
    list_changes_returns_the_events_changed_since_the_sync_token,
    list_changes_pages_continue_without_repeats,
    a_change_made_while_paging_is_in_the_next_sync,
    list_changes_marks_deleted_and_left_events_cancelled,
    a_response_changes_the_event_for_everyones_sync,
    a_sync_token_from_the_future_is_refused,
);
