//! AddAttendee, RemoveAttendee and ListAttendees.

use dingcal::domain::EventId;
use dingcal::domain::attendee::{Invitee, ResponseStatus::*};
use dingcal::domain::event::EventChanges;
use dingcal::error::Status;
use dingcal::store::{Outcome, decode_position};

use crate::support::*;

/// The most attendees an event holds besides its organizer.
const ATTENDEES_MAX: usize = 5_000;

fn planning() -> EventChanges {
    meeting("Planning", "2026-12-01T10:00", "2026-12-01T11:00")
}

/// Stand-ins for many users: the store takes any id (the HTTP layer checks
/// them against the directory).
fn many(n: std::ops::RangeInclusive<usize>) -> Vec<String> {
    n.map(|i| format!("u{i:04}-union")).collect()
}

fn refs(ids: &[String]) -> Vec<&str> {
    ids.iter().map(String::as_str).collect()
}

async fn add_attendees_invites_newcomers_last_and_updates_those_invited(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = created.event.id.clone();
    f.respond(BOB, &id, Accepted).await;
    let add = vec![
        Invitee {
            id: user(CAROL),
            is_optional: false,
        },
        Invitee {
            id: user(BOB),
            is_optional: true,
        },
    ];
    let outcome = f.store.add_attendees(meta(ALICE), id.clone(), add).await;
    assert_eq!(outcome.unwrap(), Outcome::Done);
    let got = f.get(CAROL, &id).await.unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (BOB, Accepted), (CAROL, NeedsAction)],
        "bob keeps his answer"
    );
    let optional: Vec<bool> = got.attendees.iter().map(|a| a.is_optional).collect();
    assert_eq!(optional, [false, true, false]);
}

async fn remove_attendees_takes_them_off_the_event(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB, CAROL]).await;
    let id = created.event.id.clone();
    let ids = vec![user(BOB), user(DAVE)];
    let outcome = f.store.remove_attendees(meta(ALICE), id.clone(), ids).await;
    assert_eq!(
        outcome.unwrap(),
        Outcome::Done,
        "dave, not invited, is no matter"
    );
    assert_refused(f.get(BOB, &id).await, Status::NotFound, "itemNotFound");
    let got = f.get(ALICE, &id).await.unwrap();
    assert_eq!(
        answers(&got.attendees),
        [(ALICE, Accepted), (CAROL, NeedsAction)]
    );
}

async fn the_organizer_cannot_be_removed(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = created.event.id.clone();
    let ids = vec![user(BOB), user(ALICE)];
    let refused = f.store.remove_attendees(meta(ALICE), id.clone(), ids).await;
    assert_refused(refused, Status::BadRequest, "invalidParameter");
    assert_eq!(
        f.get(ALICE, &id).await.unwrap(),
        created,
        "bob was not removed either"
    );
}

async fn only_the_organizer_adds_or_removes_attendees(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let id = created.event.id.clone();
    let add = f
        .store
        .add_attendees(meta(BOB), id.clone(), invitees(&[CAROL]))
        .await;
    assert_refused(add, Status::Forbidden, "forbidden");
    let remove = f
        .store
        .remove_attendees(meta(BOB), id.clone(), vec![user(BOB)])
        .await;
    assert_refused(remove, Status::Forbidden, "forbidden");
    let stranger = f
        .store
        .add_attendees(meta(DAVE), id.clone(), invitees(&[DAVE]))
        .await;
    assert_refused(stranger, Status::NotFound, "itemNotFound");
    assert_eq!(f.get(ALICE, &id).await.unwrap(), created);
}

async fn an_event_holds_5000_attendees_besides_its_organizer(f: Fixture) {
    let first = many(1..=ATTENDEES_MAX - 1);
    let created = f.create(ALICE, planning(), &refs(&first)).await;
    let id = created.event.id.clone();
    let last = many(ATTENDEES_MAX..=ATTENDEES_MAX);
    f.store
        .add_attendees(meta(ALICE), id.clone(), invitees(&refs(&last)))
        .await
        .expect("the 5,000th attendee fits");

    let beyond = many(ATTENDEES_MAX + 1..=ATTENDEES_MAX + 1);
    let refused = f
        .store
        .add_attendees(meta(ALICE), id.clone(), invitees(&refs(&beyond)))
        .await;
    assert_refused(refused, Status::BadRequest, "invalidParameter");
    let again = vec![Invitee {
        id: user(&first[0]),
        is_optional: true,
    }];
    f.store
        .add_attendees(meta(ALICE), id.clone(), again)
        .await
        .expect("inviting someone already there adds no one");
    let got = f
        .store
        .get_event(corp(), user(ALICE), id.clone(), ATTENDEES_MAX + 10)
        .await
        .unwrap();
    assert_eq!(got.attendees.len(), ATTENDEES_MAX + 1);
    assert_eq!(got.attendees[ATTENDEES_MAX].id.as_str(), last[0]);
    assert!(got.attendees[1].is_optional);
}

async fn list_attendees_pages_in_invitation_order(f: Fixture) {
    let invited = many(1..=7);
    let created = f.create(ALICE, planning(), &refs(&invited)).await;
    let id = created.event.id.clone();
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut after = None;
    loop {
        let page = f
            .store
            .list_attendees(corp(), user(invited[3].as_str()), id.clone(), after, 3)
            .await
            .unwrap();
        assert!(page.sync_token.is_none());
        pages.push(page.items.iter().map(|a| a.id.0.clone()).collect());
        match page.next {
            Some(token) => after = Some(decode_position(&token).unwrap()),
            None => break,
        }
    }
    let expected: Vec<Vec<String>> = [ALICE.to_string()]
        .into_iter()
        .chain(invited)
        .collect::<Vec<_>>()
        .chunks(3)
        .map(<[String]>::to_vec)
        .collect();
    assert_eq!(pages, expected);
}

async fn list_attendees_of_an_event_not_in_the_callers_calendar_is_not_found(f: Fixture) {
    let created = f.create(ALICE, planning(), &[BOB]).await;
    let listed = f
        .store
        .list_attendees(corp(), user(DAVE), created.event.id.clone(), None, 10)
        .await;
    assert_refused(listed, Status::NotFound, "itemNotFound");
    let unknown = EventId("no-such-event".into());
    let listed = f
        .store
        .list_attendees(corp(), user(ALICE), unknown, None, 10)
        .await;
    assert_refused(listed, Status::NotFound, "itemNotFound");
}

on_both_backends!(
    add_attendees_invites_newcomers_last_and_updates_those_invited,
    remove_attendees_takes_them_off_the_event,
    the_organizer_cannot_be_removed,
    only_the_organizer_adds_or_removes_attendees,
    an_event_holds_5000_attendees_besides_its_organizer,
    list_attendees_pages_in_invitation_order,
    list_attendees_of_an_event_not_in_the_callers_calendar_is_not_found,
);
