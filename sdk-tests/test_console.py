"""The web console (`/_dingcal/ui`) in a real headless Chromium: logged in
through its form, it shows what the official SDK made (a user's week, an
event with its attendees), follows the journal as the SDK calls, lists the
outbox, and its forms add and remove a fault the SDK then meets, and move
the clock. Assertions are on the text a person sees.

It runs on a server of its own, since it moves that server's clock. With
$DINGCAL_SCREENSHOTS set to a folder, it saves the pages there (the
README's screenshots): week.png, event.png, journal.png, outbox.png,
faults.png and clock.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"the console's browser test needs Chromium at {CHROMIUM} "
        "(Debian's package `chromium`)",
        allow_module_level=True,
    )

from alibabacloud_dingtalk.calendar_1_0 import models as cal  # noqa: E402
from alibabacloud_tea_util.models import RuntimeOptions  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from Tea.exceptions import TeaException  # noqa: E402

import support  # noqa: E402
from support import ALICE, BOB, CAROL, Api  # noqa: E402

# How long a page may take to show what is asked of it.
WAIT_MS = 10_000
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def console_server(tmp_path_factory, directory_file):
    work = tmp_path_factory.mktemp("console")
    db = support.TestDatabase(work)
    server = support.DingcalServer(support.dingcal_bin(), directory_file, db.url, work / "logs").start()
    yield server
    server.stop()
    db.drop()


@pytest.fixture(scope="module")
def sdk(console_server) -> Api:
    address = console_server.address
    token = support.get_token(support.oauth_client(address), "acme-full")
    return Api(support.calendar_client(address), token)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(WAIT_MS)
        yield context
        context.close()


def log_in(page: Page, base: str, token: str = support.ADMIN_TOKEN) -> None:
    """Opens the console, and logs in if it answers with the login form."""
    page.goto(f"{base}/_dingcal/ui")
    if page.get_by_role("heading", name="Log in").count():
        page.get_by_label("Admin token").fill(token)
        page.get_by_role("button", name="Log in").click()


@pytest.fixture
def console(browser_context, console_server) -> Page:
    """A tab of the console, logged in."""
    page = browser_context.new_page()
    log_in(page, console_server.base_url)
    yield page
    page.close()


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("DINGCAL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def add_room(sdk: Api, event_id: str, room_id: str) -> None:
    sdk.client.add_meeting_rooms_with_options(
        ALICE, "primary", event_id,
        cal.AddMeetingRoomsRequest(meeting_rooms_to_add=[
            cal.AddMeetingRoomsRequestMeetingRoomsToAdd(room_id=room_id)]),
        sdk._h(cal.AddMeetingRoomsHeaders), RuntimeOptions(),
    )


def cancel(sdk: Api, organizer: str, event_id: str) -> None:
    sdk.client.cancel_event_with_options(
        organizer, "primary", event_id, cal.CancelEventRequest(),
        sdk._h(cal.CancelEventHeaders), RuntimeOptions(),
    )


# The week the calendar pages show: this server is the test's own, so
# the days need not be kept apart from other tests'.
MONDAY = "2031-03-03"


def meeting(date: str, start: str, end: str, summary: str, attendees=(), **fields):
    """A meeting on `date` (a day of that week) from `start` to `end`
    (HH:MM, Shanghai time)."""
    return cal.CreateEventRequest(
        summary=summary,
        start=cal.CreateEventRequestStart(date_time=f"{date}T{start}:00+08:00", time_zone=support.TZ),
        end=cal.CreateEventRequestEnd(date_time=f"{date}T{end}:00+08:00", time_zone=support.TZ),
        attendees=[cal.CreateEventRequestAttendees(id=a) for a in attendees] or None,
        **fields,
    )


def test_the_login_form_takes_only_the_admin_token(browser_context, console_server):
    browser_context.clear_cookies()
    page = browser_context.new_page()
    # A page asked for without the token answers with the login form...
    answer = page.goto(f"{console_server.base_url}/_dingcal/ui/journal")
    assert answer.status == 401
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Admin token").fill("not the token")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".error")).to_have_text("That is not the admin token.")
    # ...and the right token goes on to that page.
    page.get_by_label("Admin token").fill(support.ADMIN_TOKEN)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/_dingcal/ui/journal$"))
    expect(page.get_by_role("heading", name="Journal")).to_be_visible()
    page.goto(f"{console_server.base_url}/_dingcal/ui")
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("link", name="Acme")).to_be_visible()
    page.close()


def test_the_week_and_the_event_show_what_the_sdk_made(console, sdk):
    sdk.create(BOB, meeting(MONDAY, "09:30", "09:45", "Standup", recurrence=cal.CreateEventRequestRecurrence(
        pattern=cal.CreateEventRequestRecurrencePattern(type="daily", interval=1),
        range=cal.CreateEventRequestRecurrenceRange(type="numbered", number_of_occurrences=5))))
    sdk.create(BOB, meeting(MONDAY, "10:00", "12:00", "Focus time"))
    review = sdk.create(ALICE, meeting(
        "2031-03-04", "14:00", "15:00", "Roadmap review", attendees=[BOB, CAROL],
        location=cal.CreateEventRequestLocation(display_name="Third floor"),
        description="Where the quarter goes.")).body.id
    add_room(sdk, review, "room-lake")
    sdk.respond(BOB, review, "accepted")
    vendor = sdk.create(ALICE, meeting("2031-03-05", "11:00", "12:00", "Vendor call", attendees=[BOB])).body.id
    sdk.respond(BOB, vendor, "declined")
    budget = sdk.create(ALICE, meeting("2031-03-06", "16:00", "17:00", "Budget sync", attendees=[BOB])).body.id
    cancel(sdk, ALICE, budget)
    offsite = sdk.create(ALICE, cal.CreateEventRequest(
        summary="Team offsite", is_all_day=True, start=cal.CreateEventRequestStart(date="2031-03-07"),
        end=cal.CreateEventRequestEnd(date="2031-03-08"),
        attendees=[cal.CreateEventRequestAttendees(id=BOB)])).body.id
    sdk.respond(BOB, offsite, "tentative")

    # Pick the org and the user, then the week.
    console.get_by_role("link", name="Acme").click()
    console.get_by_label("Find a user").fill("Bob")
    console.get_by_role("button", name="Find").click()
    console.get_by_role("link", name="Bob", exact=True).click()
    expect(console.get_by_role("heading", name=re.compile(r"^Bob · week of"))).to_be_visible()
    console.get_by_label("week of").fill("2031-03-05")
    console.get_by_role("button", name="Go").click()
    expect(console.get_by_role("heading", name="Bob · week of 3 Mar 2031")).to_be_visible()

    standups = console.locator("article.event", has_text="Standup")
    expect(standups).to_have_count(5)
    for i in range(5):
        expect(standups.nth(i)).to_contain_text("09:30–09:45")
        expect(standups.nth(i)).to_contain_text("recurring")
    card = console.locator("article.event", has_text="Roadmap review")
    expect(card).to_contain_text("14:00–15:00")
    expect(card).to_contain_text("accepted")
    expect(card).to_contain_text("Lake")
    expect(console.locator("article.event", has_text="Vendor call")).to_contain_text("declined")
    expect(console.locator("article.event", has_text="Budget sync")).to_contain_text("cancelled")
    offsite_card = console.locator("article.event", has_text="Team offsite")
    expect(offsite_card).to_contain_text("all day")
    expect(offsite_card).to_contain_text("tentative")
    screenshot(console, "week.png")

    card.get_by_role("link", name="Roadmap review").click()
    expect(console.get_by_role("heading", name="Roadmap review")).to_be_visible()
    expect(console.locator("dl.fields")).to_contain_text("Third floor")
    rows = console.locator("table").first.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Alice")).to_contain_text("accepted")
    expect(rows.filter(has_text="Alice")).to_contain_text("organizer")
    expect(rows.filter(has_text="Bob")).to_contain_text("accepted")
    expect(rows.filter(has_text="Carol")).to_contain_text("needsAction")
    room = console.locator("tr", has_text="room-lake")
    expect(room).to_contain_text("Lake")
    expect(room).to_contain_text("accepted")
    screenshot(console, "event.png")


def test_the_journal_follows_the_sdks_calls_and_the_outbox_lists_invitations(console, sdk):
    day = support.new_day()
    event_id = sdk.create(ALICE, support.timed_request(day, "Followed", attendees=[BOB])).body.id
    console.get_by_role("link", name="Journal").click()
    feed = console.locator("#feed")
    expect(feed).to_contain_text("CreateEvent")
    expect(feed).not_to_contain_text("GetEvent")
    # A mark the page keeps only as long as it is not loaded again.
    console.evaluate("window.stillTheSamePage = true")
    sdk.get(BOB, event_id)
    expect(feed.locator("tbody tr").first).to_contain_text("GetEvent")
    expect(feed.locator("tbody tr").first).to_contain_text("Bob")
    assert console.evaluate("window.stillTheSamePage") is True
    screenshot(console, "journal.png")

    console.get_by_role("link", name="Outbox").click()
    message = console.locator("#feed tbody tr", has_text=event_id).first
    expect(message).to_contain_text("invitation")
    expect(message).to_contain_text("Bob")
    screenshot(console, "outbox.png")


def test_a_fault_added_by_the_form_is_the_sdks_error_until_removed(console, sdk):
    day = support.new_day()
    console.get_by_role("link", name="Faults").click()
    expect(console.get_by_text("No faults: every call is answered.")).to_be_visible()
    console.get_by_label("operation").fill("CreateEvent")
    console.get_by_label("status").fill("503")
    console.get_by_label("code").fill("systemError")
    console.get_by_label("message").fill("Injected from the console")
    console.get_by_role("button", name="Add the fault").click()
    row = console.locator("tbody tr", has_text="Injected from the console")
    expect(row).to_contain_text("CreateEvent")
    expect(row).to_contain_text("until removed")
    screenshot(console, "faults.png")

    with pytest.raises(TeaException) as refused:
        sdk.create(ALICE, support.timed_request(day, "Refused"))
    assert (refused.value.code, refused.value.statusCode) == ("systemError", 503)
    assert "Injected from the console" in refused.value.message

    row.get_by_role("button", name="Remove").click()
    expect(console.get_by_text("No faults: every call is answered.")).to_be_visible()
    assert sdk.create(ALICE, support.timed_request(day, "Answered")).body.summary == "Answered"


def test_the_clock_forms_freeze_and_advance_the_servers_clock(console, console_server):
    console.get_by_role("link", name="Clock").click()
    console.get_by_label("now in Asia/Shanghai").fill("2031-03-03T09:00:00")
    console.get_by_label("frozen").check()
    console.get_by_role("button", name="Set the clock").click()
    expect(console.locator("#now")).to_have_text("2031-03-03T01:00:00Z")
    expect(console.locator("#frozen")).to_have_text("true")

    console.get_by_label("seconds").fill("5400")
    console.get_by_role("button", name="Advance").click()
    expect(console.locator("#now")).to_have_text("2031-03-03T02:30:00Z")
    screenshot(console, "clock.png")
    status, clock = support.control(console_server.address, "GET", "/_dingcal/clock")
    assert (status, clock) == (200, {"now": "2031-03-03T02:30:00Z", "frozen": True})
