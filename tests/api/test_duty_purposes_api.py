"""``/api/v1/duty-purposes`` and the duty inquiry over the API under a regulation that lists no duty
purposes (the test default, CQ): registered, unregistered, withdrawn and another department's
purposes; who may register and withdraw; the one error shape."""

from __future__ import annotations

from datetime import date

import pytest

from access_seed import Seed, uscc
from xinyong.domain.identity.actors import Role
from xinyong.services.disclosure.rules_in_force import policy_rules

BODY = {"key": "administrative_permit", "duty": "依法实施行政许可", "legal_basis": "《示范法》第十条",
        "label_zh": "实施行政许可", "label_en": "Granting administrative permits"}


@pytest.fixture
def world(platform):  # type: ignore[no-untyped-def]
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范事项有限公司", uscc(7171))
    seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    return {"org": org,
            "dept": seed.user(Role.duty_department, organisation="dept-x", token=True)[1],
            "other": seed.user(Role.duty_department, organisation="dept-y", token=True)[1],
            "operator": seed.user(Role.operator, organisation="center", token=True)[1],
            "unit": seed.user(Role.providing_unit, organisation="dept-x", token=True)[1]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def inquire(client, world, token: str, purpose: str = "administrative_permit"):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/subjects/{world['org']}/records", params={"mode": "duty", "purpose": purpose},
                      headers=bearer(token))


def test_a_duty_inquiry_needs_a_registered_purpose_in_force(client, platform, world) -> None:  # type: ignore[no-untyped-def]
    refused = inquire(client, world, world["dept"])
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert detail["reason"] == "purpose_not_registered" and detail["field"] == "purpose"
    assert detail["cite"] == policy_rules(platform, platform.clock.today()).modes["duty"]
    assert detail["message_zh"] and detail["message_en"] and detail["inquiry_id"]

    made = client.post("/api/v1/duty-purposes", json=BODY, headers=bearer(world["dept"]))
    assert made.status_code == 201, made.text
    assert made.json()["organisation"] == "dept-x" and made.json()["state"] == "in_force"
    assert inquire(client, world, world["dept"]).status_code == 200
    assert inquire(client, world, world["dept"], "inspection").status_code == 403      # not registered
    assert inquire(client, world, world["other"]).status_code == 403                   # another department's

    listed = client.get("/api/v1/duty-purposes", params={"organisation": "dept-x"})    # public: published
    assert listed.status_code == 200 and [p["key"] for p in listed.json()] == ["administrative_permit"]

    gone = client.delete("/api/v1/duty-purposes/administrative_permit", headers=bearer(world["dept"]))
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    withdrawn = inquire(client, world, world["dept"])
    assert withdrawn.status_code == 403 and withdrawn.json()["detail"]["reason"] == "purpose_not_registered"
    assert client.get("/api/v1/duty-purposes", params={"organisation": "dept-x"}).json() == []
    history = client.get("/api/v1/duty-purposes", params={"organisation": "dept-x", "include_withdrawn": True})
    assert [p["state"] for p in history.json()] == ["withdrawn"]


def test_who_may_register_and_withdraw_over_the_api(client, world) -> None:  # type: ignore[no-untyped-def]
    anonymous = client.post("/api/v1/duty-purposes", json=BODY)
    assert anonymous.status_code == 401 and anonymous.json()["detail"]["reason"] == "sign_in_required"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    foreign = client.post("/api/v1/duty-purposes", json={**BODY, "organisation": "dept-y"},
                          headers=bearer(world["dept"]))
    assert foreign.status_code == 403 and foreign.json()["detail"]["reason"] == "not_own_department"
    unit = client.post("/api/v1/duty-purposes", json=BODY, headers=bearer(world["unit"]))
    assert unit.status_code == 403
    by_operator = client.post("/api/v1/duty-purposes", json={**BODY, "organisation": "dept-y"},
                              headers=bearer(world["operator"]))
    assert by_operator.status_code == 201 and by_operator.json()["organisation"] == "dept-y"
    assert inquire(client, world, world["other"]).status_code == 200
    twice = client.post("/api/v1/duty-purposes", json=BODY, headers=bearer(world["other"]))
    assert twice.status_code == 409 and twice.json()["detail"]["reason"] == "already_registered"
    not_theirs = client.delete("/api/v1/duty-purposes/administrative_permit", params={"organisation": "dept-y"},
                               headers=bearer(world["dept"]))
    assert not_theirs.status_code == 403
    unknown = client.delete("/api/v1/duty-purposes/never_registered", headers=bearer(world["dept"]))
    assert unknown.status_code == 404 and unknown.json()["detail"]["field"] == "key"
    assert client.delete("/api/v1/duty-purposes/administrative_permit").status_code == 401


@pytest.mark.parametrize(("change", "field"), [
    ({"key": "Bad Key!"}, "key"), ({"legal_basis": "   "}, "legal_basis"), ({"label_en": " "}, "label_en"),
    ({"organisation": "has space"}, "organisation")])
def test_a_bad_registration_is_refused_with_the_field(client, world, change, field) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/duty-purposes", json={**BODY, **change}, headers=bearer(world["operator"]))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["field"] == field and detail["message_zh"] and detail["message_en"]
    assert client.get("/api/v1/duty-purposes").json() == []
    missing = client.post("/api/v1/duty-purposes", json={k: v for k, v in BODY.items() if k != "legal_basis"},
                          headers=bearer(world["operator"]))
    assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "legal_basis"
