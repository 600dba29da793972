"""The inquiry API: status codes and bodies of served, refused and unlogged inquiries; the subject's
own log and authorizations; the public pages' data; the operators' sweep."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from access_seed import Seed, uscc
from xinyong.domain.identity.actors import Role


@pytest.fixture
def world(platform):  # type: ignore[no-untyped-def]
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范接口有限公司", uscc(5151))
    person = seed.subject("natural_person", "孙八九")
    w = {"seed": seed, "org": org, "person": person, "org_uscc": uscc(5151)}
    w["org_penalty"] = seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    w["org_permit"] = seed.record(org, "admin_permit", decision_date=date(2026, 3, 2))
    w["person_private"] = seed.record(person, "private_detail")
    w["subject"] = seed.user(Role.subject, subject_id=person, token=True)[1]
    w["duty"] = seed.user(Role.duty_department, organisation="dept-api", token=True)[1]
    seed.duty_purposes("dept-api", "administrative_permit")      # CQ lists none: the department registers it
    w["operator"] = seed.user(Role.operator, organisation="center", token=True)[1]
    return w


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_served_inquiry(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/subjects/{world['org_uscc']}/records")
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "lawful_disclosure" and body["inquiry_id"] >= 1
    assert {r["id"] for r in body["records"]} == {world["org_penalty"], world["org_permit"]}
    assert all(r["reasons"][0]["cite"] for r in body["records"])


def test_refused_inquiry_says_why_with_the_article(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/subjects/{world['person']}/records")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail["reason"] == "natural_person_not_public" and detail["cite"] and detail["inquiry_id"]
    assert detail["message_zh"] and detail["message_en"]
    duty = client.get(f"/api/v1/subjects/{world['person']}/records", params={"mode": "duty"},
                      headers=bearer(world["duty"]))
    assert duty.status_code == 403 and duty.json()["detail"]["reason"] == "purpose_missing"


def test_unknown_subject_and_bad_input(client, world) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/api/v1/subjects/{uscc(8080)}/records").status_code == 404
    bad = client.get("/api/v1/subjects/not-an-id/records")
    assert bad.status_code == 422 and bad.json()["detail"]["reason"] == "subject_ref_invalid"
    assert client.get(f"/api/v1/subjects/{world['org']}/records", params={"mode": "gossip"}).status_code == 422
    assert client.get("/api/v1/records/999999/explain").status_code == 404


def test_nothing_is_served_when_the_inquiry_cannot_be_logged(client, platform, world) -> None:  # type: ignore[no-untyped-def]
    def refuse(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO INQUIRY_LOG"):
            raise RuntimeError("log unavailable")

    event.listen(platform.engine, "before_cursor_execute", refuse)
    try:
        response = client.get(f"/api/v1/subjects/{world['org_uscc']}/records")
    finally:
        event.remove(platform.engine, "before_cursor_execute", refuse)
    assert response.status_code == 503
    assert response.json()["detail"]["reason"] == "inquiry_not_logged"
    assert "records" not in response.text


def test_the_caller_of_an_inquiry_is_found_with_the_same_refusals(client, platform, world) -> None:  # type: ignore[no-untyped-def]
    """The inquiry endpoint looks its caller up inside the inquiry's own transaction: an unknown or
    revoked token is still refused with 401 and nothing is logged; a portal session is still the
    signed-in subject."""
    from sqlalchemy import func, select

    from xinyong.api.deps import SESSION_COOKIE
    from xinyong.domain.identity.actors import Actor
    from xinyong.services.identity import accounts as auth
    from xinyong.store.models.access import InquiryLog
    from xinyong.store.models.auth import ApiToken, User

    def logged() -> int:
        with platform.sessions() as session:
            return session.scalar(select(func.count(InquiryLog.id)))

    path = f"/api/v1/subjects/{world['person']}/records"
    unknown = client.get(path, headers=bearer("xyu_nope"), params={"mode": "self"})
    assert unknown.status_code == 401 and unknown.json()["detail"]["reason"] == "token_invalid"
    assert unknown.headers["www-authenticate"] == "Bearer"
    with platform.unit_of_work(Actor.system("test")) as uow:
        token = uow.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == auth.digest(world["subject"])))
        token.revoked_at = platform.clock.now()
    assert client.get(path, headers=bearer(world["subject"])).status_code == 401
    assert logged() == 0
    with platform.unit_of_work(Actor.system("test")) as uow:
        secret = auth.start_session(uow, uow.session.get(User, token.user_id))
    client.cookies.set(SESSION_COOKIE, secret)
    own = client.get(path)
    assert own.status_code == 200 and own.json()["mode"] == "self"
    assert [r["id"] for r in own.json()["records"]] == [world["person_private"]]
    assert logged() == 1


def test_explain(client, world) -> None:  # type: ignore[no-untyped-def]
    public = client.get(f"/api/v1/records/{world['org_penalty']}/explain").json()
    assert public["visible"] is True and public["mode"] == "lawful_disclosure" and public["reasons"][0]["cite"]
    own = client.get(f"/api/v1/records/{world['person_private']}/explain", headers=bearer(world["subject"])).json()
    assert own["visible"] is True and own["mode"] == "self"


def test_explain_tells_no_one_of_a_record_they_may_not_know_about(client, world, platform) -> None:  # type: ignore[no-untyped-def]
    """Anonymous and wrongly privileged callers get, for a natural person's record they may not see,
    byte for byte the answer to an id that names no record; the log keeps the real reason."""
    from sqlalchemy import select

    from xinyong.store.models.access import InquiryLog

    stranger = world["seed"].user(Role.subject, subject_id=world["seed"].subject("natural_person", "李九十"),
                                  token=True)[1]
    institution = world["seed"].user(Role.service_institution, organisation=uscc(5252), token=True)[1]
    callers = {"anonymous": ({}, {}), "another person": (bearer(stranger), {}),
               "another person, self mode": (bearer(stranger), {"mode": "self"}),
               "department, no purpose": (bearer(world["duty"]), {"mode": "duty"}),
               "department, by duty": (bearer(world["duty"]), {"purpose": "administrative_permit"}),
               "institution, no authorization": (bearer(institution), {"mode": "authorized"}),
               "operator": (bearer(world["operator"]), {})}
    unknown_id = 2**31 - 1
    for name, (headers, params) in callers.items():
        unknown = client.get(f"/api/v1/records/{unknown_id}/explain", params=params, headers=headers)
        with platform.sessions() as session:
            before = session.scalar(select(InquiryLog.id).order_by(InquiryLog.id.desc()).limit(1)) or 0
        hidden = client.get(f"/api/v1/records/{world['person_private']}/explain", params=params, headers=headers)
        assert unknown.status_code == 404 and unknown.json()["detail"]["reason"] == "record_unknown", name
        assert (hidden.status_code, hidden.content) == (unknown.status_code, unknown.content), name
        assert hidden.headers.get("content-length") == unknown.headers.get("content-length"), name
        with platform.sessions() as session:           # still decided by the policy, and logged with why
            (row,) = session.scalars(select(InquiryLog).where(InquiryLog.id > before))
        assert row.channel == "explain" and row.subject_id == world["person"], name
        assert row.refused_reason or row.denied_records[0][1], name


def test_the_subjects_own_log_and_authorizations(client, world) -> None:  # type: ignore[no-untyped-def]
    client.get(f"/api/v1/subjects/{world['person']}/records", params={"purpose": "administrative_permit"},
               headers=bearer(world["duty"]))
    log = client.get("/api/v1/me/inquiries", headers=bearer(world["subject"])).json()
    assert log["total"] == 1 and log["entries"][0]["organisation"] == "dept-api"
    assert log["entries"][0]["purpose"] == "administrative_permit"
    grant = client.post("/api/v1/me/authorizations", headers=bearer(world["subject"]), json={
        "grantee": uscc(6161), "purpose": "loan_review", "scope": ["private_detail"],
        "valid_until": "2026-12-31", "document_ref": "授权书-1"})
    assert grant.status_code == 201 and grant.json()["state"] == "in_force"
    bad = client.post("/api/v1/me/authorizations", headers=bearer(world["subject"]), json={
        "grantee": uscc(6161), "purpose": "loan_review", "scope": ["nope"], "valid_until": "2026-12-31",
        "document_ref": "x"})
    assert bad.status_code == 422 and bad.json()["detail"]["reason"] == "unknown_item"
    listed = client.get("/api/v1/me/authorizations", headers=bearer(world["subject"])).json()
    assert [a["id"] for a in listed] == [grant.json()["id"]]
    revoked = client.delete(f"/api/v1/me/authorizations/{grant.json()['id']}", headers=bearer(world["subject"]))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert client.post("/api/v1/me/authorizations", json={}).status_code in (401, 422)
    assert client.get("/api/v1/me/authorizations", headers=bearer(world["duty"])).status_code == 403


def test_the_subjects_own_pages_refuse_the_public_and_the_unverified(client, world) -> None:  # type: ignore[no-untyped-def]
    anonymous = client.get("/api/v1/me/inquiries")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json() == {"detail": {"field": "Authorization", "reason": "sign_in_required",
                                           "message_zh": "请先登录", "message_en": "sign in first"}}
    department = client.post("/api/v1/me/withheld/1", headers=bearer(world["duty"]))
    assert department.status_code == 403 and "www-authenticate" not in department.headers
    assert department.json() == {"detail": {"field": None, "reason": "not_verified",
                                            "message_zh": "只有完成实名核验的信用主体可以这样做",
                                            "message_en": "only a real-name verified credit subject can do this"}}


def test_withholding_where_the_regulation_gives_no_such_right(client, world) -> None:  # type: ignore[no-untyped-def]
    rid = world["seed"].record(world["person"], "commendation")
    response = client.post(f"/api/v1/me/withheld/{rid}", headers=bearer(world["subject"]))
    assert response.status_code == 409 and response.json()["detail"]["reason"] == "not_provided"
    assert client.delete(f"/api/v1/me/withheld/{world['org_penalty']}",
                         headers=bearer(world["subject"])).status_code == 404   # not the subject's record
    assert client.delete(f"/api/v1/me/withheld/{rid}", headers=bearer(world["subject"])).status_code == 204


def test_public_pages_data(client, world) -> None:  # type: ignore[no-untyped-def]
    hits = client.get("/api/v1/public/organisations", params={"q": "示范接口"}).json()
    assert hits == [{"id": world["org"], "kind": "legal_person", "name": "示范接口有限公司", "uscc": world["org_uscc"]}]
    assert client.get("/api/v1/public/organisations", params={"q": "孙八九"}).json() == []
    records = client.get(f"/api/v1/public/organisations/{world['org_uscc']}/records").json()
    assert {r["id"] for r in records["records"]} == {world["org_penalty"], world["org_permit"]}
    assert client.get(f"/api/v1/public/organisations/{world['person']}/records").status_code == 403
    listing = client.get("/api/v1/public/double-publicity").json()
    assert {e["record"]["id"] for e in listing} == {world["org_penalty"], world["org_permit"]}
    assert {e["kind"] for e in listing} == {"penalty", "permit"}
    assert client.get("/api/v1/public/double-publicity", params={"kind": "other"}).status_code == 422
    catalog = client.get("/api/v1/public/catalog")
    assert catalog.status_code == 200 and {i["code"] for i in catalog.json()["items"]} >= {"admin_permit"}
    assert client.get("/api/v1/public/catalog/versions").status_code == 200


def test_the_sweep_is_for_operators(client, world) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/inquiry-log/purge").status_code == 401
    assert client.post("/api/v1/inquiry-log/purge", headers=bearer(world["subject"])).status_code == 403
    response = client.post("/api/v1/inquiry-log/purge", headers=bearer(world["operator"]))
    assert response.status_code == 200
    assert response.json()["cutoff"] == "2023-03-18" and response.json()["retention"] == 3
