"""ListEvents: time bounds, paging, whose calendar lists what."""

from __future__ import annotations

import pytest

from support import (
    ALICE, BOB, CAROL, all_day_request, expect_error, extras, new_day, timed_request,
)


def create_at(api, day, hour, minute=0, who=ALICE, attendees=(), summary=None):
    req = timed_request(day, summary=summary or f"at {hour:02d}:{minute:02d}",
                        attendees=attendees)
    req.start.date_time = day.at(hour, minute)
    req.end.date_time = day.at(hour, minute + 30) if minute < 30 else day.at(hour + 1, minute - 30)
    return api.create(who, req).body


def test_list_events_time_min_is_inclusive_and_time_max_exclusive(api, day):
    e9 = create_at(api, day, 9)
    e10 = create_at(api, day, 10)
    e11 = create_at(api, day, 11)
    body = api.list(ALICE, time_min=day.at(9), time_max=day.at(11)).body
    ids = [e.id for e in body.events]
    assert e9.id in ids
    assert e10.id in ids
    assert e11.id not in ids
    assert len(ids) == 2


def test_list_events_bounds_are_on_the_start_of_the_event(api, day):
    # starts before timeMin but ends inside the window: not listed
    early = create_at(api, day, 8, 45)
    inside = create_at(api, day, 9, 15)
    ids = [e.id for e in api.list(ALICE, time_min=day.at(9), time_max=day.at(10)).body.events]
    assert ids == [inside.id]
    assert early.id not in ids


def test_list_events_bounds_compare_instants_across_offsets(api, day):
    e = create_at(api, day, 10)  # 10:00+08:00 == 02:00Z
    ids = [x.id for x in api.list(ALICE, time_min=f"{day.iso}T02:00:00Z",
                                  time_max=f"{day.iso}T02:00:01Z").body.events]
    assert ids == [e.id]


def test_list_events_answers_events_with_their_fields(api, day):
    e = create_at(api, day, 10, attendees=[BOB], summary="Listed")
    (got,) = api.list(ALICE, time_min=day.start(), time_max=day.end()).body.events
    assert got.id == e.id
    assert got.summary == "Listed"
    assert got.start.date_time == day.at(10)
    assert got.organizer.id == ALICE
    assert got.status == "confirmed"
    assert [(a.id, a.response_status) for a in got.attendees] == [
        (ALICE, "accepted"), (BOB, "needsAction")]


def test_list_events_of_attendee_includes_events_they_are_invited_to(api, day):
    e = create_at(api, day, 10, attendees=[BOB])
    own = create_at(api, day, 11, who=BOB)
    assert sorted(api.ids_in(BOB, day)) == sorted([e.id, own.id])
    assert api.ids_in(CAROL, day) == []
    assert api.ids_in(ALICE, day) == [e.id]


def test_list_events_marks_self_for_the_calendar_owner(api, day):
    create_at(api, day, 10, attendees=[BOB])
    (got,) = api.list(BOB, time_min=day.start(), time_max=day.end()).body.events
    assert {a.id: a.self_ for a in got.attendees} == {ALICE: False, BOB: True}
    assert got.organizer.self_ is False


def test_list_events_pages_with_max_results_and_next_token(api, day):
    made = [create_at(api, day, 8 + i).id for i in range(5)]
    pages, token = [], None
    while True:
        body = api.list(ALICE, time_min=day.start(), time_max=day.end(),
                        max_results=2, next_token=token).body
        pages.append([e.id for e in body.events])
        token = body.next_token
        if not token:
            break
        assert len(pages) < 10
    assert [len(p) for p in pages] == [2, 2, 1]
    seen = [i for p in pages for i in p]
    assert sorted(seen) == sorted(made)
    assert len(set(seen)) == 5


def test_list_events_with_max_results_equal_to_count_has_no_token_or_an_empty_last_page(api, day):
    made = [create_at(api, day, 8 + i).id for i in range(3)]
    body = api.list(ALICE, time_min=day.start(), time_max=day.end(), max_results=3).body
    assert sorted(e.id for e in body.events) == sorted(made)
    if body.next_token:
        rest = api.list(ALICE, time_min=day.start(), time_max=day.end(), max_results=3,
                        next_token=body.next_token).body
        assert not rest.events
        assert not rest.next_token


def test_list_events_default_page_is_100(api, day):
    made = {create_at(api, day, 1 + i // 6, (i % 6) * 5).id for i in range(101)}
    assert len(made) == 101
    body = api.list(ALICE, time_min=day.start(), time_max=day.end()).body
    assert len(body.events) == 100
    assert body.next_token
    rest = api.list(ALICE, time_min=day.start(), time_max=day.end(),
                    next_token=body.next_token).body
    assert len(rest.events) == 1
    assert not rest.next_token
    assert {e.id for e in body.events} | {e.id for e in rest.events} == made


def test_list_events_max_results_100_is_accepted(api, day):
    create_at(api, day, 10)
    assert len(api.list(ALICE, time_min=day.start(), time_max=day.end(),
                        max_results=100).body.events) == 1


@pytest.mark.parametrize("n", [101, 0])
def test_list_events_max_results_outside_1_100_is_400_invalid_parameter(api, day, n):
    expect_error(lambda: api.list(ALICE, time_min=day.start(), time_max=day.end(),
                                  max_results=n), 400, "invalidParameter")


def test_list_events_with_window_over_a_year_is_400_invalid_parameter(api, day):
    expect_error(lambda: api.list(ALICE, time_min=day.start(),
                                  time_max=f"{day.date.year + 2}-01-01T00:00:00+08:00"),
                 400, "invalidParameter")


def test_list_events_with_time_min_not_iso_8601_is_400_parsed_iso8601_timestamp_error(api, day):
    expect_error(lambda: api.list(ALICE, time_min="yesterday", time_max=day.end()), 400,
                 "InvalidParameter.ParsedISO8601TimestampError")


def test_list_events_with_time_max_not_iso_8601_is_400_parsed_iso8601_timestamp_error(api, day):
    expect_error(lambda: api.list(ALICE, time_min=day.start(), time_max="2031-13-45T99:00"),
                 400, "InvalidParameter.ParsedISO8601TimestampError")


def test_list_events_leaves_out_deleted_events(api, day):
    keep = create_at(api, day, 9)
    gone = create_at(api, day, 10)
    api.delete(ALICE, gone.id)
    assert api.ids_in(ALICE, day) == [keep.id]


def test_list_events_leaves_out_events_an_attendee_deleted_for_themselves(api, day):
    e = create_at(api, day, 9, attendees=[BOB])
    api.delete(BOB, e.id)
    assert api.ids_in(BOB, day) == []
    assert api.ids_in(ALICE, day) == [e.id]


def test_list_events_lists_all_day_events_of_the_day(api, day):
    e = api.create(ALICE, all_day_request(day)).body
    got = api.list(ALICE, time_min=day.start(), time_max=day.end()).body.events
    assert [x.id for x in got] == [e.id]
    assert got[0].is_all_day is True


def test_list_events_max_attendees_defaults_to_100(api, day):
    e = api.create(ALICE, timed_request(day, attendees=extras(1, 150))).body
    (got,) = api.list(ALICE, time_min=day.start(), time_max=day.end()).body.events
    assert got.id == e.id
    assert len(got.attendees) == 100
    (got5,) = api.list(ALICE, time_min=day.start(), time_max=day.end(),
                       max_attendees=5).body.events
    assert len(got5.attendees) == 5


def test_list_events_in_an_unused_window_is_empty(api):
    d = new_day()
    body = api.list(ALICE, time_min=d.start(), time_max=d.end()).body
    assert not body.events
    assert not body.next_token


def test_list_events_show_deleted_true_is_accepted_and_false_leaves_deleted_out(api, day):
    keep = create_at(api, day, 9)
    gone = create_at(api, day, 10)
    api.delete(ALICE, gone.id)
    shown = api.list(ALICE, time_min=day.start(), time_max=day.end(), show_deleted=True).body
    ids = [e.id for e in shown.events]
    assert keep.id in ids
    for e in shown.events:
        if e.id == gone.id:
            assert e.status == "cancelled"
        else:
            assert e.status == "confirmed"
    hidden = api.list(ALICE, time_min=day.start(), time_max=day.end(), show_deleted=False).body
    assert [e.id for e in hidden.events] == [keep.id]


def test_list_events_with_garbage_next_token_is_400_invalid_parameter(api, day):
    expect_error(lambda: api.list(ALICE, time_min=day.start(), time_max=day.end(),
                                  next_token="not-a-token"), 400, "invalidParameter")
