"""oauth2_1_0 GetAccessToken, and that its tokens are what calendar calls accept."""

from __future__ import annotations

import urllib.request

from alibabacloud_dingtalk.oauth2_1_0 import models as oauth

import support
from support import ALICE, Api, DingcalServer, expect_error, timed_request


def test_get_access_token_answers_token_and_expire_in_7200(oauth_client):
    resp = oauth_client.get_access_token(
        oauth.GetAccessTokenRequest(app_key="acme-full", app_secret="acme-full-secret")
    )
    assert resp.status_code == 200
    assert isinstance(resp.body.access_token, str) and resp.body.access_token
    assert resp.body.expire_in == 7200


def test_get_access_token_again_while_valid_returns_the_same_token(oauth_client, tokens):
    again = support.get_token(oauth_client, "acme-full")
    assert again == tokens["acme-full"]
    assert support.get_token(oauth_client, "acme-read") == tokens["acme-read"]


def test_each_app_gets_its_own_token(tokens):
    assert len(set(tokens.values())) == len(tokens)


def test_get_access_token_with_wrong_secret_is_400_invalid_client_id_or_secret(oauth_client):
    expect_error(
        lambda: oauth_client.get_access_token(
            oauth.GetAccessTokenRequest(app_key="acme-full", app_secret="not-the-secret")
        ),
        400, "invalidClientIdOrSecret",
    )


def test_get_access_token_with_unknown_app_key_is_400_invalid_client_id_or_secret(oauth_client):
    expect_error(
        lambda: oauth_client.get_access_token(
            oauth.GetAccessTokenRequest(app_key="no-such-app", app_secret="acme-full-secret")
        ),
        400, "invalidClientIdOrSecret",
    )


def test_get_access_token_with_another_apps_secret_is_refused(oauth_client):
    expect_error(
        lambda: oauth_client.get_access_token(
            oauth.GetAccessTokenRequest(app_key="acme-full", app_secret="acme-read-secret")
        ),
        400, "invalidClientIdOrSecret",
    )


def test_wrong_secret_does_not_revoke_the_valid_token(oauth_client, api, day):
    expect_error(
        lambda: oauth_client.get_access_token(
            oauth.GetAccessTokenRequest(app_key="acme-full", app_secret="wrong")
        ),
        400, "invalidClientIdOrSecret",
    )
    created = api.create(ALICE, timed_request(day)).body
    assert api.get(ALICE, created.id).body.id == created.id


def test_healthz_answers_200_once_ready(server):
    with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=10) as resp:
        assert resp.status == 200


def test_token_and_events_survive_a_graceful_restart(tmp_path, directory_file):
    """SIGTERM stops the server cleanly; after a restart on the same database the
    token got before it is still accepted and the event created before it is there."""
    db = support.TestDatabase(tmp_path)
    first = DingcalServer(support.dingcal_bin(), directory_file, db.url, tmp_path / "logs").start()
    try:
        token = support.get_token(support.oauth_client(first.address), "acme-full")
        api = Api(support.calendar_client(first.address), token)
        day = support.new_day()
        created = api.create(ALICE, timed_request(day, summary="Before restart")).body
    finally:
        code = first.stop()
    assert code == 0, f"dingcal exited with {code} on SIGTERM"

    second = DingcalServer(support.dingcal_bin(), directory_file, db.url, tmp_path / "logs").start()
    try:
        api2 = Api(support.calendar_client(second.address), token)
        got = api2.get(ALICE, created.id).body
        assert got.summary == "Before restart"
        assert support.get_token(support.oauth_client(second.address), "acme-full") == token
    finally:
        assert second.stop() == 0
        db.drop()
