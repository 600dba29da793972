"""Sign-in throttling at the interfaces: the API answers 429 with ``Retry-After`` in the one error
shape, the portal an HTML sign-in page in the visitor's language (429, ``Retry-After``), both before
any password is checked; after the window (the injected clock moves) the sign-in works again."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from xinyong.api.app import create_app
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.identity import accounts as auth
from xinyong.services.platform.bootstrap import Platform

PASSWORD = "correct horse battery"  # noqa: S105 - a test password
LIMIT = 3


@pytest.fixture
def small(settings, clock):  # type: ignore[no-untyped-def]
    p = Platform.from_settings(settings.model_copy(update={"signin_failures_per_account": LIMIT,
                                                           "signin_failures_per_address": 50}), clock=clock)
    with p.unit_of_work(Actor.system("seed")) as uow:
        auth.create_user(uow, username="carol", role=Role.operator, password=PASSWORD, organisation="center")
    yield p
    p.engine.dispose()


@pytest.fixture
def client(small):  # type: ignore[no-untyped-def]
    with TestClient(create_app(small)) as c:
        yield c


def test_the_api_answers_429_with_retry_after(client, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(LIMIT):
        wrong = client.post("/api/v1/auth/session", json={"username": "carol", "password": "wrong"})
        assert wrong.status_code == 401
    throttled = client.post("/api/v1/auth/session", json={"username": "carol", "password": PASSWORD})
    assert throttled.status_code == 429
    detail = throttled.json()["detail"]
    assert detail["reason"] == "sign_in_throttled" and detail["message_zh"] and detail["message_en"]
    retry_after = int(throttled.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert "xy_session" not in throttled.cookies
    clock.advance(seconds=retry_after)
    assert client.post("/api/v1/auth/session", json={"username": "carol", "password": PASSWORD}).status_code == 200


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(("lang", "words"), [("zh", "登录失败次数过多"), ("en", "too many failed sign-ins")])
def test_the_portal_answers_with_a_page_in_the_visitors_language(client, lang, words) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/login?lang={lang}")
    for _ in range(LIMIT):
        client.post(f"/login?lang={lang}", data={"username": "carol", "password": "wrong",
                                                 "csrf_token": _csrf(page.text)})
    throttled = client.post(f"/login?lang={lang}", data={"username": "carol", "password": PASSWORD,
                                                         "csrf_token": _csrf(page.text)}, follow_redirects=False)
    assert throttled.status_code == 429 and throttled.headers["content-type"].startswith("text/html")
    assert words in throttled.text and int(throttled.headers["Retry-After"]) > 0
    assert '"detail"' not in throttled.text                      # a page, never raw JSON
