"""Cookie-authenticated API writes check where they come from (issue 12, part 4): a state-changing API
request signed in by the portal's session cookie, not a bearer token, needs an Origin (or Referer) of
this site or the portal's CSRF token, else 403 ``cross_site_request``; bearer tokens are unaffected."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from xinyong.api.deps import SESSION_COOKIE
from xinyong.domain.identity.actors import Actor, Role
from xinyong.portal.pages import csrf_token_of
from xinyong.services.identity import accounts as auth
from xinyong.store.models.auth import ApiToken
from xinyong.store.models.ledger import LedgerEntry

SITE = "http://testserver"          # the TestClient's own origin


@pytest.fixture
def signed_in(client, platform):  # type: ignore[no-untyped-def]
    """An operator signed in with the session cookie (through the API), and a bearer token of theirs."""
    with platform.unit_of_work(Actor.system("test")) as uow:
        user = auth.create_user(uow, username="op", role=Role.operator, password="a long password", organisation="C")
        bearer = auth.issue_token(uow, user, label="script")
    signed = client.post("/api/v1/auth/session", json={"username": "op", "password": "a long password"})
    assert signed.status_code == 200
    secret = client.cookies.get(SESSION_COOKIE)
    assert secret
    return {"secret": secret, "bearer": bearer}


def tokens(platform) -> int:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return session.scalar(select(func.count(ApiToken.id))) or 0


def entries(platform) -> int:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return session.scalar(select(func.count(LedgerEntry.seq))) or 0


@pytest.mark.parametrize("headers", [
    {},                                                            # no Origin, no Referer
    {"Origin": "https://evil.example"},
    {"Origin": "http://testserver.evil.example"},
    {"Origin": "https://testserver"},                              # another scheme is another origin
    {"Origin": "null"},
    {"Referer": "https://evil.example/page?next=http://testserver/"},
    {"X-CSRF-Token": "0" * 64},
    {"X-CSRF-Token": csrf_token_of("another session")},
    {"Authorization": "Basic b3A6eA=="},                           # not a bearer token
], ids=lambda h: ",".join(f"{k}={v[:20]}" for k, v in h.items()) or "none")
def test_a_cookie_write_from_elsewhere_is_refused_and_changes_nothing(client, platform, signed_in, headers) -> None:  # type: ignore[no-untyped-def]
    before = (tokens(platform), entries(platform))
    refused = client.post("/api/v1/auth/tokens", json={"label": "csrf"}, headers=headers)
    assert refused.status_code == 403, refused.text
    detail = refused.json()["detail"]
    assert (detail["field"], detail["reason"]) == ("Origin", "cross_site_request")
    assert "Origin" in detail["message_en"] and "本站" in detail["message_zh"]
    assert (tokens(platform), entries(platform)) == before
    for method, path in (("PUT", "/api/v1/auth/tokens"), ("PATCH", "/api/v1/auth/tokens"),
                         ("DELETE", "/api/v1/me/authorizations/1"), ("POST", "/api/v1/auth/real-name")):
        assert client.request(method, path, headers=headers).status_code == 403, (method, path)


@pytest.mark.parametrize("headers", [
    {"Origin": SITE},
    {"Origin": "http://TESTSERVER:80"},                            # the same origin, spelled out
    {"Referer": f"{SITE}/me/authorizations"},                      # no Origin: the Referer's
], ids=["origin", "default-port", "referer"])
def test_a_cookie_write_from_this_site_goes_through(client, platform, signed_in, headers) -> None:  # type: ignore[no-untyped-def]
    done = client.post("/api/v1/auth/tokens", json={"label": "same-site"}, headers=headers)
    assert done.status_code == 201, done.text


def test_the_portals_csrf_token_of_the_session_also_goes_through(client, platform, signed_in) -> None:  # type: ignore[no-untyped-def]
    done = client.post("/api/v1/auth/tokens", json={"label": "form"},
                       headers={"X-CSRF-Token": csrf_token_of(signed_in["secret"])})
    assert done.status_code == 201, done.text


def test_bearer_tokens_and_reads_are_unaffected(client, platform, signed_in) -> None:  # type: ignore[no-untyped-def]
    bearer = {"Authorization": f"Bearer {signed_in['bearer']}"}
    assert client.post("/api/v1/auth/tokens", json={"label": "b"}, headers=bearer).status_code == 201  # cookie too
    client.cookies.clear()
    assert client.post("/api/v1/auth/tokens", json={"label": "b2"}, headers=bearer).status_code == 201
    client.cookies.set(SESSION_COOKIE, signed_in["secret"])
    assert client.get("/api/v1/auth/me").json()["role"] == "operator"        # a read with the cookie alone
    # without any credentials there is nothing to forge: the endpoint itself answers
    client.cookies.clear()
    assert client.post("/api/v1/auth/tokens", json={}).status_code == 401
