"""Meeting rooms through the official SDK: AddMeetingRooms,
RemoveMeetingRooms, MeetingRoomRespond (whose SDK method takes calendarId
before userId) and GetMeetingRoomsSchedule."""

from __future__ import annotations

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

import support
from support import ALICE, BOB, expect_error


def _add(api, event_id, *rooms):
    return api.client.add_meeting_rooms_with_options(
        ALICE, "primary", event_id,
        cal.AddMeetingRoomsRequest(meeting_rooms_to_add=[
            cal.AddMeetingRoomsRequestMeetingRoomsToAdd(room_id=r) for r in rooms]),
        api._h(cal.AddMeetingRoomsHeaders), RuntimeOptions(),
    ).body


def _remove(api, event_id, *rooms):
    return api.client.remove_meeting_rooms_with_options(
        ALICE, "primary", event_id,
        cal.RemoveMeetingRoomsRequest(meeting_rooms_to_remove=[
            cal.RemoveMeetingRoomsRequestMeetingRoomsToRemove(room_id=r) for r in rooms]),
        api._h(cal.RemoveMeetingRoomsHeaders), RuntimeOptions(),
    ).body


def _respond(api, event_id, room, status):
    return api.client.meeting_room_respond_with_options(
        "primary", ALICE, event_id, room, cal.MeetingRoomRespondRequest(response_status=status),
        cal.MeetingRoomRespondHeaders(x_acs_dingtalk_access_token=api.token, user_agent="rooms"),
        RuntimeOptions(),
    ).body


def _schedule(api, day, *rooms):
    return api.client.get_meeting_rooms_schedule_with_options(
        ALICE,
        cal.GetMeetingRoomsScheduleRequest(room_ids=list(rooms), start_time=day.start(),
                                           end_time=day.end()),
        api._h(cal.GetMeetingRoomsScheduleHeaders), RuntimeOptions(),
    ).body.schedule_information


def test_a_booked_room_shows_on_the_event_and_in_its_schedule(api, day):
    event = api.create(ALICE, support.timed_request(day, "Booked", attendees=[BOB])).body
    assert _add(api, event.id, "room-lake").result is True
    seen = api.get(BOB, event.id).body
    assert [(r.room_id, r.response_status, r.display_name) for r in seen.meeting_rooms] == [
        ("room-lake", "accepted", "Lake")]
    assert seen.location.meeting_rooms == ["room-lake"]
    (info,) = _schedule(api, day, "room-lake")
    (item,) = info.schedule_items
    assert (item.event_id, item.status, item.organizer.id) == (event.id, "BUSY", ALICE)
    assert item.start.date_time == day.at(10) and item.start.time_zone == support.TZ

    clash = api.create(ALICE, support.timed_request(day, "Clash", 10, 11)).body
    expect_error(lambda: _add(api, clash.id, "room-lake"), 400, "meetingRoomNotAvailable", "room busy")
    assert _remove(api, event.id, "room-lake").result is True
    assert _add(api, clash.id, "room-lake").result is True


def test_a_room_needing_approval_waits_for_meeting_room_respond(api, day):
    event = api.create(ALICE, support.timed_request(day, "Approval")).body
    _add(api, event.id, "room-hill")
    assert api.get(ALICE, event.id).body.meeting_rooms[0].response_status == "tentative"
    assert _schedule(api, day, "room-hill")[0].schedule_items[0].status == "TENTATIVE"
    assert _respond(api, event.id, "room-hill", "accepted").result is True
    assert api.get(ALICE, event.id).body.meeting_rooms[0].response_status == "accepted"
    _respond(api, event.id, "room-hill", "declined")
    assert _schedule(api, day, "room-hill")[0].schedule_items == []


def test_room_errors_are_dingtalks(api, day):
    event = api.create(ALICE, support.timed_request(day, "Errors")).body
    expect_error(lambda: _add(api, event.id, "no-such-room"), 400, "invalidParameter", "roomId invalid")
    expect_error(lambda: _remove(api, event.id), 400, "invalidParameter",
                 "Meeting rooms to remove must be provided.")
    expect_error(lambda: _schedule(api, day), 400, "invalidParameter", "query ids cannot be empty")
