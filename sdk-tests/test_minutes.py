"""ListAiMinutes through the official SDK: the minutes an event has are
those the emulator controls attached (POST /_dingcal/minutes, with the
session server's --admin-token), the caller's own unless fetchAll."""

from __future__ import annotations

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions
from Tea.exceptions import TeaException

import support
from support import ALICE, BOB, CAROL


def attach(address: str, body: dict, token: str = support.ADMIN_TOKEN) -> tuple[int, dict]:
    return support.control(address, "POST", "/_dingcal/minutes", body, token=token)


def minutes(api, user: str, event_id: str, fetch_all: bool):
    return api.client.list_ai_minutes_with_options(
        user,
        "primary",
        event_id,
        cal.ListAiMinutesRequest(fetch_all=fetch_all),
        cal.ListAiMinutesHeaders(x_acs_dingtalk_access_token=api.token),
        RuntimeOptions(),
    ).body.minutes or []


def test_list_ai_minutes_lists_what_was_attached(api, address, day):
    event_id = api.create(ALICE, support.timed_request(day, "Minuted", attendees=[BOB])).body.id
    assert minutes(api, ALICE, event_id, True) == []
    status, made = attach(address, {"eventId": event_id, "creatorUserId": ALICE, "minutesId": "sdk-m1"})
    assert status == 200 and made == {"minutesId": "sdk-m1"}
    status, made = attach(address, {"eventId": event_id, "creatorUserId": BOB})
    assert status == 200
    bobs = made["minutesId"]

    everyone = minutes(api, BOB, event_id, True)
    assert [(m.minutes_id, m.creator_user_id) for m in everyone] == [("sdk-m1", ALICE), (bobs, BOB)]
    own = minutes(api, BOB, event_id, False)
    assert [(m.minutes_id, m.creator_user_id) for m in own] == [(bobs, BOB)]


def test_minutes_of_an_event_the_user_is_not_on_are_not_found(api, address, day):
    event_id = api.create(ALICE, support.timed_request(day, "Private")).body.id
    assert attach(address, {"eventId": event_id, "creatorUserId": ALICE})[0] == 200
    with pytest.raises(TeaException) as e:
        minutes(api, CAROL, event_id, True)
    assert e.value.statusCode == 404


def test_the_control_needs_the_admin_token(api, address, day):
    event_id = api.create(ALICE, support.timed_request(day, "Guarded")).body.id
    status, body = attach(address, {"eventId": event_id, "creatorUserId": ALICE}, token="wrong")
    assert status == 401 and body["code"] == "Unauthorized"
    assert minutes(api, ALICE, event_id, True) == []
