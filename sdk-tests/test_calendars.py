"""ListCalendars, calendar access rules (CreateAcls, ListAcls, DeleteAcl) and
what they let a grantee's user token do, the `/me/` event operations, and
ListCategories, through the official SDK."""

from __future__ import annotations

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

import support
from support import ALICE, BOB, CAROL, DAVE, expect_error


def _calendars(client, token, user):
    return client.list_calendars_with_options(
        user, cal.ListCalendarsHeaders(x_acs_dingtalk_access_token=token), RuntimeOptions(),
    ).body.response.calendars


def _share(client, token, owner, grantee, privilege):
    return client.create_acls_with_options(
        owner, "primary",
        cal.CreateAclsRequest(
            privilege=privilege, send_msg=False,
            scope=cal.CreateAclsRequestScope(scope_type="user", user_id=grantee),
        ),
        cal.CreateAclsHeaders(x_acs_dingtalk_access_token=token), RuntimeOptions(),
    ).body


def _acls(client, token, owner):
    return client.list_acls_with_options(
        owner, "primary", cal.ListAclsHeaders(x_acs_dingtalk_access_token=token), RuntimeOptions(),
    ).body.acls


def _unshare(client, token, owner, acl_id):
    return client.delete_acl_with_options(
        owner, "primary", acl_id, cal.DeleteAclHeaders(x_acs_dingtalk_access_token=token),
        RuntimeOptions(),
    )


def test_list_calendars_gives_the_primary_calendar_as_its_owners(calendar_client, tokens):
    (primary,) = _calendars(calendar_client, tokens["acme-full"], DAVE)
    assert (primary.id, primary.type, primary.privilege) == ("primary", "primary", "owner")
    assert primary.summary == "Dave" and primary.e_tag and primary.time_zone == "Asia/Shanghai"


def test_a_shared_calendar_is_read_by_the_grantee_until_the_rule_is_deleted(
        api, calendar_client, oauth_client, address, tokens, day):
    token = tokens["acme-full"]
    event = api.create(CAROL, support.timed_request(day, "Shared", attendees=[DAVE])).body
    acl = _share(calendar_client, token, CAROL, BOB, "reader")
    assert acl.privilege == "reader" and acl.scope.user_id == BOB and acl.acl_id
    assert [a.acl_id for a in _acls(calendar_client, token, CAROL)] == [acl.acl_id]

    bob = api.as_token(support.user_token(oauth_client, address, BOB).access_token)
    seen = bob.get(CAROL, event.id).body
    assert seen.summary == "Shared" and {a.id for a in seen.attendees} == {CAROL, DAVE}
    listed = _calendars(calendar_client, bob.token, "me")
    assert [(c.type, c.privilege, c.summary) for c in listed] == [
        ("primary", "owner", "Bob"), ("shared", "reader", "Carol")]
    expect_error(lambda: bob.create(CAROL, support.timed_request(day, "no")), 403, "permissionDenied")

    _unshare(calendar_client, token, CAROL, acl.acl_id)
    expect_error(lambda: bob.get(CAROL, event.id), 403, "permissionDenied", "permission denied")
    assert _acls(calendar_client, token, CAROL) == []


def test_a_title_reader_sees_times_and_titles_only(api, calendar_client, oauth_client, address, tokens, day):
    request = support.timed_request(day, "Interview", attendees=[DAVE])
    request.description = "candidate notes"
    event = api.create(ALICE, request).body
    _share(calendar_client, tokens["acme-full"], ALICE, CAROL, "title_reader")
    carol = api.as_token(support.user_token(oauth_client, address, CAROL).access_token)
    seen = carol.get(ALICE, event.id).body
    assert seen.summary == "Interview" and seen.start.date_time
    assert seen.description is None
    assert DAVE not in {a.id for a in seen.attendees or []}


def test_create_acls_refuses_owner_and_unknown_privileges(calendar_client, tokens):
    for privilege in ["owner", "freeBusyReader"]:
        expect_error(
            lambda: _share(calendar_client, tokens["acme-full"], DAVE, BOB, privilege),
            400, "invalidParameter",
        )
    assert _acls(calendar_client, tokens["acme-full"], DAVE) == []


def test_me_operations_act_as_the_token_user(api, calendar_client, oauth_client, address, day):
    token = support.user_token(oauth_client, address, DAVE).access_token
    created = calendar_client.create_event_by_me_with_options(
        "primary",
        cal.CreateEventByMeRequest(
            summary="Mine",
            start=cal.CreateEventByMeRequestStart(date_time=day.at(9), time_zone=support.TZ),
            end=cal.CreateEventByMeRequestEnd(date_time=day.at(10), time_zone=support.TZ),
        ),
        cal.CreateEventByMeHeaders(x_acs_dingtalk_access_token=token), RuntimeOptions(),
    ).body
    assert created.organizer.id == DAVE
    view = calendar_client.list_events_view_by_me_with_options(
        "primary", cal.ListEventsViewByMeRequest(time_min=day.start(), time_max=day.end()),
        cal.ListEventsViewByMeHeaders(x_acs_dingtalk_access_token=token), RuntimeOptions(),
    ).body
    assert [e.id for e in view.events] == [created.id]


def test_list_categories_gives_the_orgs_event_types(calendar_client, tokens, api, day):
    body = calendar_client.list_categories_with_options(
        ALICE, cal.ListCategoriesHeaders(x_acs_dingtalk_access_token=tokens["acme-full"]),
        RuntimeOptions(),
    ).body
    assert [(c.open_category_id, c.display_name) for c in body.categories] == support.CATEGORIES
    request = support.timed_request(day, "Typed")
    request.categories = [cal.CreateEventRequestCategories(category_id="interview")]
    created = api.create(ALICE, request).body
    assert [(c.category_id, c.display_name) for c in created.categories] == [("interview", "Interview")]
