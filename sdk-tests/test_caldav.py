"""dingcal's CalDAV side, driven by the `caldav` package (python-caldav), against
its DingTalk side, driven by the official SDK.

GenerateCaldavAccount hands out the credentials and the server address; from
there on everything CalDAV goes through caldav's DAVClient (discovery,
PROPFIND, REPORT, GET, PUT, DELETE), and everything DingTalk through the SDK.
A few requests are made by hand with urllib (the unauthenticated ones, the
well-known redirect) to see their exact status and headers; the calendar data
is read with icalendar and the multistatus of a hand-made REPORT with lxml,
both of which caldav depends on.

Dates: December 2026, which no other module uses, each test days of its own
(a series spans several days, and other modules' calendar-wide listings of a
user would see it). Checks over a whole calendar collection (time-range
searches, sync) only look at their own events, found by UID or by summary.
The sync test expects exactly its own changes between two tokens: it relies
on the suite running one test at a time, as it does.

Users: Alice, Bob, Carol and Dave of ding-acme (Dave has no email in the
directory, so his calendar address is `mailto:dave-union@dingcal.invalid`),
and Eve of ding-other for the org boundary. Access rules and subscriptions a
test makes are removed when it ends: test_calendars.py and test_subscribed.py
count them.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zoneinfo

import caldav
import icalendar
import pytest
import recurring_ical_events
from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_tea_util.models import RuntimeOptions
from caldav.calendarobjectresource import Event
from caldav.elements import dav as dav_elements
from caldav.elements.base import BaseElement
from caldav.lib import error as dav_error
from caldav.lib.url import URL
from Tea.exceptions import TeaException

from support import (
    ACME, ALICE, BOB, CAROL, DAVE, EVE, TZ, Api, attendee_ids, expect_error, patch_request,
    statuses,
)

R = RuntimeOptions()
SHANGHAI = zoneinfo.ZoneInfo(TZ)
DENIED = "Forbidden.AccessDenied.AccessTokenPermissionDenied"

# The calendar user address of each user: the directory's email (see
# support.directory_toml), or `{unionId}@dingcal.invalid` for one without.
MAILTO = {
    ALICE: "mailto:alice@acme.example",
    BOB: "mailto:bob@acme.example",
    CAROL: "mailto:carol@acme.example",
    DAVE: "mailto:dave-union@dingcal.invalid",
    EVE: "mailto:eve@other.example",
}
CN = {ALICE: "Alice", BOB: "Bob", CAROL: "Carol", DAVE: "Dave", EVE: "Eve"}

# DingTalk's responseStatus -> iCalendar's PARTSTAT.
PARTSTAT = {"needsAction": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED",
            "tentative": "TENTATIVE"}


# -- the DingTalk side: calls the shared Api wrapper does not cover --------------------


def _h(api: Api, model):
    return model(x_acs_dingtalk_access_token=api.token)


def generate_account(api: Api, user: str, device: str):
    return api.client.generate_caldav_account_with_options(
        user, cal.GenerateCaldavAccountRequest(device=device),
        _h(api, cal.GenerateCaldavAccountHeaders), R,
    )


def list_calendars(api: Api, user: str) -> list:
    return api.client.list_calendars_with_options(
        user, _h(api, cal.ListCalendarsHeaders), R).body.response.calendars or []


def share(api: Api, owner: str, grantee: str, privilege: str):
    return api.client.create_acls_with_options(
        owner, "primary",
        cal.CreateAclsRequest(privilege=privilege, send_msg=False,
                              scope=cal.CreateAclsRequestScope(scope_type="user",
                                                               user_id=grantee)),
        _h(api, cal.CreateAclsHeaders), R,
    ).body


def unshare(api: Api, owner: str, acl_id: str):
    api.client.delete_acl_with_options(owner, "primary", acl_id,
                                       _h(api, cal.DeleteAclHeaders), R)


def cancel_event(api: Api, user: str, event_id: str):
    return api.client.cancel_event_with_options(
        user, "primary", event_id, cal.CancelEventRequest(scope="all"),
        _h(api, cal.CancelEventHeaders), R)


def list_instances(api: Api, user: str, event_id: str, time_min: str, time_max: str) -> list:
    out, token = [], None
    while True:
        body = api.client.list_instances_with_options(
            user, "primary", event_id,
            cal.ListInstancesRequest(time_min=time_min, time_max=time_max, next_token=token),
            _h(api, cal.ListInstancesHeaders), R).body
        out.extend(body.events or [])
        token = body.next_token
        if not token:
            return out


def view(api: Api, user: str, time_min: str, time_max: str) -> list:
    """ListEventsView of the user's primary calendar, every page."""
    out, token, pages = [], None, 0
    while True:
        body = api.client.list_events_view_with_options(
            user, "primary",
            cal.ListEventsViewRequest(time_min=time_min, time_max=time_max, next_token=token),
            _h(api, cal.ListEventsViewHeaders), R).body
        out.extend(body.events or [])
        pages += 1
        assert pages < 200, "ListEventsView paging does not end"
        token = body.next_token
        if not token:
            return out


def at(date: str, hour: int, minute: int = 0) -> str:
    return f"{date}T{hour:02d}:{minute:02d}:00+08:00"


def instant(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def next_day(date: str, days: int = 1) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


def inst(series_id: str, local_start: str) -> str:
    """The instance id of a timed series' occurrence originally at local_start."""
    utc = instant(local_start).astimezone(dt.timezone.utc)
    return f"{series_id}_{utc:%Y%m%dT%H%M%SZ}"


def timed(start: str, end: str, summary: str, attendees=(), optional=(), recurrence=None,
          **fields) -> cal.CreateEventRequest:
    req = cal.CreateEventRequest(
        summary=summary,
        start=cal.CreateEventRequestStart(date_time=start, time_zone=TZ),
        end=cal.CreateEventRequestEnd(date_time=end, time_zone=TZ),
        recurrence=recurrence,
        **fields,
    )
    people = [cal.CreateEventRequestAttendees(id=a, is_optional=a in optional or None)
              for a in attendees]
    if people:
        req.attendees = people
    return req


def recurrence(kind: str, count=None, end_date=None, **pattern):
    return cal.CreateEventRequestRecurrence(
        pattern=cal.CreateEventRequestRecurrencePattern(type=kind, interval=1, **pattern),
        range=cal.CreateEventRequestRecurrenceRange(
            type="numbered" if count else "endDate", number_of_occurrences=count,
            end_date=end_date),
    )


def reminders(*minutes: int) -> list:
    return [cal.CreateEventRequestReminders(method="dingtalk", minutes=m) for m in minutes]


# -- the CalDAV side -------------------------------------------------------------------


class Dav:
    """One user's CalDAV account and a caldav DAVClient logged in with it."""

    def __init__(self, account):
        self.username = account.username
        self.password = account.password
        self.base = account.server_address  # http://127.0.0.1:PORT/dav/
        self.client = caldav.DAVClient(url=self.base, username=self.username,
                                       password=self.password)

    @property
    def home(self) -> str:
        return f"{self.base}calendars/{self.username}/"

    def calendar_url(self, name: str = "primary") -> str:
        return f"{self.home}{urllib.parse.quote(name, safe='')}/"

    def calendar(self, name: str = "primary") -> caldav.Calendar:
        return self.client.calendar(url=self.calendar_url(name))

    def object_url(self, event_id: str, name: str = "primary") -> str:
        return f"{self.calendar_url(name)}{event_id}.ics"

    def fetch(self, url: str, name: str = "primary") -> Event:
        """GETs one calendar object (no fallback to a REPORT)."""
        return Event(client=self.client, url=url, parent=self.calendar(name)).load(
            multiget_fallback=False)


@pytest.fixture(scope="module")
def dav(api, other_api):
    """dav(user) -> that user's Dav, one account (device "sdk-tests") per user."""
    made: dict[str, Dav] = {}

    def get(user: str) -> Dav:
        if user not in made:
            app = other_api if user == EVE else api
            made[user] = Dav(generate_account(app, user, "sdk-tests").body)
        return made[user]

    yield get
    for d in made.values():
        d.client.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(method: str, url: str, auth=None, headers=None, body: bytes | None = None):
    """One request by hand: (status, headers, body), redirects not followed."""
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


PRINCIPAL_PROPFIND = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>'
)


def refused(call) -> int:
    """The status of a request the server has to refuse (caldav raises on 401/403)."""
    try:
        response = call()
    except dav_error.AuthorizationError as err:
        return err.status
    return response.status


class Ctag(BaseElement):
    tag = "{http://calendarserver.org/ns/}getctag"


def collection_tags(calendar: caldav.Calendar) -> tuple[str, str]:
    """(getctag, DAV:sync-token) of a calendar collection."""
    props = calendar.get_properties([Ctag(), dav_elements.SyncToken()])
    return props[Ctag.tag], props[dav_elements.SyncToken.tag]


def path_of(url) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(str(url)).path)


def last_segment(url) -> str:
    return path_of(url).rstrip("/").rsplit("/", 1)[1]


# -- calendar data ---------------------------------------------------------------------


def vevents(text) -> list:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def the_vevent(obj: Event):
    (event,) = vevents(obj.data)
    return event


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def people(event) -> dict:
    """ATTENDEE address (lowercased) -> its parameters."""
    return {str(a).lower(): dict(a.params) for a in as_list(event.get("ATTENDEE"))}


def partstat_of(event, user: str) -> str:
    return people(event)[MAILTO[user]].get("PARTSTAT", "NEEDS-ACTION")


def when(event, name: str):
    return event[name].dt


def exdates(event) -> list:
    return [d.dt for x in as_list(event.get("EXDATE")) for d in x.dts]


def triggers(event) -> list:
    return sorted(alarm["TRIGGER"].dt for alarm in event.walk("VALARM"))


def rrule(event) -> dict:
    return {k.upper(): v for k, v in event["RRULE"].items()}


VTIMEZONE = [
    "BEGIN:VTIMEZONE", f"TZID:{TZ}",
    "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800",
    "TZNAME:CST", "END:STANDARD",
    "END:VTIMEZONE",
]


def wall(iso: str) -> str:
    """The local time in Asia/Shanghai as iCalendar writes it with a TZID."""
    return instant(iso).astimezone(SHANGHAI).strftime("%Y%m%dT%H%M%S")


def vevent(uid: str, summary: str, start: str, end: str, *, organizer=None, attendees=(),
           alarms=(), rule=None, exdate=(), recurrence_id=None) -> list[str]:
    """One VEVENT as a client writes it; attendees are (user or address, PARTSTAT)."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"SUMMARY:{summary}"]
    if recurrence_id:
        lines.append(f"RECURRENCE-ID;TZID={TZ}:{wall(recurrence_id)}")
    lines += [f"DTSTART;TZID={TZ}:{wall(start)}", f"DTEND;TZID={TZ}:{wall(end)}"]
    if rule:
        lines.append(f"RRULE:{rule}")
    lines += [f"EXDATE;TZID={TZ}:{wall(x)}" for x in exdate]
    if organizer:
        lines.append(f"ORGANIZER;CN={CN[organizer]}:{MAILTO[organizer]}")
    for who, partstat in attendees:
        address = MAILTO.get(who, who)
        cn = f"CN={CN[who]};" if who in CN else ""
        lines.append(f"ATTENDEE;{cn}ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};RSVP=TRUE:{address}")
    for minutes in alarms:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
                  f"TRIGGER:-PT{minutes}M", "END:VALARM"]
    return lines + ["END:VEVENT"]


def vcalendar(*events: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//dingcal//sdk-tests caldav//EN",
             *VTIMEZONE]
    for e in events:
        lines += e
    return "\r\n".join(lines + ["END:VCALENDAR", ""])


def new_uid() -> str:
    return str(uuid.uuid4()).upper()


def made_through_caldav(api: Api, user: str, date: str, summary: str, days: int = 1) -> list:
    """The events (or occurrences) with this summary in the user's view of those days."""
    return [e for e in view(api, user, at(date, 0), at(next_day(date, days), 0))
            if e.summary == summary]


# -- 1. the account --------------------------------------------------------------------


def test_generate_caldav_account_gives_a_username_per_user_and_a_password_per_device(
        api, read_api, schedule_api, address):
    device = uuid.uuid4().hex[:8]
    laptop = generate_account(api, CAROL, f"laptop-{device}")
    assert laptop.status_code == 200
    phone = generate_account(api, CAROL, f"phone-{device}").body
    laptop = laptop.body
    assert re.fullmatch(r"u_[a-z0-9]{8}", laptop.username), laptop.username
    assert phone.username == laptop.username
    assert laptop.password and phone.password and laptop.password != phone.password
    assert laptop.server_address == phone.server_address == f"http://{address}/dav/"
    assert generate_account(api, DAVE, f"laptop-{device}").body.username != laptop.username

    url = laptop.server_address
    depth0 = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
    for password in (laptop.password, phone.password):
        status, _, _ = http("PROPFIND", url, (laptop.username, password), depth0,
                            PRINCIPAL_PROPFIND)
        assert status == 207
        with caldav.DAVClient(url=url, username=laptop.username, password=password) as client:
            assert path_of(client.principal().url) == f"/dav/principals/{laptop.username}/"

    for auth in [(laptop.username, laptop.password + "x"), (laptop.username, ""),
                 ("u_nobody00", laptop.password), None]:
        status, headers, _ = http("PROPFIND", url, auth, depth0, PRINCIPAL_PROPFIND)
        assert status == 401, auth
        assert (headers.get("WWW-Authenticate") or "").lower().startswith("basic"), auth
    with caldav.DAVClient(url=url, username=laptop.username, password="wrong") as client:
        with pytest.raises(dav_error.AuthorizationError) as info:
            client.principal()
    assert info.value.status == 401

    for app in (read_api, schedule_api):
        expect_error(lambda app=app: generate_account(app, CAROL, f"tablet-{device}"),
                     403, DENIED)


def test_generate_caldav_account_for_a_user_of_another_org_is_refused(api, other_api):
    with pytest.raises(TeaException) as info:
        generate_account(api, EVE, "laptop")
    assert (info.value.data or {}).get("statusCode") in (400, 403, 404), info.value.data
    assert generate_account(other_api, EVE, "laptop").body.username.startswith("u_")


# -- 2. discovery ----------------------------------------------------------------------


def test_discovery_leads_from_the_server_address_to_the_primary_calendar(dav, address):
    alice = dav(ALICE)
    status, headers, _ = http("GET", f"http://{address}/.well-known/caldav")
    assert status == 301
    found = urllib.parse.urljoin(f"http://{address}/.well-known/caldav", headers["Location"])
    assert found == alice.base

    with caldav.DAVClient(url=found, username=alice.username,
                          password=alice.password) as client:
        principal = client.principal()
        assert path_of(principal.url) == f"/dav/principals/{alice.username}/"
        home = principal.calendar_home_set
        assert path_of(home.url) == f"/dav/calendars/{alice.username}/"
        calendars = principal.calendars()
    primary = [c for c in calendars if last_segment(c.url) == "primary"]
    assert len(primary) == 1, [str(c.url) for c in calendars]
    assert str(primary[0].url).endswith(f"/dav/calendars/{alice.username}/primary/")


def test_the_home_lists_the_calendars_list_calendars_shows(api, dav):
    carol = dav(CAROL)

    def names():
        return {last_segment(c.url) for c in carol.client.principal().calendars()}

    assert names() == {c.id for c in list_calendars(api, CAROL)}
    assert "primary" in names()

    acl = share(api, ALICE, CAROL, "reader")
    try:
        made = api.client.create_subscribed_calendar_with_options(
            ALICE,
            cal.CreateSubscribedCalendarRequest(
                name="Launches", description="over CalDAV",
                subscribe_scope=cal.CreateSubscribedCalendarRequestSubscribeScope(
                    corp_ids=[ACME])),
            _h(api, cal.CreateSubscribedCalendarHeaders), R).body
        try:
            api.client.subscribe_calendar_with_options(
                CAROL, made.calendar_id, _h(api, cal.SubscribeCalendarHeaders), R)
            listed = list_calendars(api, CAROL)
            assert {c.type for c in listed} >= {"primary", "shared", "subscribed"}
            assert made.calendar_id in {c.id for c in listed}
            assert names() == {c.id for c in listed}
        finally:
            api.client.delete_subscribed_calendar_with_options(
                ALICE, made.calendar_id, _h(api, cal.DeleteSubscribedCalendarHeaders), R)
    finally:
        unshare(api, ALICE, acl.acl_id)
    assert names() == {c.id for c in list_calendars(api, CAROL)}


# -- 3. API -> CalDAV ------------------------------------------------------------------


def test_an_event_made_through_the_api_is_an_object_of_the_organizers_and_attendees_primary(
        api, dav):
    d = "2026-12-01"
    event = api.create(ALICE, timed(
        at(d, 10), at(d, 11, 30), "Design review", attendees=[BOB, CAROL, DAVE],
        optional=[CAROL], description="Agenda: CalDAV",
        location=cal.CreateEventRequestLocation(display_name="Room 7"),
        reminders=reminders(30, 1440))).body
    api.respond(BOB, event.id, "accepted")
    api.respond(CAROL, event.id, "tentative")
    assert statuses(api.get(ALICE, event.id).body) == {
        ALICE: "accepted", BOB: "accepted", CAROL: "tentative", DAVE: "needsAction"}

    alice = dav(ALICE)
    obj = alice.fetch(alice.object_url(event.id))
    assert obj.id == event.id
    assert obj.etag
    ev = the_vevent(obj)
    assert str(ev["UID"]) == event.id
    assert (str(ev["SUMMARY"]), str(ev["DESCRIPTION"]), str(ev["LOCATION"])) == (
        "Design review", "Agenda: CalDAV", "Room 7")
    for name, iso in (("DTSTART", at(d, 10)), ("DTEND", at(d, 11, 30))):
        assert ev[name].params.get("TZID") == TZ
        assert when(ev, name) == instant(iso)
    assert str(ev["ORGANIZER"]).lower() == MAILTO[ALICE]
    assert ev["ORGANIZER"].params.get("CN") == "Alice"

    seen = people(ev)
    assert set(seen) - {MAILTO[ALICE]} == {MAILTO[BOB], MAILTO[CAROL], MAILTO[DAVE]}
    expected = {ALICE: "ACCEPTED", BOB: "ACCEPTED", CAROL: "TENTATIVE", DAVE: "NEEDS-ACTION"}
    for user, partstat in expected.items():
        if MAILTO[user] in seen:
            assert seen[MAILTO[user]].get("PARTSTAT") == partstat, user
            assert seen[MAILTO[user]].get("CN") == CN[user], user
    assert seen[MAILTO[CAROL]].get("ROLE") == "OPT-PARTICIPANT"
    assert seen[MAILTO[BOB]].get("ROLE", "REQ-PARTICIPANT") != "OPT-PARTICIPANT"
    assert triggers(ev) == [dt.timedelta(minutes=-1440), dt.timedelta(minutes=-30)]
    assert "RRULE" not in ev and ev.get("STATUS", "CONFIRMED") != "CANCELLED"

    for user in (BOB, CAROL, DAVE):
        mine = dav(user)
        copy = the_vevent(mine.fetch(mine.object_url(event.id)))
        assert str(copy["UID"]) == event.id, user
        assert (when(copy, "DTSTART"), when(copy, "DTEND")) == (instant(at(d, 10)),
                                                                 instant(at(d, 11, 30))), user
        assert partstat_of(copy, BOB) == "ACCEPTED", user

    # a calendar-query with a time range finds it on its day and not on the next
    primary = alice.calendar()
    on_the_day = primary.search(start=instant(at(d, 0)), end=instant(at(next_day(d), 0)),
                                event=True, post_filter=False)
    assert event.id in {o.id for o in on_the_day}
    next_one = primary.search(start=instant(at(next_day(d), 0)),
                              end=instant(at(next_day(d, 2), 0)), event=True, post_filter=False)
    assert event.id not in {o.id for o in next_one}

    # calendar-multiget answers the object by its href
    (got,) = primary.multiget([URL.objectify(alice.object_url(event.id))], raise_notfound=True)
    assert got.id == event.id and got.etag == obj.etag


def test_an_all_day_event_has_dates_and_an_exclusive_end(api, dav):
    event = api.create(ALICE, cal.CreateEventRequest(
        summary="Offsite over two days", is_all_day=True,
        start=cal.CreateEventRequestStart(date="2026-12-28"),
        end=cal.CreateEventRequestEnd(date="2026-12-30"))).body
    alice = dav(ALICE)
    ev = the_vevent(alice.fetch(alice.object_url(event.id)))
    for name, date in (("DTSTART", dt.date(2026, 12, 28)), ("DTEND", dt.date(2026, 12, 30))):
        value = when(ev, name)
        assert type(value) is dt.date and value == date, (name, value)


def test_an_event_cancelled_through_the_api_is_status_cancelled(api, dav):
    d = "2026-12-02"
    event = api.create(ALICE, timed(at(d, 9), at(d, 10), "Called off", attendees=[BOB])).body
    bob = dav(BOB)
    assert the_vevent(bob.fetch(bob.object_url(event.id))).get("STATUS", "CONFIRMED") != \
        "CANCELLED"
    assert cancel_event(api, ALICE, event.id).body.result is True
    assert api.get(BOB, event.id).body.status == "cancelled"
    for user in (ALICE, BOB):
        mine = dav(user)
        assert str(the_vevent(mine.fetch(mine.object_url(event.id)))["STATUS"]) == "CANCELLED"


# -- 4. CalDAV -> API ------------------------------------------------------------------


def test_an_event_put_over_caldav_is_an_api_event_until_it_is_deleted_over_caldav(api, dav):
    d = "2026-12-03"
    summary = "Put over CalDAV"
    uid = new_uid()
    alice = dav(ALICE)
    primary = alice.calendar()
    obj = primary.add_event(vcalendar(vevent(
        uid, summary, at(d, 14), at(d, 15), organizer=ALICE,
        attendees=[(ALICE, "ACCEPTED"), (BOB, "NEEDS-ACTION"), (DAVE, "NEEDS-ACTION")],
        alarms=[20])))
    assert path_of(obj.url) == path_of(f"{alice.calendar_url()}{uid}.ics")
    assert obj.etag

    (made,) = made_through_caldav(api, ALICE, d, summary)
    assert made.id != uid
    got = api.get(ALICE, made.id).body
    assert (got.start.date_time, got.end.date_time) == (at(d, 14), at(d, 15))
    assert (got.start.time_zone, got.end.time_zone) == (TZ, TZ)
    assert got.organizer.id == ALICE
    assert set(attendee_ids(got)) == {ALICE, BOB, DAVE}
    assert statuses(got) == {ALICE: "accepted", BOB: "needsAction", DAVE: "needsAction"}
    assert [(r.method, r.minutes) for r in got.reminders or []] == [("dingtalk", "20")]
    assert api.get(BOB, made.id).body.summary == summary

    # the resource stays where the client put it, under its UID
    again = alice.fetch(str(obj.url))
    assert again.id == uid
    assert again.etag == obj.etag
    assert when(the_vevent(again), "DTSTART") == instant(at(d, 14))

    obj.delete()
    for user in (ALICE, BOB):
        expect_error(lambda user=user: api.get(user, made.id), 404, "itemNotFound")
    assert made_through_caldav(api, ALICE, d, summary) == []
    with pytest.raises(dav_error.NotFoundError):
        alice.fetch(str(obj.url))


@pytest.mark.parametrize("stranger", ["mailto:nobody@nowhere.example", MAILTO[EVE]])
def test_a_put_with_an_attendee_nobody_in_the_org_has_is_403_and_makes_nothing(
        api, dav, stranger):
    d = "2026-12-04"
    summary = f"Stranger {stranger}"
    uid = new_uid()
    alice = dav(ALICE)
    with pytest.raises(dav_error.AuthorizationError) as info:
        alice.calendar().add_event(vcalendar(vevent(
            uid, summary, at(d, 9), at(d, 10), organizer=ALICE,
            attendees=[(BOB, "NEEDS-ACTION"), (stranger, "NEEDS-ACTION")])))
    assert info.value.status == 403
    assert made_through_caldav(api, ALICE, d, summary) == []
    with pytest.raises(dav_error.NotFoundError):
        alice.fetch(f"{alice.calendar_url()}{uid}.ics")


# -- 5. series with a moved and a cancelled occurrence ---------------------------------


def _expanded_report(client, url: str, start: dt.datetime, end: dt.datetime) -> dict:
    """A calendar-query REPORT with <C:expand> sent by hand, so that no
    client-side expansion stands in for the server's: href -> VEVENTs."""
    fmt = "%Y%m%dT%H%M%SZ"
    s = start.astimezone(dt.timezone.utc).strftime(fmt)
    e = end.astimezone(dt.timezone.utc).strftime(fmt)
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f'<D:prop><D:getetag/><C:calendar-data><C:expand start="{s}" end="{e}"/>'
        '</C:calendar-data></D:prop>'
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{s}" end="{e}"/>'
        '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>'
    )
    response = client.report(url, body, depth=1)
    assert response.status == 207, response.status
    out = {}
    for r in response.tree.iter("{DAV:}response"):
        data = r.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data")
        if data:
            href = path_of(r.findtext("{DAV:}href"))
            assert href not in out, f"{href} answered twice in one multistatus"
            out[href] = vevents(data)
    return out


def _occurrences(events) -> list[tuple[dt.datetime, str]]:
    return sorted((when(e, "DTSTART"), str(e["SUMMARY"])) for e in events)


def test_a_series_made_through_the_api_is_rrule_exdate_and_an_override(api, dav):
    days = ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"]
    s = api.create(ALICE, timed(at(days[0], 9), at(days[0], 10), "Standup", attendees=[BOB],
                                recurrence=recurrence("daily", count=4))).body
    moved = inst(s.id, at(days[1], 9))
    api.patch(ALICE, moved, patch_request(
        moved, summary="Moved standup",
        start=cal.PatchEventRequestStart(date_time=at(days[1], 15), time_zone=TZ),
        end=cal.PatchEventRequestEnd(date_time=at(days[1], 16), time_zone=TZ)))
    api.delete(ALICE, inst(s.id, at(days[2], 9)))

    alice = dav(ALICE)
    data = alice.fetch(alice.object_url(s.id)).data
    events = vevents(data)
    assert {str(e["UID"]) for e in events} == {s.id}
    (master,) = [e for e in events if "RECURRENCE-ID" not in e]
    (override,) = [e for e in events if "RECURRENCE-ID" in e]
    rule = rrule(master)
    assert rule["FREQ"] == ["DAILY"] and rule["COUNT"] == [4], rule
    assert rule.get("INTERVAL", [1]) == [1] and "UNTIL" not in rule, rule
    assert when(master, "DTSTART") == instant(at(days[0], 9))
    assert master["DTSTART"].params.get("TZID") == TZ
    assert exdates(master) == [instant(at(days[2], 9))]
    assert when(override, "RECURRENCE-ID") == instant(at(days[1], 9))
    assert (when(override, "DTSTART"), when(override, "DTEND")) == (
        instant(at(days[1], 15)), instant(at(days[1], 16)))
    assert str(override["SUMMARY"]) == "Moved standup"

    expected = [(instant(at(days[0], 9)), "Standup"), (instant(at(days[1], 15)), "Moved standup"),
                (instant(at(days[3], 9)), "Standup")]
    start, end = instant(at(days[0], 0)), instant(at(next_day(days[3]), 0))

    # what a client makes of the object (caldav expands it on its side) ...
    found = [o for o in alice.calendar().search(start=start, end=end, event=True, expand=True)
             if o.id == s.id]
    assert _occurrences(o.icalendar_component for o in found) == expected
    assert all("RECURRENCE-ID" in o.icalendar_component for o in found)

    # ... and what the server expands: one VEVENT an occurrence, none of them a rule
    expanded = _expanded_report(alice.client, alice.calendar_url(), start, end)
    assert path_of(alice.object_url(s.id)) in expanded, list(expanded)
    occurrences = expanded[path_of(alice.object_url(s.id))]
    assert _occurrences(occurrences) == expected
    assert all("RECURRENCE-ID" in e and "RRULE" not in e and "EXDATE" not in e
               for e in occurrences)
    assert sorted(when(e, "RECURRENCE-ID") for e in occurrences) == [
        instant(at(d, 9)) for d in (days[0], days[1], days[3])]

    # Bob's copy is the same series
    bob = dav(BOB)
    bobs = vevents(bob.fetch(bob.object_url(s.id)).data)
    assert sorted(("RECURRENCE-ID" in e, when(e, "DTSTART")) for e in bobs) == [
        (False, instant(at(days[0], 9))), (True, instant(at(days[1], 15)))]


def test_a_series_put_over_caldav_is_listed_by_the_api_alike(api, dav):
    days = ["2026-12-14", "2026-12-15", "2026-12-16", "2026-12-17"]
    uid = new_uid()
    alice = dav(ALICE)
    alice.calendar().add_event(vcalendar(
        vevent(uid, "Daily over CalDAV", at(days[0], 9), at(days[0], 10), organizer=ALICE,
               attendees=[(ALICE, "ACCEPTED"), (BOB, "NEEDS-ACTION")],
               rule="FREQ=DAILY;COUNT=4", exdate=[at(days[2], 9)]),
        vevent(uid, "Moved over CalDAV", at(days[1], 15), at(days[1], 16), organizer=ALICE,
               attendees=[(ALICE, "ACCEPTED"), (BOB, "NEEDS-ACTION")],
               recurrence_id=at(days[1], 9)),
    ))

    window = (at(days[0], 0), at(next_day(days[3]), 0))
    listed = [e for e in view(api, ALICE, *window)
              if e.summary in ("Daily over CalDAV", "Moved over CalDAV")]
    assert [(e.summary, e.start.date_time) for e in listed] == [
        ("Daily over CalDAV", at(days[0], 9)), ("Moved over CalDAV", at(days[1], 15)),
        ("Daily over CalDAV", at(days[3], 9))]
    series = {e.series_master_id for e in listed}
    assert len(series) == 1 and None not in series
    (series_id,) = series
    assert series_id != uid
    assert listed[1].origin_start.date_time == at(days[1], 9)
    assert [e.id for e in list_instances(api, ALICE, series_id, *window)] == [
        inst(series_id, at(d, 9)) for d in (days[0], days[1], days[3])]
    r = api.get(ALICE, series_id).body.recurrence
    assert (r.pattern.type, r.range.type, r.range.number_of_occurrences) == (
        "daily", "numbered", 4)
    # Bob is invited to the whole series
    assert [e.start.date_time for e in view(api, BOB, *window) if e.series_master_id
            == series_id] == [at(days[0], 9), at(days[1], 15), at(days[3], 9)]


@pytest.mark.parametrize("kind,first,rec,expect_rule", [
    pytest.param("daily", "2026-12-22", dict(kind="daily", count=3),
                 {"FREQ": ["DAILY"], "COUNT": [3]}, id="daily-numbered"),
    pytest.param("weekly", "2026-12-07",
                 dict(kind="weekly", end_date="2026-12-30", days_of_week="monday,wednesday"),
                 {"FREQ": ["WEEKLY"]}, id="weekly-end-date"),
])
def test_a_recurrence_is_an_rrule_whose_occurrences_are_the_apis(
        api, dav, kind, first, rec, expect_rule):
    s = api.create(CAROL, timed(at(first, 18), at(first, 19), f"Rule {kind}",
                                recurrence=recurrence(**rec))).body
    carol = dav(CAROL)
    obj = carol.fetch(carol.object_url(s.id))
    (master,) = vevents(obj.data)
    rule = rrule(master)
    for key, value in expect_rule.items():
        assert rule[key] == value, rule
    if kind == "weekly":
        assert sorted(rule["BYDAY"]) == ["MO", "WE"] and "UNTIL" in rule and "COUNT" not in rule
    window = (at("2026-12-01", 0), at("2027-01-15", 0))
    from_api = [instant(e.start.date_time) for e in list_instances(api, CAROL, s.id, *window)]
    assert from_api, "the API lists no occurrence"
    expanded = recurring_ical_events.of(obj.icalendar_instance).between(
        instant(window[0]), instant(window[1]))
    assert sorted(when(e, "DTSTART") for e in expanded) == from_api


# -- 6. PARTSTAT over CalDAV is RespondEvent -------------------------------------------


def _answer(obj: Event, user: str, partstat: str, summary: str | None = None):
    with obj.edit_icalendar_instance() as ical:
        for ev in ical.walk("VEVENT"):
            for a in as_list(ev.get("ATTENDEE")):
                if str(a).lower() == MAILTO[user]:
                    a.params["PARTSTAT"] = partstat
            if summary is not None:
                ev["SUMMARY"] = icalendar.vText(summary)
    obj.save(increase_seqno=False)


def test_an_attendee_changing_their_partstat_over_caldav_responds_to_the_event(api, dav):
    d = "2026-12-11"
    event = api.create(ALICE, timed(at(d, 10), at(d, 11), "Answer over CalDAV",
                                    attendees=[BOB, CAROL])).body
    bob, alice = dav(BOB), dav(ALICE)
    obj = bob.fetch(bob.object_url(event.id))
    assert partstat_of(the_vevent(obj), BOB) == "NEEDS-ACTION"

    for status in ("accepted", "tentative", "declined"):
        _answer(obj, BOB, PARTSTAT[status])
        got = api.get(ALICE, event.id).body
        assert statuses(got) == {ALICE: "accepted", BOB: status, CAROL: "needsAction"}, status
        assert statuses(api.get(BOB, event.id).body)[BOB] == status
        organizers = the_vevent(alice.fetch(alice.object_url(event.id)))
        assert partstat_of(organizers, BOB) == PARTSTAT[status]
        assert partstat_of(organizers, CAROL) == "NEEDS-ACTION"

    # anything else an attendee changes is ignored; the answer still counts
    _answer(obj, BOB, "ACCEPTED", summary="Bob's own title")
    got = api.get(ALICE, event.id).body
    assert got.summary == "Answer over CalDAV"
    assert statuses(got)[BOB] == "accepted"
    assert str(the_vevent(alice.fetch(alice.object_url(event.id)))["SUMMARY"]) == \
        "Answer over CalDAV"


# -- 7. sync-collection and the collection's tags --------------------------------------


def sync(calendar, token=None):
    return calendar.get_objects_by_sync_token(token, load_objects=False, disable_fallback=True)


def test_sync_collection_returns_what_changed_since_a_token_and_the_tags_move(api, dav):
    d = "2026-12-18"
    keep = api.create(DAVE, timed(at(d, 8), at(d, 9), "keep")).body
    change = api.create(DAVE, timed(at(d, 9), at(d, 10), "change me")).body
    gone = api.create(DAVE, timed(at(d, 10), at(d, 11), "delete me")).body
    invited = api.create(ALICE, timed(at(d, 11), at(d, 12), "Alice's", attendees=[DAVE])).body
    dave = dav(DAVE)
    primary = dave.calendar()
    url = {e.id: path_of(dave.object_url(e.id)) for e in (keep, change, gone, invited)}

    first = sync(primary)
    token = first.sync_token
    assert token and not str(token).startswith("fake-")
    listed = {path_of(o.url): o for o in first}
    assert set(url.values()) <= set(listed)
    assert all(listed[u].etag for u in url.values())
    assert not first.deleted_urls
    ctag, sync_token = collection_tags(primary)
    assert ctag and sync_token

    assert list(sync(primary, token)) == []

    api.patch(DAVE, change.id, patch_request(change.id, summary="changed"))
    api.delete(DAVE, gone.id)
    api.patch(ALICE, invited.id, patch_request(invited.id, summary="Alice's, moved on"))
    new = api.create(DAVE, timed(at(d, 13), at(d, 14), "new")).body
    url[new.id] = path_of(dave.object_url(new.id))

    delta = sync(primary, token)
    assert {path_of(o.url) for o in delta} == {url[x.id] for x in (change, gone, invited, new)}
    assert {path_of(u) for u in delta.deleted_urls} == {url[gone.id]}
    for x in (change, invited, new):
        (o,) = [o for o in delta if path_of(o.url) == url[x.id]]
        assert o.etag, x.summary
        if x is not new:
            assert o.etag != listed[url[x.id]].etag, x.summary
    assert delta.sync_token and delta.sync_token != token

    ctag2, sync_token2 = collection_tags(primary)
    assert ctag2 != ctag and sync_token2 != sync_token
    assert list(sync(primary, delta.sync_token)) == []

    # the changed objects as calendar-multiget answers them
    got = primary.multiget([URL.objectify(dave.object_url(x.id)) for x in (change, invited)])
    assert sorted(str(the_vevent(o)["SUMMARY"]) for o in got) == [
        "Alice's, moved on", "changed"]


# -- 8. ETags and preconditions --------------------------------------------------------


ICAL = {"Content-Type": "text/calendar; charset=utf-8"}


def test_a_stale_etag_is_412_for_put_and_delete_and_changes_nothing(api, dav):
    d = "2026-12-19"
    event = api.create(CAROL, timed(at(d, 10), at(d, 11), "Tagged")).body
    carol = dav(CAROL)
    url = carol.object_url(event.id)

    first = carol.client.request(url)
    assert first.status == 200
    etag = first.headers.get("ETag")
    assert etag
    (props,) = carol.client.propfind(url, props=["{DAV:}getetag"], depth=0).results
    assert props.properties["{DAV:}getetag"] == etag
    stale_obj = carol.fetch(url)
    assert stale_obj.etag == etag

    api.patch(CAROL, event.id, patch_request(event.id, summary="Tagged again"))
    current = carol.client.request(url).headers.get("ETag")
    assert current and current != etag

    def body(summary):
        return vcalendar(vevent(event.id, summary, at(d, 10), at(d, 11)))

    r = carol.client.put(url, body("Stale write"), {**ICAL, "If-Match": etag})
    assert r.status == 412
    r = carol.client.put(url, body("Stale write"), {**ICAL, "If-None-Match": "*"})
    assert r.status == 412
    r = carol.client.delete(url, {"If-Match": etag})
    assert r.status == 412
    with pytest.raises(dav_error.ETagMismatchError):
        with stale_obj.edit_icalendar_instance() as ical:
            ical.walk("VEVENT")[0]["SUMMARY"] = icalendar.vText("Stale save")
        stale_obj.save(increase_seqno=False)
    with pytest.raises(dav_error.ETagMismatchError):
        stale_obj.delete(if_match=True)
    got = api.get(CAROL, event.id).body
    assert got.summary == "Tagged again" and got.status == "confirmed"
    assert carol.client.request(url).headers.get("ETag") == current

    r = carol.client.put(url, body("Fresh write"), {**ICAL, "If-Match": current})
    assert r.status in (200, 201, 204)
    fresh = r.headers.get("ETag")
    assert api.get(CAROL, event.id).body.summary == "Fresh write"
    latest = carol.client.request(url).headers.get("ETag")
    assert latest and latest != current
    if fresh:
        assert fresh == latest

    # If-None-Match: * makes a new resource, and refuses a second time
    uid = new_uid()
    new_url = f"{carol.calendar_url()}{uid}.ics"
    fresh_body = vcalendar(vevent(uid, "Only once", at(d, 15), at(d, 16)))
    assert carol.client.put(new_url, fresh_body, {**ICAL, "If-None-Match": "*"}).status in (
        200, 201, 204)
    assert carol.client.put(new_url, fresh_body, {**ICAL, "If-None-Match": "*"}).status == 412
    assert len(made_through_caldav(api, CAROL, d, "Only once")) == 1

    r = carol.client.delete(url, {"If-Match": latest})
    assert r.status in (200, 204)
    expect_error(lambda: api.get(CAROL, event.id), 404, "itemNotFound")


# -- 9. refusals and the org boundary --------------------------------------------------


def test_another_users_calendar_is_refused_for_propfind_get_and_put(api, dav):
    d = "2026-12-20"
    event = api.create(BOB, timed(at(d, 10), at(d, 11), "Bob's own", attendees=[ALICE])).body
    alice, bob = dav(ALICE), dav(BOB)
    client = alice.client
    body = vcalendar(vevent(new_uid(), "Planted", at(d, 12), at(d, 13)))
    for status in [
        refused(lambda: client.propfind(f"{alice.base}principals/{bob.username}/",
                                        props=["{DAV:}displayname"], depth=0)),
        refused(lambda: client.propfind(bob.home, props=["{DAV:}resourcetype"], depth=1)),
        refused(lambda: client.propfind(bob.calendar_url(), props=["{DAV:}getetag"],
                                        depth=1)),
        refused(lambda: client.request(bob.object_url(event.id))),
        refused(lambda: client.put(bob.object_url(event.id), body, ICAL)),
        refused(lambda: client.put(f"{bob.calendar_url()}{new_uid()}.ics", body, ICAL)),
        refused(lambda: client.delete(bob.object_url(event.id))),
    ]:
        assert status in (403, 404)
    assert [e.summary for e in view(api, BOB, at(d, 0), at(next_day(d), 0))] == ["Bob's own"]
    assert api.get(BOB, event.id).body.summary == "Bob's own"
    # Alice, invited, has the event in her own calendar all the same
    assert alice.fetch(alice.object_url(event.id)).id == event.id


def test_a_calendar_shared_read_only_is_read_but_refuses_writes(api, dav):
    d = "2026-12-23"
    event = api.create(ALICE, timed(at(d, 10), at(d, 11), "Shared to read")).body
    acl = share(api, ALICE, CAROL, "reader")
    try:
        (shared,) = [c for c in list_calendars(api, CAROL)
                     if (c.type, c.summary) == ("shared", "Alice")]
        carol = dav(CAROL)
        assert shared.id in {last_segment(c.url) for c in carol.client.principal().calendars()}
        url = carol.object_url(event.id, shared.id)
        seen = carol.fetch(url, shared.id)
        assert str(the_vevent(seen)["SUMMARY"]) == "Shared to read"

        changed = vcalendar(vevent(event.id, "Written by a reader", at(d, 10), at(d, 11)))
        planted = new_uid()
        for status in [
            refused(lambda: carol.client.put(url, changed, ICAL)),
            refused(lambda: carol.client.put(f"{carol.calendar_url(shared.id)}{planted}.ics",
                                             vcalendar(vevent(planted, "Planted", at(d, 12),
                                                              at(d, 13))), ICAL)),
            refused(lambda: carol.client.delete(url)),
        ]:
            assert status == 403
        assert api.get(ALICE, event.id).body.summary == "Shared to read"
        assert [e.summary for e in view(api, ALICE, at(d, 0), at(next_day(d), 0))] == [
            "Shared to read"]
    finally:
        unshare(api, ALICE, acl.acl_id)


def test_a_user_of_another_org_sees_nothing_of_acme(api, other_api, dav):
    d = "2026-12-24"
    acme = api.create(ALICE, timed(at(d, 10), at(d, 11), "Acme only", attendees=[BOB])).body
    own = other_api.create(EVE, timed(at(d, 12), at(d, 13), "Eve's own")).body
    eve, alice = dav(EVE), dav(ALICE)

    assert {last_segment(c.url) for c in eve.client.principal().calendars()} == {
        c.id for c in list_calendars(other_api, EVE)}
    found = eve.calendar().search(start=instant(at(d, 0)), end=instant(at(next_day(d), 0)),
                                  event=True, post_filter=False)
    assert [o.id for o in found] == [own.id]
    assert not [o for o in sync(eve.calendar()) if path_of(o.url).endswith(f"/{acme.id}.ics")]

    client = eve.client
    for status in [
        refused(lambda: client.propfind(f"{eve.base}principals/{alice.username}/",
                                        props=["{DAV:}displayname"], depth=0)),
        refused(lambda: client.propfind(alice.calendar_url(), props=["{DAV:}getetag"],
                                        depth=1)),
        refused(lambda: client.request(alice.object_url(acme.id))),
        refused(lambda: client.request(eve.object_url(acme.id))),
    ]:
        assert status in (403, 404)
