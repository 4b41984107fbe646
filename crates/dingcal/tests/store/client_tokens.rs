//! x-client-token (`WriteMeta.idempotency`): a write recorded with its
//! answer, replayed as first answered, refused for another request.

use dingcal::domain::EventId;
use dingcal::domain::attendee::ResponseStatus::*;
use dingcal::domain::event::EventChanges;
use dingcal::error::Status;
use dingcal::store::{IdempotencyKey, Outcome, WriteMeta};

use crate::support::*;

const CREATE: &str = "POST /v1.0/calendar/users/alice-union/calendars/primary/events";

fn respond_request(who: &str, id: &EventId) -> String {
    format!("POST /v1.0/calendar/users/{who}/calendars/primary/events/{id}/respond")
}

fn patch_request(id: &EventId) -> String {
    format!("PUT /v1.0/calendar/users/alice-union/calendars/primary/events/{id}")
}

/// A create by alice under `meta`, of a new event with a new id.
async fn create_with(f: &Fixture, meta: WriteMeta, summary: &str) -> Outcome {
    let event = meeting(summary, "2026-12-01T10:00", "2026-12-01T11:00")
        .create(EventId::generate(at(NOW)), user(ALICE), at(NOW))
        .unwrap();
    f.store
        .create_event(meta, event, invitees(&[BOB]))
        .await
        .unwrap()
}

/// alice's events on 1 December.
async fn alices_events(f: &Fixture) -> Vec<String> {
    let day = december_first();
    let page = f
        .store
        .list_events(corp(), user(ALICE), listing(day, 100))
        .await
        .unwrap();
    page.items
        .iter()
        .map(|l| l.view.event.summary.clone())
        .collect()
}

async fn respond_with_a_client_token_sets_the_answer(f: Fixture) {
    let created = f.create(
        ALICE,
        meeting("M", "2026-12-01T10:00", "2026-12-01T11:00"),
        &[BOB],
    );
    let id = created.await.event.id.clone();
    let meta = meta_with_token(BOB, "bob-accepts", &respond_request(BOB, &id));
    let outcome = f.store.respond(meta, id.clone(), Tentative).await.unwrap();
    assert_eq!(outcome, Outcome::Done);
    let got = f.get(ALICE, &id).await.unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (BOB, Tentative)]
    );
}

async fn a_replayed_create_answers_its_first_outcome_and_creates_nothing(f: Fixture) {
    let first = create_with(&f, meta_with_token(ALICE, "once", CREATE), "First").await;
    let first = view_of(first);
    // The event changes after it was created; a replay still answers what
    // the create answered.
    f.store
        .patch_event(
            meta(ALICE),
            first.event.id.clone(),
            EventChanges {
                summary: Some("Renamed".into()),
                ..EventChanges::default()
            },
        )
        .await
        .unwrap();
    let replayed = create_with(&f, meta_with_token(ALICE, "once", CREATE), "Second").await;
    assert_eq!(view_of(replayed), first);
    assert_eq!(alices_events(&f).await, ["Renamed"], "one event only");
}

async fn a_replayed_response_does_not_undo_a_later_one(f: Fixture) {
    let created = f.create(
        ALICE,
        meeting("M", "2026-12-01T10:00", "2026-12-01T11:00"),
        &[BOB],
    );
    let id = created.await.event.id.clone();
    let request = respond_request(BOB, &id);
    let first = f
        .store
        .respond(meta_with_token(BOB, "r1", &request), id.clone(), Accepted)
        .await
        .unwrap();
    f.respond(BOB, &id, Declined).await;
    let replayed = f
        .store
        .respond(meta_with_token(BOB, "r1", &request), id.clone(), Accepted)
        .await
        .unwrap();
    assert_eq!(replayed, first);
    let got = f.get(BOB, &id).await.unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (BOB, Declined)],
        "the replay changed nothing"
    );
}

async fn a_token_reused_for_another_request_is_refused(f: Fixture) {
    let created = create_with(&f, meta_with_token(ALICE, "shared", CREATE), "Kept").await;
    let id = view_of(created).event.id.clone();
    let reused = meta_with_token(ALICE, "shared", &patch_request(&id));
    let refused = f
        .store
        .patch_event(
            reused,
            id.clone(),
            EventChanges {
                summary: Some("Changed".into()),
                ..EventChanges::default()
            },
        )
        .await;
    assert_refused(refused, Status::BadRequest, "invalidParameter");
    assert_eq!(f.get(ALICE, &id).await.unwrap().event.summary, "Kept");
}

async fn a_refused_request_does_not_use_up_its_token(f: Fixture) {
    let created = f.create(
        ALICE,
        meeting("M", "2026-12-01T10:00", "2026-12-01T11:00"),
        &[BOB],
    );
    let id = created.await.event.id.clone();
    let request = respond_request(CAROL, &id);
    let early = f
        .store
        .respond(
            meta_with_token(CAROL, "carol", &request),
            id.clone(),
            Accepted,
        )
        .await;
    assert_refused(early, Status::NotFound, "itemNotFound");

    f.store
        .add_attendees(meta(ALICE), id.clone(), invitees(&[CAROL]))
        .await
        .unwrap();
    let applied = f
        .store
        .respond(
            meta_with_token(CAROL, "carol", &request),
            id.clone(),
            Accepted,
        )
        .await;
    assert_eq!(applied.unwrap(), Outcome::Done);
    let got = f.get(CAROL, &id).await.unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (BOB, NeedsAction), (CAROL, Accepted)]
    );
}

async fn a_token_is_refused_while_its_first_request_runs(f: Fixture) {
    let (first, second) = tokio::join!(
        create_with(&f, meta_with_token(ALICE, "racing", CREATE), "Raced"),
        async {
            let event = meeting("Raced", "2026-12-01T10:00", "2026-12-01T11:00")
                .create(EventId::generate(at(NOW)), user(ALICE), at(NOW))
                .unwrap();
            let meta = meta_with_token(ALICE, "racing", CREATE);
            f.store.create_event(meta, event, Vec::new()).await
        },
    );
    // The first holds the token from its first poll until it is written.
    assert_refused(second, Status::BadRequest, "idempotencyProcessing");
    let first = view_of(first);
    assert_eq!(alices_events(&f).await, ["Raced"]);
    let replayed = create_with(&f, meta_with_token(ALICE, "racing", CREATE), "Raced").await;
    assert_eq!(view_of(replayed), first, "once written, it is replayed");
}

async fn the_same_token_of_two_apps_names_two_requests(f: Fixture) {
    let mine = view_of(create_with(&f, meta_with_token(ALICE, "t", CREATE), "Mine").await);
    let mut theirs = meta_with_token(ALICE, "t", CREATE);
    theirs.idempotency = Some(IdempotencyKey {
        app_key: SECOND_APP.into(),
        ..theirs.idempotency.unwrap()
    });
    let theirs = view_of(create_with(&f, theirs, "Theirs").await);
    assert_ne!(mine.event.id, theirs.event.id);
    let mut listed = alices_events(&f).await;
    listed.sort();
    assert_eq!(listed, ["Mine", "Theirs"]);
}

on_both_backends!(
    respond_with_a_client_token_sets_the_answer,
    a_replayed_create_answers_its_first_outcome_and_creates_nothing,
    a_replayed_response_does_not_undo_a_later_one,
    a_token_reused_for_another_request_is_refused,
    a_refused_request_does_not_use_up_its_token,
    a_token_is_refused_while_its_first_request_runs,
    the_same_token_of_two_apps_names_two_requests,
);
