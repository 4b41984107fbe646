"""CreateEvent, GetEvent and DeleteEvent through the SDK."""

from __future__ import annotations

from alibabacloud_dingtalk.calendar_1_0 import models as cal

from support import (
    ALICE, BOB, CAROL, DAVE, NAMES, TZ, all_day_request, attendee_ids, expect_error, extras,
    patch_request, statuses, timed_request,
)


# -- CreateEvent answers ---------------------------------------------------------


def test_create_timed_event_answers_the_event_as_the_organizer_sees_it(api, day):
    resp = api.create(ALICE, timed_request(
        day, summary="Planning", attendees=[BOB, CAROL], description="Quarterly plan",
        location=cal.CreateEventRequestLocation(display_name="Room 1"),
    ))
    assert resp.status_code == 200
    b = resp.body
    assert b.id
    assert b.summary == "Planning"
    assert b.description == "Quarterly plan"
    assert b.location.display_name == "Room 1"
    assert b.is_all_day is False
    assert (b.start.date_time, b.start.time_zone) == (day.at(10), TZ)
    assert (b.end.date_time, b.end.time_zone) == (day.at(11), TZ)
    assert b.start.date is None and b.end.date is None
    assert b.create_time and b.update_time


def test_create_event_lists_organizer_first_as_accepted_and_invitees_as_needs_action(api, day):
    b = api.create(ALICE, timed_request(day, attendees=[BOB, CAROL])).body
    assert attendee_ids(b) == [ALICE, BOB, CAROL]
    first = b.attendees[0]
    assert (first.id, first.response_status, first.self_) == (ALICE, "accepted", True)
    for a in b.attendees[1:]:
        assert a.response_status == "needsAction"
        assert a.self_ is False
    assert {a.id: a.display_name for a in b.attendees} == {i: NAMES[i] for i in (ALICE, BOB, CAROL)}
    org = b.organizer
    assert (org.id, org.display_name, org.response_status, org.self_) == (
        ALICE, "Alice", "accepted", True)


def test_create_event_without_attendees_lists_only_the_organizer(api, day):
    b = api.create(ALICE, timed_request(day)).body
    assert attendee_ids(b) == [ALICE]


def test_create_event_optional_attendee_is_marked_optional(api, day):
    req = timed_request(day)
    req.attendees = [cal.CreateEventRequestAttendees(id=BOB, is_optional=True),
                     cal.CreateEventRequestAttendees(id=CAROL, is_optional=False)]
    b = api.create(ALICE, req).body
    opt = {a.id: a.is_optional for a in b.attendees}
    assert opt[BOB] is True
    assert opt[CAROL] is False


def test_get_event_answers_what_create_answered(api, day):
    created = api.create(ALICE, timed_request(day, summary="Same", attendees=[BOB])).body
    got = api.get(ALICE, created.id).body
    assert got.id == created.id
    assert got.summary == "Same"
    assert (got.start.date_time, got.end.date_time) == (created.start.date_time,
                                                        created.end.date_time)
    assert statuses(got) == statuses(created)
    assert got.organizer.self_ is True
    assert got.status == "confirmed"


def test_same_event_id_is_visible_from_each_attendees_calendar_with_self_on_their_entry(api, day):
    created = api.create(ALICE, timed_request(day, attendees=[BOB, CAROL])).body
    for who in (BOB, CAROL):
        got = api.get(who, created.id).body
        assert got.id == created.id
        assert got.summary == created.summary
        assert got.organizer.id == ALICE
        assert got.organizer.self_ is False
        assert {a.id: a.self_ for a in got.attendees} == {
            ALICE: False, BOB: who == BOB, CAROL: who == CAROL}


def test_get_event_from_calendar_of_user_not_invited_is_404_item_not_found(api, day):
    created = api.create(ALICE, timed_request(day, attendees=[BOB])).body
    expect_error(lambda: api.get(DAVE, created.id), 404, "itemNotFound")


def test_get_event_with_unknown_id_is_404_item_not_found(api):
    expect_error(lambda: api.get(ALICE, "no-such-event-id"), 404, "itemNotFound")


# -- all-day events ---------------------------------------------------------------


def test_create_all_day_event_answers_dates_only_with_exclusive_end(api, day):
    b = api.create(ALICE, all_day_request(day, days=1)).body
    assert b.is_all_day is True
    assert b.start.date == day.iso
    assert b.end.date == day.next_iso(1)
    for t in (b.start, b.end):
        assert not t.date_time
        assert not t.time_zone
    got = api.get(ALICE, b.id).body
    assert (got.is_all_day, got.start.date, got.end.date) == (True, day.iso, day.next_iso(1))


def test_create_multi_day_all_day_event_keeps_its_dates(api, day):
    b = api.create(ALICE, all_day_request(day, days=3)).body
    assert (b.start.date, b.end.date) == (day.iso, day.next_iso(3))


def test_create_all_day_event_with_date_time_set_is_400_invalid_parameter(api, day):
    req = all_day_request(day)
    req.start.date_time = day.at(9)
    req.start.time_zone = TZ
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_create_all_day_event_ending_on_its_start_date_is_400_invalid_parameter(api, day):
    req = all_day_request(day)
    req.end.date = day.iso
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


# -- reminders ----------------------------------------------------------------------


def test_timed_event_without_reminders_gets_dingtalk_reminder_15_minutes_before(api, day):
    b = api.create(ALICE, timed_request(day)).body
    assert [(r.method, r.minutes) for r in b.reminders] == [("dingtalk", "15")]
    got = api.get(ALICE, b.id).body
    assert [(r.method, r.minutes) for r in got.reminders] == [("dingtalk", "15")]


def test_all_day_event_without_reminders_gets_reminder_at_9_the_day_before(api, day):
    b = api.create(ALICE, all_day_request(day)).body
    assert [(r.method, r.minutes) for r in b.reminders] == [("dingtalk", "900")]


def test_empty_reminder_list_means_no_reminder(api, day):
    b = api.create(ALICE, timed_request(day, reminders=[])).body
    assert not b.reminders
    assert not api.get(ALICE, b.id).body.reminders


def test_given_reminders_are_kept_with_minutes_as_strings(api, day):
    b = api.create(ALICE, timed_request(day, reminders=[
        cal.CreateEventRequestReminders(method="dingtalk", minutes=30),
        cal.CreateEventRequestReminders(method="dingtalk", minutes=1440),
    ])).body
    assert sorted((r.method, r.minutes) for r in b.reminders) == [
        ("dingtalk", "1440"), ("dingtalk", "30")]


def test_reminder_method_other_than_dingtalk_is_400_invalid_parameter(api, day):
    req = timed_request(day, reminders=[cal.CreateEventRequestReminders(method="email",
                                                                         minutes=10)])
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


# -- online meeting -------------------------------------------------------------------


def test_online_meeting_dingtalk_gets_conference_id_and_url(api, day):
    b = api.create(ALICE, timed_request(
        day, online_meeting_info=cal.CreateEventRequestOnlineMeetingInfo(type="dingtalk"))).body
    m = b.online_meeting_info
    assert m is not None
    assert m.type == "dingtalk"
    assert m.conference_id
    assert m.url
    got = api.get(ALICE, b.id).body.online_meeting_info
    assert (got.conference_id, got.url) == (m.conference_id, m.url)


def test_event_without_online_meeting_has_none(api, day):
    b = api.create(ALICE, timed_request(day)).body
    assert b.online_meeting_info is None or not b.online_meeting_info.conference_id


def test_online_meeting_type_other_than_dingtalk_is_400_invalid_parameter(api, day):
    req = timed_request(day, online_meeting_info=cal.CreateEventRequestOnlineMeetingInfo(
        type="zoom"))
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


# -- field bounds --------------------------------------------------------------------


def test_summary_of_2048_characters_is_accepted(api, day):
    b = api.create(ALICE, timed_request(day, summary="s" * 2048)).body
    assert api.get(ALICE, b.id).body.summary == "s" * 2048


def test_summary_of_2049_characters_is_400_invalid_parameter_and_creates_nothing(api, day):
    expect_error(lambda: api.create(ALICE, timed_request(day, summary="s" * 2049)), 400,
                 "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_summary_length_counts_characters_not_bytes(api, day):
    b = api.create(ALICE, timed_request(day, summary="日" * 2048)).body
    assert api.get(ALICE, b.id).body.summary == "日" * 2048


def test_missing_summary_is_400_invalid_parameter(api, day):
    req = timed_request(day)
    req.summary = None
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_description_of_5000_characters_is_accepted(api, day):
    b = api.create(ALICE, timed_request(day, description="d" * 5000)).body
    assert api.get(ALICE, b.id).body.description == "d" * 5000


def test_description_of_5001_characters_is_400_invalid_parameter_and_creates_nothing(api, day):
    expect_error(lambda: api.create(ALICE, timed_request(day, description="d" * 5001)), 400,
                 "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_time_that_is_not_iso_8601_is_400_parsed_iso8601_timestamp_error(api, day):
    req = timed_request(day)
    req.start.date_time = "tomorrow at ten"
    expect_error(lambda: api.create(ALICE, req), 400,
                 "InvalidParameter.ParsedISO8601TimestampError")
    assert api.ids_in(ALICE, day) == []


def test_end_time_zone_different_from_start_time_zone_is_400_invalid_parameter(api, day):
    req = timed_request(day)
    req.end.time_zone = "Europe/Berlin"
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_end_before_start_is_400_invalid_parameter(api, day):
    req = timed_request(day, start_h=11, end_h=10)
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_create_event_with_501_attendees_is_400_invalid_parameter(api, day):
    expect_error(lambda: api.create(ALICE, timed_request(day, attendees=extras(1, 501))), 400,
                 "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_create_event_with_500_attendees_is_accepted(api, day):
    b = api.create(ALICE, timed_request(day, attendees=extras(1, 500))).body
    assert len(api.all_attendees(ALICE, b.id)) == 501


# -- x-client-token ----------------------------------------------------------------------


def test_create_event_replayed_with_same_client_token_answers_same_event_and_creates_one(api, day):
    first = api.create(ALICE, timed_request(day, attendees=[BOB]), client_token="ct-create-1")
    second = api.create(ALICE, timed_request(day, attendees=[BOB]), client_token="ct-create-1")
    assert second.body.id == first.body.id
    assert second.body.to_map() == first.body.to_map()
    assert api.ids_in(ALICE, day) == [first.body.id]
    assert api.ids_in(BOB, day) == [first.body.id]


def test_create_event_with_different_client_tokens_creates_two_events(api, day):
    a = api.create(ALICE, timed_request(day), client_token="ct-create-a").body
    b = api.create(ALICE, timed_request(day), client_token="ct-create-b").body
    assert a.id != b.id
    assert sorted(api.ids_in(ALICE, day)) == sorted([a.id, b.id])


def test_create_event_replay_answers_first_answer_even_after_the_event_changed(api, day):
    first = api.create(ALICE, timed_request(day, summary="Original"),
                       client_token="ct-create-changed").body
    api.patch(ALICE, first.id, patch_request(first.id, summary="Changed since"))
    replay = api.create(ALICE, timed_request(day, summary="Original"),
                        client_token="ct-create-changed").body
    assert replay.id == first.id
    assert replay.summary == "Original"
    assert api.get(ALICE, first.id).body.summary == "Changed since"
    assert api.ids_in(ALICE, day) == [first.id]


# -- DeleteEvent ---------------------------------------------------------------------------


def test_delete_event_by_organizer_deletes_it_for_everyone(api, day):
    b = api.create(ALICE, timed_request(day, attendees=[BOB, CAROL])).body
    resp = api.delete(ALICE, b.id)
    assert resp.status_code == 200
    for who in (ALICE, BOB, CAROL):
        expect_error(lambda w=who: api.get(w, b.id), 404, "itemNotFound")
        assert api.ids_in(who, day) == []


def test_delete_event_with_push_notification_false_is_accepted(api, day):
    b = api.create(ALICE, timed_request(day)).body
    api.delete(ALICE, b.id, push_notification=False)
    expect_error(lambda: api.get(ALICE, b.id), 404, "itemNotFound")


def test_delete_event_with_push_notification_true_is_accepted(api, day):
    b = api.create(ALICE, timed_request(day)).body
    api.delete(ALICE, b.id, push_notification=True)
    expect_error(lambda: api.get(ALICE, b.id), 404, "itemNotFound")


def test_delete_event_by_attendee_removes_only_that_attendee(api, day):
    b = api.create(ALICE, timed_request(day, attendees=[BOB, CAROL])).body
    api.delete(BOB, b.id)
    expect_error(lambda: api.get(BOB, b.id), 404, "itemNotFound")
    assert api.ids_in(BOB, day) == []
    got = api.get(ALICE, b.id).body
    assert attendee_ids(got) == [ALICE, CAROL]
    assert attendee_ids(api.get(CAROL, b.id).body) == [ALICE, CAROL]
    assert api.ids_in(ALICE, day) == [b.id]


def test_delete_unknown_event_is_404_item_not_found(api):
    expect_error(lambda: api.delete(ALICE, "no-such-event-id"), 404, "itemNotFound")


def test_delete_event_from_calendar_of_user_not_invited_is_404_and_changes_nothing(api, day):
    b = api.create(ALICE, timed_request(day, attendees=[BOB])).body
    before = api.snapshot(ALICE, b.id)
    expect_error(lambda: api.delete(DAVE, b.id), 404, "itemNotFound")
    assert api.snapshot(ALICE, b.id) == before


def test_delete_twice_without_client_token_is_404_the_second_time(api, day):
    b = api.create(ALICE, timed_request(day)).body
    api.delete(ALICE, b.id)
    expect_error(lambda: api.delete(ALICE, b.id), 404, "itemNotFound")


def test_delete_replayed_with_same_client_token_answers_success_again(api, day):
    b = api.create(ALICE, timed_request(day)).body
    api.delete(ALICE, b.id, client_token="ct-delete-1")
    again = api.delete(ALICE, b.id, client_token="ct-delete-1")
    assert again.status_code == 200
    expect_error(lambda: api.get(ALICE, b.id), 404, "itemNotFound")


def test_create_event_replay_after_delete_answers_first_answer_and_does_not_recreate(api, day):
    first = api.create(ALICE, timed_request(day), client_token="ct-create-deleted").body
    api.delete(ALICE, first.id)
    replay = api.create(ALICE, timed_request(day), client_token="ct-create-deleted").body
    assert replay.id == first.id
    expect_error(lambda: api.get(ALICE, first.id), 404, "itemNotFound")
    assert api.ids_in(ALICE, day) == []


def test_concurrent_creates_with_same_client_token_create_one_event(api, day):
    from concurrent.futures import ThreadPoolExecutor

    from Tea.exceptions import TeaException

    def attempt(_):
        try:
            return ("ok", api.create(ALICE, timed_request(day, summary="Race"),
                                     client_token="ct-create-race").body.id)
        except TeaException as err:
            return ("err", (err.data or {}).get("statusCode"), err.code)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    ok_ids = {r[1] for r in results if r[0] == "ok"}
    errors = [r for r in results if r[0] == "err"]
    assert len(ok_ids) == 1, results
    assert all(e[1:] == (400, "idempotencyProcessing") for e in errors), errors
    assert api.ids_in(ALICE, day) == list(ok_ids)


def test_create_timed_event_without_time_zone_is_400_invalid_parameter(api, day):
    req = timed_request(day)
    req.start.time_zone = None
    req.end.time_zone = None
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_create_event_without_end_is_400_invalid_parameter(api, day):
    req = timed_request(day)
    req.end = None
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_create_event_with_end_not_iso_8601_is_400_parsed_iso8601_timestamp_error(api, day):
    req = timed_request(day)
    req.end.date_time = "2031-01-01 25:99"
    expect_error(lambda: api.create(ALICE, req), 400,
                 "InvalidParameter.ParsedISO8601TimestampError")
    assert api.ids_in(ALICE, day) == []


def test_create_event_replay_with_different_body_answers_first_event_and_creates_nothing(api,
                                                                                        day):
    first = api.create(ALICE, timed_request(day, summary="First body"),
                       client_token="ct-create-other-body").body
    replay = api.create(ALICE, timed_request(day, summary="Second body", attendees=[BOB]),
                        client_token="ct-create-other-body").body
    assert replay.id == first.id
    assert replay.summary == "First body"
    assert api.ids_in(ALICE, day) == [first.id]
    assert api.ids_in(BOB, day) == []
