//! ScheduleReads: when each of several users is taken within a window.

use dingcal::domain::attendee::ResponseStatus::*;
use dingcal::domain::event::{EventChanges, Recurrence};
use dingcal::domain::recurrence::{Pattern, Range};
use dingcal::domain::series::{InstanceId, Origin};
use dingcal::domain::time::When;
use dingcal::store::Busy;

use crate::support::*;

/// Each user's busy stretches as (start, end, tentative), instants in UTC.
fn stretches(busy: &[Busy]) -> Vec<(String, String, bool)> {
    busy.iter()
        .map(|b| match &b.when {
            When::Timed { start, end, .. } => (start.to_string(), end.to_string(), b.tentative),
            other => panic!("a timed stretch, not {other:?}"),
        })
        .collect()
}

fn stretch(start: &str, end: &str, tentative: bool) -> (String, String, bool) {
    (start.to_string(), end.to_string(), tentative)
}

async fn busy_leaves_out_declined_and_free_events_and_marks_tentative(f: Fixture) {
    let ten = f
        .create(
            ALICE,
            meeting("10h", "2026-12-01T10:00", "2026-12-01T11:00"),
            &[BOB, CAROL],
        )
        .await;
    let free = EventChanges {
        free_busy_status: Some("free".into()),
        ..meeting("free", "2026-12-01T12:00", "2026-12-01T13:00")
    };
    f.create(ALICE, free, &[BOB]).await;
    let two = f
        .create(
            ALICE,
            meeting("14h", "2026-12-01T14:00", "2026-12-01T15:00"),
            &[BOB, CAROL],
        )
        .await;
    f.respond(BOB, &ten.event.id, Declined).await;
    f.respond(BOB, &two.event.id, Tentative).await;
    f.respond(CAROL, &two.event.id, Accepted).await;
    // Another day: outside the window.
    f.create(
        CAROL,
        meeting("later", "2026-12-02T10:00", "2026-12-02T11:00"),
        &[],
    )
    .await;

    let users = [ALICE, BOB, CAROL, DAVE].map(user).to_vec();
    let busy = f.store.busy(corp(), users, december_first()).await.unwrap();
    let found: Vec<_> = busy.iter().map(|b| stretches(b)).collect();
    let at_ten = stretch("2026-12-01T02:00:00Z", "2026-12-01T03:00:00Z", false);
    let at_two = stretch("2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z", false);
    let at_two_maybe = stretch("2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z", true);
    assert_eq!(
        found,
        [
            vec![at_ten.clone(), at_two.clone()],
            vec![at_two_maybe],
            vec![at_ten, at_two],
            vec![],
        ],
        "alice, bob, carol and dave, in that order"
    );
}

async fn busy_takes_events_overlapping_the_window_edges(f: Fixture) {
    f.create(
        ALICE,
        meeting("overnight", "2026-11-30T23:00", "2026-12-01T01:00"),
        &[],
    )
    .await;
    f.create(
        ALICE,
        meeting("late", "2026-12-01T23:30", "2026-12-02T00:30"),
        &[],
    )
    .await;
    f.create(
        ALICE,
        meeting("before", "2026-11-30T22:00", "2026-12-01T00:00"),
        &[],
    )
    .await;
    let busy = f
        .store
        .busy(corp(), vec![user(ALICE)], december_first())
        .await
        .unwrap();
    assert_eq!(
        stretches(&busy[0]),
        [
            stretch("2026-11-30T15:00:00Z", "2026-11-30T17:00:00Z", false),
            stretch("2026-12-01T15:30:00Z", "2026-12-01T16:30:00Z", false),
        ],
        "an event ending at the window's start does not overlap it"
    );
}

/// Free/busy reads only the single events that start within the longest
/// one's span before the window: one made long, or stretched by a patch,
/// is still found.
async fn busy_takes_events_that_began_long_before_the_window(f: Fixture) {
    f.create(
        ALICE,
        meeting("conference", "2026-11-24T09:00", "2026-12-04T09:00"),
        &[],
    )
    .await;
    let stretched = f
        .create(
            ALICE,
            meeting("stretched", "2026-11-20T10:00", "2026-11-20T11:00"),
            &[],
        )
        .await;
    f.store
        .patch_event(
            meta(ALICE),
            stretched.event.id.clone(),
            meeting("stretched", "2026-11-20T10:00", "2026-12-01T12:00"),
        )
        .await
        .unwrap();
    f.create(
        ALICE,
        meeting("long over", "2026-11-01T09:00", "2026-11-30T09:00"),
        &[],
    )
    .await;
    let busy = f
        .store
        .busy(corp(), vec![user(ALICE)], december_first())
        .await
        .unwrap();
    assert_eq!(
        stretches(&busy[0]),
        [
            stretch("2026-11-20T02:00:00Z", "2026-12-01T04:00:00Z", false),
            stretch("2026-11-24T01:00:00Z", "2026-12-04T01:00:00Z", false),
        ]
    );
}

async fn busy_takes_each_occurrence_of_a_series_with_its_own_answer(f: Fixture) {
    let daily = EventChanges {
        recurrence: Some(Recurrence {
            pattern: Some(Pattern {
                kind: Some("daily".into()),
                ..Pattern::default()
            }),
            range: Some(Range {
                kind: Some("noEnd".into()),
                ..Range::default()
            }),
        }),
        ..meeting("Standup", "2026-11-30T09:00", "2026-11-30T09:15")
    };
    let series = f.create(ALICE, daily, &[BOB]).await.event.id.clone();
    let second = InstanceId {
        master: series.clone(),
        origin: Origin::Instant(at("2026-12-01T01:00:00Z")),
    }
    .id();
    f.respond(BOB, &second, Declined).await;
    let three_days = window("2026-11-30T00:00:00+08:00", "2026-12-03T00:00:00+08:00");
    let busy = f
        .store
        .busy(corp(), vec![user(ALICE), user(BOB)], three_days)
        .await
        .unwrap();
    let day = |d: &str| stretch(&format!("{d}T01:00:00Z"), &format!("{d}T01:15:00Z"), false);
    assert_eq!(
        stretches(&busy[0]),
        [day("2026-11-30"), day("2026-12-01"), day("2026-12-02")]
    );
    assert_eq!(
        stretches(&busy[1]),
        [day("2026-11-30"), day("2026-12-02")],
        "bob declined the 1 December occurrence only"
    );
}

async fn busy_takes_an_occurrence_an_exception_made_longer(f: Fixture) {
    let daily = EventChanges {
        recurrence: Some(Recurrence {
            pattern: Some(Pattern {
                kind: Some("daily".into()),
                ..Pattern::default()
            }),
            range: Some(Range {
                kind: Some("noEnd".into()),
                ..Range::default()
            }),
        }),
        ..meeting("Standup", "2026-11-30T09:00", "2026-11-30T09:15")
    };
    let series = f.create(ALICE, daily, &[]).await.event.id.clone();
    let second = InstanceId {
        master: series,
        origin: Origin::Instant(at("2026-12-01T01:00:00Z")),
    }
    .id();
    // The 1 December occurrence now runs from 06:00 to 12:00: it starts
    // long before a window from 10:00 and overlaps it all the same.
    let longer = meeting("Workshop", "2026-12-01T06:00", "2026-12-01T12:00");
    f.store
        .patch_event(meta(ALICE), second, longer)
        .await
        .unwrap();
    let mid_morning = window("2026-12-01T10:00:00+08:00", "2026-12-01T11:00:00+08:00");
    let busy = f
        .store
        .busy(corp(), vec![user(ALICE)], mid_morning)
        .await
        .unwrap();
    assert_eq!(
        stretches(&busy[0]),
        [stretch(
            "2026-11-30T22:00:00Z",
            "2026-12-01T04:00:00Z",
            false
        )]
    );
}

on_both_backends!(
    busy_leaves_out_declined_and_free_events_and_marks_tentative,
    busy_takes_events_overlapping_the_window_edges,
    busy_takes_events_that_began_long_before_the_window,
    busy_takes_each_occurrence_of_a_series_with_its_own_answer,
    busy_takes_an_occurrence_an_exception_made_longer,
);
