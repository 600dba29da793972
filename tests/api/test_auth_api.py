"""Sign-in over the API, and who the platform thinks the caller is."""

from __future__ import annotations

from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.identity import accounts as auth


def test_anonymous_callers_are_the_public(client):
    assert client.get("/api/v1/auth/me").json()["role"] == "public"


def test_an_unknown_token_is_refused_not_downgraded_to_public(client):
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer xyu_nope"})
    assert response.status_code == 401
    assert response.json()["detail"]["reason"] == "token_invalid"


def test_session_sign_in_and_token_issue(client, platform):
    with platform.unit_of_work(Actor.system("test")) as uow:
        auth.create_user(uow, username="op", role=Role.operator, password="a long password", organisation="C")
    bad = client.post("/api/v1/auth/session", json={"username": "op", "password": "wrong password"})
    assert bad.status_code == 401 and bad.json()["detail"]["message_zh"]
    ok = client.post("/api/v1/auth/session", json={"username": "op", "password": "a long password"})
    assert ok.status_code == 200 and ok.json()["role"] == "operator"
    assert client.get("/api/v1/auth/me").json()["role"] == "operator"
    token = client.post("/api/v1/auth/tokens", json={"label": "script"},
                        headers={"Origin": "http://testserver"}).json()["token"]     # a cookie write: this site
    client.cookies.clear()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "operator" and me["organisation"] == "C"


def test_a_token_cannot_be_issued_already_expired(client, platform, clock):
    with platform.unit_of_work(Actor.system("test")) as uow:
        user = auth.create_user(uow, username="svc", role=Role.operator, password="a long password", organisation="C")
        headers = {"Authorization": f"Bearer {auth.issue_token(uow, user, label='bootstrap')}"}
    for when in ("2026-03-18T10:00:00+08:00", "2026-03-18T01:59:59Z", "2020-01-01T00:00:00+00:00"):  # now, before
        refused = client.post("/api/v1/auth/tokens", json={"label": "late", "expires_at": when}, headers=headers)
        assert refused.status_code == 422, refused.text
        detail = refused.json()["detail"]
        assert (detail["field"], detail["reason"]) == ("expires_at", "expires_at_past")
        assert detail["message_zh"] and detail["message_en"]
    issued = client.post("/api/v1/auth/tokens", json={"expires_at": "2026-03-18T10:00:01+08:00"}, headers=headers)
    assert issued.status_code == 201
    clock.advance(seconds=1)
    expired = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=expired).status_code == 401
