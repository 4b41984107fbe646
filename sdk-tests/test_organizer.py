"""CancelEvent and TransferEvent, through the official SDK (whose
TransferEvent takes calendarId before userId)."""

from __future__ import annotations

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

import support
from support import ALICE, BOB, CAROL, expect_error


def _cancel(api, user, event_id, scope=None, client_token=None):
    return api.client.cancel_event_with_options(
        user, "primary", event_id, cal.CancelEventRequest(scope=scope),
        api._h(cal.CancelEventHeaders, client_token), RuntimeOptions(),
    )


def _transfer(api, user, event_id, to, exit_calendar=None, client_token=None):
    return api.client.transfer_event_with_options(
        "primary", user, event_id,
        cal.TransferEventRequest(new_organizer_id=to, is_exit_calendar=exit_calendar,
                                 need_notify_via_o2o=False),
        api._h(cal.TransferEventHeaders, client_token), RuntimeOptions(),
    )


def test_cancel_event_keeps_the_event_shown_cancelled(api, day):
    event = api.create(ALICE, support.timed_request(day, "Cancelled", attendees=[BOB])).body
    expect_error(lambda: _cancel(api, BOB, event.id), 403, "forbidden")
    assert _cancel(api, ALICE, event.id, scope="all", client_token="cancel-1").body.result is True
    assert api.get(BOB, event.id).body.status == "cancelled"
    assert [e.status for e in api.all_events(BOB, time_min=day.start(), time_max=day.end())] == ["cancelled"]


def test_transfer_event_hands_the_event_to_another_user(api, day):
    event = api.create(ALICE, support.timed_request(day, "Handed", attendees=[BOB])).body
    expect_error(lambda: _transfer(api, ALICE, event.id, ALICE), 400, "invalidParameter")
    assert _transfer(api, ALICE, event.id, CAROL, exit_calendar=True).body.result is True
    seen = api.get(CAROL, event.id).body
    assert seen.organizer.id == CAROL
    assert ALICE not in support.attendee_ids(seen)
    expect_error(lambda: api.get(ALICE, event.id), 404, "itemNotFound")
