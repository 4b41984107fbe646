//! EventWrites and GetEvent: an event's life, who may do what to it, and
//! what each change leaves for everyone in it.

use dingcal::domain::attendee::{Invitee, ResponseStatus::*};
use dingcal::domain::event::{EventChanges, Location};
use dingcal::domain::time::When;
use dingcal::domain::{CorpId, EventId};
use dingcal::error::Status;
use dingcal::store::Outcome;

use crate::support::*;

fn planning() -> EventChanges {
    meeting("Planning", "2026-12-01T10:00", "2026-12-01T11:00")
}

/// A change of the summary alone.
fn retitle(summary: &str) -> EventChanges {
    EventChanges {
        summary: Some(summary.into()),
        ..EventChanges::default()
    }
}

async fn created_events_list_the_organizer_first_and_accepted(f: Fixture) {
    let mut changes = planning();
    changes.description = Some("agenda".into());
    let created = f.create(ALICE, changes, &[BOB, CAROL]).await;
    assert_eq!(created.event.organizer, user(ALICE));
    assert_eq!(created.event.summary, "Planning");
    assert_eq!(created.event.description.as_deref(), Some("agenda"));
    assert_eq!(
        answers(&created.attendees),
        [(ALICE, Accepted), (BOB, NeedsAction), (CAROL, NeedsAction)]
    );
    assert!(created.attendees[0].is_organizer);
    assert!(created.attendees[1..].iter().all(|a| !a.is_organizer));
    assert_eq!(created.series, None);

    for reader in [ALICE, BOB, CAROL] {
        let got = f.get(reader, &created.event.id).await.unwrap();
        assert_eq!(got, created, "as {reader} reads it");
    }
}

async fn an_invited_organizer_is_listed_once(f: Fixture) {
    let created = f.create(ALICE, planning(), &[ALICE, BOB]).await;
    assert_eq!(
        answers(&created.attendees),
        [(ALICE, Accepted), (BOB, NeedsAction)]
    );
}

async fn an_event_is_found_only_by_its_attendees_in_its_org(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = &created.event.id;
    assert_refused(f.get(DAVE, id).await, Status::NotFound, "itemNotFound");
    let elsewhere = f
        .store
        .get_event(CorpId(OTHER_ORG.into()), user(ALICE), id.clone(), 100)
        .await;
    assert_refused(elsewhere, Status::NotFound, "itemNotFound");
    let unknown = EventId("no-such-event".into());
    assert_refused(
        f.get(ALICE, &unknown).await,
        Status::NotFound,
        "itemNotFound",
    );
}

async fn get_shows_at_most_the_attendees_asked_for(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL, DAVE]).await;
    let got = f
        .store
        .get_event(corp(), user(CAROL), created.event.id.clone(), 2)
        .await
        .unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (BOB, NeedsAction)]
    );
}

async fn a_patch_without_attendees_keeps_the_list_and_its_responses(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL]).await;
    let id = created.event.id.clone();
    f.respond(BOB, &id, Accepted).await;
    f.respond(CAROL, &id, Declined).await;

    let mut changes = retitle("Planning, moved");
    changes.location = Some(Location {
        display_name: Some("Room 2".into()),
    });
    changes.start = Some(local("start", "2026-12-02T10:00"));
    changes.end = Some(local("end", "2026-12-02T11:30"));
    let patched = f
        .store
        .patch_event(meta(ALICE), id.clone(), changes)
        .await
        .map(view_of)
        .unwrap();
    assert_eq!(patched.event.summary, "Planning, moved");
    let room = patched.event.location.as_ref().unwrap();
    assert_eq!(room.display_name.as_deref(), Some("Room 2"));
    let moved = When::combine(
        local("start", "2026-12-02T10:00"),
        local("end", "2026-12-02T11:30"),
        None,
    );
    assert_eq!(patched.event.when, moved.unwrap());
    assert_eq!(
        answers(&patched.attendees),
        [(ALICE, Accepted), (BOB, Accepted), (CAROL, Declined)],
        "responses do not reset when an event moves"
    );
    assert_eq!(f.get(BOB, &id).await.unwrap(), patched);
}

async fn a_patch_with_attendees_replaces_the_list_keeping_kept_responses(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL]).await;
    let id = created.event.id.clone();
    f.respond(BOB, &id, Accepted).await;
    f.respond(CAROL, &id, Tentative).await;

    let mut changes = retitle("Planning, new list");
    changes.attendees = Some(vec![
        Invitee {
            id: user(BOB),
            is_optional: true,
        },
        Invitee {
            id: user(DAVE),
            is_optional: false,
        },
    ]);
    let patched = f
        .store
        .patch_event(meta(ALICE), id.clone(), changes)
        .await
        .map(view_of)
        .unwrap();
    assert_eq!(
        answers(&patched.attendees),
        [(ALICE, Accepted), (BOB, Accepted), (DAVE, NeedsAction)],
        "carol, left out, is removed; the organizer stays"
    );
    let optional: Vec<bool> = patched.attendees.iter().map(|a| a.is_optional).collect();
    assert_eq!(optional, [false, true, false], "kept ones take isOptional");
    assert_refused(f.get(CAROL, &id).await, Status::NotFound, "itemNotFound");
    assert_eq!(f.get(DAVE, &id).await.unwrap(), patched);
}

async fn a_patch_by_an_attendee_is_forbidden_and_changes_nothing(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = created.event.id.clone();
    let mut changes = retitle("Hijacked");
    changes.attendees = Some(Vec::new());
    let refused = f.store.patch_event(meta(BOB), id.clone(), changes).await;
    match &refused {
        Err(e) => assert_eq!(
            e.message,
            "Only the organizer is allowed to update an event."
        ),
        Ok(_) => panic!("an attendee patched the event"),
    }
    assert_refused(refused, Status::Forbidden, "forbidden");
    assert_eq!(f.get(ALICE, &id).await.unwrap(), created);
}

async fn a_patch_by_someone_not_invited_is_not_found(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = created.event.id.clone();
    let refused = f.store.patch_event(meta(DAVE), id.clone(), retitle("x"));
    assert_refused(refused.await, Status::NotFound, "itemNotFound");
    assert_eq!(f.get(ALICE, &id).await.unwrap(), created);
}

async fn patches_sent_together_each_apply_and_lose_nothing(f: Fixture) {
    let id = f.create(ALICE, planning(), &[BOB]).await.event.id.clone();
    let described = EventChanges {
        description: Some("Agenda".into()),
        ..EventChanges::default()
    };
    let (retitled, refused, described, freed) = tokio::join!(
        f.store
            .patch_event(meta(ALICE), id.clone(), retitle("Review")),
        f.store
            .patch_event(meta(BOB), id.clone(), retitle("Hijacked")),
        f.store.patch_event(meta(ALICE), id.clone(), described),
        f.store.patch_event(
            meta(ALICE),
            id.clone(),
            EventChanges {
                free_busy_status: Some("free".into()),
                ..EventChanges::default()
            }
        ),
    );
    assert_refused(refused, Status::Forbidden, "forbidden");
    // Each is answered with the event as its own patch left it.
    assert_eq!(view_of(retitled.unwrap()).event.summary, "Review");
    assert_eq!(
        view_of(described.unwrap()).event.description.as_deref(),
        Some("Agenda")
    );
    assert!(view_of(freed.unwrap()).event.is_free());
    let now = f.get(ALICE, &id).await.unwrap();
    assert_eq!(now.event.summary, "Review");
    assert_eq!(now.event.description.as_deref(), Some("Agenda"));
    assert!(now.event.is_free());
}

/// New events sent at once may be written together; one that fails (here
/// an id already taken, which no request can give) fails alone.
async fn events_created_together_each_get_their_own_outcome(f: Fixture) {
    let taken = f.create(ALICE, planning(), &[BOB]).await;
    let mut events: Vec<_> = (0..24)
        .map(|i| {
            meeting(
                &format!("Meeting {i}"),
                "2026-12-02T10:00",
                "2026-12-02T11:00",
            )
            .create(EventId::generate(at(NOW)), user(CAROL), at(NOW))
            .expect("a valid event")
        })
        .collect();
    let twin = planning()
        .create(taken.event.id.clone(), user(CAROL), at(NOW))
        .expect("a valid event");
    events.insert(12, twin);
    let outcomes = futures_util::future::join_all(events.iter().map(|event| {
        f.store
            .create_event(meta(CAROL), event.clone(), invitees(&[DAVE]))
    }))
    .await;
    for (event, outcome) in events.iter().zip(outcomes) {
        if event.id == taken.event.id {
            assert!(outcome.is_err(), "an id already taken is refused");
            continue;
        }
        let created = view_of(outcome.expect("created"));
        assert_eq!(created.event.summary, event.summary);
        assert_eq!(f.get(DAVE, &event.id).await.unwrap(), created);
    }
    assert_eq!(f.get(ALICE, &taken.event.id).await.unwrap(), taken);
}

async fn delete_by_the_organizer_cancels_the_event_for_everyone(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL]).await;
    let id = created.event.id.clone();
    let outcome = f.store.delete_event(meta(ALICE), id.clone()).await.unwrap();
    assert_eq!(outcome, Outcome::Done);
    for reader in [ALICE, BOB, CAROL] {
        assert_refused(f.get(reader, &id).await, Status::NotFound, "itemNotFound");
    }
    let day = december_first();
    let listed = f
        .store
        .list_events(corp(), user(BOB), listing(day, 10))
        .await
        .unwrap();
    assert!(listed.items.is_empty(), "a cancelled event is not listed");
    let mut with_deleted = listing(day, 10);
    with_deleted.show_deleted = true;
    let listed = f
        .store
        .list_events(corp(), user(BOB), with_deleted)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(listed.items[0].cancelled);
    assert_eq!(listed.items[0].view.event.id, id);
    let again = f.store.delete_event(meta(ALICE), id.clone()).await;
    assert_refused(again, Status::NotFound, "itemNotFound");
}

async fn delete_by_an_attendee_takes_it_out_of_their_calendar_only(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL]).await;
    let id = created.event.id.clone();
    let outcome = f.store.delete_event(meta(BOB), id.clone()).await.unwrap();
    assert_eq!(outcome, Outcome::Done);
    assert_refused(f.get(BOB, &id).await, Status::NotFound, "itemNotFound");
    for reader in [ALICE, CAROL] {
        let got = f.get(reader, &id).await.unwrap();
        assert_eq!(
            answers(&got.attendees),
            [(ALICE, Accepted), (CAROL, NeedsAction)]
        );
        assert_eq!(got.event.summary, "Planning");
    }
}

async fn respond_sets_the_callers_answer_only(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL]).await;
    let id = created.event.id.clone();
    f.respond(BOB, &id, Tentative).await;
    f.respond(BOB, &id, Declined).await;
    let got = f.get(CAROL, &id).await.unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (BOB, Declined), (CAROL, NeedsAction)]
    );
    assert_eq!(got.event, created.event, "the event itself is unchanged");
}

async fn responses_sent_together_each_get_their_own_outcome(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL]).await;
    let id = created.event.id.clone();
    // Sent at once, they may be written together; each is answered alone.
    let (bob, carol, dave) = tokio::join!(
        f.store.respond(meta(BOB), id.clone(), Accepted),
        f.store.respond(meta(CAROL), id.clone(), Declined),
        f.store.respond(meta(DAVE), id.clone(), Accepted),
    );
    assert_eq!(bob.unwrap(), Outcome::Done);
    assert_eq!(carol.unwrap(), Outcome::Done);
    assert_refused(dave, Status::NotFound, "itemNotFound");
    let got = f.get(ALICE, &id).await.unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (BOB, Accepted), (CAROL, Declined)]
    );
}

async fn respond_by_someone_not_invited_is_not_found(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = created.event.id.clone();
    let refused = f.store.respond(meta(DAVE), id.clone(), Accepted).await;
    assert_refused(refused, Status::NotFound, "itemNotFound");
    let unknown = EventId("no-such-event".into());
    let refused = f.store.respond(meta(BOB), unknown, Accepted).await;
    assert_refused(refused, Status::NotFound, "itemNotFound");
    assert_eq!(f.get(ALICE, &id).await.unwrap(), created);
}

async fn respond_to_a_cancelled_event_is_not_found(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = created.event.id.clone();
    f.store.delete_event(meta(ALICE), id.clone()).await.unwrap();
    let refused = f.store.respond(meta(BOB), id, Accepted).await;
    assert_refused(refused, Status::NotFound, "itemNotFound");
}

on_both_backends!(
    created_events_list_the_organizer_first_and_accepted,
    an_invited_organizer_is_listed_once,
    an_event_is_found_only_by_its_attendees_in_its_org,
    get_shows_at_most_the_attendees_asked_for,
    a_patch_without_attendees_keeps_the_list_and_its_responses,
    a_patch_with_attendees_replaces_the_list_keeping_kept_responses,
    a_patch_by_an_attendee_is_forbidden_and_changes_nothing,
    a_patch_by_someone_not_invited_is_not_found,
    patches_sent_together_each_apply_and_lose_nothing,
    events_created_together_each_get_their_own_outcome,
    delete_by_the_organizer_cancels_the_event_for_everyone,
    delete_by_an_attendee_takes_it_out_of_their_calendar_only,
    respond_sets_the_callers_answer_only,
    responses_sent_together_each_get_their_own_outcome,
    respond_by_someone_not_invited_is_not_found,
    respond_to_a_cancelled_event_is_not_found,
);
