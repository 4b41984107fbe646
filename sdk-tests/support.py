"""Helpers shared by the SDK-driven tests of dingcal.

Everything here drives dingcal through the official DingTalk Python SDK
(`alibabacloud-dingtalk`): the calendar_1_0 and oauth2_1_0 clients, their
request, header and response models. Nothing talks HTTP by hand except the
server launcher, which only reads the line the binary prints when it is ready.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterable, Optional

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_dingtalk.calendar_1_0.client import Client as CalendarClient
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_util.models import RuntimeOptions
from Tea.exceptions import TeaException

SDK_TESTS = Path(__file__).resolve().parent
REPO = SDK_TESTS.parent

TZ = "Asia/Shanghai"

# The emulator controls' token of the session server (`--admin-token`).
ADMIN_TOKEN = "sdk-tests-admin"
OFFSET = "+08:00"

# --------------------------------------------------------------------------
# The directory the session server is provisioned with
# --------------------------------------------------------------------------

ACME = "ding-acme"
OTHER = "ding-other"

ALICE, BOB, CAROL, DAVE = "alice-union", "bob-union", "carol-union", "dave-union"
EVE = "eve-union"
NAMES = {ALICE: "Alice", BOB: "Bob", CAROL: "Carol", DAVE: "Dave", EVE: "Eve"}

# Extra members of ding-acme: enough for one AddAttendee call over the
# 500-per-call limit and for filling an event to its 5,000-attendee cap and one
# past it.
EXTRA_USERS = 5_001


def extra(i: int) -> str:
    """The unionId of extra user number i (1-based)."""
    return f"u{i:04d}-union"


def extras(first: int, count: int) -> list[str]:
    return [extra(i) for i in range(first, first + count)]


# ding-acme's meeting rooms: (roomId, name, needs approval).
ROOMS = [("room-lake", "Lake", False), ("room-hill", "Hill", True), ("room-sea", "Sea", False)]

# ding-acme's event types (ListCategories).
CATEGORIES = [("review", "Review"), ("interview", "Interview")]

APPS = {
    # app_key: (secret, corp, permissions)
    "acme-full": (
        "acme-full-secret",
        ACME,
        ["Calendar.Event.Read", "Calendar.Event.Write", "Calendar.EventSchedule.Read",
         "Calendar.Acl.Read", "Calendar.Acl.Write", "Calendar.Calendar.Read",
         "Calendar.Calendar.Write"],
    ),
    "acme-read": ("acme-read-secret", ACME, ["Calendar.Event.Read"]),
    "acme-schedule": ("acme-schedule-secret", ACME, ["Calendar.EventSchedule.Read"]),
    "other-full": (
        "other-full-secret",
        OTHER,
        # The calendar permissions let test_caldav.py give Eve a CalDAV account.
        ["Calendar.Event.Read", "Calendar.Event.Write", "Calendar.EventSchedule.Read",
         "Calendar.Calendar.Read", "Calendar.Calendar.Write"],
    ),
}


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def directory_toml() -> str:
    out: list[str] = []

    def org(corp: str, name: str, users: Iterable[tuple[str, str, str, Optional[str]]]):
        out.append(f"[[orgs]]\ncorp_id = {_q(corp)}\nname = {_q(name)}\n")
        for union_id, user_id, display, email in users:
            out.append(
                f"[[orgs.users]]\nunion_id = {_q(union_id)}\nuser_id = {_q(user_id)}\n"
                f"name = {_q(display)}\n"
                + (f"email = {_q(email)}\n" if email else "")
            )
        for key, (secret, corp_of_app, perms) in APPS.items():
            if corp_of_app == corp:
                out.append(
                    f"[[orgs.apps]]\napp_key = {_q(key)}\napp_secret = {_q(secret)}\n"
                    f"permissions = [{', '.join(_q(p) for p in perms)}]\n"
                    # Where test_me.py's sign-in returns.
                    'redirect_uris = ["http://app.example/callback"]\n'
                )

    acme_users = [
        (ALICE, "alice", "Alice", "alice@acme.example"),
        (BOB, "bob", "Bob", "bob@acme.example"),
        (CAROL, "carol", "Carol", "carol@acme.example"),
        (DAVE, "dave", "Dave", None),
    ]
    acme_users += [
        (extra(i), f"u{i:04d}", f"User {i:04d}", None) for i in range(1, EXTRA_USERS + 1)
    ]
    org(ACME, "Acme", acme_users)
    for room_id, name, needs_approval in ROOMS:
        out.append(
            f"[[orgs.rooms]]\nroom_id = {_q(room_id)}\nname = {_q(name)}\n"
            f"needs_approval = {'true' if needs_approval else 'false'}\n"
        )
    for category_id, name in CATEGORIES:
        out.append(f"[[orgs.categories]]\ncategory_id = {_q(category_id)}\nname = {_q(name)}\n")
    out.append('[[orgs.plugins]]\nplugin_id = "plugin-notes"\nname = "Notes"\nclassification = "document"\n')
    org(OTHER, "Other Corp", [(EVE, "eve", "Eve", "eve@other.example")])
    return "\n".join(out)


# --------------------------------------------------------------------------
# Starting and stopping the binary
# --------------------------------------------------------------------------


def dingcal_bin() -> str:
    env = os.environ.get("DINGCAL_BIN")
    path = Path(env) if env else REPO / "target" / "debug" / "dingcal"
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    if not path.exists():
        pytest.exit(f"dingcal binary not found at {path} (set DINGCAL_BIN)", returncode=2)
    return str(path)


class TestDatabase:
    """The database a test server runs on: a SQLite file in `work`, or, when
    $DINGCAL_TEST_STORE is `postgres`, a fresh schema on the PostgreSQL server
    $DINGCAL_TEST_POSTGRES names, dropped by `drop()`."""

    __test__ = False  # not a test class, despite its name
    _made = itertools.count()

    def __init__(self, work: Path):
        self.server: Optional[str] = None
        self.schema: Optional[str] = None
        if os.environ.get("DINGCAL_TEST_STORE") != "postgres":
            self.url = f"sqlite://{work / 'dingcal.db'}"
            return
        self.server = os.environ.get("DINGCAL_TEST_POSTGRES")
        if not self.server:
            pytest.exit("DINGCAL_TEST_STORE=postgres needs DINGCAL_TEST_POSTGRES", returncode=2)
        self.schema = f"dingcal_sdk_{os.getpid()}_{next(self._made)}"
        self._psql(f"CREATE SCHEMA {self.schema}")
        join = "&" if "?" in self.server else "?"
        self.url = f"{self.server}{join}options=-c%20search_path%3D{self.schema}"

    def _psql(self, sql: str) -> None:
        subprocess.run(
            ["psql", self.server, "-v", "ON_ERROR_STOP=1", "-qc", sql],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def drop(self) -> None:
        if self.schema is not None:
            self._psql(f"DROP SCHEMA {self.schema} CASCADE")
            self.schema = None


def control(address: str, method: str, path: str, body: Optional[dict] = None,
            token: str = ADMIN_TOKEN) -> tuple[int, dict]:
    """One call of the emulator controls (`/_dingcal/...`): status and body.
    They are not DingTalk's, so no SDK has them: plain HTTP."""
    request = urllib.request.Request(
        f"http://{address}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


class DingcalServer:
    """One `dingcal serve` process on a free port of 127.0.0.1."""

    READY_TIMEOUT = 30.0

    def __init__(self, binary: str, directory: Path, db_url: str, log_dir: Path,
                 extra_args: Iterable[str] = ()):
        self.binary = binary
        self.extra_args = list(extra_args)
        self.scheme = "http"
        self.directory = directory
        self.db_url = db_url
        self.log_dir = log_dir
        self.proc: Optional[subprocess.Popen] = None
        self.address: Optional[str] = None  # "127.0.0.1:PORT"
        self.stdout_lines: list[str] = []
        self._drain: Optional[threading.Thread] = None

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.address}"

    def start(self) -> "DingcalServer":
        self.log_dir.mkdir(parents=True, exist_ok=True)
        stderr = open(self.log_dir / "dingcal.stderr.log", "ab")
        self.proc = subprocess.Popen(
            [
                self.binary,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                self.db_url,
                "--directory",
                str(self.directory),
                "--admin-token",
                ADMIN_TOKEN,
                *self.extra_args,
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        stderr.close()
        ready = threading.Event()

        def drain():
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.stdout_lines.append(line.rstrip("\n"))
                for scheme in ("http", "https"):
                    prefix = f"listening on {scheme}://"
                    if self.address is None and line.startswith(prefix):
                        self.scheme = scheme
                        self.address = line.strip()[len(prefix):].rstrip("/")
                        ready.set()
            ready.set()

        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()
        if not ready.wait(self.READY_TIMEOUT) or self.address is None:
            self.stop()
            raise RuntimeError(
                f"dingcal did not print its listening line within {self.READY_TIMEOUT}s; "
                f"stdout: {self.stdout_lines!r}; stderr in {self.log_dir}"
            )
        return self

    def stop(self, timeout: float = 15.0) -> Optional[int]:
        """SIGTERM, wait, and SIGKILL only if it will not stop. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._drain is not None:
            self._drain.join(5)
        return self.proc.returncode


# --------------------------------------------------------------------------
# SDK clients
# --------------------------------------------------------------------------


def calendar_client(address: str) -> CalendarClient:
    return CalendarClient(Config(protocol="http", endpoint=address))


def oauth_client(address: str) -> OAuthClient:
    return OAuthClient(Config(protocol="http", endpoint=address))


def get_token(oauth_cli: OAuthClient, app_key: str, app_secret: Optional[str] = None) -> str:
    secret = app_secret if app_secret is not None else APPS[app_key][0]
    resp = oauth_cli.get_access_token(
        oauth.GetAccessTokenRequest(app_key=app_key, app_secret=secret)
    )
    return resp.body.access_token


_NO_TOKEN = object()


class Api:
    """Thin wrapper over the SDK's calendar_1_0 `*_with_options` calls.

    It only fills in the headers model (access token, x-client-token) and a
    RuntimeOptions, so that tests read as the operations they perform. Every
    method returns the SDK's own response model.
    """

    def __init__(self, client: CalendarClient, token: Optional[str]):
        self.client = client
        self.token = token

    def as_token(self, token: Optional[str]) -> "Api":
        return Api(self.client, token)

    def _h(self, model, client_token=None):
        h = model()
        if self.token is not None:
            h.x_acs_dingtalk_access_token = self.token
        if client_token is not None:
            h.x_client_token = client_token
        return h

    # -- events ------------------------------------------------------------

    def create(self, user: str, request: cal.CreateEventRequest, client_token=None):
        return self.client.create_event_with_options(
            user, "primary", request, self._h(cal.CreateEventHeaders, client_token),
            RuntimeOptions(),
        )

    def get(self, user: str, event_id: str, max_attendees: Optional[int] = None):
        return self.client.get_event_with_options(
            user, "primary", event_id, cal.GetEventRequest(max_attendees=max_attendees),
            self._h(cal.GetEventHeaders), RuntimeOptions(),
        )

    def list(self, user: str, **query):
        return self.client.list_events_with_options(
            user, "primary", cal.ListEventsRequest(**query),
            self._h(cal.ListEventsHeaders), RuntimeOptions(),
        )

    def patch(self, user: str, event_id: str, request: cal.PatchEventRequest, client_token=None):
        return self.client.patch_event_with_options(
            user, "primary", event_id, request, self._h(cal.PatchEventHeaders, client_token),
            RuntimeOptions(),
        )

    def delete(self, user: str, event_id: str, push_notification: Optional[bool] = None,
               client_token=None):
        return self.client.delete_event_with_options(
            user, "primary", event_id,
            cal.DeleteEventRequest(push_notification=push_notification),
            self._h(cal.DeleteEventHeaders, client_token), RuntimeOptions(),
        )

    def respond(self, user: str, event_id: str, status: Optional[str], client_token=None):
        return self.client.respond_event_with_options(
            user, "primary", event_id, cal.RespondEventRequest(response_status=status),
            self._h(cal.RespondEventHeaders, client_token), RuntimeOptions(),
        )

    # -- attendees ---------------------------------------------------------

    def add_attendees(self, user: str, event_id: str, ids: Iterable[str],
                      optional: bool = None, client_token=None):
        req = cal.AddAttendeeRequest(
            attendees_to_add=[
                cal.AddAttendeeRequestAttendeesToAdd(id=i, is_optional=optional) for i in ids
            ]
        )
        return self.client.add_attendee_with_options(
            user, "primary", event_id, req, self._h(cal.AddAttendeeHeaders, client_token),
            RuntimeOptions(),
        )

    def remove_attendees(self, user: str, event_id: str, ids: Iterable[str], client_token=None):
        req = cal.RemoveAttendeeRequest(
            attendees_to_remove=[cal.RemoveAttendeeRequestAttendeesToRemove(id=i) for i in ids]
        )
        return self.client.remove_attendee_with_options(
            user, "primary", event_id, req, self._h(cal.RemoveAttendeeHeaders, client_token),
            RuntimeOptions(),
        )

    def list_attendees(self, user: str, event_id: str, max_results: Optional[int] = None,
                       next_token: Optional[str] = None):
        return self.client.list_attendees_with_options(
            user, "primary", event_id,
            cal.ListAttendeesRequest(max_results=max_results, next_token=next_token),
            self._h(cal.ListAttendeesHeaders), RuntimeOptions(),
        )

    # -- compound reads used to check state --------------------------------

    def all_attendees(self, user: str, event_id: str, page: int = 500) -> list:
        """Every attendee of an event, following nextToken to the end."""
        out, token, pages = [], None, 0
        while True:
            body = self.list_attendees(user, event_id, max_results=page, next_token=token).body
            out.extend(body.attendees or [])
            pages += 1
            assert pages < 1000, "ListAttendees paging does not end"
            token = body.next_token
            if not token:
                return out

    def all_events(self, user: str, **query) -> list:
        out, token, pages = [], None, 0
        while True:
            body = self.list(user, next_token=token, **query).body
            out.extend(body.events or [])
            pages += 1
            assert pages < 1000, "ListEvents paging does not end"
            token = body.next_token
            if not token:
                return out

    def snapshot(self, user: str, event_id: str) -> dict:
        """The event as GetEvent answers it (up to 500 attendees), as a plain map."""
        return self.get(user, event_id, max_attendees=500).body.to_map()

    def ids_in(self, user: str, day: "Day") -> list[str]:
        return [e.id for e in self.all_events(user, time_min=day.start(), time_max=day.end())]


# --------------------------------------------------------------------------
# User tokens, through the stand-in sign-in
# --------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _auth_code(address: str, user: str) -> str:
    """Signs `user` in for acme-full: the stand-in login page redirects at
    once with an authCode."""
    query = urllib.parse.urlencode({
        "client_id": "acme-full", "response_type": "code", "state": "st",
        "redirect_uri": "http://app.example/callback", "login_hint": user,
    })
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"http://{address}/oauth2/auth?{query}")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        location = redirect.headers["Location"]
    else:
        pytest.fail("no redirect")
    params = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    assert params["state"] == ["st"]
    return params["authCode"][0]


def user_token(oauth_client, address, user):
    """A user token for `user`, signed in for acme-full (oauth2 GetUserToken)."""
    request = oauth.GetUserTokenRequest(
        client_id="acme-full", client_secret=APPS["acme-full"][0],
        code=_auth_code(address, user), grant_type="authorization_code",
    )
    return oauth_client.get_user_token(request).body


# --------------------------------------------------------------------------
# Times: every test takes days of its own, so that listings never overlap
# --------------------------------------------------------------------------

_BASE_DAY = _dt.date(2031, 1, 1)
_day_counter = itertools.count()


class Day:
    """A calendar day no other test uses (2031-01-01 onwards, one per call)."""

    def __init__(self):
        self.date = _BASE_DAY + _dt.timedelta(days=next(_day_counter))

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    def next_iso(self, days: int = 1) -> str:
        return (self.date + _dt.timedelta(days=days)).isoformat()

    def at(self, hour: int, minute: int = 0, second: int = 0) -> str:
        return f"{self.iso}T{hour:02d}:{minute:02d}:{second:02d}{OFFSET}"

    def start(self) -> str:
        return self.at(0)

    def end(self) -> str:
        return f"{self.next_iso()}T00:00:00{OFFSET}"


def new_day() -> Day:
    return Day()


# --------------------------------------------------------------------------
# Request builders
# --------------------------------------------------------------------------


def timed_request(day: Day, summary: str = "Planning", start_h: int = 10, end_h: int = 11,
                  attendees: Iterable[str] = (), **fields) -> cal.CreateEventRequest:
    req = cal.CreateEventRequest(
        summary=summary,
        start=cal.CreateEventRequestStart(date_time=day.at(start_h), time_zone=TZ),
        end=cal.CreateEventRequestEnd(date_time=day.at(end_h), time_zone=TZ),
        **fields,
    )
    attendees = list(attendees)
    if attendees:
        req.attendees = [cal.CreateEventRequestAttendees(id=a) for a in attendees]
    return req


def all_day_request(day: Day, days: int = 1, summary: str = "Offsite",
                    attendees: Iterable[str] = (), **fields) -> cal.CreateEventRequest:
    req = cal.CreateEventRequest(
        summary=summary,
        is_all_day=True,
        start=cal.CreateEventRequestStart(date=day.iso),
        end=cal.CreateEventRequestEnd(date=day.next_iso(days)),
        **fields,
    )
    attendees = list(attendees)
    if attendees:
        req.attendees = [cal.CreateEventRequestAttendees(id=a) for a in attendees]
    return req


def patch_request(event_id: Optional[str], **fields) -> cal.PatchEventRequest:
    return cal.PatchEventRequest(id=event_id, **fields)


# --------------------------------------------------------------------------
# Assertions
# --------------------------------------------------------------------------


def expect_error(call, status: int, code: str, message: Optional[str] = None) -> TeaException:
    """Runs `call`, which must fail with this HTTP status and error code.

    When `message` is given, the error's message must be exactly it (the
    SDK's `.message` also carries it, prefixed with the status).
    """
    with pytest.raises(TeaException) as info:
        call()
    err = info.value
    data = err.data or {}
    assert (data.get("statusCode"), err.code) == (status, code), (
        f"expected {status} {code}, got {data.get('statusCode')} {err.code}: {data}"
    )
    assert data.get("requestid"), f"error body has no requestid: {data}"
    if message is not None:
        assert data.get("message") == message, data
        assert message in err.message
    return err


def attendee_ids(body) -> list[str]:
    return [a.id for a in (body.attendees or [])]


def statuses(body) -> dict[str, str]:
    return {a.id: a.response_status for a in (body.attendees or [])}


def wait_until(pred, timeout=5.0, interval=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(interval)
    return pred()
