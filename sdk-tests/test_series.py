"""Recurring series through the SDK: instances, exceptions, eventsview, sync, free/busy.

Every test here takes dates of its own, chosen by hand rather than from
support.new_day(): a series spans weeks, months or years, and the other
modules' days (2031 on) carry endless series of Alice's (test_recurrence),
which would show in any calendar-wide listing (eventsview, GetSchedule) of
hers after 2031. So checks over a whole calendar (eventsview, GetSchedule,
sync) use dates in 2020-2030, no two tests the same days of the same user;
checks of one series (ListInstances, ListEventsInstances, GetEvent on an
instance) use dates of their own in 2026 and after 2040. The endless series
start in 2090 and later, after every date a calendar-wide check uses.

The sync tests take a token and then expect exactly their own changes: they
rely on the suite running one test at a time, as it does.
"""

from __future__ import annotations

import datetime as dt

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions

from support import (
    ALICE, BOB, CAROL, DAVE, EVE, TZ, expect_error, extras, patch_request, statuses,
)

NEW_YORK = "America/New_York"


# -- calls the shared Api wrapper does not cover ---------------------------------------


def _headers(model, api):
    h = model()
    h.x_acs_dingtalk_access_token = api.token
    return h


def list_instances(api, user, event_id, **query):
    return api.client.list_instances_with_options(
        user, "primary", event_id, cal.ListInstancesRequest(**query),
        _headers(cal.ListInstancesHeaders, api), RuntimeOptions(),
    )


def list_events_instances(api, user, series_id, **query):
    return api.client.list_events_instances_with_options(
        user, "primary",
        cal.ListEventsInstancesRequest(series_master_id=series_id, **query),
        _headers(cal.ListEventsInstancesHeaders, api), RuntimeOptions(),
    )


def list_view(api, user, **query):
    return api.client.list_events_view_with_options(
        user, "primary", cal.ListEventsViewRequest(**query),
        _headers(cal.ListEventsViewHeaders, api), RuntimeOptions(),
    )


def get_schedule(api, user, user_ids, start, end):
    return api.client.get_schedule_with_options(
        user, cal.GetScheduleRequest(user_ids=list(user_ids), start_time=start, end_time=end),
        _headers(cal.GetScheduleHeaders, api), RuntimeOptions(),
    )


def _all_pages(call, **query):
    """(events, pages) of a paged listing, following nextToken to the end."""
    out, pages, token = [], [], None
    while True:
        body = call(next_token=token, **query).body
        pages.append(body)
        out.extend(body.events or [])
        assert len(pages) < 200, "paging does not end"
        token = body.next_token
        if not token:
            return out, pages


def all_instances(api, user, event_id, **query) -> list:
    return _all_pages(lambda **q: list_instances(api, user, event_id, **q), **query)[0]


def all_view(api, user, **query) -> list:
    return _all_pages(lambda **q: list_view(api, user, **q), **query)[0]


def sync(api, user, token, max_results=None):
    """(events, pages) of an incremental sync from `token`, every page of it."""
    return _all_pages(lambda **q: api.list(user, sync_token=token, **q),
                      max_results=max_results)


def schedule_of(api, user_ids, start, end, caller=ALICE) -> dict:
    """userId -> scheduleInformation entry."""
    infos = get_schedule(api, caller, user_ids, start, end).body.schedule_information or []
    by_user = {i.user_id: i for i in infos}
    assert len(by_user) == len(infos), [i.user_id for i in infos]
    return by_user


# -- building series -------------------------------------------------------------------


def recurrence(kind, range_type="numbered", count=None, end_date=None, interval=1,
               **pattern):
    return cal.CreateEventRequestRecurrence(
        pattern=cal.CreateEventRequestRecurrencePattern(type=kind, interval=interval, **pattern),
        range=cal.CreateEventRequestRecurrenceRange(
            type=range_type, number_of_occurrences=count, end_date=end_date),
    )


def timed(start: str, end: str, rec=None, summary="Series", tz=TZ, attendees=(), **fields):
    req = cal.CreateEventRequest(
        summary=summary,
        start=cal.CreateEventRequestStart(date_time=start, time_zone=tz),
        end=cal.CreateEventRequestEnd(date_time=end, time_zone=tz),
        recurrence=rec,
        **fields,
    )
    if attendees:
        req.attendees = [cal.CreateEventRequestAttendees(id=a) for a in attendees]
    return req


def all_day(start: str, end: str, rec=None, summary="All day", attendees=()):
    req = cal.CreateEventRequest(
        summary=summary, is_all_day=True,
        start=cal.CreateEventRequestStart(date=start),
        end=cal.CreateEventRequestEnd(date=end),
        recurrence=rec,
    )
    if attendees:
        req.attendees = [cal.CreateEventRequestAttendees(id=a) for a in attendees]
    return req


def at(date: str, hour: int, minute: int = 0, offset: str = "+08:00") -> str:
    return f"{date}T{hour:02d}:{minute:02d}:00{offset}"


def instant(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


def utc_key(local: str) -> str:
    return instant(local).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def inst(series_id: str, local_start: str) -> str:
    """The instance id of the occurrence of a timed series originally at local_start."""
    return f"{series_id}_{utc_key(local_start)}"


def next_day(date: str, days: int = 1) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


def starts(events) -> list[str]:
    return [e.start.date_time for e in events]


def daily_series(api, date, count, hour=10, attendees=(), summary="Daily", user=ALICE):
    return api.create(user, timed(at(date, hour), at(date, hour + 1),
                                  recurrence("daily", count=count), summary=summary,
                                  attendees=attendees)).body


def move(instance_id, start, end, **fields):
    return patch_request(
        instance_id,
        start=cal.PatchEventRequestStart(date_time=start, time_zone=TZ),
        end=cal.PatchEventRequestEnd(date_time=end, time_zone=TZ),
        **fields,
    )


# -- ListInstances ---------------------------------------------------------------------


def test_list_instances_of_weekly_series_lists_exact_starts_in_window(api):
    # Monday and Wednesday from Monday 2026-01-05, 10 occurrences (to 2026-02-04)
    s = api.create(ALICE, timed(at("2026-01-05", 10), at("2026-01-05", 11), recurrence(
        "weekly", count=10, days_of_week="monday,wednesday"), summary="Weekly")).body
    body = list_instances(api, ALICE, s.id, time_min=at("2026-01-12", 10),
                          time_max=at("2026-01-21", 10)).body
    # timeMin inclusive, timeMax exclusive, on the occurrence's start
    expected = [at("2026-01-12", 10), at("2026-01-14", 10), at("2026-01-19", 10)]
    assert starts(body.events) == expected
    assert [e.end.date_time for e in body.events] == [
        at("2026-01-12", 11), at("2026-01-14", 11), at("2026-01-19", 11)]
    assert [e.id for e in body.events] == [inst(s.id, x) for x in expected]
    assert {e.series_master_id for e in body.events} == {s.id}
    assert {e.summary for e in body.events} == {"Weekly"}
    assert not body.next_token


def test_list_instances_of_weekly_series_stops_after_number_of_occurrences(api):
    s = api.create(ALICE, timed(at("2026-04-06", 10), at("2026-04-06", 11), recurrence(
        "weekly", count=5, days_of_week="monday,wednesday"))).body
    got = all_instances(api, ALICE, s.id, time_min=at("2026-04-01", 0),
                        time_max=at("2026-06-01", 0))
    assert starts(got) == [at(d, 10) for d in (
        "2026-04-06", "2026-04-08", "2026-04-13", "2026-04-15", "2026-04-20")]


def test_list_instances_of_weekly_series_with_interval_2_skips_every_other_week(api):
    s = api.create(ALICE, timed(at("2026-05-04", 10), at("2026-05-04", 11), recurrence(
        "weekly", interval=2, count=4, days_of_week="monday,friday",
        first_day_of_week="monday"))).body
    got = all_instances(api, ALICE, s.id, time_min=at("2026-05-01", 0),
                        time_max=at("2026-07-01", 0))
    assert starts(got) == [at(d, 10) for d in (
        "2026-05-04", "2026-05-08", "2026-05-18", "2026-05-22")]


def test_list_instances_of_endless_daily_series_pages_by_100_without_gaps_or_repeats(api):
    s = api.create(ALICE, timed(at("2090-01-01", 9), at("2090-01-01", 10),
                                recurrence("daily", range_type="noEnd"), summary="Endless")).body
    events, pages = _all_pages(
        lambda **q: list_instances(api, ALICE, s.id, **q),
        time_min=at("2090-01-01", 0), time_max=at("2090-12-31", 0))
    # 2090-01-01 .. 2090-12-30: 364 occurrences, 100 a page by default
    assert [len(p.events or []) for p in pages] == [100, 100, 100, 64]
    assert [bool(p.next_token) for p in pages] == [True, True, True, False]
    first = dt.date(2090, 1, 1)
    expected = [at((first + dt.timedelta(days=i)).isoformat(), 9) for i in range(364)]
    assert starts(events) == expected
    assert len({e.id for e in events}) == 364
    assert [e.id for e in events] == [inst(s.id, x) for x in expected]


def test_list_instances_pages_with_max_results(api):
    s = api.create(ALICE, timed(at("2091-01-01", 9), at("2091-01-01", 10),
                                recurrence("daily", count=7))).body
    events, pages = _all_pages(lambda **q: list_instances(api, ALICE, s.id, **q),
                               time_min=at("2091-01-01", 0), time_max=at("2091-02-01", 0),
                               max_results=3)
    assert [len(p.events or []) for p in pages] == [3, 3, 1]
    assert starts(events) == [at(f"2091-01-0{d}", 9) for d in range(1, 8)]


@pytest.mark.parametrize("n", [101, 0])
def test_list_instances_max_results_outside_1_100_is_400_invalid_parameter(api, n):
    s = api.create(ALICE, timed(at("2091-03-02", 9), at("2091-03-02", 10),
                                recurrence("daily", count=3))).body
    expect_error(lambda: list_instances(api, ALICE, s.id, time_min=at("2091-03-01", 0),
                                        time_max=at("2091-04-01", 0), max_results=n),
                 400, "invalidParameter")


def test_list_instances_with_garbage_next_token_is_400_invalid_parameter(api):
    s = api.create(ALICE, timed(at("2091-03-09", 9), at("2091-03-09", 10),
                                recurrence("daily", count=3))).body
    expect_error(lambda: list_instances(api, ALICE, s.id, time_min=at("2091-03-01", 0),
                                        time_max=at("2091-04-01", 0), next_token="not-a-token"),
                 400, "invalidParameter")


def test_list_instances_from_a_user_not_invited_is_404_item_not_found(api):
    s = api.create(ALICE, timed(at("2091-03-16", 9), at("2091-03-16", 10),
                                recurrence("daily", count=3), attendees=[BOB])).body
    assert len(list_instances(api, BOB, s.id, time_min=at("2091-03-01", 0),
                              time_max=at("2091-04-01", 0)).body.events) == 3
    expect_error(lambda: list_instances(api, CAROL, s.id, time_min=at("2091-03-01", 0),
                                        time_max=at("2091-04-01", 0)), 404, "itemNotFound")


def test_numbered_series_counts_from_its_first_occurrence_not_from_the_window(api):
    s = api.create(ALICE, timed(at("2045-01-01", 9), at("2045-01-01", 10),
                                recurrence("daily", count=10))).body
    got = all_instances(api, ALICE, s.id, time_min=at("2045-01-08", 0),
                        time_max=at("2045-02-01", 0))
    assert starts(got) == [at(f"2045-01-{d:02d}", 9) for d in (8, 9, 10)]


def test_list_events_with_series_master_id_pages_an_endless_series(api):
    s = api.create(ALICE, timed(at("2092-01-01", 9), at("2092-01-01", 10),
                                recurrence("daily", range_type="noEnd"))).body
    b1 = api.list(ALICE, series_master_id=s.id).body
    assert len(b1.events) == 100 and b1.next_token
    b2 = api.list(ALICE, series_master_id=s.id, next_token=b1.next_token).body
    assert len(b2.events) == 100
    first = dt.date(2092, 1, 1)
    assert starts(b1.events + b2.events) == [
        at((first + dt.timedelta(days=i)).isoformat(), 9) for i in range(200)]


# -- DST, monthly and yearly patterns --------------------------------------------------


@pytest.mark.parametrize("first,expected", [
    # spring forward on Sunday 2026-03-08
    ("2026-03-02", ["2026-03-02T09:00:00-05:00", "2026-03-09T09:00:00-04:00",
                    "2026-03-16T09:00:00-04:00"]),
    # fall back on Sunday 2026-11-01
    ("2026-10-19", ["2026-10-19T09:00:00-04:00", "2026-10-26T09:00:00-04:00",
                    "2026-11-02T09:00:00-05:00"]),
])
def test_weekly_new_york_series_keeps_9am_wall_clock_across_dst(api, first, expected):
    s = api.create(ALICE, timed(at(first, 9, offset=expected[0][-6:]),
                                at(first, 10, offset=expected[0][-6:]),
                                recurrence("weekly", count=3, days_of_week="monday"),
                                tz=NEW_YORK)).body
    body = list_instances(api, ALICE, s.id, time_min=f"{first}T00:00:00Z",
                          time_max=f"{first[:5]}12-31T00:00:00Z").body
    assert starts(body.events) == expected
    assert [e.end.date_time for e in body.events] == [x.replace("T09:", "T10:") for x in expected]
    assert {e.start.time_zone for e in body.events} == {NEW_YORK}
    assert [e.id for e in body.events] == [inst(s.id, x) for x in expected]
    # GetEvent on the occurrence just after the change answers it in the new offset
    got = api.get(ALICE, inst(s.id, expected[1])).body
    assert got.origin_start.date_time == expected[1]
    assert got.start.date_time == expected[1]


def test_new_york_instance_ids_name_the_utc_start(api):
    s = api.create(ALICE, timed("2026-03-02T09:00:00-05:00", "2026-03-02T10:00:00-05:00",
                                recurrence("weekly", count=2, days_of_week="monday"),
                                tz=NEW_YORK)).body
    ids = [e.id for e in list_instances(api, ALICE, s.id, time_min="2026-03-01T00:00:00Z",
                                        time_max="2026-04-01T00:00:00Z").body.events]
    assert ids == [f"{s.id}_20260302T140000Z", f"{s.id}_20260309T130000Z"]


def test_new_york_daily_at_a_skipped_time_moves_past_the_gap_on_the_spring_forward_day(api):
    # 02:30 does not exist on 2026-03-08 in New York: read with the offset before the gap
    s = api.create(ALICE, timed("2026-03-07T02:30:00-05:00", "2026-03-07T03:30:00-05:00",
                                recurrence("daily", count=3), tz=NEW_YORK)).body
    got = list_events_instances(api, ALICE, s.id).body.events
    assert starts(got) == ["2026-03-07T02:30:00-05:00", "2026-03-08T03:30:00-04:00",
                           "2026-03-09T02:30:00-04:00"]


def test_new_york_daily_at_a_repeated_time_takes_the_first_on_the_fall_back_day(api):
    s = api.create(ALICE, timed("2026-10-31T01:30:00-04:00", "2026-10-31T02:00:00-04:00",
                                recurrence("daily", count=3), tz=NEW_YORK)).body
    got = list_events_instances(api, ALICE, s.id).body.events
    assert starts(got) == ["2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00",
                           "2026-11-02T01:30:00-05:00"]
    assert [e.id for e in got] == [f"{s.id}_20261031T053000Z", f"{s.id}_20261101T053000Z",
                                   f"{s.id}_20261102T063000Z"]


def test_monthly_on_the_31st_skips_months_without_a_31st(api):
    s = api.create(ALICE, timed(at("2041-01-31", 10), at("2041-01-31", 11), recurrence(
        "absoluteMonthly", range_type="endDate", end_date="2041-12-31", day_of_month=31))).body
    got = all_instances(api, ALICE, s.id, time_min=at("2041-01-01", 0),
                        time_max=at("2042-01-01", 0))
    # endDate is inclusive: 2041-12-31 itself occurs
    assert starts(got) == [at(d, 10) for d in (
        "2041-01-31", "2041-03-31", "2041-05-31", "2041-07-31", "2041-08-31", "2041-10-31",
        "2041-12-31")]


def test_monthly_on_the_31st_numbered_counts_only_real_occurrences(api):
    s = api.create(ALICE, timed(at("2041-01-31", 15), at("2041-01-31", 16), recurrence(
        "absoluteMonthly", count=3, day_of_month=31))).body
    got = list_events_instances(api, ALICE, s.id).body.events
    assert starts(got) == [at(d, 15) for d in ("2041-01-31", "2041-03-31", "2041-05-31")]


def test_relative_monthly_last_friday(api):
    s = api.create(ALICE, timed(at("2042-01-31", 16), at("2042-01-31", 17), recurrence(
        "relativeMonthly", count=6, index="last", days_of_week="friday"))).body
    got = all_instances(api, ALICE, s.id, time_min=at("2042-01-01", 0),
                        time_max=at("2042-12-01", 0))
    assert starts(got) == [at(d, 16) for d in (
        "2042-01-31", "2042-02-28", "2042-03-28", "2042-04-25", "2042-05-30", "2042-06-27")]


def test_relative_monthly_second_tuesday(api):
    s = api.create(ALICE, timed(at("2042-07-08", 9), at("2042-07-08", 10), recurrence(
        "relativeMonthly", count=3, index="second", days_of_week="tuesday"))).body
    got = all_instances(api, ALICE, s.id, time_min=at("2042-07-01", 0),
                        time_max=at("2042-12-01", 0))
    assert starts(got) == [at(d, 9) for d in ("2042-07-08", "2042-08-12", "2042-09-09")]


def test_all_day_yearly_series_has_one_dated_occurrence_a_year(api):
    s = api.create(ALICE, all_day("2043-02-14", "2043-02-15",
                                  recurrence("absoluteYearly", count=4), summary="Yearly")).body
    for year in (2043, 2044, 2045, 2046):
        got = list_instances(api, ALICE, s.id, time_min=at(f"{year}-01-01", 0),
                             time_max=at(f"{year + 1}-01-01", 0)).body.events
        assert [(e.id, e.is_all_day, e.start.date, e.end.date) for e in got] == [
            (f"{s.id}_{year}0214", True, f"{year}-02-14", f"{year}-02-15")], year
        assert not got[0].start.date_time
        assert got[0].series_master_id == s.id
    assert list_instances(api, ALICE, s.id, time_min=at("2047-01-01", 0),
                          time_max=at("2048-01-01", 0)).body.events in (None, [])
    got = list_events_instances(api, ALICE, s.id).body.events
    assert [e.id for e in got] == [f"{s.id}_{y}0214" for y in (2043, 2044, 2045, 2046)]
    one = api.get(ALICE, f"{s.id}_20450214").body
    assert (one.id, one.series_master_id, one.is_all_day, one.start.date, one.end.date) == (
        f"{s.id}_20450214", s.id, True, "2045-02-14", "2045-02-15")


def test_all_day_yearly_series_from_29_february_occurs_in_leap_years_only(api):
    s = api.create(ALICE, all_day("2044-02-29", "2044-03-01",
                                  recurrence("absoluteYearly", count=2))).body
    got = list_events_instances(api, ALICE, s.id).body.events
    assert [e.start.date for e in got] == ["2044-02-29", "2048-02-29"]


# -- GetEvent on an instance, ListEventsInstances, ListEvents seriesMasterId -----------


def test_get_event_on_an_instance_id_answers_that_occurrence(api):
    s = api.create(ALICE, timed(at("2044-05-02", 14), at("2044-05-02", 15), recurrence(
        "weekly", count=4, days_of_week="monday"), summary="Sync-up", attendees=[BOB],
        description="Weekly")).body
    iid = inst(s.id, at("2044-05-16", 14))
    assert iid == f"{s.id}_20440516T060000Z"
    for who in (ALICE, BOB):
        got = api.get(who, iid).body
        assert got.id == iid
        assert got.series_master_id == s.id
        assert got.origin_start.date_time == at("2044-05-16", 14)
        assert (got.start.date_time, got.end.date_time) == (at("2044-05-16", 14),
                                                            at("2044-05-16", 15))
        assert (got.summary, got.description) == ("Sync-up", "Weekly")
        assert got.organizer.id == ALICE
        assert statuses(got) == {ALICE: "accepted", BOB: "needsAction"}
        assert got.status == "confirmed"


@pytest.mark.parametrize("suffix", [
    "20440517T060000Z",  # a Tuesday: not in the pattern
    "20440516T070000Z",  # the right day at the wrong time
    "20440425T060000Z",  # a Monday before the series starts
    "20440530T060000Z",  # a Monday after its 4 occurrences
    "20440516",          # a date where a timed series needs a time
    "garbage",
])
def test_get_event_on_an_id_that_is_not_an_occurrence_is_404_item_not_found(api, suffix):
    s = api.create(ALICE, timed(at("2044-05-02", 14), at("2044-05-02", 15), recurrence(
        "weekly", count=4, days_of_week="monday"))).body
    expect_error(lambda: api.get(ALICE, f"{s.id}_{suffix}"), 404, "itemNotFound")


def test_get_event_on_an_instance_from_a_user_not_invited_is_404(api):
    s = daily_series(api, "2044-05-09", 3, attendees=[BOB])
    expect_error(lambda: api.get(CAROL, inst(s.id, at("2044-05-10", 10))), 404, "itemNotFound")


def test_list_events_instances_from_start_recurrence_id_lists_it_and_the_rest(api):
    s = daily_series(api, "2044-06-01", 6, hour=8, summary="From")
    start = inst(s.id, at("2044-06-04", 8))
    body = list_events_instances(api, ALICE, s.id, start_recurrence_id=start).body
    expected = [at(f"2044-06-0{d}", 8) for d in (4, 5, 6)]
    assert [e.id for e in body.events] == [inst(s.id, x) for x in expected]
    assert starts(body.events) == expected
    assert {e.series_master_id for e in body.events} == {s.id}
    everything = list_events_instances(api, ALICE, s.id).body.events
    assert starts(everything) == [at(f"2044-06-0{d}", 8) for d in range(1, 7)]
    limited = list_events_instances(api, ALICE, s.id, start_recurrence_id=start,
                                    max_results=2).body.events
    assert starts(limited) == expected[:2]


def test_list_events_instances_with_start_recurrence_id_of_another_series_is_400(api):
    s = daily_series(api, "2044-06-10", 3)
    other = daily_series(api, "2044-06-10", 3, hour=15)
    expect_error(lambda: list_events_instances(
        api, ALICE, s.id, start_recurrence_id=inst(other.id, at("2044-06-11", 15))),
        400, "invalidParameter")


def test_list_events_with_series_master_id_lists_the_instances(api):
    s = daily_series(api, "2044-07-04", 4, hour=11, summary="Listed", attendees=[BOB])
    expected = [at(f"2044-07-0{d}", 11) for d in (4, 5, 6, 7)]
    for who in (ALICE, BOB):
        got = api.all_events(who, series_master_id=s.id)
        assert [e.id for e in got] == [inst(s.id, x) for x in expected]
        assert starts(got) == expected
        assert [e.origin_start.date_time for e in got] == expected
        assert {(e.series_master_id, e.summary) for e in got} == {(s.id, "Listed")}


# -- ListEventsView --------------------------------------------------------------------


def test_list_events_view_merges_singles_occurrences_and_all_day_in_start_order(api):
    # the week of Monday 2027-02-01, Alice's calendar
    daily = api.create(ALICE, timed(at("2027-02-01", 9), at("2027-02-01", 9, 15),
                                    recurrence("daily", count=7), summary="standup")).body
    review = api.create(ALICE, timed(at("2027-02-01", 16), at("2027-02-01", 17), recurrence(
        "weekly", count=4, days_of_week="monday,thursday"), summary="review")).body
    api.create(ALICE, timed(at("2027-02-02", 12), at("2027-02-02", 13), summary="lunch"))
    api.create(ALICE, timed(at("2027-02-01", 8), at("2027-02-01", 8, 30), summary="early"))
    api.create(ALICE, all_day("2027-02-03", "2027-02-04", summary="offsite"))
    # outside [timeMin, timeMax): just before, at timeMax
    api.create(ALICE, timed(at("2027-01-31", 23), at("2027-02-01", 0), summary="before"))
    api.create(ALICE, timed(at("2027-02-06", 0), at("2027-02-06", 1), summary="after"))

    events, pages = _all_pages(lambda **q: list_view(api, ALICE, **q),
                               time_min=at("2027-02-01", 0), time_max=at("2027-02-06", 0),
                               max_results=4)
    expected = [
        ("early", at("2027-02-01", 8)), ("standup", at("2027-02-01", 9)),
        ("review", at("2027-02-01", 16)),
        ("standup", at("2027-02-02", 9)), ("lunch", at("2027-02-02", 12)),
        ("offsite", "2027-02-03"), ("standup", at("2027-02-03", 9)),
        ("standup", at("2027-02-04", 9)), ("review", at("2027-02-04", 16)),
        ("standup", at("2027-02-05", 9)),
    ]
    assert [(e.summary, e.start.date_time or e.start.date) for e in events] == expected
    assert [len(p.events or []) for p in pages] == [4, 4, 2]
    assert len({e.id for e in events}) == len(events)
    standups = [e for e in events if e.summary == "standup"]
    assert [e.id for e in standups] == [inst(daily.id, e.start.date_time) for e in standups]
    assert {(e.series_master_id, e.origin_start.date_time == e.start.date_time)
            for e in standups} == {(daily.id, True)}
    assert {e.series_master_id for e in events if e.summary == "review"} == {review.id}
    offsite = [e for e in events if e.summary == "offsite"][0]
    assert offsite.is_all_day is True and not offsite.series_master_id


def test_list_events_view_lists_occurrences_from_an_attendees_calendar(api):
    s = daily_series(api, "2027-02-15", 3, hour=10, attendees=[BOB], summary="Shared")
    got = all_view(api, BOB, time_min=at("2027-02-15", 0), time_max=at("2027-02-20", 0))
    assert [e.id for e in got] == [inst(s.id, at(f"2027-02-{d}", 10)) for d in (15, 16, 17)]
    assert all(e.organizer.id == ALICE for e in got)
    assert all_view(api, CAROL, time_min=at("2027-02-15", 0),
                    time_max=at("2027-02-20", 0)) == []


def test_list_events_view_pages_through_equal_starts_without_gaps_or_repeats(api):
    daily_series(api, "2020-03-02", 3, summary="A", user=DAVE)
    daily_series(api, "2020-03-02", 3, summary="B", user=DAVE)
    for _ in range(3):
        api.create(DAVE, timed(at("2020-03-03", 10), at("2020-03-03", 11), summary="S"))
    whole = [e.id for e in all_view(api, DAVE, time_min=at("2020-03-01", 0),
                                    time_max=at("2020-03-10", 0))]
    assert len(whole) == 9 and len(set(whole)) == 9
    for n in (1, 2, 4):
        events, pages = _all_pages(lambda **q: list_view(api, DAVE, **q),
                                   time_min=at("2020-03-01", 0), time_max=at("2020-03-10", 0),
                                   max_results=n)
        assert [e.id for e in events] == whole, n
        assert all(len(p.events or []) <= n for p in pages)
    assert [e.start.date_time for e in all_view(api, DAVE, time_min=at("2020-03-01", 0),
                                                time_max=at("2020-03-10", 0))] == (
        [at("2020-03-02", 10)] * 2 + [at("2020-03-03", 10)] * 5 + [at("2020-03-04", 10)] * 2)


def test_list_events_view_expands_a_series_that_began_long_before_the_window(api):
    s = api.create(DAVE, timed(at("2021-01-04", 9), at("2021-01-04", 10), recurrence(
        "weekly", range_type="endDate", end_date="2021-12-31", days_of_week="monday"))).body
    got = all_view(api, DAVE, time_min=at("2021-11-01", 0), time_max=at("2021-11-09", 0))
    assert [e.id for e in got] == [inst(s.id, at("2021-11-01", 9)),
                                   inst(s.id, at("2021-11-08", 9))]


def test_list_events_view_orders_by_instant_across_zones_and_dst(api):
    # DST begins in New York on 2030-03-10: 08:00 there is 13:00Z, then 12:00Z
    ny = api.create(DAVE, timed("2030-03-09T08:00:00-05:00", "2030-03-09T09:00:00-05:00",
                                recurrence("daily", count=2), tz=NEW_YORK, summary="ny")).body
    for when in (at("2030-03-09", 20, 30), at("2030-03-09", 21, 30), at("2030-03-10", 20, 30)):
        api.create(DAVE, timed(when, when.replace(":30:00", ":45:00"), summary=when))
    got = all_view(api, DAVE, time_min="2030-03-09T00:00:00Z",
                   time_max="2030-03-11T00:00:00Z", max_results=2)
    assert [(e.summary, e.start.date_time) for e in got] == [
        (at("2030-03-09", 20, 30), at("2030-03-09", 20, 30)),  # 12:30Z
        ("ny", "2030-03-09T08:00:00-05:00"),                   # 13:00Z
        (at("2030-03-09", 21, 30), at("2030-03-09", 21, 30)),  # 13:30Z
        ("ny", "2030-03-10T08:00:00-04:00"),                   # 12:00Z
        (at("2030-03-10", 20, 30), at("2030-03-10", 20, 30)),  # 12:30Z
    ]
    assert {e.series_master_id for e in got if e.summary == "ny"} == {ny.id}


# -- exceptions: one occurrence patched, deleted, answered -----------------------------


def test_patch_on_an_instance_changes_that_occurrence_alone_and_it_lists_at_its_new_start(api):
    s = daily_series(api, "2027-03-01", 4, attendees=[BOB], summary="Daily")
    moved = inst(s.id, at("2027-03-02", 10))
    resp = api.patch(ALICE, moved, move(moved, at("2027-03-03", 12), at("2027-03-03", 13),
                                        summary="Moved"))
    assert resp.status_code == 200
    assert resp.body.id == moved
    assert (resp.body.summary, resp.body.start.date_time) == ("Moved", at("2027-03-03", 12))

    for who in (ALICE, BOB):
        got = api.get(who, moved).body
        assert (got.id, got.series_master_id, got.summary) == (moved, s.id, "Moved")
        assert (got.start.date_time, got.end.date_time) == (at("2027-03-03", 12),
                                                            at("2027-03-03", 13))
        assert got.origin_start.date_time == at("2027-03-02", 10)

    listed = [(e.id, e.summary, e.start.date_time) for e in all_instances(
        api, ALICE, s.id, time_min=at("2027-03-01", 0), time_max=at("2027-03-06", 0))]
    assert listed == [
        (inst(s.id, at("2027-03-01", 10)), "Daily", at("2027-03-01", 10)),
        (inst(s.id, at("2027-03-03", 10)), "Daily", at("2027-03-03", 10)),
        (moved, "Moved", at("2027-03-03", 12)),
        (inst(s.id, at("2027-03-04", 10)), "Daily", at("2027-03-04", 10)),
    ]
    # not at its old start any more
    assert all_instances(api, ALICE, s.id, time_min=at("2027-03-02", 0),
                         time_max=at("2027-03-03", 0)) == []
    view = all_view(api, BOB, time_min=at("2027-03-01", 0), time_max=at("2027-03-06", 0))
    assert [(e.id, e.start.date_time) for e in view] == [
        (inst(s.id, at("2027-03-01", 10)), at("2027-03-01", 10)),
        (inst(s.id, at("2027-03-03", 10)), at("2027-03-03", 10)),
        (moved, at("2027-03-03", 12)),
        (inst(s.id, at("2027-03-04", 10)), at("2027-03-04", 10)),
    ]
    assert [e.origin_start.date_time for e in view][2] == at("2027-03-02", 10)
    series = api.get(ALICE, s.id).body
    assert (series.summary, series.start.date_time) == ("Daily", at("2027-03-01", 10))


def test_list_instances_pages_by_new_start_when_an_occurrence_moves_past_the_others(api):
    s = daily_series(api, "2045-03-01", 5, summary="Daily")
    first = inst(s.id, at("2045-03-01", 10))
    api.patch(ALICE, first, move(first, at("2045-03-05", 12), at("2045-03-05", 13)))
    events, pages = _all_pages(lambda **q: list_instances(api, ALICE, s.id, **q),
                               time_min=at("2045-03-01", 0), time_max=at("2045-04-01", 0),
                               max_results=2)
    assert [len(p.events or []) for p in pages] == [2, 2, 1]
    assert [(e.id, e.start.date_time) for e in events] == [
        (inst(s.id, at(f"2045-03-0{d}", 10)), at(f"2045-03-0{d}", 10)) for d in (2, 3, 4, 5)
    ] + [(first, at("2045-03-05", 12))]


@pytest.mark.parametrize("field", ["recurrence", "attendees"])
def test_patch_on_an_instance_with_series_fields_is_400_invalid_parameter(api, field):
    s = daily_series(api, "2027-03-08", 3, attendees=[BOB])
    iid = inst(s.id, at("2027-03-09", 10))
    before = api.snapshot(ALICE, iid)
    fields = {
        "recurrence": cal.PatchEventRequestRecurrence(
            pattern=cal.PatchEventRequestRecurrencePattern(type="daily", interval=1),
            range=cal.PatchEventRequestRecurrenceRange(type="numbered",
                                                       number_of_occurrences=5)),
        "attendees": [cal.PatchEventRequestAttendees(id=BOB),
                      cal.PatchEventRequestAttendees(id=CAROL)],
    }
    expect_error(lambda: api.patch(ALICE, iid, patch_request(iid, summary="x",
                                                             **{field: fields[field]})),
                 400, "invalidParameter")
    assert api.snapshot(ALICE, iid) == before
    assert [e.summary for e in all_instances(api, ALICE, s.id, time_min=at("2027-03-08", 0),
                                             time_max=at("2027-03-12", 0))] == ["Daily"] * 3


def test_patch_on_an_instance_by_an_attendee_is_403_forbidden(api):
    s = daily_series(api, "2027-03-15", 3, attendees=[BOB])
    iid = inst(s.id, at("2027-03-16", 10))
    before = api.snapshot(ALICE, iid)
    expect_error(lambda: api.patch(BOB, iid, patch_request(iid, summary="Mine")), 403,
                 "forbidden")
    assert api.snapshot(ALICE, iid) == before


def test_delete_on_an_instance_removes_that_occurrence_alone(api):
    s = daily_series(api, "2027-04-05", 4, attendees=[BOB], summary="Daily")
    gone = inst(s.id, at("2027-04-06", 10))
    resp = api.delete(ALICE, gone)
    assert resp.status_code == 200
    remaining = [inst(s.id, at(f"2027-04-0{d}", 10)) for d in (5, 7, 8)]
    for who in (ALICE, BOB):
        assert [e.id for e in all_instances(api, who, s.id, time_min=at("2027-04-01", 0),
                                            time_max=at("2027-05-01", 0))] == remaining
        assert [e.id for e in all_view(api, who, time_min=at("2027-04-01", 0),
                                       time_max=at("2027-05-01", 0))] == remaining
    series = api.get(ALICE, s.id).body
    assert series.status == "confirmed"
    assert series.recurrence.range.number_of_occurrences == 4
    assert api.get(ALICE, remaining[0]).body.summary == "Daily"
    expect_error(lambda: api.get(ALICE, gone), 404, "itemNotFound")


def test_respond_on_an_instance_records_that_occurrences_response_only(api):
    s = daily_series(api, "2027-05-03", 3, attendees=[BOB, CAROL])
    api.respond(BOB, s.id, "accepted")
    declined = inst(s.id, at("2027-05-04", 10))
    assert api.respond(BOB, declined, "declined").status_code == 200
    got = {e.id: statuses(e) for e in all_instances(api, ALICE, s.id,
                                                   time_min=at("2027-05-01", 0),
                                                   time_max=at("2027-06-01", 0))}
    assert got == {
        inst(s.id, at("2027-05-03", 10)): {ALICE: "accepted", BOB: "accepted",
                                           CAROL: "needsAction"},
        declined: {ALICE: "accepted", BOB: "declined", CAROL: "needsAction"},
        inst(s.id, at("2027-05-05", 10)): {ALICE: "accepted", BOB: "accepted",
                                           CAROL: "needsAction"},
    }
    assert statuses(api.get(BOB, declined).body)[BOB] == "declined"
    assert statuses(api.get(ALICE, s.id).body)[BOB] == "accepted"


def test_patch_on_an_all_day_instance_changes_that_day_alone(api):
    s = api.create(ALICE, all_day("2046-06-01", "2046-06-02", recurrence("daily", count=3),
                                  summary="Leave")).body
    iid = f"{s.id}_20460602"
    api.patch(ALICE, iid, patch_request(iid, summary="Half day"))
    got = list_events_instances(api, ALICE, s.id).body.events
    assert [(e.id, e.summary, e.start.date) for e in got] == [
        (f"{s.id}_20460601", "Leave", "2046-06-01"),
        (iid, "Half day", "2046-06-02"),
        (f"{s.id}_20460603", "Leave", "2046-06-03"),
    ]


# An occurrence moved outside the span of its series (after its last occurrence, or
# before its first) still "lists at its new start".
# Each case: a 3-day daily series from `first`, its occurrence of `origin` moved to
# `new_day`.


@pytest.mark.parametrize("first,origin,new_day", [
    pytest.param("2020-05-04", "2020-05-04", "2020-05-20", id="past-the-series-end"),
    pytest.param("2020-06-15", "2020-06-16", "2020-06-08", id="before-the-series-start"),
])
def test_list_instances_lists_an_occurrence_moved_outside_the_series_span_at_its_new_start(
        api, first, origin, new_day):
    s = daily_series(api, first, 3, user=DAVE)
    iid = inst(s.id, at(origin, 10))
    api.patch(DAVE, iid, move(iid, at(new_day, 12), at(new_day, 13)))
    got = all_instances(api, DAVE, s.id, time_min=at(new_day, 0),
                        time_max=at(next_day(new_day), 0))
    assert [(e.id, e.start.date_time) for e in got] == [(iid, at(new_day, 12))]


@pytest.mark.parametrize("first,origin,new_day", [
    pytest.param("2020-07-06", "2020-07-06", "2020-07-22", id="past-the-series-end"),
    pytest.param("2020-08-17", "2020-08-18", "2020-08-10", id="before-the-series-start"),
])
def test_list_events_view_lists_an_occurrence_moved_outside_the_series_span_at_its_new_start(
        api, first, origin, new_day):
    s = daily_series(api, first, 3, user=DAVE)
    iid = inst(s.id, at(origin, 10))
    api.patch(DAVE, iid, move(iid, at(new_day, 12), at(new_day, 13)))
    got = all_view(api, DAVE, time_min=at(new_day, 0), time_max=at(next_day(new_day), 0))
    assert [(e.id, e.start.date_time) for e in got] == [(iid, at(new_day, 12))]


def _with_exceptions(api, date3):
    """A 4-day daily series at 10:00 from date3[0] with its 2nd occurrence moved to 15:00
    and renamed, and its 3rd deleted."""
    s = daily_series(api, date3[0], 4, attendees=[BOB], summary="Daily")
    api.patch(ALICE, inst(s.id, at(date3[1], 10)),
              move(inst(s.id, at(date3[1], 10)), at(date3[1], 15), at(date3[1], 16),
                   summary="Special"))
    api.delete(ALICE, inst(s.id, at(date3[2], 10)))
    return s


def test_moving_the_series_drops_its_exceptions(api):
    days = ["2027-06-07", "2027-06-08", "2027-06-09", "2027-06-10"]
    s = _with_exceptions(api, days)
    api.patch(ALICE, s.id, patch_request(
        s.id, start=cal.PatchEventRequestStart(date_time=at(days[0], 11), time_zone=TZ),
        end=cal.PatchEventRequestEnd(date_time=at(days[0], 12), time_zone=TZ)))
    got = all_instances(api, ALICE, s.id, time_min=at("2027-06-01", 0),
                        time_max=at("2027-07-01", 0))
    assert [(e.id, e.summary, e.start.date_time) for e in got] == [
        (inst(s.id, at(d, 11)), "Daily", at(d, 11)) for d in days]
    # the old instance ids are no occurrences any more
    expect_error(lambda: api.get(ALICE, inst(s.id, at(days[1], 10))), 404, "itemNotFound")
    assert [e.summary for e in all_view(api, BOB, time_min=at("2027-06-01", 0),
                                        time_max=at("2027-07-01", 0))] == ["Daily"] * 4


def test_changing_the_series_recurrence_drops_its_exceptions(api):
    days = ["2027-07-05", "2027-07-06", "2027-07-07", "2027-07-08"]
    s = _with_exceptions(api, days)
    api.patch(ALICE, s.id, patch_request(s.id, recurrence=cal.PatchEventRequestRecurrence(
        pattern=cal.PatchEventRequestRecurrencePattern(type="daily", interval=1),
        range=cal.PatchEventRequestRecurrenceRange(type="numbered", number_of_occurrences=5))))
    got = all_instances(api, ALICE, s.id, time_min=at("2027-07-01", 0),
                        time_max=at("2027-08-01", 0))
    all_days = days + ["2027-07-09"]
    assert [(e.id, e.summary, e.start.date_time) for e in got] == [
        (inst(s.id, at(d, 10)), "Daily", at(d, 10)) for d in all_days]


def test_changing_only_the_series_description_keeps_its_exceptions(api):
    days = ["2027-08-02", "2027-08-03", "2027-08-04", "2027-08-05"]
    s = _with_exceptions(api, days)
    api.patch(ALICE, s.id, patch_request(s.id, description="Agenda"))
    got = all_instances(api, ALICE, s.id, time_min=at("2027-08-01", 0),
                        time_max=at("2027-09-01", 0))
    assert {e.id: (e.summary, e.start.date_time) for e in got} == {
        inst(s.id, at(days[0], 10)): ("Daily", at(days[0], 10)),
        inst(s.id, at(days[1], 10)): ("Special", at(days[1], 15)),
        inst(s.id, at(days[3], 10)): ("Daily", at(days[3], 10)),
    }


# -- incremental sync ------------------------------------------------------------------


def _full_listing_token(api, user, **query):
    events, pages = _all_pages(lambda **q: api.list(user, **q), **query)
    for p in pages[:-1]:
        assert not p.sync_token, "syncToken on a page that is not the last"
    assert pages[-1].sync_token, "last page of ListEvents carries no syncToken"
    return events, pages[-1].sync_token


def test_sync_round_trip_returns_exactly_what_changed_since_the_token(api):
    keep = api.create(DAVE, timed(at("2028-01-10", 9), at("2028-01-10", 10), summary="keep")).body
    changed = api.create(DAVE, timed(at("2028-01-10", 10), at("2028-01-10", 11),
                                     summary="change me")).body
    gone = api.create(DAVE, timed(at("2028-01-10", 11), at("2028-01-10", 12),
                                  summary="delete me")).body
    listed, token = _full_listing_token(api, DAVE)
    assert {keep.id, changed.id, gone.id} <= {e.id for e in listed}

    api.patch(DAVE, changed.id, patch_request(changed.id, summary="changed"))
    api.delete(DAVE, gone.id)
    new = api.create(DAVE, timed(at("2028-01-10", 13), at("2028-01-10", 14),
                                 summary="new")).body

    events, pages = sync(api, DAVE, token)
    got = {e.id: (e.status, e.summary) for e in events}
    assert len(events) == 3, [(e.id, e.status, e.summary) for e in events]
    assert set(got) == {changed.id, gone.id, new.id}
    assert got[changed.id] == ("confirmed", "changed")
    assert got[new.id] == ("confirmed", "new")
    assert got[gone.id][0] == "cancelled"
    next_token = pages[-1].sync_token
    assert next_token

    again, pages = sync(api, DAVE, next_token)
    assert again == []
    assert pages[-1].sync_token


def test_bounded_listing_last_page_carries_a_sync_token_that_syncs(api):
    e = api.create(DAVE, timed(at("2028-01-17", 9), at("2028-01-17", 10))).body
    listed, token = _full_listing_token(api, DAVE, time_min=at("2028-01-17", 0),
                                        time_max=at("2028-01-18", 0), max_results=1)
    assert [x.id for x in listed] == [e.id]
    assert sync(api, DAVE, token)[0] == []
    api.patch(DAVE, e.id, patch_request(e.id, summary="after"))
    assert [(x.id, x.summary) for x in sync(api, DAVE, token)[0]] == [(e.id, "after")]


def test_sync_pages_with_next_token_and_only_the_last_page_carries_the_sync_token(api):
    _, token = _full_listing_token(api, DAVE, time_min=at("2028-01-24", 0),
                                   time_max=at("2028-01-25", 0))
    made = [api.create(DAVE, timed(at("2028-01-24", h), at("2028-01-24", h + 1))).body.id
            for h in (9, 10, 11)]
    events, pages = sync(api, DAVE, token, max_results=2)
    assert [len(p.events or []) for p in pages] == [2, 1]
    assert pages[0].next_token and not pages[0].sync_token
    assert pages[-1].sync_token and not pages[-1].next_token
    assert sorted(e.id for e in events) == sorted(made)


@pytest.mark.parametrize("change,first", [("patch", "2028-01-31"), ("delete", "2028-02-07")])
def test_sync_of_a_change_to_one_occurrence_returns_the_series(api, change, first):
    s = daily_series(api, first, 3, user=DAVE)
    _, token = _full_listing_token(api, DAVE, time_min=at(first, 0),
                                   time_max=at(next_day(first), 0))
    iid = inst(s.id, at(next_day(first), 10))
    if change == "patch":
        api.patch(DAVE, iid, patch_request(iid, summary="one"))
    else:
        api.delete(DAVE, iid)
    got = sync(api, DAVE, token)[0]
    assert [(e.id, e.status) for e in got] == [(s.id, "confirmed")]


def test_sync_of_a_removed_attendee_shows_the_event_cancelled(api):
    e = api.create(ALICE, timed(at("2028-03-06", 10), at("2028-03-06", 11), summary="Team",
                                attendees=[CAROL, BOB])).body
    listed, token = _full_listing_token(api, CAROL, time_min=at("2028-03-06", 0),
                                        time_max=at("2028-03-07", 0))
    assert [x.id for x in listed] == [e.id]
    api.remove_attendees(ALICE, e.id, [CAROL])
    got = sync(api, CAROL, token)[0]
    assert [(x.id, x.status) for x in got] == [(e.id, "cancelled")]
    # the event itself goes on for the others
    assert api.get(BOB, e.id).body.status == "confirmed"


def test_sync_of_an_attendees_response_reaches_the_organizer(api):
    e = api.create(ALICE, timed(at("2028-03-13", 10), at("2028-03-13", 11),
                                attendees=[CAROL])).body
    _, token = _full_listing_token(api, ALICE, time_min=at("2028-03-13", 0),
                                   time_max=at("2028-03-14", 0))
    api.respond(CAROL, e.id, "tentative")
    got = sync(api, ALICE, token)[0]
    assert [x.id for x in got] == [e.id]
    assert statuses(got[0])[CAROL] == "tentative"


@pytest.mark.parametrize("token", ["garbage", "0" * 40])
def test_sync_with_unknown_or_malformed_token_is_410_invalid_sync_token(api, token):
    expect_error(lambda: api.list(ALICE, sync_token=token), 410, "invalidSyncToken")


@pytest.mark.parametrize("extra", ["timeMin", "timeMin+timeMax", "seriesMasterId"])
def test_sync_token_with_time_bounds_or_series_master_id_is_400_invalid_parameter(api, extra):
    _, token = _full_listing_token(api, DAVE, time_min=at("2028-04-03", 0),
                                   time_max=at("2028-04-04", 0))
    query = {
        "timeMin": dict(time_min=at("2028-04-03", 0)),
        "timeMin+timeMax": dict(time_min=at("2028-04-03", 0), time_max=at("2028-04-04", 0)),
        "seriesMasterId": dict(series_master_id=daily_series(api, "2028-04-03", 2,
                                                             user=DAVE).id),
    }[extra]
    expect_error(lambda: api.list(DAVE, sync_token=token, **query), 400, "invalidParameter")


# -- GetSchedule -----------------------------------------------------------------------


def items(info) -> list[tuple[dt.datetime, dt.datetime, str]]:
    """(start, end, status) of each schedule item, as instants, in start order."""
    return sorted(
        (instant(i.start.date_time), instant(i.end.date_time), i.status)
        for i in (info.schedule_items or [])
    )


def slot(date, h1, h2, status="Busy", m1=0, m2=0):
    return (instant(at(date, h1, m1)), instant(at(date, h2, m2)), status)


def test_get_schedule_lists_busy_and_tentative_and_leaves_out_declined_and_free(api):
    d = "2029-01-15"
    accepted = api.create(ALICE, timed(at(d, 9), at(d, 10), attendees=[BOB])).body
    tentative = api.create(ALICE, timed(at(d, 10), at(d, 11), attendees=[BOB])).body
    declined = api.create(ALICE, timed(at(d, 11), at(d, 12), attendees=[BOB])).body
    api.create(ALICE, timed(at(d, 13), at(d, 14), attendees=[BOB], free_busy_status="free"))
    api.create(ALICE, timed(at(d, 15), at(d, 16), attendees=[BOB]))  # BOB never answers
    api.respond(BOB, accepted.id, "accepted")
    api.respond(BOB, tentative.id, "tentative")
    api.respond(BOB, declined.id, "declined")

    info = schedule_of(api, [BOB, ALICE], at(d, 0), at("2029-01-16", 0))
    assert set(info) == {BOB, ALICE}
    assert not info[BOB].error
    assert items(info[BOB]) == [
        slot(d, 9, 10), slot(d, 10, 11, "Tentative"), slot(d, 15, 16)]
    assert items(info[ALICE]) == [
        slot(d, 9, 10), slot(d, 10, 11), slot(d, 11, 12), slot(d, 15, 16)]


def test_get_schedule_expands_series_and_leaves_out_a_declined_occurrence(api):
    s = daily_series(api, "2029-02-05", 5, hour=9, attendees=[BOB])
    api.respond(BOB, s.id, "accepted")
    api.respond(BOB, inst(s.id, at("2029-02-07", 9)), "declined")
    info = schedule_of(api, [BOB, ALICE], at("2029-02-05", 0), at("2029-02-12", 0))
    assert items(info[BOB]) == [slot(f"2029-02-0{d}", 9, 10) for d in (5, 6, 8, 9)]
    assert items(info[ALICE]) == [slot(f"2029-02-0{d}", 9, 10) for d in (5, 6, 7, 8, 9)]
    # a window inside the series: only the occurrences in it
    inner = schedule_of(api, [ALICE], at("2029-02-06", 0), at("2029-02-08", 0))
    assert items(inner[ALICE]) == [slot("2029-02-06", 9, 10), slot("2029-02-07", 9, 10)]


def test_get_schedule_shows_a_moved_occurrence_at_its_new_time(api):
    s = daily_series(api, "2029-02-19", 3, hour=9)
    iid = inst(s.id, at("2029-02-20", 9))
    api.patch(ALICE, iid, move(iid, at("2029-02-20", 14), at("2029-02-20", 15)))
    api.delete(ALICE, inst(s.id, at("2029-02-21", 9)))
    info = schedule_of(api, [ALICE], at("2029-02-19", 0), at("2029-02-22", 0))
    assert items(info[ALICE]) == [slot("2029-02-19", 9, 10), slot("2029-02-20", 14, 15)]


def test_get_schedule_leaves_out_an_occurrence_made_free(api):
    s = daily_series(api, "2029-02-26", 3, hour=9)
    iid = inst(s.id, at("2029-02-27", 9))
    api.patch(ALICE, iid, patch_request(iid, free_busy_status="free"))
    info = schedule_of(api, [ALICE], at("2029-02-26", 0), at("2029-03-01", 0))
    assert items(info[ALICE]) == [slot("2029-02-26", 9, 10), slot("2029-02-28", 9, 10)]


@pytest.mark.parametrize("first,origin,new_day", [
    pytest.param("2029-05-07", "2029-05-07", "2029-05-23", id="past-the-series-end"),
    pytest.param("2029-06-18", "2029-06-19", "2029-06-11", id="before-the-series-start"),
])
def test_get_schedule_counts_an_occurrence_moved_outside_the_series_span(
        api, first, origin, new_day):
    s = daily_series(api, first, 3, hour=9)
    iid = inst(s.id, at(origin, 9))
    api.patch(ALICE, iid, move(iid, at(new_day, 14), at(new_day, 15)))
    info = schedule_of(api, [ALICE], at(new_day, 0), at(next_day(new_day), 0))
    assert items(info[ALICE]) == [slot(new_day, 14, 15)]


def test_get_schedule_counts_events_overlapping_the_window(api):
    d = "2029-03-05"
    api.create(CAROL, timed(at(d, 7), at(d, 9)))        # ends at the window's start
    api.create(CAROL, timed(at(d, 8), at(d, 10)))       # overlaps the start
    api.create(CAROL, timed(at(d, 10, 30), at(d, 11)))  # inside
    api.create(CAROL, timed(at(d, 11, 30), at(d, 13)))  # overlaps the end
    api.create(CAROL, timed(at(d, 12), at(d, 13)))      # starts at the window's end
    api.create(CAROL, timed(at(d, 6), at(d, 18)))       # covers the whole window
    info = schedule_of(api, [CAROL], at(d, 9), at(d, 12))
    assert items(info[CAROL]) == [
        slot(d, 6, 18), slot(d, 8, 10), slot(d, 10, 11, m1=30), slot(d, 11, 13, m1=30)]


def test_get_schedule_counts_a_series_occurrence_that_began_before_the_window(api):
    api.create(CAROL, timed(at("2029-03-12", 8), at("2029-03-12", 10),
                            recurrence("daily", count=3)))
    info = schedule_of(api, [CAROL], at("2029-03-13", 9), at("2029-03-13", 12))
    assert items(info[CAROL]) == [slot("2029-03-13", 8, 10)]


def test_get_schedule_takes_times_in_any_offset(api):
    d = "2029-03-19"
    api.create(CAROL, timed(at(d, 10), at(d, 11)))  # 02:00Z-03:00Z
    info = schedule_of(api, [CAROL], f"{d}T01:30:00Z", f"{d}T02:30:00Z")
    assert items(info[CAROL]) == [slot(d, 10, 11)]
    assert schedule_of(api, [CAROL], f"{d}T03:00:00Z", f"{d}T04:00:00Z")[CAROL].schedule_items \
        in (None, [])


def test_get_schedule_answers_user_not_found_for_users_outside_the_org(api):
    d = "2029-04-02"
    api.create(BOB, timed(at(d, 10), at(d, 11)))
    info = schedule_of(api, [BOB, "nobody-union", EVE], at(d, 0), at("2029-04-03", 0))
    assert set(info) == {BOB, "nobody-union", EVE}
    assert not info[BOB].error
    assert items(info[BOB]) == [slot(d, 10, 11)]
    for who in ("nobody-union", EVE):
        assert info[who].error == "user not found"
        assert not info[who].schedule_items


def test_get_schedule_of_a_free_day_lists_no_items(api):
    info = schedule_of(api, [ALICE, BOB], at("2029-04-09", 0), at("2029-04-10", 0))
    assert set(info) == {ALICE, BOB}
    assert all(not i.error and not i.schedule_items for i in info.values())


def test_get_schedule_takes_20_user_ids_and_refuses_21(api):
    twenty = [ALICE, BOB, CAROL, DAVE] + extras(1, 16)
    api.create(DAVE, timed(at("2029-04-16", 10), at("2029-04-16", 11)))
    info = schedule_of(api, twenty, at("2029-04-16", 0), at("2029-04-17", 0))
    assert set(info) == set(twenty)
    assert items(info[DAVE]) == [slot("2029-04-16", 10, 11)]
    expect_error(lambda: get_schedule(api, ALICE, twenty + [extras(17, 1)[0]],
                                      at("2029-04-16", 0), at("2029-04-17", 0)),
                 400, "invalidParameter")


def test_get_schedule_needs_the_schedule_permission(api, read_api, schedule_api):
    d = "2029-04-23"
    api.create(BOB, timed(at(d, 10), at(d, 11)))
    expect_error(lambda: get_schedule(read_api, ALICE, [BOB], at(d, 0), at("2029-04-24", 0)),
                 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    info = {i.user_id: i for i in get_schedule(
        schedule_api, ALICE, [BOB], at(d, 0), at("2029-04-24", 0)).body.schedule_information}
    assert items(info[BOB]) == [slot(d, 10, 11)]

