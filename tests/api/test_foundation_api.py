"""What a newcomer sees first: the home page, the health check, the OpenAPI, the identifier check."""

from __future__ import annotations

import re

from xinyong.api.app import create_app


def test_health_is_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "warnings": []}  # 18 March: no calendar warning due


def test_health_warns_from_1_november_that_next_years_notice_is_not_loaded(client, clock):
    from datetime import UTC, datetime

    clock.set(datetime(2026, 10, 31, 16, 0, tzinfo=UTC))  # 00:00 on 1 November in the business time zone
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"  # a warning, not an outage
    [warning] = response.json()["warnings"]
    assert warning["field"] == "calendar" and warning["reason"] == "next_year_notice_missing"
    assert warning["year"] == 2027 and "2027" in warning["message_en"] and "2027" in warning["message_zh"]


def test_health_is_unavailable_when_the_database_is_not(settings, clock):
    from fastapi.testclient import TestClient

    from xinyong.services.platform.bootstrap import Platform

    down = settings.model_copy(update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/x?connect_timeout=1"})
    with TestClient(create_app(Platform.from_settings(down, clock=clock))) as c:
        response = c.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "warnings": []}


def test_home_page_says_what_runs_in_chinese_by_default_with_an_english_switch(client, platform):
    zh = client.get("/")
    assert zh.status_code == 200
    assert "信用信息平台" in zh.text
    title = platform.rulebook.get(platform.jurisdiction).title
    assert title.zh in zh.text
    # what the public reads, not the platform's internals: no rule-file id, database or its kind
    text = re.sub(r"<[^>]+>", " ", zh.text)
    assert platform.jurisdiction not in text and "sqlite" not in text.lower() and "postgresql" not in text.lower()
    assert 'action="/public/organisations"' in zh.text and 'href="/login"' in zh.text
    assert 'href="/privacy"' in zh.text and 'href="/help"' in zh.text
    assert 'href="?lang=en"' in zh.text
    en = client.get("/?lang=en")
    assert "Public Credit Information Platform" in en.text and "Regulation in force" in en.text
    assert title.en in en.text
    # the choice is remembered
    assert "Regulation in force" in client.get("/").text


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/healthz" in spec["paths"] and "/api/v1/identifiers/check" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_identifier_check_endpoint_explains_an_invalid_code(client):
    body = client.get("/api/v1/identifiers/check", params={"identifier": "91500000MA5U0AB10I"}).json()
    assert body["valid"] is False
    assert body["reason"] == "character"
    assert "I" in body["message_en"]
    ok = client.get("/api/v1/identifiers/check", params={"identifier": "11010519491231002X"}).json()
    assert ok["valid"] is True and ok["kind"] == "citizen_id"


def test_portal_check_page_masks_a_valid_personal_identifier(client):
    page = client.get("/check", params={"identifier": "11010519491231002X"})
    assert "110105********002X" in page.text
    assert "11010519491231002X" not in page.text


def test_every_route_is_reached_by_its_own_path_whatever_the_routers_order(platform):
    """Routes are matched in the order the routers are included (the inquiry router goes early, for
    speed): no route's path may be taken by a route matched before it. Each path is requested
    without credentials; whatever the answer, the route that took it must be its own."""
    import importlib
    import re

    from fastapi.testclient import TestClient

    from xinyong.api.app import ROUTERS

    app = create_app(platform)
    taken: list = []

    async def spy(scope, receive, send):  # type: ignore[no-untyped-def]
        await app(scope, receive, send)
        taken.append(scope.get("route"))

    def flat(routes):  # type: ignore[no-untyped-def]
        for route in routes:
            if hasattr(route, "original_router"):          # a router included in this one
                yield from flat(route.original_router.routes)
            elif hasattr(route, "endpoint"):
                yield route

    checked = 0
    with TestClient(spy) as client:
        for module in ROUTERS:
            for route in flat(importlib.import_module(module).router.routes):
                path = re.sub(r"\{[^}]+\}", "1", route.path)
                for method in sorted(getattr(route, "methods", None) or {"GET"}):
                    taken.clear()
                    client.request(method, path, follow_redirects=False)
                    assert taken == [route], f"{method} {route.path} is taken by {taken}"
                    checked += 1
    assert checked > 40


def test_the_server_sets_the_garbage_collection_threshold_when_it_starts(settings, clock):
    import gc

    from fastapi.testclient import TestClient

    from xinyong.services.platform.bootstrap import Platform

    before = gc.get_threshold()
    try:
        tuned = settings.model_copy(update={"gc_threshold": 12_345})
        with TestClient(create_app(Platform.from_settings(tuned, clock=clock))) as c:
            assert c.get("/healthz").status_code == 200
            assert gc.get_threshold() == (12_345, *before[1:])
        gc.set_threshold(*before)
        kept = settings.model_copy(update={"gc_threshold": 0})
        with TestClient(create_app(Platform.from_settings(kept, clock=clock))):
            assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*before)
