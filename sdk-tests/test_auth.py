"""Access tokens, app permissions and org boundaries on calendar calls.

Every refused write is followed by a read that shows nothing changed.
"""

from __future__ import annotations

import pytest

from support import (
    ALICE, BOB, CAROL, EVE, expect_error, patch_request, statuses, timed_request,
)

MISSING = ("AuthenticationFailed.MissingParameter", 400)
INVALID = ("InvalidAuthentication", 400)
DENIED = ("Forbidden.AccessDenied.AccessTokenPermissionDenied", 403)


@pytest.fixture
def event(api, day):
    return api.create(ALICE, timed_request(day, summary="Guarded", attendees=[BOB])).body


# -- missing or unknown token --------------------------------------------------


def test_create_event_without_token_header_is_400_missing_parameter_and_creates_nothing(api, day):
    expect_error(lambda: api.as_token(None).create(ALICE, timed_request(day)), 400,
                 "AuthenticationFailed.MissingParameter")
    assert api.ids_in(ALICE, day) == []


def test_get_event_without_token_header_is_400_missing_parameter(api, event):
    expect_error(lambda: api.as_token(None).get(ALICE, event.id), 400,
                 "AuthenticationFailed.MissingParameter")


def test_create_event_with_unknown_token_is_400_invalid_authentication_and_creates_nothing(api, day):
    expect_error(lambda: api.as_token("not-a-real-token").create(ALICE, timed_request(day)),
                 400, "InvalidAuthentication")
    assert api.ids_in(ALICE, day) == []


def test_list_events_with_unknown_token_is_400_invalid_authentication(api, day):
    expect_error(lambda: api.as_token("bogus").list(ALICE, time_min=day.start(),
                                                    time_max=day.end()),
                 400, "InvalidAuthentication")


def test_patch_event_with_unknown_token_is_refused_and_changes_nothing(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.as_token("bogus").patch(ALICE, event.id,
                                                     patch_request(event.id, summary="X")),
                 400, "InvalidAuthentication")
    assert api.snapshot(ALICE, event.id) == before


def test_delete_event_without_token_is_refused_and_event_stays(api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: api.as_token(None).delete(ALICE, event.id), 400,
                 "AuthenticationFailed.MissingParameter")
    assert api.snapshot(ALICE, event.id) == before


# -- permissions ---------------------------------------------------------------


def test_read_only_app_can_get_list_and_list_attendees(read_api, event, day):
    assert read_api.get(ALICE, event.id).body.summary == "Guarded"
    assert [e.id for e in read_api.list(ALICE, time_min=day.start(),
                                        time_max=day.end()).body.events] == [event.id]
    assert [a.id for a in read_api.list_attendees(ALICE, event.id).body.attendees] == [ALICE, BOB]


def test_read_only_app_create_event_is_403_permission_denied_and_creates_nothing(read_api, api,
                                                                                  day):
    err = expect_error(lambda: read_api.create(ALICE, timed_request(day)), 403,
                       "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    scopes = (err.data.get("accessdenieddetail") or {}).get("requiredScopes")
    assert scopes and "Calendar.Event.Write" in scopes, err.data
    assert api.ids_in(ALICE, day) == []


def test_read_only_app_patch_event_is_403_and_changes_nothing(read_api, api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: read_api.patch(ALICE, event.id, patch_request(event.id, summary="X")),
                 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert api.snapshot(ALICE, event.id) == before


def test_read_only_app_delete_event_is_403_and_event_stays(read_api, api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: read_api.delete(ALICE, event.id), 403,
                 "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert api.snapshot(ALICE, event.id) == before


def test_read_only_app_respond_event_is_403_and_status_unchanged(read_api, api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: read_api.respond(BOB, event.id, "accepted"), 403,
                 "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert api.snapshot(ALICE, event.id) == before
    assert statuses(api.get(ALICE, event.id).body)[BOB] == "needsAction"


def test_read_only_app_add_attendee_is_403_and_attendees_unchanged(read_api, api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: read_api.add_attendees(ALICE, event.id, [CAROL]), 403,
                 "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert api.snapshot(ALICE, event.id) == before


def test_read_only_app_remove_attendee_is_403_and_attendees_unchanged(read_api, api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: read_api.remove_attendees(ALICE, event.id, [BOB]), 403,
                 "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert api.snapshot(ALICE, event.id) == before


def test_schedule_only_app_cannot_read_events(schedule_api, event, day):
    err = expect_error(lambda: schedule_api.get(ALICE, event.id), 403,
                       "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    scopes = (err.data.get("accessdenieddetail") or {}).get("requiredScopes")
    assert scopes and "Calendar.Event.Read" in scopes, err.data
    expect_error(lambda: schedule_api.list(ALICE, time_min=day.start(), time_max=day.end()),
                 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    expect_error(lambda: schedule_api.list_attendees(ALICE, event.id), 403,
                 "Forbidden.AccessDenied.AccessTokenPermissionDenied")


# -- org boundaries --------------------------------------------------------------


def test_user_of_another_org_is_404_item_not_found_for_get(api, other_api, day):
    eve_event = other_api.create(EVE, timed_request(day, summary="Eve's")).body
    expect_error(lambda: api.get(EVE, eve_event.id), 404, "itemNotFound")
    # still there for its own org
    assert other_api.get(EVE, eve_event.id).body.summary == "Eve's"


def test_user_of_another_org_is_answered_like_a_user_that_does_not_exist(api, day):
    e_other = expect_error(lambda: api.list(EVE, time_min=day.start(), time_max=day.end()),
                           404, "itemNotFound")
    e_none = expect_error(lambda: api.list("nobody-union", time_min=day.start(),
                                           time_max=day.end()),
                          404, "itemNotFound")
    # the answers differ only in the id the caller itself sent
    assert e_other.data["message"].replace(EVE, "<id>") == \
        e_none.data["message"].replace("nobody-union", "<id>")


def test_create_event_in_calendar_of_another_org_is_404_and_creates_nothing(api, other_api, day):
    expect_error(lambda: api.create(EVE, timed_request(day)), 404, "itemNotFound")
    assert other_api.ids_in(EVE, day) == []


def test_other_org_app_cannot_see_or_touch_acme_event(other_api, api, event):
    before = api.snapshot(ALICE, event.id)
    expect_error(lambda: other_api.get(ALICE, event.id), 404, "itemNotFound")
    expect_error(lambda: other_api.patch(ALICE, event.id, patch_request(event.id, summary="X")),
                 404, "itemNotFound")
    expect_error(lambda: other_api.delete(ALICE, event.id), 404, "itemNotFound")
    expect_error(lambda: other_api.respond(BOB, event.id, "declined"), 404, "itemNotFound")
    assert api.snapshot(ALICE, event.id) == before


def test_other_org_user_cannot_see_acme_event_id_in_own_calendar(other_api, event):
    expect_error(lambda: other_api.get(EVE, event.id), 404, "itemNotFound")


def test_create_event_with_attendee_of_another_org_is_400_invalid_parameter_and_creates_nothing(
        api, other_api, day):
    expect_error(lambda: api.create(ALICE, timed_request(day, attendees=[BOB, EVE])), 400,
                 "invalidParameter")
    assert api.ids_in(ALICE, day) == []
    assert api.ids_in(BOB, day) == []
    assert other_api.ids_in(EVE, day) == []


def test_create_event_with_unknown_attendee_is_400_invalid_parameter_and_creates_nothing(api, day):
    expect_error(lambda: api.create(ALICE, timed_request(day, attendees=["ghost-union"])), 400,
                 "invalidParameter")
    assert api.ids_in(ALICE, day) == []
