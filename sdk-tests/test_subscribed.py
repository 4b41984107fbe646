"""Subscribed calendars through the official SDK: CreateSubscribedCalendar,
GetSubscribedCalendar, UpdateSubscribedCalendars (calendarId before userId),
SubscribeCalendar, UnsubscribeCalendar, DeleteSubscribedCalendar, and the
calendar's events read by a subscriber."""

from __future__ import annotations

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

import support
from support import ACME, ALICE, BOB, DAVE, expect_error

R = RuntimeOptions()


def _h(api, model):
    return model(x_acs_dingtalk_access_token=api.token)


def test_a_subscribed_calendar_from_creation_to_deletion(api, day):
    made = api.client.create_subscribed_calendar_with_options(
        ALICE,
        cal.CreateSubscribedCalendarRequest(
            name="Releases", description="what ships", managers=[DAVE],
            subscribe_scope=cal.CreateSubscribedCalendarRequestSubscribeScope(corp_ids=[ACME]),
        ),
        _h(api, cal.CreateSubscribedCalendarHeaders), R,
    ).body
    calendar_id = made.calendar_id
    got = api.client.get_subscribed_calendar_with_options(
        ALICE, calendar_id, _h(api, cal.GetSubscribedCalendarHeaders), R).body
    assert (got.name, got.author, got.managers) == ("Releases", ALICE, [DAVE])
    assert got.subscribe_scope.corp_ids == [ACME]
    expect_error(
        lambda: api.client.get_subscribed_calendar_with_options(
            BOB, calendar_id, _h(api, cal.GetSubscribedCalendarHeaders), R),
        403, "permissionDenied", "permission denied")
    assert api.client.update_subscribed_calendars_with_options(
        calendar_id, DAVE, cal.UpdateSubscribedCalendarsRequest(name="Releases 2"),
        _h(api, cal.UpdateSubscribedCalendarsHeaders), R).body.result is True

    event = api.client.create_event_with_options(
        ALICE, calendar_id, support.timed_request(day, "v2.0"),
        _h(api, cal.CreateEventHeaders), R).body
    api.client.subscribe_calendar_with_options(
        BOB, calendar_id, _h(api, cal.SubscribeCalendarHeaders), R)
    seen = api.client.list_events_with_options(
        BOB, calendar_id, cal.ListEventsRequest(time_min=day.start(), time_max=day.end()),
        _h(api, cal.ListEventsHeaders), R).body
    assert [e.id for e in seen.events] == [event.id]
    calendars = api.client.list_calendars_with_options(
        BOB, _h(api, cal.ListCalendarsHeaders), R).body.response.calendars
    assert [(c.type, c.summary) for c in calendars] == [("primary", "Bob"), ("subscribed", "Releases 2")]
    assert api.client.unsubscribe_calendar_with_options(
        BOB, calendar_id, _h(api, cal.UnsubscribeCalendarHeaders), R).body.result is True
    expect_error(
        lambda: api.client.subscribe_calendar_with_options(
            BOB, "primary", _h(api, cal.SubscribeCalendarHeaders), R),
        400, "invalidParameter", "calendar type invalid")

    assert api.client.delete_subscribed_calendar_with_options(
        ALICE, calendar_id, _h(api, cal.DeleteSubscribedCalendarHeaders), R).body.result is True
    expect_error(
        lambda: api.client.get_subscribed_calendar_with_options(
            ALICE, calendar_id, _h(api, cal.GetSubscribedCalendarHeaders), R),
        404, "itemNotFound")
