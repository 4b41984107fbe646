"""A user's token (oauth2 GetUserToken, after dingcal's stand-in sign-in) and
GetScheduleByMe, through the official SDK."""

from __future__ import annotations

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth
from alibabacloud_tea_util.models import RuntimeOptions

import support
from support import ALICE, BOB, CAROL, expect_error


def _schedule_by_me(calendar_client, token, user_ids, start, end):
    return calendar_client.get_schedule_by_me_with_options(
        cal.GetScheduleByMeRequest(user_ids=user_ids, start_time=start, end_time=end),
        cal.GetScheduleByMeHeaders(x_acs_dingtalk_access_token=token),
        RuntimeOptions(),
    )


def test_get_user_token_gives_a_token_a_refresh_token_and_the_org(oauth_client, address):
    body = support.user_token(oauth_client, address, BOB)
    assert body.access_token and body.refresh_token
    assert body.expire_in == 7200
    assert body.corp_id == "ding-acme"
    renewed = oauth_client.get_user_token(oauth.GetUserTokenRequest(
        client_id="acme-full", client_secret=support.APPS["acme-full"][0],
        refresh_token=body.refresh_token, grant_type="refresh_token",
    )).body
    assert renewed.access_token != body.access_token


def test_get_schedule_by_me_lists_busy_time_with_a_user_token(api, calendar_client, oauth_client, address, day):
    api.create(ALICE, support.timed_request(day, "busy", 9, 10, attendees=[BOB]))
    token = support.user_token(oauth_client, address, BOB).access_token
    info = _schedule_by_me(calendar_client, token, [BOB, CAROL], day.start(), day.end()).body.schedule_information
    by_user = {i.user_id: i for i in info}
    assert len(by_user[BOB].schedule_items) == 1
    assert by_user[BOB].schedule_items[0].status == "Busy"
    assert not by_user[CAROL].schedule_items


def test_get_schedule_by_me_refuses_an_app_token(calendar_client, tokens, day):
    expect_error(
        lambda: _schedule_by_me(calendar_client, tokens["acme-full"], [BOB], day.start(), day.end()),
        400, "InvalidAuthentication",
    )
