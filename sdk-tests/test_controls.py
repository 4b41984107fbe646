"""The emulator controls seen through the official SDK: a fault is the
SDK's error and changes nothing, a burst is throttled with DingTalk's own
code, the journal lists the SDK's calls, and a reset empties the state of
a server of its own (the session server's state is every test's)."""

from __future__ import annotations

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal
from Tea.exceptions import TeaException

import support
from support import ALICE, BOB, Api


def test_a_fault_is_the_sdks_error_and_changes_nothing(api, address, day):
    status, made = support.control(address, "POST", "/_dingcal/faults", {
        "operation": "CreateEvent", "status": 503, "code": "systemError",
        "message": "injected", "count": 1})
    assert status == 200
    try:
        with pytest.raises(TeaException) as e:
            api.create(ALICE, support.timed_request(day, "Faulted"))
        assert e.value.code == "systemError"
        assert "injected" in e.value.message
        assert e.value.statusCode == 503
        assert api.ids_in(ALICE, day) == []
        # Its one use spent, the next create goes through.
        api.create(ALICE, support.timed_request(day, "After the fault"))
    finally:
        support.control(address, "DELETE", "/_dingcal/faults")


def test_a_burst_is_throttled_with_dingtalks_code(api, address, day):
    event_id = api.create(ALICE, support.timed_request(day, "Popular")).body.id
    assert support.control(address, "PUT", "/_dingcal/throttle", {"qps": 2})[0] == 200
    codes = []
    try:
        for _ in range(8):
            try:
                api.get(ALICE, event_id)
                codes.append("ok")
            except TeaException as e:
                assert e.statusCode == 403
                codes.append(e.code)
    finally:
        support.control(address, "PUT", "/_dingcal/throttle", {"qps": None})
    assert "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi" in codes
    assert codes.count("ok") <= 4, codes
    api.get(ALICE, event_id)


def test_the_journal_lists_the_sdks_calls(api, address, day):
    event_id = api.create(ALICE, support.timed_request(day, "Journaled", attendees=[BOB])).body.id
    api.get(BOB, event_id)
    status, body = support.control(address, "GET", "/_dingcal/requests?limit=2")
    assert status == 200
    newest, before = body["requests"]
    assert (newest["operation"], newest["userId"], newest["status"]) == ("GetEvent", BOB, 200)
    assert newest["path"].endswith(event_id)
    assert (before["operation"], before["method"], before["appKey"]) == ("CreateEvent", "POST", "acme-full")
    assert "Journaled" in before["body"]
    _, only = support.control(address, "GET", "/_dingcal/requests?operation=CreateEvent&limit=1")
    assert only["requests"][0]["requestId"] == before["requestId"]


@pytest.fixture
def own_server(tmp_path, directory_file):
    db = support.TestDatabase(tmp_path)
    server = support.DingcalServer(support.dingcal_bin(), directory_file, db.url, tmp_path / "logs").start()
    yield server
    server.stop()
    db.drop()


def test_reset_empties_the_state_and_keeps_the_directory(own_server, day):
    address = own_server.address
    oauth = support.oauth_client(address)
    api = Api(support.calendar_client(address), support.get_token(oauth, "acme-full"))
    event_id = api.create(ALICE, support.timed_request(day, "Before reset", attendees=[BOB])).body.id
    assert support.control(address, "POST", "/_dingcal/reset")[0] == 200
    # The token went with the state; the app, from the directory, did not.
    with pytest.raises(TeaException) as e:
        api.get(ALICE, event_id)
    assert e.value.code == "InvalidAuthentication"
    api = Api(support.calendar_client(address), support.get_token(oauth, "acme-full"))
    with pytest.raises(TeaException) as e:
        api.get(ALICE, event_id)
    assert e.value.statusCode == 404
    again = api.create(ALICE, support.timed_request(day, "After reset", attendees=[BOB])).body
    assert [a.id for a in again.attendees] == [ALICE, BOB]
    _, journal = support.control(address, "GET", "/_dingcal/requests")
    assert all("Before reset" not in r["body"] for r in journal["requests"])


def test_a_frozen_clock_is_the_time_events_and_tokens_read(own_server, day):
    address = own_server.address
    status, clock = support.control(address, "PUT", "/_dingcal/clock",
                                    {"now": "2030-01-01T08:00:00Z", "frozen": True})
    assert (status, clock) == (200, {"now": "2030-01-01T08:00:00Z", "frozen": True})
    oauth = support.oauth_client(address)
    api = Api(support.calendar_client(address), support.get_token(oauth, "acme-full"))
    made = api.create(ALICE, support.timed_request(day, "In 2030")).body
    assert made.create_time == "2030-01-01T08:00:00Z"
    # Past the token's two hours, the SDK's token is refused as expired.
    support.control(address, "POST", "/_dingcal/clock/advance", {"seconds": 7200})
    with pytest.raises(TeaException) as e:
        api.get(ALICE, made.id)
    assert e.value.code == "InvalidAuthentication"


def test_the_outbox_holds_the_sdks_invitations_as_its_flags_say(api, address, day):
    event_id = api.create(ALICE, support.timed_request(day, "Invited", attendees=[BOB])).body.id
    _, box = support.control(address, "GET", f"/_dingcal/outbox?eventId={event_id}")
    assert [(m["kind"], m["channel"], m["recipients"]) for m in box["messages"]] == [
        ("invitation", "push", [BOB]), ("invitation", "chat", [BOB])]
    # AddAttendee with chatNotification off: a push only.
    api.client.add_attendee_with_options(
        ALICE, "primary", event_id,
        cal.AddAttendeeRequest(
            attendees_to_add=[cal.AddAttendeeRequestAttendeesToAdd(id=support.CAROL)],
            chat_notification=False, push_notification=True),
        cal.AddAttendeeHeaders(x_acs_dingtalk_access_token=api.token), support.RuntimeOptions())
    _, box = support.control(address, "GET", f"/_dingcal/outbox?eventId={event_id}&kind=invitation")
    assert [(m["channel"], m["recipients"]) for m in box["messages"]][2:] == [("push", [support.CAROL])]


def test_a_reminder_lands_in_the_outbox_only_once_the_clock_passes_it(own_server):
    address = own_server.address
    support.control(address, "PUT", "/_dingcal/clock", {"now": "2027-03-01T01:00:00Z", "frozen": True})
    oauth = support.oauth_client(address)
    api = Api(support.calendar_client(address), support.get_token(oauth, "acme-full"))
    request = cal.CreateEventRequest(
        summary="Remind me",
        start=cal.CreateEventRequestStart(date_time="2027-03-01T10:00:00+08:00", time_zone=support.TZ),
        end=cal.CreateEventRequestEnd(date_time="2027-03-01T10:30:00+08:00", time_zone=support.TZ),
        attendees=[cal.CreateEventRequestAttendees(id=BOB)],
        reminders=[cal.CreateEventRequestReminders(method="dingtalk", minutes=30)])
    event_id = api.create(ALICE, request).body.id

    def reminders():
        _, box = support.control(address, "GET", f"/_dingcal/outbox?eventId={event_id}&kind=reminder")
        return [(m["recipients"], m["detail"]) for m in box["messages"]]

    support.control(address, "POST", "/_dingcal/clock/advance", {"seconds": 1799})
    assert reminders() == []
    support.control(address, "POST", "/_dingcal/clock/advance", {"seconds": 1})
    assert reminders() == [([ALICE, BOB], "Remind me")]


def test_an_exported_state_imports_back_as_the_sdk_left_it(own_server, day):
    address = own_server.address
    oauth = support.oauth_client(address)
    api = Api(support.calendar_client(address), support.get_token(oauth, "acme-full"))
    event_id = api.create(ALICE, support.timed_request(day, "Fixture", attendees=[BOB])).body.id
    api.respond(BOB, event_id, "tentative")
    status, document = support.control(address, "GET", "/_dingcal/export")
    assert status == 200
    support.control(address, "POST", "/_dingcal/reset")
    assert support.control(address, "POST", "/_dingcal/import", document)[0] == 200
    api = Api(support.calendar_client(address), support.get_token(oauth, "acme-full"))
    event = api.get(BOB, event_id).body
    assert event.summary == "Fixture"
    assert {a.id: a.response_status for a in event.attendees}[BOB] == "tentative"
