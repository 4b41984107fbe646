"""Session fixtures: one dingcal server for the whole run, SDK clients, tokens.

The server is the binary named by $DINGCAL_BIN (default: target/debug/dingcal
of this repository), started with `serve --listen 127.0.0.1:0`, a fresh database (SQLite, or
PostgreSQL: see support.TestDatabase) and a directory file written here (see
support.directory_toml).
"""

from __future__ import annotations

import pytest

import support
from support import Api, DingcalServer


@pytest.fixture(scope="session")
def directory_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("directory") / "directory.toml"
    path.write_text(support.directory_toml(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory, directory_file):
    """The running server; `server.address` is "127.0.0.1:PORT"."""
    work = tmp_path_factory.mktemp("dingcal")
    db = support.TestDatabase(work)
    srv = DingcalServer(support.dingcal_bin(), directory_file, db.url, work / "logs").start()
    yield srv
    srv.stop()
    db.drop()


@pytest.fixture(scope="session")
def address(server) -> str:
    return server.address


@pytest.fixture(scope="session")
def calendar_client(address):
    """calendar_1_0 Client pointed at dingcal (protocol http, endpoint HOST:PORT)."""
    return support.calendar_client(address)


@pytest.fixture(scope="session")
def oauth_client(address):
    """oauth2_1_0 Client pointed at dingcal."""
    return support.oauth_client(address)


@pytest.fixture(scope="session")
def tokens(oauth_client) -> dict:
    """An access token per app of the directory, got through oauth2 GetAccessToken."""
    return {key: support.get_token(oauth_client, key) for key in support.APPS}


@pytest.fixture(scope="session")
def api(calendar_client, tokens) -> Api:
    """Calendar calls as app acme-full (every permission, org ding-acme)."""
    return Api(calendar_client, tokens["acme-full"])


@pytest.fixture(scope="session")
def read_api(calendar_client, tokens) -> Api:
    """Calendar calls as app acme-read (only Calendar.Event.Read)."""
    return Api(calendar_client, tokens["acme-read"])


@pytest.fixture(scope="session")
def schedule_api(calendar_client, tokens) -> Api:
    """Calendar calls as app acme-schedule (only Calendar.EventSchedule.Read)."""
    return Api(calendar_client, tokens["acme-schedule"])


@pytest.fixture(scope="session")
def other_api(calendar_client, tokens) -> Api:
    """Calendar calls as app other-full (every permission, org ding-other)."""
    return Api(calendar_client, tokens["other-full"])


@pytest.fixture
def day():
    """A day of the calendar that no other test uses."""
    return support.new_day()
