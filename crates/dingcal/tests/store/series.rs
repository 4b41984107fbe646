//! A recurring series and its exceptions: one occurrence patched, moved,
//! cancelled or answered by its instance id, then seen by GetEvent,
//! ListInstances (`list_instances`) and ListEventsView (`list_view`).

use dingcal::domain::EventId;
use dingcal::domain::attendee::ResponseStatus::*;
use dingcal::domain::event::{EventChanges, EventView, Recurrence};
use dingcal::domain::recurrence::{Pattern, Range};
use dingcal::domain::series::{InstanceId, Origin};
use dingcal::domain::time::When;
use dingcal::error::Status;
use dingcal::store::{EventCursor, ListEvents};

use crate::support::*;

/// Each day at 10:00 in Shanghai (02:00 UTC), `days` times from 1 December.
fn daily(days: i64) -> EventChanges {
    EventChanges {
        recurrence: Some(Recurrence {
            pattern: Some(Pattern {
                kind: Some("daily".into()),
                interval: Some(1),
                ..Pattern::default()
            }),
            range: Some(Range {
                kind: Some("numbered".into()),
                number_of_occurrences: Some(days),
                ..Range::default()
            }),
        }),
        ..meeting("Daily", "2026-12-01T10:00", "2026-12-01T11:00")
    }
}

/// The occurrence of `series` first due on `day` of December at 02:00 UTC.
fn occurrence(series: &EventId, day: u8) -> EventId {
    InstanceId {
        master: series.clone(),
        origin: Origin::Instant(at(&format!("2026-12-{day:02}T02:00:00Z"))),
    }
    .id()
}

fn december() -> ListEvents {
    listing(
        window("2026-12-01T00:00:00+08:00", "2026-12-31T00:00:00+08:00"),
        100,
    )
}

async fn instances(f: &Fixture, caller: &str, series: &EventId) -> Vec<EventView> {
    let page = f
        .store
        .list_instances(corp(), user(caller), series.clone(), december())
        .await
        .unwrap();
    assert!(page.next.is_none());
    page.items
}

/// The start of an event or occurrence, as an RFC 3339 instant.
fn start_of(view: &EventView) -> String {
    match &view.event.when {
        When::Timed { start, .. } => start.to_string(),
        other => panic!("a timed event, not {other:?}"),
    }
}

async fn patching_one_occurrence_changes_that_occurrence_alone(f: Fixture) {
    let series = f.create(ALICE, daily(5), &[BOB]).await.event.id.clone();
    let third = occurrence(&series, 3);
    let changes = EventChanges {
        summary: Some("Third, changed".into()),
        ..EventChanges::default()
    };
    let patched = f
        .store
        .patch_event(meta(ALICE), third.clone(), changes)
        .await
        .map(view_of)
        .unwrap();
    assert_eq!(patched.event.id, third);
    assert_eq!(patched.event.summary, "Third, changed");
    assert_eq!(patched.event.recurrence, None);
    let origin = Origin::Instant(at("2026-12-03T02:00:00Z"));
    assert_eq!(patched.series, Some((series.clone(), origin)));
    assert_eq!(
        answers(&patched.attendees),
        [(ALICE, Accepted), (BOB, NeedsAction)]
    );
    assert_eq!(f.get(BOB, &third).await.unwrap(), patched);

    let listed = instances(&f, BOB, &series).await;
    let expected: Vec<EventId> = (1..=5).map(|d| occurrence(&series, d)).collect();
    assert_eq!(
        ids(&listed),
        expected.iter().map(|i| i.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(
        summaries(&listed),
        ["Daily", "Daily", "Third, changed", "Daily", "Daily"]
    );
    assert!(
        listed
            .iter()
            .all(|v| v.series.as_ref().map(|s| &s.0) == Some(&series))
    );
    let master = f.get(BOB, &series).await.unwrap();
    assert_eq!(master.event.summary, "Daily", "the series is unchanged");
}

async fn a_moved_occurrence_is_listed_at_its_new_time(f: Fixture) {
    let series = f.create(ALICE, daily(5), &[BOB]).await.event.id.clone();
    let lunch = f
        .create(
            ALICE,
            meeting("Lunch", "2026-12-04T12:00", "2026-12-04T13:00"),
            &[BOB],
        )
        .await
        .event
        .id
        .clone();
    let third = occurrence(&series, 3);
    let moved = meeting("Moved", "2026-12-04T08:00", "2026-12-04T09:00");
    f.store
        .patch_event(meta(ALICE), third.clone(), moved)
        .await
        .unwrap();

    let day = |d: u8| {
        listing(
            window(
                &format!("2026-12-{d:02}T00:00:00+08:00"),
                &format!("2026-12-{:02}T00:00:00+08:00", d + 1),
            ),
            100,
        )
    };
    let third_day = f.store.list_view(corp(), user(BOB), day(3)).await.unwrap();
    assert!(third_day.items.is_empty(), "nothing is left on the 3rd");
    let fourth_day = f.store.list_view(corp(), user(BOB), day(4)).await.unwrap();
    assert_eq!(summaries(&fourth_day.items), ["Moved", "Daily", "Lunch"]);
    let fourth = occurrence(&series, 4);
    assert_eq!(
        ids(&fourth_day.items),
        [third.as_str(), fourth.as_str(), lunch.as_str()]
    );
    assert_eq!(start_of(&fourth_day.items[0]), "2026-12-04T00:00:00Z");

    let listed = instances(&f, BOB, &series).await;
    let starts: Vec<String> = listed.iter().map(start_of).collect();
    assert_eq!(
        starts,
        [
            "2026-12-01T02:00:00Z",
            "2026-12-02T02:00:00Z",
            "2026-12-04T00:00:00Z",
            "2026-12-04T02:00:00Z",
            "2026-12-05T02:00:00Z",
        ],
        "instances in start order, the moved one at its new time"
    );
}

async fn list_view_pages_continue_without_repeats(f: Fixture) {
    let series = f.create(ALICE, daily(5), &[BOB]).await.event.id.clone();
    // Two single events between occurrences, one at an occurrence's time.
    let early = meeting("Early", "2026-12-02T08:00", "2026-12-02T09:00");
    f.create(ALICE, early, &[BOB]).await;
    let same = meeting("Same time", "2026-12-04T10:00", "2026-12-04T11:00");
    let same = f.create(BOB, same, &[]).await.event.id.clone();
    let mut query = december();
    query.max_results = 2;
    let mut listed = Vec::new();
    loop {
        let page = f
            .store
            .list_view(corp(), user(BOB), query.clone())
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        listed.extend(page.items);
        match page.next {
            Some(token) => query.after = Some(EventCursor::decode(&token).unwrap()),
            None => break,
        }
        assert!(listed.len() <= 7, "paging repeats itself");
    }
    let early = listed.iter().find(|v| v.event.summary == "Early").unwrap();
    let mut expected: Vec<(String, String)> = (1..=5)
        .map(|d| {
            (
                format!("2026-12-{d:02}T02:00:00Z"),
                occurrence(&series, d).0,
            )
        })
        .collect();
    expected.push(("2026-12-02T00:00:00Z".into(), early.event.id.0.clone()));
    expected.push(("2026-12-04T02:00:00Z".into(), same.0.clone()));
    expected.sort();
    let expected: Vec<&str> = expected.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids(&listed), expected, "in (start, id) order, each once");
}

async fn cancelling_one_occurrence_leaves_the_others(f: Fixture) {
    let series = f.create(ALICE, daily(5), &[BOB]).await.event.id.clone();
    let second = occurrence(&series, 2);
    f.store
        .delete_event(meta(ALICE), second.clone())
        .await
        .unwrap();
    assert_refused(f.get(BOB, &second).await, Status::NotFound, "itemNotFound");
    let listed = instances(&f, BOB, &series).await;
    let expected: Vec<EventId> = [1, 3, 4, 5].map(|d| occurrence(&series, d)).to_vec();
    assert_eq!(
        ids(&listed),
        expected.iter().map(|i| i.as_str()).collect::<Vec<_>>()
    );
}

async fn an_answer_to_one_occurrence_is_that_occurrences_alone(f: Fixture) {
    let series = f.create(ALICE, daily(3), &[BOB]).await.event.id.clone();
    f.respond(BOB, &series, Accepted).await;
    f.respond(BOB, &occurrence(&series, 2), Declined).await;
    let bobs: Vec<_> = instances(&f, ALICE, &series)
        .await
        .iter()
        .map(|v| v.attendees[1].response_status)
        .collect();
    assert_eq!(bobs, [Accepted, Declined, Accepted]);
    let master = f.get(ALICE, &series).await.unwrap();
    assert_eq!(
        answers(&master.attendees),
        [(ALICE, Accepted), (BOB, Accepted)]
    );
}

async fn changing_the_series_recurrence_drops_its_exceptions(f: Fixture) {
    let series = f.create(ALICE, daily(3), &[BOB]).await.event.id.clone();
    let changed = EventChanges {
        summary: Some("Changed".into()),
        ..EventChanges::default()
    };
    f.store
        .patch_event(meta(ALICE), occurrence(&series, 2), changed)
        .await
        .unwrap();
    let longer = EventChanges {
        recurrence: daily(4).recurrence,
        ..EventChanges::default()
    };
    f.store
        .patch_event(meta(ALICE), series.clone(), longer)
        .await
        .unwrap();
    let listed = instances(&f, BOB, &series).await;
    assert_eq!(summaries(&listed), ["Daily"; 4]);
}

async fn list_instances_of_a_single_event_is_refused(f: Fixture) {
    let single = meeting("Once", "2026-12-01T10:00", "2026-12-01T11:00");
    let id = f.create(ALICE, single, &[]).await.event.id.clone();
    let listed = f
        .store
        .list_instances(corp(), user(ALICE), id, december())
        .await;
    assert_refused(listed, Status::BadRequest, "invalidParameter");
}

on_both_backends!(
    patching_one_occurrence_changes_that_occurrence_alone,
    a_moved_occurrence_is_listed_at_its_new_time,
    list_view_pages_continue_without_repeats,
    cancelling_one_occurrence_leaves_the_others,
    an_answer_to_one_occurrence_is_that_occurrences_alone,
    changing_the_series_recurrence_drops_its_exceptions,
    list_instances_of_a_single_event_is_refused,
);
