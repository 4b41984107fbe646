"""AddAttendee, RemoveAttendee, ListAttendees, and GetEvent's maxAttendees."""

from __future__ import annotations

import pytest

from support import (
    ALICE, BOB, CAROL, DAVE, EVE, attendee_ids, expect_error, extras, statuses, timed_request,
)


@pytest.fixture
def event(api, day):
    return api.create(ALICE, timed_request(day, summary="Team", attendees=[BOB])).body


# -- AddAttendee ---------------------------------------------------------------------------


def test_add_attendee_invites_them_as_needs_action(api, event, day):
    resp = api.add_attendees(ALICE, event.id, [CAROL])
    assert resp.status_code == 200
    got = api.get(ALICE, event.id).body
    assert attendee_ids(got) == [ALICE, BOB, CAROL]
    assert statuses(got)[CAROL] == "needsAction"
    mine = api.get(CAROL, event.id).body
    assert [a.self_ for a in mine.attendees if a.id == CAROL] == [True]
    assert api.ids_in(CAROL, day) == [event.id]


def test_add_optional_attendee_is_listed_as_optional(api, event):
    api.add_attendees(ALICE, event.id, [DAVE], optional=True)
    listed = {a.id: a.is_optional for a in api.list_attendees(ALICE, event.id).body.attendees}
    assert listed[DAVE] is True
    assert listed[BOB] is False


def test_add_several_attendees_in_one_call(api, event):
    api.add_attendees(ALICE, event.id, [CAROL, DAVE])
    assert sorted(attendee_ids(api.get(ALICE, event.id).body)) == sorted([ALICE, BOB, CAROL, DAVE])


def test_add_attendee_already_invited_keeps_one_entry_and_their_answer(api, event):
    api.respond(BOB, event.id, "accepted")
    api.add_attendees(ALICE, event.id, [BOB])
    got = api.get(ALICE, event.id).body
    assert attendee_ids(got) == [ALICE, BOB]


def test_add_attendee_of_another_org_is_400_invalid_parameter_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.add_attendees(ALICE, event.id, [CAROL, EVE]), 400,
                 "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_add_unknown_user_is_400_invalid_parameter_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.add_attendees(ALICE, event.id, ["ghost-union"]), 400,
                 "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_add_attendee_to_unknown_event_is_404_item_not_found(api):
    expect_error(lambda: api.add_attendees(ALICE, "no-such-event", [CAROL]), 404,
                 "itemNotFound")


def test_add_500_attendees_in_one_call_is_accepted(api, event):
    api.add_attendees(ALICE, event.id, extras(1, 500))
    assert len(api.all_attendees(ALICE, event.id)) == 502


def test_add_501_attendees_in_one_call_is_400_invalid_parameter_and_adds_none(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.add_attendees(ALICE, event.id, extras(1, 501)), 400,
                 "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before
    assert [a.id for a in api.all_attendees(ALICE, event.id)] == [ALICE, BOB]


def test_event_holds_5000_attendees_besides_organizer_and_refuses_one_more(api, day):
    e = api.create(ALICE, timed_request(day, summary="All hands")).body
    for first in range(1, 5001, 500):
        api.add_attendees(ALICE, e.id, extras(first, 500))
    everyone = api.all_attendees(ALICE, e.id)
    assert len(everyone) == 5001
    assert everyone[0].id == ALICE
    before_ids = [a.id for a in everyone]
    before = api.snapshot(ALICE, e.id)
    expect_error(lambda: api.add_attendees(ALICE, e.id, extras(5001, 1)), 400,
                 "invalidParameter")
    assert api.snapshot(ALICE, e.id) == before
    assert [a.id for a in api.all_attendees(ALICE, e.id)] == before_ids
    # removing one makes room again
    api.remove_attendees(ALICE, e.id, [extras(1, 1)[0]])
    api.add_attendees(ALICE, e.id, extras(5001, 1))
    assert len(api.all_attendees(ALICE, e.id)) == 5001


def test_add_attendee_replayed_with_same_client_token_applies_once(api, event):
    api.add_attendees(ALICE, event.id, [CAROL], client_token="ct-add-1")
    api.remove_attendees(ALICE, event.id, [CAROL])
    again = api.add_attendees(ALICE, event.id, [CAROL], client_token="ct-add-1")
    assert again.status_code == 200
    assert attendee_ids(api.get(ALICE, event.id).body) == [ALICE, BOB]


# -- RemoveAttendee ----------------------------------------------------------------------------


def test_remove_attendee_takes_them_off_the_event(api, event, day):
    resp = api.remove_attendees(ALICE, event.id, [BOB])
    assert resp.status_code == 200
    assert attendee_ids(api.get(ALICE, event.id).body) == [ALICE]
    expect_error(lambda: api.get(BOB, event.id), 404, "itemNotFound")
    assert api.ids_in(BOB, day) == []


def test_remove_several_attendees_in_one_call(api, event):
    api.add_attendees(ALICE, event.id, [CAROL, DAVE])
    api.remove_attendees(ALICE, event.id, [BOB, DAVE])
    assert attendee_ids(api.get(ALICE, event.id).body) == [ALICE, CAROL]


def test_remove_attendee_from_unknown_event_is_404_item_not_found(api):
    expect_error(lambda: api.remove_attendees(ALICE, "no-such-event", [BOB]), 404,
                 "itemNotFound")


def test_remove_attendee_replayed_with_same_client_token_applies_once(api, event):
    api.remove_attendees(ALICE, event.id, [BOB], client_token="ct-remove-1")
    api.add_attendees(ALICE, event.id, [BOB])
    again = api.remove_attendees(ALICE, event.id, [BOB], client_token="ct-remove-1")
    assert again.status_code == 200
    assert attendee_ids(api.get(ALICE, event.id).body) == [ALICE, BOB]


def test_removed_then_re_added_attendee_starts_again_as_needs_action(api, event):
    api.respond(BOB, event.id, "declined")
    api.remove_attendees(ALICE, event.id, [BOB])
    api.add_attendees(ALICE, event.id, [BOB])
    assert statuses(api.get(ALICE, event.id).body)[BOB] == "needsAction"


# -- ListAttendees ------------------------------------------------------------------------------


def test_list_attendees_lists_organizer_first_with_names_and_statuses(api, event):
    api.respond(BOB, event.id, "tentative")
    body = api.list_attendees(ALICE, event.id).body
    assert [(a.id, a.display_name, a.response_status) for a in body.attendees] == [
        (ALICE, "Alice", "accepted"), (BOB, "Bob", "tentative")]
    assert [a.self_ for a in body.attendees] == [True, False]
    assert not body.next_token


def test_list_attendees_from_attendees_calendar_marks_their_entry_self(api, event):
    body = api.list_attendees(BOB, event.id).body
    assert {a.id: a.self_ for a in body.attendees} == {ALICE: False, BOB: True}


def test_list_attendees_pages_with_max_results_and_next_token(api, day):
    invited = extras(1, 10)
    e = api.create(ALICE, timed_request(day, attendees=invited)).body
    pages, token = [], None
    while True:
        body = api.list_attendees(ALICE, e.id, max_results=3, next_token=token).body
        pages.append([a.id for a in body.attendees])
        token = body.next_token
        if not token:
            break
        assert len(pages) < 20
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    seen = [i for p in pages for i in p]
    assert seen[0] == ALICE
    assert sorted(seen) == sorted([ALICE] + invited)


def test_list_attendees_default_page_is_100(api, day):
    e = api.create(ALICE, timed_request(day, attendees=extras(1, 150))).body
    body = api.list_attendees(ALICE, e.id).body
    assert len(body.attendees) == 100
    assert body.next_token
    rest = api.list_attendees(ALICE, e.id, next_token=body.next_token).body
    assert len(rest.attendees) == 51
    assert not rest.next_token


def test_list_attendees_max_results_500_answers_500(api, day):
    e = api.create(ALICE, timed_request(day, attendees=extras(1, 500))).body
    body = api.list_attendees(ALICE, e.id, max_results=500).body
    assert len(body.attendees) == 500
    assert body.next_token
    rest = api.list_attendees(ALICE, e.id, max_results=500, next_token=body.next_token).body
    assert len(rest.attendees) == 1


@pytest.mark.parametrize("n", [501, 0])
def test_list_attendees_max_results_outside_1_500_is_400_invalid_parameter(api, event, n):
    expect_error(lambda: api.list_attendees(ALICE, event.id, max_results=n), 400,
                 "invalidParameter")


def test_list_attendees_of_unknown_event_is_404_item_not_found(api):
    expect_error(lambda: api.list_attendees(ALICE, "no-such-event"), 404, "itemNotFound")


def test_list_attendees_from_calendar_of_user_not_invited_is_404(api, event):
    expect_error(lambda: api.list_attendees(DAVE, event.id), 404, "itemNotFound")


# -- GetEvent maxAttendees ------------------------------------------------------------------------


def test_get_event_answers_100_attendees_by_default_and_up_to_500_when_asked(api, day):
    e = api.create(ALICE, timed_request(day, attendees=extras(1, 500))).body
    api.add_attendees(ALICE, e.id, extras(501, 99))
    assert len(api.get(ALICE, e.id).body.attendees) == 100
    assert len(api.get(ALICE, e.id, max_attendees=500).body.attendees) == 500
    assert len(api.get(ALICE, e.id, max_attendees=7).body.attendees) == 7
    assert api.get(ALICE, e.id, max_attendees=1).body.attendees[0].id == ALICE


@pytest.mark.parametrize("n", [501, 0])
def test_get_event_max_attendees_outside_1_500_is_400_invalid_parameter(api, event, n):
    expect_error(lambda: api.get(ALICE, event.id, max_attendees=n), 400, "invalidParameter")


def test_delete_by_attendee_replayed_with_same_client_token_applies_once(api, event):
    api.delete(BOB, event.id, client_token="ct-att-delete-1")
    api.add_attendees(ALICE, event.id, [BOB])
    again = api.delete(BOB, event.id, client_token="ct-att-delete-1")
    assert again.status_code == 200
    assert attendee_ids(api.get(ALICE, event.id).body) == [ALICE, BOB]


def test_add_attendee_to_deleted_event_is_404_item_not_found(api, event):
    api.delete(ALICE, event.id)
    expect_error(lambda: api.add_attendees(ALICE, event.id, [CAROL]), 404, "itemNotFound")
    expect_error(lambda: api.get(CAROL, event.id), 404, "itemNotFound")


def test_concurrent_adds_cannot_push_an_event_past_5000_attendees(api, day):
    from concurrent.futures import ThreadPoolExecutor

    from Tea.exceptions import TeaException

    e = api.create(ALICE, timed_request(day, summary="Nearly full")).body
    for first in range(1, 4501, 500):
        api.add_attendees(ALICE, e.id, extras(first, 500))
    api.add_attendees(ALICE, e.id, extras(4501, 499))  # 4,999 besides the organizer
    assert len(api.all_attendees(ALICE, e.id)) == 5000

    def add(uid):
        try:
            api.add_attendees(ALICE, e.id, [uid])
            return "ok"
        except TeaException as err:
            return ((err.data or {}).get("statusCode"), err.code)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(add, [extra_id for extra_id in extras(5000, 2)]))
    assert sorted(map(str, results)) == sorted(["ok", str((400, "invalidParameter"))]), results
    assert len(api.all_attendees(ALICE, e.id)) == 5001
