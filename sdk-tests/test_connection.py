"""Keep-alive connections stay usable after a refused request.

The SDK (requests/urllib3 underneath) keeps connections alive and reuses them
for the next call. A request refused before its body was read (bad token,
missing permission) must not leave the client with a connection the server
then drops silently: either the connection keeps working, or the answer says
`Connection: close`. Otherwise the *next*, unrelated SDK call fails at random
with "Remote end closed connection without response".
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from Tea.exceptions import TeaException

from support import ALICE, BOB, patch_request, timed_request


def _send_split(sock, method, path, body, headers, pause):
    """Sends the head, waits `pause` seconds, then sends the body: as http.client
    does (two writes), with the gap made wide enough to be reproducible."""
    raw = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: dingcal\r\n"
        f"content-type: application/json; charset=utf-8\r\ncontent-length: {len(raw)}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    ).encode()
    sock.sendall(head)
    if raw:
        time.sleep(pause)
        sock.sendall(raw)


def _read_answer(sock):
    """One HTTP/1.1 answer with a content-length body: (status line, headers), or None on EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    need = int(headers.get("content-length", "0"))
    while len(rest) < need:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return lines[0], headers


REFUSALS = {
    "permission-denied": ("acme-read", 403),
    "unknown-token": ("bogus-token", 400),
    "missing-token": (None, 400),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_connection_is_usable_or_announced_closed_after_write_refused_before_body(
        server, tokens, api, day, case):
    app, status = REFUSALS[case]
    token = tokens.get(app, app)
    host, port = server.address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        headers = {"x-acs-dingtalk-access-token": token} if token else {}
        _send_split(sock, "POST", f"/v1.0/calendar/users/{ALICE}/calendars/primary/events",
                    {"summary": "Refused", "start": {"dateTime": day.at(10), "timeZone":
                                                     "Asia/Shanghai"},
                     "end": {"dateTime": day.at(11), "timeZone": "Asia/Shanghai"}},
                    headers, pause=0.05)
        first = _read_answer(sock)
        assert first is not None and f" {status} " in first[0] + " ", first
        announced_close = first[1].get("connection", "").lower() == "close"
        time.sleep(0.1)
        if announced_close:
            return
        # The server did not say it would close: the connection must still serve.
        try:
            _send_split(sock, "GET", f"/v1.0/calendar/users/{ALICE}/calendars/primary/events"
                        f"?timeMin={day.start().replace('+', '%2B')}"
                        f"&timeMax={day.end().replace('+', '%2B')}",
                        None, {"x-acs-dingtalk-access-token": tokens["acme-full"]}, 0)
            second = _read_answer(sock)
        except (BrokenPipeError, ConnectionResetError) as err:
            second = err
        assert isinstance(second, tuple) and " 200 " in second[0] + " ", (
            f"after a {status} answer without 'Connection: close' the server dropped the "
            f"keep-alive connection: next request got {second!r}"
        )
    assert api.ids_in(ALICE, day) == []


def test_sdk_calls_after_refused_writes_never_hit_a_dropped_connection(api, read_api, day):
    event = api.create(ALICE, timed_request(day, attendees=[BOB])).body
    refused = [
        lambda: read_api.respond(BOB, event.id, "accepted"),
        lambda: read_api.remove_attendees(ALICE, event.id, [BOB]),
        lambda: read_api.patch(ALICE, event.id, patch_request(event.id, summary="x")),
    ]
    dropped = []
    for round_ in range(60):
        for call in refused:
            try:
                call()
            except TeaException as err:
                if err.code is None:  # no HTTP answer at all
                    dropped.append(("refused call", round_, str(err)))
            try:
                api.get(ALICE, event.id)
            except TeaException as err:
                dropped.append(("following GetEvent", round_, err.code, str(err)))
    assert not dropped, f"{len(dropped)} calls failed on a dropped connection, first: {dropped[0]}"
    assert api.get(ALICE, event.id).body.summary == "Planning"
