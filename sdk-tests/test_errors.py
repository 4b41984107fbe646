"""The error answers' form, as the SDK parses it, across every operation."""

from __future__ import annotations

import pytest
from Tea.exceptions import TeaException

from support import ALICE, BOB, expect_error, patch_request

UNKNOWN = "no-such-event-id"

OPERATIONS = {
    "GetEvent": lambda api: api.get(ALICE, UNKNOWN),
    "PatchEvent": lambda api: api.patch(ALICE, UNKNOWN, patch_request(UNKNOWN, summary="x")),
    "DeleteEvent": lambda api: api.delete(ALICE, UNKNOWN),
    "RespondEvent": lambda api: api.respond(BOB, UNKNOWN, "accepted"),
    "AddAttendee": lambda api: api.add_attendees(ALICE, UNKNOWN, [BOB]),
    "RemoveAttendee": lambda api: api.remove_attendees(ALICE, UNKNOWN, [BOB]),
    "ListAttendees": lambda api: api.list_attendees(ALICE, UNKNOWN),
}


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_unknown_event_is_404_item_not_found_with_message_and_request_id(api, op):
    err = expect_error(lambda: OPERATIONS[op](api), 404, "itemNotFound")
    assert err.data.get("message")
    assert err.data["message"] in err.message


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_every_operation_without_token_is_400_missing_parameter(api, op):
    expect_error(lambda: OPERATIONS[op](api.as_token(None)), 400,
                 "AuthenticationFailed.MissingParameter")


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_every_operation_with_unknown_token_is_400_invalid_authentication(api, op):
    expect_error(lambda: OPERATIONS[op](api.as_token("unknown-token")), 400,
                 "InvalidAuthentication")


def test_each_error_answer_has_its_own_request_id(api):
    ids = set()
    for _ in range(3):
        with pytest.raises(TeaException) as info:
            api.get(ALICE, UNKNOWN)
        ids.add(info.value.data["requestid"])
    assert len(ids) == 3


def test_token_check_comes_before_the_event_lookup(api, read_api):
    # a read-only app gets 403 on a write even for an event that does not exist
    expect_error(lambda: read_api.patch(ALICE, UNKNOWN, patch_request(UNKNOWN, summary="x")),
                 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
