"""HTTPS for clients whose host is fixed: the official SDK, left on its
default endpoint `https://api.dingtalk.com`, reaches a dingcal started with
`--tls` once that host name resolves to dingcal and the process trusts
dingcal's local certificate authority (the README's recipe).

Each client runs in a process of its own, as an integration would: the
name is resolved to dingcal inside it (its `socket.getaddrinfo`, in place of
an /etc/hosts line), and trust comes only from its environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import support

# Runs in the client's process: resolves api.dingtalk.com (port 443) to
# dingcal, then calls the SDK with its default endpoint over https.
CLIENT = textwrap.dedent(
    """
    import json, socket, sys
    port = int(sys.argv[1])
    real = socket.getaddrinfo
    def resolve(host, p, *rest, **kw):
        if host == "api.dingtalk.com":
            return real("127.0.0.1", port, *rest, **kw)
        return real(host, p, *rest, **kw)
    socket.getaddrinfo = resolve

    from alibabacloud_dingtalk.calendar_1_0 import models as cal
    from alibabacloud_dingtalk.calendar_1_0.client import Client as CalendarClient
    from alibabacloud_dingtalk.oauth2_1_0 import models as oauth
    from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
    from alibabacloud_tea_openapi.models import Config
    from alibabacloud_tea_util.models import RuntimeOptions

    # No endpoint: the SDK's own, api.dingtalk.com.
    config = Config(protocol="https", region_id="central")
    try:
        token = OAuthClient(config).get_access_token(
            oauth.GetAccessTokenRequest(app_key=sys.argv[2], app_secret=sys.argv[3])
        ).body.access_token
        calendar = CalendarClient(config)
        headers = cal.CreateEventHeaders(x_acs_dingtalk_access_token=token)
        created = calendar.create_event_with_options(
            "alice-union", "primary",
            cal.CreateEventRequest(
                summary="Over TLS",
                start=cal.CreateEventRequestStart(
                    date_time="2031-06-02T10:00:00+08:00", time_zone="Asia/Shanghai"),
                end=cal.CreateEventRequestEnd(
                    date_time="2031-06-02T11:00:00+08:00", time_zone="Asia/Shanghai"),
            ),
            headers, RuntimeOptions(),
        ).body
        got = calendar.get_event_with_options(
            "alice-union", "primary", created.id, cal.GetEventRequest(),
            cal.GetEventHeaders(x_acs_dingtalk_access_token=token), RuntimeOptions(),
        ).body
        print(json.dumps({"summary": got.summary, "id": got.id, "created": created.id}))
    except Exception as e:
        print(json.dumps({"error": str(e)}))
    """
)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory, directory_file):
    work = tmp_path_factory.mktemp("dingcal-tls")
    db = support.TestDatabase(work)
    srv = support.DingcalServer(
        support.dingcal_bin(), directory_file, db.url, work / "logs",
        extra_args=["--tls", "--tls-dir", str(work / "ca")],
    ).start()
    yield srv, work / "ca" / "ca.pem"
    srv.stop()
    db.drop()


def run_client(srv, env: dict) -> dict:
    port = srv.address.rsplit(":", 1)[1]
    key = "acme-full"
    secret = support.APPS[key][0]
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, port, key, secret],
        env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_server_says_https_and_where_its_authority_is(tls_server):
    srv, ca = tls_server
    assert srv.scheme == "https"
    assert any(str(ca) in line for line in srv.stdout_lines), srv.stdout_lines
    assert ca.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_the_sdk_on_its_default_endpoint_reaches_dingcal_when_it_trusts_the_authority(
        tls_server):
    srv, ca = tls_server
    answer = run_client(srv, {"SSL_CERT_FILE": str(ca)})
    assert answer.get("summary") == "Over TLS", answer
    assert answer["id"] == answer["created"]


def test_without_the_authority_the_sdk_refuses_the_certificate(tls_server):
    srv, _ = tls_server
    # Trusting only the system's authorities, which never signed dingcal's.
    answer = run_client(srv, {"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"})
    assert "CERTIFICATE_VERIFY_FAILED" in answer.get("error", ""), answer
