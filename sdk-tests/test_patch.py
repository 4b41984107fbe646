"""PatchEvent: only the organizer, only the fields passed, the seed's rules."""

from __future__ import annotations

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal

from support import (
    ALICE, BOB, CAROL, DAVE, EVE, TZ, attendee_ids, expect_error, extras, patch_request,
    statuses, timed_request,
)


@pytest.fixture
def event(api, day):
    return api.create(ALICE, timed_request(
        day, summary="Original", attendees=[BOB, CAROL], description="Original description",
        location=cal.CreateEventRequestLocation(display_name="Room A"),
        reminders=[cal.CreateEventRequestReminders(method="dingtalk", minutes=30)],
    )).body


def comparable(m: dict) -> dict:
    """An event map without the fields a successful patch is allowed to move."""
    return {k: v for k, v in m.items() if k not in ("updateTime",)}


def test_patch_summary_changes_only_the_summary(api, event):
    before = api.snapshot(ALICE, event.id)
    resp = api.patch(ALICE, event.id, patch_request(event.id, summary="Renamed"))
    assert resp.status_code == 200
    assert resp.body.id == event.id
    assert resp.body.summary == "Renamed"
    after = api.snapshot(ALICE, event.id)
    assert after["summary"] == "Renamed"
    before["summary"] = "Renamed"
    assert comparable(after) == comparable(before)


def test_patch_answer_is_the_event_as_the_organizer_sees_it(api, event):
    b = api.patch(ALICE, event.id, patch_request(event.id, description="New text")).body
    assert b.description == "New text"
    assert b.summary == "Original"
    assert b.organizer.id == ALICE and b.organizer.self_ is True
    assert attendee_ids(b) == [ALICE, BOB, CAROL]
    assert b.attendees[0].response_status == "accepted"
    assert b.location.display_name == "Room A"


def test_patch_time_moves_the_event_and_keeps_the_rest(api, event, day):
    before = api.snapshot(ALICE, event.id)
    api.patch(ALICE, event.id, patch_request(
        event.id,
        start=cal.PatchEventRequestStart(date_time=day.at(14), time_zone=TZ),
        end=cal.PatchEventRequestEnd(date_time=day.at(15), time_zone=TZ),
    ))
    after = api.snapshot(ALICE, event.id)
    assert (after["start"]["dateTime"], after["end"]["dateTime"]) == (day.at(14), day.at(15))
    for key in ("summary", "description", "location", "reminders", "organizer"):
        assert after[key] == before[key], key
    assert [a["id"] for a in after["attendees"]] == [a["id"] for a in before["attendees"]]


def test_patch_location_is_seen_from_the_attendees_calendar(api, event):
    api.patch(ALICE, event.id, patch_request(
        event.id, location=cal.PatchEventRequestLocation(display_name="Room B")))
    assert api.get(BOB, event.id).body.location.display_name == "Room B"


def test_patch_with_only_id_changes_nothing_but_may_touch_update_time(api, event):
    before = api.snapshot(ALICE, event.id)
    api.patch(ALICE, event.id, patch_request(event.id))
    assert comparable(api.snapshot(ALICE, event.id)) == comparable(before)


def test_patch_to_all_day_answers_dates_only(api, event, day):
    b = api.patch(ALICE, event.id, patch_request(
        event.id, is_all_day=True,
        start=cal.PatchEventRequestStart(date=day.iso),
        end=cal.PatchEventRequestEnd(date=day.next_iso(1)),
    )).body
    assert b.is_all_day is True
    assert (b.start.date, b.end.date) == (day.iso, day.next_iso(1))
    assert not b.start.date_time and not b.end.date_time
    got = api.get(ALICE, event.id).body
    assert (got.is_all_day, got.start.date, got.end.date) == (True, day.iso, day.next_iso(1))


# -- reminders and online meeting --------------------------------------------------------


def test_patch_without_reminders_keeps_them(api, event):
    api.patch(ALICE, event.id, patch_request(event.id, summary="x"))
    assert [(r.method, r.minutes) for r in api.get(ALICE, event.id).body.reminders] == [
        ("dingtalk", "30")]


def test_patch_with_empty_reminders_removes_them(api, event):
    b = api.patch(ALICE, event.id, patch_request(event.id, reminders=[])).body
    assert not b.reminders
    assert not api.get(ALICE, event.id).body.reminders


def test_patch_reminders_replaces_them(api, event):
    api.patch(ALICE, event.id, patch_request(event.id, reminders=[
        cal.PatchEventRequestReminders(method="dingtalk", minutes=5)]))
    assert [(r.method, r.minutes) for r in api.get(ALICE, event.id).body.reminders] == [
        ("dingtalk", "5")]


def test_patch_online_meeting_again_gives_a_new_conference_id(api, day):
    e = api.create(ALICE, timed_request(
        day, online_meeting_info=cal.CreateEventRequestOnlineMeetingInfo(type="dingtalk"))).body
    first = e.online_meeting_info.conference_id
    b = api.patch(ALICE, e.id, patch_request(
        e.id, online_meeting_info=cal.PatchEventRequestOnlineMeetingInfo(type="dingtalk"))).body
    assert b.online_meeting_info.conference_id
    assert b.online_meeting_info.conference_id != first
    assert b.online_meeting_info.url
    assert api.get(ALICE, e.id).body.online_meeting_info.conference_id == \
        b.online_meeting_info.conference_id


def test_patch_without_online_meeting_keeps_the_conference(api, day):
    e = api.create(ALICE, timed_request(
        day, online_meeting_info=cal.CreateEventRequestOnlineMeetingInfo(type="dingtalk"))).body
    api.patch(ALICE, e.id, patch_request(e.id, summary="Still has meeting"))
    assert api.get(ALICE, e.id).body.online_meeting_info.conference_id == \
        e.online_meeting_info.conference_id


def test_patch_adds_online_meeting_to_event_without_one(api, event):
    b = api.patch(ALICE, event.id, patch_request(
        event.id, online_meeting_info=cal.PatchEventRequestOnlineMeetingInfo(type="dingtalk"))
    ).body
    assert b.online_meeting_info.type == "dingtalk"
    assert b.online_meeting_info.conference_id and b.online_meeting_info.url


# -- attendees in a patch -------------------------------------------------------------------


def test_patch_attendees_replaces_the_list_and_keeps_the_organizer(api, event):
    b = api.patch(ALICE, event.id, patch_request(
        event.id, attendees=[cal.PatchEventRequestAttendees(id=DAVE)])).body
    assert attendee_ids(b) == [ALICE, DAVE]
    assert b.attendees[0].response_status == "accepted"
    got = api.get(ALICE, event.id).body
    assert attendee_ids(got) == [ALICE, DAVE]
    assert statuses(got)[DAVE] == "needsAction"
    expect_error(lambda: api.get(BOB, event.id), 404, "itemNotFound")
    assert attendee_ids(api.get(DAVE, event.id).body) == [ALICE, DAVE]


def test_patch_with_empty_attendee_list_leaves_only_the_organizer(api, event):
    api.patch(ALICE, event.id, patch_request(event.id, attendees=[]))
    assert attendee_ids(api.get(ALICE, event.id).body) == [ALICE]


def test_patch_attendees_listing_the_organizer_keeps_one_organizer_entry(api, event):
    api.patch(ALICE, event.id, patch_request(event.id, attendees=[
        cal.PatchEventRequestAttendees(id=ALICE), cal.PatchEventRequestAttendees(id=BOB)]))
    got = api.get(ALICE, event.id).body
    assert attendee_ids(got) == [ALICE, BOB]
    assert statuses(got)[ALICE] == "accepted"


def test_patch_attendees_of_another_org_is_400_invalid_parameter_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(
        event.id, attendees=[cal.PatchEventRequestAttendees(id=EVE)])), 400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_with_501_attendees_is_400_invalid_parameter_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(
        event.id, attendees=[cal.PatchEventRequestAttendees(id=i) for i in extras(1, 501)])),
        400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


# -- refusals ------------------------------------------------------------------------------


def test_patch_by_attendee_is_403_forbidden_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(BOB, event.id, patch_request(event.id, summary="Bob's")),
                 403, "forbidden")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_without_body_id_is_400_event_id_cannot_be_blank_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(None, summary="No id")),
                 400, "invalidParameter", "Event id summary cannot be blank")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_with_blank_body_id_is_400_event_id_cannot_be_blank(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request("", summary="Blank id")),
                 400, "invalidParameter", "Event id summary cannot be blank")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_unknown_event_is_404_item_not_found(api):
    expect_error(lambda: api.patch(ALICE, "no-such-event", patch_request("no-such-event",
                                                                          summary="x")),
                 404, "itemNotFound")


def test_patch_after_delete_is_404_item_not_found(api, event):
    api.delete(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(event.id, summary="x")),
                 404, "itemNotFound")


def test_patch_summary_over_2048_is_400_invalid_parameter_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(event.id, summary="s" * 2049)),
                 400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_description_over_5000_is_400_invalid_parameter_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(event.id,
                                                                  description="d" * 5001)),
                 400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_time_not_iso_8601_is_400_parsed_iso8601_and_changes_nothing(api, event, day):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(
        event.id,
        start=cal.PatchEventRequestStart(date_time="noon-ish", time_zone=TZ),
        end=cal.PatchEventRequestEnd(date_time=day.at(15), time_zone=TZ))),
        400, "InvalidParameter.ParsedISO8601TimestampError")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_end_time_zone_unlike_start_is_400_invalid_parameter_and_changes_nothing(api, event,
                                                                                       day):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(
        event.id,
        start=cal.PatchEventRequestStart(date_time=day.at(14), time_zone=TZ),
        end=cal.PatchEventRequestEnd(date_time=day.at(15), time_zone="America/New_York"))),
        400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_reminder_method_other_than_dingtalk_is_refused_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(
        event.id, reminders=[cal.PatchEventRequestReminders(method="sms", minutes=5)])),
        400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_patch_online_meeting_type_other_than_dingtalk_is_refused_and_changes_nothing(api,
                                                                                      event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(
        event.id, online_meeting_info=cal.PatchEventRequestOnlineMeetingInfo(type="teams"))),
        400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


def test_refused_patch_with_several_fields_applies_none_of_them(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.patch(ALICE, event.id, patch_request(
        event.id, summary="Would change", description="d" * 5001)), 400, "invalidParameter")
    assert api.snapshot(ALICE, event.id) == before


# -- x-client-token ----------------------------------------------------------------------------


def test_patch_replayed_with_same_client_token_answers_first_answer_and_applies_once(api, event):
    first = api.patch(ALICE, event.id, patch_request(event.id, summary="First"),
                      client_token="ct-patch-1").body
    api.patch(ALICE, event.id, patch_request(event.id, summary="Later"))
    replay = api.patch(ALICE, event.id, patch_request(event.id, summary="First"),
                       client_token="ct-patch-1").body
    assert replay.to_map() == first.to_map()
    assert api.get(ALICE, event.id).body.summary == "Later"


def test_patch_replay_does_not_reapply_attendee_replacement(api, event):
    api.patch(ALICE, event.id, patch_request(
        event.id, attendees=[cal.PatchEventRequestAttendees(id=DAVE)]), client_token="ct-patch-2")
    api.add_attendees(ALICE, event.id, [BOB])
    api.patch(ALICE, event.id, patch_request(
        event.id, attendees=[cal.PatchEventRequestAttendees(id=DAVE)]), client_token="ct-patch-2")
    assert sorted(attendee_ids(api.get(ALICE, event.id).body)) == sorted([ALICE, DAVE, BOB])
