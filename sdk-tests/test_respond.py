"""RespondEvent: an attendee answers an invitation."""

from __future__ import annotations

import pytest

from support import (
    ALICE, BOB, CAROL, DAVE, expect_error, patch_request, statuses, timed_request,
)

STATUSES = ["accepted", "declined", "tentative", "needsAction"]


@pytest.fixture
def event(api, day):
    return api.create(ALICE, timed_request(day, summary="Invite", attendees=[BOB, CAROL])).body


@pytest.mark.parametrize("status", STATUSES)
def test_attendee_response_is_seen_by_organizer_and_attendee(api, event, status):
    resp = api.respond(BOB, event.id, status)
    assert resp.status_code == 200
    assert statuses(api.get(ALICE, event.id).body)[BOB] == status
    mine = api.get(BOB, event.id).body
    assert statuses(mine)[BOB] == status
    assert [a.self_ for a in mine.attendees if a.id == BOB] == [True]


def test_response_changes_only_the_responding_attendee(api, event):
    before = api.snapshot(ALICE, event.id)
    api.respond(BOB, event.id, "declined")
    after = api.snapshot(ALICE, event.id)
    assert statuses(api.get(ALICE, event.id).body) == {
        ALICE: "accepted", BOB: "declined", CAROL: "needsAction"}
    for key in ("summary", "start", "end", "organizer", "reminders", "description"):
        assert after.get(key) == before.get(key), key


def test_attendee_can_change_their_answer(api, event):
    api.respond(BOB, event.id, "accepted")
    api.respond(BOB, event.id, "tentative")
    api.respond(BOB, event.id, "declined")
    assert statuses(api.get(ALICE, event.id).body)[BOB] == "declined"


def test_response_shows_in_list_attendees_and_list_events(api, event, day):
    api.respond(CAROL, event.id, "tentative")
    listed = {a.id: a.response_status for a in api.list_attendees(ALICE, event.id).body.attendees}
    assert listed[CAROL] == "tentative"
    (e,) = api.list(CAROL, time_min=day.start(), time_max=day.end()).body.events
    assert statuses(e)[CAROL] == "tentative"


def test_respond_by_user_not_invited_is_404_item_not_found_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.respond(DAVE, event.id, "accepted"), 404, "itemNotFound")
    assert api.snapshot(ALICE, event.id) == before
    expect_error(lambda: api.get(DAVE, event.id), 404, "itemNotFound")


@pytest.mark.parametrize("status", ["maybe", "ACCEPTED", ""])
def test_respond_with_unknown_status_is_400_invalid_parameter_and_changes_nothing(api, event,
                                                                                  status):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.respond(BOB, event.id, status), 400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_respond_without_status_is_400_invalid_parameter_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.respond(BOB, event.id, None), 400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_respond_to_unknown_event_is_404_item_not_found(api):
    expect_error(lambda: api.respond(BOB, "no-such-event", "accepted"), 404, "itemNotFound")


def test_respond_to_deleted_event_is_404_item_not_found(api, event):
    api.delete(ALICE, event.id)
    expect_error(lambda: api.respond(BOB, event.id, "accepted"), 404, "itemNotFound")


def test_respond_after_attendee_was_removed_is_404_and_changes_nothing(api, event):
    api.remove_attendees(ALICE, event.id, [BOB])
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.respond(BOB, event.id, "accepted"), 404, "itemNotFound")
    assert api.snapshot(ALICE, event.id) == before


def test_respond_replayed_with_same_client_token_applies_once(api, event):
    api.respond(BOB, event.id, "accepted", client_token="ct-respond-1")
    api.respond(BOB, event.id, "declined")
    again = api.respond(BOB, event.id, "accepted", client_token="ct-respond-1")
    assert again.status_code == 200
    assert statuses(api.get(ALICE, event.id).body)[BOB] == "declined"


def test_attendee_response_survives_a_patch_that_keeps_them(api, event):
    api.respond(BOB, event.id, "accepted")
    api.patch(ALICE, event.id, patch_request(event.id, summary="Renamed"))
    assert statuses(api.get(ALICE, event.id).body)[BOB] == "accepted"
