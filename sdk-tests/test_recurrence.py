"""Recurrence rules on CreateEvent and PatchEvent, with the seeds' exact messages."""

from __future__ import annotations

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal

from support import ALICE, expect_error, patch_request, timed_request

INTERVAL_MSG = "Recurrence interval must between [1, 365]"
COUNT_MSG = "Recurrence range numberOfOccurrences must between [1, 99]"


def recurrence(kind="daily", interval=1, range_type="numbered", count=None, end_date=None,
               **pattern):
    return cal.CreateEventRequestRecurrence(
        pattern=cal.CreateEventRequestRecurrencePattern(type=kind, interval=interval, **pattern),
        range=cal.CreateEventRequestRecurrenceRange(
            type=range_type, number_of_occurrences=count, end_date=end_date),
    )


def patch_recurrence(kind="daily", interval=1, range_type="numbered", count=None, end_date=None):
    return cal.PatchEventRequestRecurrence(
        pattern=cal.PatchEventRequestRecurrencePattern(type=kind, interval=interval),
        range=cal.PatchEventRequestRecurrenceRange(
            type=range_type, number_of_occurrences=count, end_date=end_date),
    )


def test_daily_numbered_recurrence_is_kept(api, day):
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(count=5))).body
    r = api.get(ALICE, b.id).body.recurrence
    assert (r.pattern.type, r.pattern.interval) == ("daily", 1)
    assert (r.range.type, r.range.number_of_occurrences) == ("numbered", 5)


def test_weekly_recurrence_with_days_of_week_is_kept(api, day):
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(
        kind="weekly", interval=2, range_type="noEnd", days_of_week="monday,wednesday"))).body
    r = api.get(ALICE, b.id).body.recurrence
    assert (r.pattern.type, r.pattern.interval, r.pattern.days_of_week) == (
        "weekly", 2, "monday,wednesday")
    assert r.range.type == "noEnd"


@pytest.mark.parametrize("interval", [1, 365])
def test_recurrence_interval_at_the_bounds_is_accepted(api, day, interval):
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(interval=interval,
                                                                   range_type="noEnd"))).body
    assert api.get(ALICE, b.id).body.recurrence.pattern.interval == interval


@pytest.mark.parametrize("interval", [0, 366, -1])
def test_recurrence_interval_outside_1_365_is_refused_with_exact_message(api, day, interval):
    req = timed_request(day, recurrence=recurrence(interval=interval, range_type="noEnd"))
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter", INTERVAL_MSG)
    assert api.ids_in(ALICE, day) == []


@pytest.mark.parametrize("count", [1, 99])
def test_number_of_occurrences_at_the_bounds_is_accepted(api, day, count):
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(count=count))).body
    assert api.get(ALICE, b.id).body.recurrence.range.number_of_occurrences == count


@pytest.mark.parametrize("count", [0, 100])
def test_number_of_occurrences_outside_1_99_is_refused_with_exact_message(api, day, count):
    req = timed_request(day, recurrence=recurrence(count=count))
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter", COUNT_MSG)
    assert api.ids_in(ALICE, day) == []


def test_end_date_and_number_of_occurrences_together_is_400_invalid_parameter(api, day):
    req = timed_request(day, recurrence=recurrence(range_type="endDate", count=5,
                                                   end_date=day.next_iso(30) + "T00:00:00+08:00"))
    expect_error(lambda: api.create(ALICE, req), 400, "invalidParameter")
    assert api.ids_in(ALICE, day) == []


def test_recurrence_with_end_date_is_kept(api, day):
    end = day.next_iso(30) + "T00:00:00+08:00"
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(range_type="endDate",
                                                                   end_date=end))).body
    r = api.get(ALICE, b.id).body.recurrence
    assert r.range.type == "endDate"
    assert r.range.end_date
    assert r.range.number_of_occurrences is None


def test_patch_recurrence_interval_out_of_bounds_is_refused_and_changes_nothing(api, day):
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(count=3))).body
    before = api.snapshot(ALICE, b.id)
    expect_error(lambda: api.patch(ALICE, b.id, patch_request(
        b.id, recurrence=patch_recurrence(interval=400, range_type="noEnd"))),
        400, "invalidParameter", INTERVAL_MSG)
    assert api.snapshot(ALICE, b.id) == before


def test_patch_number_of_occurrences_out_of_bounds_is_refused_and_changes_nothing(api, day):
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(count=3))).body
    before = api.snapshot(ALICE, b.id)
    expect_error(lambda: api.patch(ALICE, b.id, patch_request(
        b.id, recurrence=patch_recurrence(count=100))),
        400, "invalidParameter", COUNT_MSG)
    assert api.snapshot(ALICE, b.id) == before


def test_patch_recurrence_replaces_the_rule(api, day):
    b = api.create(ALICE, timed_request(day, recurrence=recurrence(count=3))).body
    api.patch(ALICE, b.id, patch_request(b.id, recurrence=patch_recurrence(
        kind="daily", interval=2, count=10)))
    r = api.get(ALICE, b.id).body.recurrence
    assert (r.pattern.interval, r.range.number_of_occurrences) == (2, 10)
