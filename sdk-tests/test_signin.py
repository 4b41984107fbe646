"""SignIn, CheckIn, SignOut, GetSignInList, GetSignOutList, GetSignInLink and
GetSignOutLink through the official SDK (whose link methods take calendarId
before userId)."""

from __future__ import annotations

import urllib.request

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

import support
from support import ALICE, BOB, CAROL, DAVE, expect_error


def _h(api, model):
    return model(x_acs_dingtalk_access_token=api.token)


def _sign_in(api, user, event_id):
    return api.client.sign_in_with_options(
        user, "primary", event_id, _h(api, cal.SignInHeaders), RuntimeOptions()).body


def _list(api, event_id, kind, max_results=500, next_token=None):
    return api.client.get_sign_in_list_with_options(
        ALICE, "primary", event_id,
        cal.GetSignInListRequest(max_results=max_results, type=kind, next_token=next_token),
        _h(api, cal.GetSignInListHeaders), RuntimeOptions()).body


def test_sign_in_and_out_and_the_lists(api, day):
    event = api.create(ALICE, support.timed_request(day, "Signed", attendees=[BOB, CAROL])).body
    first = _sign_in(api, BOB, event.id).check_in_time
    assert first > 0
    again = api.client.check_in_with_options(
        BOB, "primary", event.id, _h(api, cal.CheckInHeaders), RuntimeOptions()).body
    assert again.check_in_time == first
    out = api.client.sign_out_with_options(
        CAROL, "primary", event.id, _h(api, cal.SignOutHeaders), RuntimeOptions()).body
    assert out.check_out_time >= first
    expect_error(lambda: _sign_in(api, DAVE, event.id), 400, "notInEvent")

    done = _list(api, event.id, "sign_in")
    assert [(u.user_id, u.display_name, u.check_in_time) for u in done.users] == [(BOB, "Bob", first)]
    page = _list(api, event.id, "not_yet_sign_in", max_results=1)
    assert [u.user_id for u in page.users] == [ALICE] and page.next_token
    rest = _list(api, event.id, "not_yet_sign_in", max_results=1, next_token=page.next_token)
    assert [u.user_id for u in rest.users] == [CAROL] and not rest.next_token
    outs = api.client.get_sign_out_list_with_options(
        ALICE, "primary", event.id, cal.GetSignOutListRequest(max_results=10, type="sign_out"),
        _h(api, cal.GetSignOutListHeaders), RuntimeOptions()).body
    assert [u.user_id for u in outs.users] == [CAROL]
    expect_error(lambda: _list(api, event.id, "sign_out"), 400, "invalidParameter")


def test_the_sign_in_link_signs_a_visitor_in(api, day):
    event = api.create(ALICE, support.timed_request(day, "Link", attendees=[BOB])).body
    link = api.client.get_sign_in_link_with_options(
        "primary", ALICE, event.id, _h(api, cal.GetSignInLinkHeaders), RuntimeOptions()).body.sign_in_link
    expect_error(
        lambda: api.client.get_sign_out_link_with_options(
            "primary", BOB, event.id, _h(api, cal.GetSignOutLinkHeaders), RuntimeOptions()),
        400, "permissionDenied", "Request user has no permission to launch sign out")
    # The page's form posts who signs.
    with urllib.request.urlopen(link, data=f"login_hint={BOB}".encode()) as page:
        assert page.status == 200
    assert [u.user_id for u in _list(api, event.id, "sign_in").users] == [BOB]
