"""ConvertLegacyEventId through the official SDK. A legacy id is the event's
id read as a number (README): computed here the same way."""

from __future__ import annotations

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

import support
from support import ALICE, BOB, CAROL

DIGITS = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def legacy_id(event_id: str) -> str:
    def number(digits: str) -> int:
        n = 0
        for c in digits:
            n = (n << 6) | DIGITS.index(c)
        return n
    return f"{number(event_id[:20])}{number(event_id[20:]):08d}"


def test_legacy_ids_convert_to_the_users_events(api, day):
    mine = api.create(ALICE, support.timed_request(day, "Old", attendees=[BOB])).body.id
    theirs = api.create(CAROL, support.timed_request(day, "Not bob's")).body.id
    body = api.client.convert_legacy_event_id_with_options(
        BOB,
        cal.ConvertLegacyEventIdRequest(legacy_event_ids=[legacy_id(mine), legacy_id(theirs), "42"]),
        cal.ConvertLegacyEventIdHeaders(x_acs_dingtalk_access_token=api.token),
        RuntimeOptions(),
    ).body
    assert body.legacy_event_id_map == {legacy_id(mine): mine}
