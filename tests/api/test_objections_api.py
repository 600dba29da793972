"""Objections over the API: the subject files against its own records and sees only its own
objections (another's is a 404, as is a record of another subject), the grounds are shown to the subject
and staff only, the operator transfers, only the unit it went to decides, evidence is uploaded and
downloaded by the subject and staff, a stale decision is a 409; the JSON contract of ``duties``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from access_seed import UNIT, Seed
from xinyong.domain.identity.actors import Role

DUTY_KEYS = {"key", "owner", "due", "provisional", "cite", "status"}
EVE = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(platform, client, clock):  # type: ignore[no-untyped-def]
    clock.set(EVE)
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范异议公司")
    other = seed.subject("legal_person", "别家公司")
    record = seed.record(org, "public_penalty", {"summary": "罚款"})
    others_record = seed.record(other, "public_penalty", {"summary": "别家罚款"})
    _o, operator = seed.user(Role.operator, token=True)
    _u, unit = seed.user(Role.providing_unit, organisation=UNIT, token=True)
    _x, stranger_unit = seed.user(Role.providing_unit, organisation="other-unit", token=True)
    _s, subject = seed.user(Role.subject, subject_id=org, token=True)
    _t, other_subject = seed.user(Role.subject, subject_id=other, token=True)
    return {"org": org, "record": record, "others_record": others_record, "operator": operator, "unit": unit,
            "stranger_unit": stranger_unit, "subject": subject, "other_subject": other_subject}


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_subject_files_and_only_it_and_staff_see_the_grounds(client, world) -> None:  # type: ignore[no-untyped-def]
    body = {"records": [str(world["record"])], "grounds": "处罚已被撤销"}
    assert client.post("/api/v1/objections", json=body).status_code == 401
    made = client.post("/api/v1/objections", json=body, headers=_h(world["subject"]))
    assert made.status_code == 201, made.text
    data = made.json()
    assert data["status"] == "received" and data["channel"] == "api" and data["grounds"] == "处罚已被撤销"
    assert data["duties"] and all(DUTY_KEYS <= set(d) for d in data["duties"])
    oid = data["id"]
    # another subject: the objection is unknown, and so is a record of another subject
    assert client.get(f"/api/v1/objections/{oid}", headers=_h(world["other_subject"])).status_code == 404
    assert client.get("/api/v1/objections", headers=_h(world["other_subject"])).json() == []
    theirs = client.post("/api/v1/objections", json={"records": [str(world["others_record"])], "grounds": "x"},
                         headers=_h(world["subject"]))
    assert theirs.status_code == 404 and theirs.json()["detail"]["reason"] == "record_unknown"
    # a subject cannot register at the counter
    counter = client.post("/api/v1/objections", json={**body, "subject": str(world["org"])},
                          headers=_h(world["subject"]))
    assert counter.status_code == 403
    # the operator sees it with the grounds; a unit not transferred to sees nothing
    assert client.get(f"/api/v1/objections/{oid}", headers=_h(world["operator"])).json()["grounds"]
    assert client.get(f"/api/v1/objections/{oid}", headers=_h(world["unit"])).status_code == 404


def test_counter_transfer_and_the_units_decision(client, world) -> None:  # type: ignore[no-untyped-def]
    body = {"records": [str(world["record"])], "grounds": "金额有误", "subject": str(world["org"]),
            "received": "2026-09-29T09:00:00+08:00", "route": "provider"}
    made = client.post("/api/v1/objections", json=body, headers=_h(world["operator"]))
    assert made.status_code == 201, made.text
    oid = made.json()["id"]
    assert made.json()["channel"] == "counter" and made.json()["received_on"] == "2026-09-29"
    assert client.post(f"/api/v1/objections/{oid}/transfer", headers=_h(world["unit"])).status_code == 403
    moved = client.post(f"/api/v1/objections/{oid}/transfer", headers=_h(world["operator"]))
    assert moved.status_code == 200 and moved.json()["status"] == "transferred"
    provider = next(d for d in moved.json()["duties"] if d["key"] == "objection.provider_decide")
    assert provider["owner"] == "providing_unit" and provider["due"]
    # the unit sees it in its queue, without the subject's grounds; another unit neither sees nor decides it
    queue = client.get("/api/v1/objections", headers=_h(world["unit"])).json()
    assert [o["id"] for o in queue] == [oid] and "grounds" not in queue[0]
    decision = {"outcome": "not_corrected", "reasons": "经核查属实"}
    assert client.post(f"/api/v1/objections/{oid}/decide", json=decision,
                       headers=_h(world["stranger_unit"])).status_code == 404
    done = client.post(f"/api/v1/objections/{oid}/decide", json=decision, headers=_h(world["unit"]))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "decided" and done.json()["notices"][0]["kind"] == "objection_result"
    again = client.post(f"/api/v1/objections/{oid}/decide", json=decision, headers=_h(world["operator"]))
    assert again.status_code == 409


def test_a_stale_decision_is_a_conflict(client, world) -> None:  # type: ignore[no-untyped-def]
    made = client.post("/api/v1/objections", json={"records": [str(world["record"])], "grounds": "不实"},
                       headers=_h(world["subject"])).json()
    seen = made["version"]
    first = client.post(f"/api/v1/objections/{made['id']}/refuse", json={"reasons": "无正当理由", "version": seen},
                        headers=_h(world["operator"]))
    assert first.status_code == 200
    second = client.post(f"/api/v1/objections/{made['id']}/decide",
                         json={"outcome": "corrected", "reasons": "更正", "version": seen},
                         headers=_h(world["operator"]))
    assert second.status_code == 409 and second.json()["detail"]["reason"] == "conflict"


def test_evidence_upload_and_download(client, world) -> None:  # type: ignore[no-untyped-def]
    oid = client.post("/api/v1/objections", json={"records": [str(world["record"])], "grounds": "有证据"},
                      headers=_h(world["subject"])).json()["id"]
    up = client.post(f"/api/v1/objections/{oid}/evidence", files={"file": ("撤销决定.pdf", b"%PDF-1.4 x",
                                                                           "application/pdf")},
                     headers=_h(world["subject"]))
    assert up.status_code == 201, up.text
    (ev,) = up.json()["evidence"]
    got = client.get(f"/api/v1/objections/{oid}/evidence/{ev['id']}", headers=_h(world["subject"]))
    assert got.status_code == 200 and got.content == b"%PDF-1.4 x"
    assert got.headers["content-type"] == "application/octet-stream"
    assert client.get(f"/api/v1/objections/{oid}/evidence/{ev['id']}",
                      headers=_h(world["other_subject"])).status_code == 404
    assert client.get(f"/api/v1/objections/{oid}/evidence/{ev['id']}",
                      headers=_h(world["unit"])).status_code == 403
    assert client.get(f"/api/v1/objections/{oid}/evidence/{ev['id']}",
                      headers=_h(world["operator"])).status_code == 200
