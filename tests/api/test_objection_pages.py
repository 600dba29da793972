"""The portal pages of objections (``xinyong.portal.objection_pages``): ``/me`` offers the objection
beside the subject's record, filing with grounds and an evidence file works and labels the record, the
subject's list and detail show each step's due date and countdown in Chinese and English (labels, never
internal codes); another subject sees nothing; the providing unit decides a transferred objection from
its queue (pages, never JSON)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient

from access_seed import UNIT, Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services import objections
from xinyong.services.identity import accounts as auth
from xinyong.store.models.auth import User

EVE = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)     # the eve of the National Day holiday
SETUP = Actor.system("objection-pages-test")
PASSWORD = "correct horse battery"  # noqa: S105 - a test password
CODES = ("objection.decide", "objection.notify", "objection.label", "platform_operator", "providing_unit",
         "received", "not_corrected", "transferred")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _account(platform, role: Role, *, organisation: str | None = None,  # type: ignore[no-untyped-def]
             subject_id: int | None = None) -> str:
    name = f"u{secrets.token_hex(4)}"
    with platform.unit_of_work(SETUP) as uow:
        user = auth.create_user(uow, username=name, role=role, password=PASSWORD, organisation=organisation,
                                subject_id=subject_id)
        if subject_id is not None:
            row = uow.session.get(User, user.id)
            row.real_name_verified_at, row.real_name_method = platform.clock.now(), "demo"
    return name


def _signed_in(client, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    browser = TestClient(client.app)
    page = browser.get("/login")
    done = browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text)},
                        follow_redirects=False)
    assert done.status_code == 303, done.text
    return browser


@pytest.fixture
def world(platform, client, clock):  # type: ignore[no-untyped-def]
    clock.set(EVE)
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范异议公司")
    other = seed.subject("legal_person", "他人公司")
    record = seed.record(org, "public_penalty", {"summary": "处罚事实"})
    return {"record": record, "platform": platform,
            "subject": _account(platform, Role.subject, subject_id=org),
            "other_subject": _account(platform, Role.subject, subject_id=other),
            "unit": _account(platform, Role.providing_unit, organisation=UNIT),
            "operator": _account(platform, Role.operator)}


def test_the_subject_objects_from_me_and_follows_the_steps(client, world) -> None:  # type: ignore[no-untyped-def]
    browser = _signed_in(client, world["subject"])
    me = browser.get("/me")
    assert f'/me/objections/new?record={world["record"]}' in me.text and "提出异议" in me.text
    form = browser.get(f"/me/objections/new?record={world['record']}")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    filed = browser.post("/me/objections", data={"record": str(world["record"]), "grounds": "处罚已被撤销",
                                                 "csrf_token": _csrf(form.text)},
                         files={"evidence": ("撤销决定.pdf", b"%PDF-1.4 x", "application/pdf")},
                         follow_redirects=False)
    assert filed.status_code == 303, filed.text
    page = browser.get(filed.headers["location"])
    text = _text(page.text)
    p = world["platform"]
    due = p.calendar.due(EVE.date(), 3, "working_days").due.isoformat()    # the center's 3 working days (CQ)
    assert "异议已提交" in text and "已受理" in text and f"{due} 前" in text and "个工作日" in text
    assert not any(code in text for code in CODES)
    english = _text(browser.get(filed.headers["location"] + "&lang=en").text)
    assert f"by {due}" in english and "working days" in english and "Received" in english
    assert not any(code in english for code in CODES)
    listing = _text(browser.get("/me/objections?lang=zh").text)
    assert due in listing and "已受理" in listing
    # the record now carries the label, and another subject sees neither the objection nor the record's form
    oid = int(filed.headers["location"].split("/")[-1].split("?")[0])
    other = _signed_in(client, world["other_subject"])
    assert other.get(f"/me/objections/{oid}").status_code == 404
    assert other.get(f"/me/objections/new?record={world['record']}").status_code == 404
    with p.sessions() as s:
        assert objections.get_objection(p, s, oid).evidence[0]["size"] == len(b"%PDF-1.4 x")


def test_a_refused_filing_shows_why_in_the_page_language(client, world) -> None:  # type: ignore[no-untyped-def]
    browser = _signed_in(client, world["subject"])
    form = browser.get(f"/me/objections/new?record={world['record']}&lang=en")
    empty = browser.post("/me/objections?lang=en", data={"record": str(world["record"]), "grounds": " ",
                                                          "csrf_token": _csrf(form.text)})
    assert empty.status_code == 422 and "the grounds is required" in empty.text
    forged = browser.post("/me/objections", data={"record": str(world["record"]), "grounds": "x",
                                                  "csrf_token": "0" * 64})
    assert forged.status_code == 403


def test_the_unit_decides_a_transferred_objection_from_its_queue(client, world) -> None:  # type: ignore[no-untyped-def]
    p = world["platform"]
    subject_id = _subject_of(p, world["record"])
    with p.unit_of_work(Actor(Role.operator, "user:x")) as uow:
        oid = objections.file_objection(uow, subject_id=subject_id, records=[world["record"]],
                                        grounds="金额有误", channel="counter", route="provider").id
        objections.transfer(uow, oid)
    unit = _signed_in(client, world["unit"])
    queue = unit.get("/staff/objections")
    assert queue.status_code == 200 and f'id="objection-{oid}"' in queue.text
    assert not any(code in _text(queue.text) for code in CODES)
    done = unit.post(f"/staff/objections/{oid}/decide", data={"outcome": "not_corrected", "reasons": "经核查属实",
                                                            "csrf_token": _csrf(queue.text)}, follow_redirects=False)
    assert done.status_code == 303, done.text
    with p.sessions() as s:
        assert objections.get_objection(p, s, oid).status == "decided"
    assert _signed_in(client, world["subject"]).get("/staff/objections").status_code == 403


def _subject_of(p, record_id: int) -> int:  # type: ignore[no-untyped-def]
    from xinyong.services.disclosure import resolve_record
    with p.sessions() as s:
        return resolve_record(s, record_id).subject_id


def test_refusal_then_reexamination_through_the_pages(client, world) -> None:  # type: ignore[no-untyped-def]
    """The center refuses an objection from its queue (with reasons); the subject asks for re-examination
    from the objection's page, where the regulation provides it; the competent department decides it from
    its queue; each page in the page's language, each form a page, never JSON."""
    p = world["platform"]
    if not p.rulebook.get(p.jurisdiction).has("objection.reexamine"):
        pytest.skip(f"{p.jurisdiction} provides no re-examination")
    subject_id = _subject_of(p, world["record"])
    with p.unit_of_work(Actor(Role.operator, "user:x")) as uow:
        oid = objections.file_objection(uow, subject_id=subject_id, records=[world["record"]],
                                        grounds="重复提出", channel="counter").id
    operator = _signed_in(client, world["operator"])
    queue = operator.get("/staff/objections")
    assert f'action="/staff/objections/{oid}/refuse' in queue.text and "不予受理" in queue.text
    empty = operator.post(f"/staff/objections/{oid}/refuse?lang=en", data={"reasons": " ",
                                                                          "csrf_token": _csrf(queue.text)})
    assert empty.status_code == 422 and "text/html" in empty.headers["content-type"] and "reasons" in empty.text
    refused = operator.post(f"/staff/objections/{oid}/refuse", data={"reasons": "以相同理由重复提出",
                                                                   "csrf_token": _csrf(queue.text)},
                            follow_redirects=False)
    assert refused.status_code == 303, refused.text
    subject = _signed_in(client, world["subject"])
    page = subject.get(f"/me/objections/{oid}")
    assert "不予受理" in _text(page.text) and f'action="/me/objections/{oid}/reexamination' in page.text
    asked = subject.post(f"/me/objections/{oid}/reexamination", data={"csrf_token": _csrf(page.text)},
                         follow_redirects=False)
    assert asked.status_code == 303, asked.text
    after = _text(subject.get(asked.headers["location"]).text)
    assert "复核申请已提交" in after and "复核中" in after and "社会信用主管部门" in after
    again = subject.post(f"/me/objections/{oid}/reexamination?lang=en", data={"csrf_token": _csrf(page.text)})
    assert again.status_code == 409 and "text/html" in again.headers["content-type"]
    assert operator.get("/staff/objections").text.count(f'/staff/objections/{oid}/reexamine') == 0
    department = _signed_in(client, _account(p, Role.competent_department, organisation="dept"))
    dq = department.get("/staff/objections?lang=en")
    assert f'action="/staff/objections/{oid}/reexamine' in dq.text and "Upheld" in dq.text
    assert not any(code in _text(dq.text) for code in CODES)
    decided = department.post(f"/staff/objections/{oid}/reexamine", data={
        "outcome": "upheld", "reasons": "经复核，原处理结果正确", "csrf_token": _csrf(dq.text)}, follow_redirects=False)
    assert decided.status_code == 303, decided.text
    with p.sessions() as s:
        view = objections.get_objection(p, s, oid)
    assert view.status == "closed" and view.reexamination_outcome == "upheld"
    assert f'action="/me/objections/{oid}/reexamination' not in subject.get(f"/me/objections/{oid}").text
