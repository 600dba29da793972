"""``/api/v1/rules`` on a tiny app that includes only the rules router (and the error handlers)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from xinyong.api.errors import install_error_handlers
from xinyong.api.routers.rules import router


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    from xinyong.settings import reset_settings

    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("XINYONG_CALENDAR_DIRS", raising=False)
    monkeypatch.setenv("XINYONG_JURISDICTION", "gansu-2021")
    reset_settings()
    app = FastAPI()
    app.include_router(router)
    install_error_handlers(app)         # the app's own: a refusal (bad date, duty, pause) in the error shape
    yield TestClient(app)
    reset_settings()


def test_list(client: TestClient) -> None:
    response = client.get("/api/v1/rules")
    assert response.status_code == 200
    data = response.json()
    assert data["jurisdiction"] == "gansu-2021"
    gansu = next(r for r in data["rulesets"] if r["id"] == "gansu-2021")
    assert gansu["abbrev"] == "GS" and gansu["deployed"] and gansu["in_force"] == "2022-01-01"


def test_show_gives_every_value_with_its_citation(client: TestClient) -> None:
    response = client.get("/api/v1/rules/gansu-2021")
    assert response.status_code == 200
    rules = {r["key"]: r for r in response.json()["rules"]}
    verify = rules["aggregation.verify"]["values"][0]
    assert (verify["value"], verify["unit"], verify["citation"], verify["effective"]) == (
        5,
        "working_days",
        "GS Art. 22(2)",
        "2022-01-01",
    )
    for rule in rules.values():
        for value in rule["values"]:
            assert value["cite"] and value["effective"]


def test_show_national_deferral_reports_both_citations(client: TestClient) -> None:
    rules = {r["key"]: r for r in client.get("/api/v1/rules/gansu-2021").json()["rules"]}
    restoration = rules["restoration.decide"]
    assert restoration["deferred"]["target"] == "national"
    value = restoration["values"][0]
    assert value["jurisdiction"] == "national" and value["source"] == "secondary"
    assert value["deferred_from"]["citation"].startswith("GS Art. ")


def test_deadline(client: TestClient) -> None:
    response = client.get(
        "/api/v1/rules/gansu-2021/deadline", params={"duty": "objection.decide", "received": "2024-09-12"}
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["due"], data["count"], data["unit"], data["citation"]) == (
        "2024-09-24",
        7,
        "working_days",
        "GS Art. 46(2)",
    )
    assert any("Mid-Autumn" in day["reason"] for day in data["skipped"])


def test_deadline_with_a_pause(client: TestClient) -> None:
    response = client.get(
        "/api/v1/rules/chongqing-2021/deadline",
        params={
            "duty": "objection.decide",
            "received": "2024-06-03",
            "pause": ["2024-06-04:2024-06-05:expert review"],
        },
    )
    assert response.status_code == 200
    assert response.json()["due"] == "2024-06-11"


@pytest.mark.parametrize(
    ("path", "params", "status", "field", "reason"),
    [
        ("/api/v1/rules/atlantis", {}, 404, "jurisdiction", "unknown_jurisdiction"),
        (
            "/api/v1/rules/atlantis/deadline",
            {"duty": "objection.decide", "received": "2024-06-03"},
            404,
            "jurisdiction",
            "unknown_jurisdiction",
        ),
        (
            "/api/v1/rules/gansu-2021/deadline",
            {"duty": "objection.decid", "received": "2024-06-03"},
            422,
            "duty",
            "unknown_duty",
        ),
        (
            "/api/v1/rules/chongqing-2021/deadline",
            {"duty": "revocation.delete", "received": "2024-06-03"},
            422,
            "duty",
            "not_provided",
        ),
        (
            "/api/v1/rules/gansu-2021/deadline",
            {"duty": "objection.decide", "received": "2024-13-01"},
            422,
            "received",
            "bad_date",
        ),
        ("/api/v1/rules/gansu-2021/deadline", {"duty": "objection.decide"}, 422, "received", "missing"),
        (
            "/api/v1/rules/gansu-2021/deadline",
            {"duty": "objection.decide", "received": "2021-12-31"},
            422,
            "received",
            "no_value_in_force",
        ),
        (
            "/api/v1/rules/hubei-2017-draft/deadline",
            {"duty": "objection.notify", "received": "2026-12-20"},
            422,
            "received",
            "unknown_year",
        ),
    ],
    ids=[
        "unknown jurisdiction",
        "deadline: unknown jurisdiction",
        "unknown duty",
        "duty not provided",
        "bad date",
        "missing received",
        "before GS took effect",
        "unknown year 2027",
    ],
)
def test_refusals_name_the_field_and_reason_in_both_languages(
    client: TestClient, path: str, params: dict, status: int, field: str, reason: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert (detail["field"], detail["reason"]) == (field, reason)
    assert detail["message_zh"] and detail["message_en"]


def test_openapi_describes_the_responses(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    deadline = schema["paths"]["/api/v1/rules/{jurisdiction}/deadline"]["get"]
    assert deadline["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/DeadlineOut"
    )
    assert {"404", "422"} <= set(deadline["responses"])
    assert "due" in schema["components"]["schemas"]["DeadlineOut"]["properties"]
