"""Revocations and restorations over the API and the CLI: roles, the JSON contract (``id``, ``status``,
``duties`` of ``{key, owner, due, provisional, cite, status}``), no fee field anywhere, and a crawl of every
GET route, as the public, a department inquiring by duty and the subject itself: a revoked or restored
record's content appears nowhere."""

from __future__ import annotations

import itertools
import json
import re
import secrets
from datetime import UTC, date, datetime

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from access_seed import UNIT, Seed
from xinyong.domain.identity.actors import Role

DUTY_KEYS = {"key", "owner", "due", "provisional", "cite", "status"}
EVE = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(platform, client, clock):  # type: ignore[no-untyped-def]
    clock.set(EVE)
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范撤销公司")
    tokens = {"revoked": "CANARY" + secrets.token_hex(5).upper(), "restored": "CANARY" + secrets.token_hex(5).upper()}
    records = {k: seed.record(org, "public_penalty", {"summary": f"处罚事实 {t}"}, conduct_ended=date(2025, 1, 1),
                              decision_date=date(2025, 1, 1)) for k, t in tokens.items()}
    _o, operator = seed.user(Role.operator, token=True)
    _u, unit = seed.user(Role.providing_unit, organisation=UNIT, token=True)
    _s, subject = seed.user(Role.subject, subject_id=org, token=True)
    _d, duty = seed.user(Role.duty_department, organisation="dept-r", token=True)
    seed.duty_purposes("dept-r", "administrative_permit")
    return {"org": org, "tokens": tokens, "records": records, "operator": operator, "unit": unit,
            "subject": subject, "duty": duty}


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _keys(d):  # type: ignore[no-untyped-def]
    if isinstance(d, dict):
        for k, v in d.items():
            yield k
            yield from _keys(v)
    elif isinstance(d, list):
        for v in d:
            yield from _keys(v)


def test_report_apply_decide_and_the_json_contract(client, world) -> None:  # type: ignore[no-untyped-def]
    records = world["records"]
    # roles: the public, a department and the subject may not report a revocation
    body = {"record": str(records["revoked"]), "grounds": "court", "basis": "判决撤销"}
    assert client.post("/api/v1/revocations", json=body).status_code == 401
    assert client.post("/api/v1/revocations", json=body, headers=_h(world["duty"])).status_code == 403
    assert client.post("/api/v1/revocations", json=body, headers=_h(world["subject"])).status_code == 403
    made = client.post("/api/v1/revocations", json=body, headers=_h(world["unit"]))
    assert made.status_code == 201, made.text
    rev = made.json()
    assert rev["status"] == "erased" and {d["key"] for d in rev["duties"]} == {"revocation.delete"}
    assert all(DUTY_KEYS <= set(d) for d in rev["duties"])
    assert rev["duties"][0]["time_limit"]["en"] == "the State's time limit; none configured"   # chongqing
    assert client.get(f"/api/v1/revocations/{rev['id']}", headers=_h(world["subject"])).status_code == 200
    assert client.get(f"/api/v1/revocations/{rev['id']}", headers=_h(world["duty"])).status_code == 404
    # restoration: the subject applies for its own record
    applied = client.post("/api/v1/restorations", json={"record": str(records["restored"]), "commitment": "承诺"},
                          headers=_h(world["subject"]))
    assert applied.status_code == 201, applied.text
    app = applied.json()
    assert {"id", "status", "duties", "record", "notices"} <= set(app) and app["status"] == "received"
    assert all(DUTY_KEYS <= set(d) for d in app["duties"]) and app["duties"][0]["key"] == "restoration.decide"
    assert not [k for k in _keys(app) if re.search("fee|charge|price", k)]
    # the queue: the operator and the unit see it, a department may not
    assert [a["id"] for a in client.get("/api/v1/restorations", headers=_h(world["operator"])).json()] == [app["id"]]
    assert [a["id"] for a in client.get("/api/v1/restorations", headers=_h(world["unit"])).json()] == [app["id"]]
    assert client.get("/api/v1/restorations", headers=_h(world["duty"])).status_code == 403
    # the subject may not decide its own application
    decide = {"decision": "grant", "reasons": "已履行"}
    assert client.post(f"/api/v1/restorations/{app['id']}/decide", json=decide,
                       headers=_h(world["subject"])).status_code == 403
    stale = client.post(f"/api/v1/restorations/{app['id']}/decide", json={**decide, "version": 99},
                        headers=_h(world["unit"]))
    assert stale.status_code == 409 and stale.json()["detail"]["reason"] == "already_decided"
    granted = client.post(f"/api/v1/restorations/{app['id']}/decide", json=decide, headers=_h(world["unit"]))
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    again = client.post(f"/api/v1/restorations/{app['id']}/decide", json=decide, headers=_h(world["operator"]))
    assert again.status_code == 409
    # no fee field in the API's schema either
    schema = json.dumps(client.get("/openapi.json").json()["components"]["schemas"].get("RestorationIn", {}))
    assert "commitment" in schema and not re.search("fee|charge|price", schema)


def _routes(app):  # type: ignore[no-untyped-def]
    def flatten(routes):  # type: ignore[no-untyped-def]
        for route in routes:
            inner = getattr(route, "original_router", None)
            yield from flatten(inner.routes) if inner is not None else [route]
    for route in flatten(app.routes):
        if isinstance(route, Route | APIRoute) and not isinstance(route, Mount) and "GET" in (route.methods or set()) \
                and not route.path.startswith("/static"):
            yield route


def _crawl(client, world, headers) -> list[str]:  # type: ignore[no-untyped-def]
    values = ["1", str(world["org"]), *(str(r) for r in world["records"].values()), f"{UNIT}%2Fk1"]
    queries = [{}, {"mode": "self"}, {"mode": "duty", "purpose": "administrative_permit"},
               {"identifier": str(world["org"])}, {"items": "public_penalty"}, {"q": "示范"}]
    leaks = []
    for route in _routes(client.app):
        names = re.findall(r"{([^}:]+)(?::[^}]*)?}", route.path)
        for combo in itertools.islice(itertools.product(values, repeat=len(names)), 40):
            path = route.path
            for name, value in zip(names, combo, strict=True):
                path = re.sub(r"{" + name + r"(?::[^}]*)?}", value, path)
            for query in queries if not names or combo[0] == str(world["org"]) else queries[:2]:
                text = client.get(path, params=query, headers=headers).text
                leaks += [f"{path} {query}" for t in world["tokens"].values() if t in text]
    return leaks


def test_revoked_and_restored_content_is_on_no_read_path(client, world) -> None:  # type: ignore[no-untyped-def]
    org, records = world["org"], world["records"]
    own = client.get(f"/api/v1/subjects/{org}/records", headers=_h(world["subject"])).text
    assert all(t in own for t in world["tokens"].values())           # the crawl can fail: the tokens are served
    public = client.get(f"/api/v1/public/organisations/{org}/records").text
    assert all(t in public for t in world["tokens"].values())
    assert client.post("/api/v1/revocations", json={"record": str(records["revoked"]), "basis": "复议撤销",
                                                    "grounds": "reconsideration"},
                       headers=_h(world["operator"])).status_code == 201
    app = client.post("/api/v1/restorations", json={"record": str(records["restored"]), "commitment": "承诺",
                                                     "subject": str(org)}, headers=_h(world["operator"])).json()
    assert app["channel"] == "counter"
    assert client.post(f"/api/v1/restorations/{app['id']}/decide", json={"decision": "grant", "reasons": "已履行"},
                       headers=_h(world["operator"])).status_code == 200
    for who in ({}, _h(world["duty"]), _h(world["subject"])):
        assert _crawl(client, world, who) == []


def test_cli_json_contract(platform, settings, clock, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from xinyong.cli import app
    from xinyong.settings import reset_settings

    monkeypatch.setenv("XINYONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", settings.jurisdiction)
    reset_settings()
    runner = CliRunner()
    try:
        ref = f"{UNIT}/" + _record_key(platform, world["records"]["restored"])
        applied = runner.invoke(app, ["restorations", "apply", "--subject", str(world["org"]), "--record", ref,
                                      "--commitment", "承诺守信", "--received", "2026-09-29T09:00:00", "--json"])
        assert applied.exit_code == 0, applied.output
        a = json.loads(applied.output.strip().splitlines()[-1])
        assert a["status"] == "received" and a["received_on"] == "2026-09-29" and a["channel"] == "counter"
        assert all(DUTY_KEYS <= set(d) for d in a["duties"])
        shown = runner.invoke(app, ["restorations", "show", str(a["id"]), "--json"])
        assert json.loads(shown.output.strip().splitlines()[-1])["id"] == a["id"]
        listed = runner.invoke(app, ["restorations", "list", "--json"])
        assert [x["id"] for x in json.loads(listed.output.strip().splitlines()[-1])] == [a["id"]]
        decided = runner.invoke(app, ["restorations", "decide", str(a["id"]), "--refuse", "--reasons", "未履行",
                                      "--json"])
        assert decided.exit_code == 0 and json.loads(decided.output.strip().splitlines()[-1])["status"] == "refused"
        twice = runner.invoke(app, ["restorations", "decide", str(a["id"]), "--grant", "--reasons", "x"])
        assert twice.exit_code == 2
        revoked = runner.invoke(app, ["revocations", "report", str(world["records"]["revoked"]), "--basis", "撤销",
                                      "--grounds", "court", "--json"])
        assert revoked.exit_code == 0, revoked.output
        r = json.loads(revoked.output.strip().splitlines()[-1])
        assert r["status"] == "erased" and r["duties"][0]["key"] == "revocation.delete"
        assert runner.invoke(app, ["revocations", "show", str(r["id"]), "--json"]).exit_code == 0
        unknown = runner.invoke(app, ["revocations", "report", "nowhere/none", "--basis", "x"])
        assert unknown.exit_code == 2
    finally:
        reset_settings()


def _record_key(platform, rid: int) -> str:  # type: ignore[no-untyped-def]
    from xinyong.services.disclosure import resolve_record
    with platform.sessions() as s:
        return resolve_record(s, rid).record_key
