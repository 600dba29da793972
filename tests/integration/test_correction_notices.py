"""Corrections reach the organisations that received copies, on the subject's request, where the rule file
gives the right (``objection.forward_corrections``: the Beijing draft's Art. 37): a correction notice to
every organisation the inquiry log shows receiving the corrected record, read by it over the API (the first
read is the delivery) and acknowledged, each step in the ledger; the subject sees who was notified and when;
refused naming the rule key where the regulation gives no such right, and when nothing was corrected."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from access_seed import Seed, uscc
from xinyong.api.app import create_app
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import objections
from xinyong.services.disclosure import inquiry
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.ledger import LedgerEntry

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
OPERATOR = Actor(Role.operator, "user:1")
BANK, LENDER, BYSTANDER = uscc(770001), uscc(770002), uscc(770003)
NAME = "示范更正公司"


@pytest.fixture
def make(platform_under):  # type: ignore[no-untyped-def]
    """A platform under a regulation, the clock at ``FILED``."""
    def build(jurisdiction: str) -> Platform:
        return platform_under(jurisdiction, FILED)

    return build


def _world(p: Platform) -> dict:  # type: ignore[type-arg]
    """A company with a penalty that two institutions read (the inquiry log says so) and a third did not."""
    seed = Seed(p).catalog()
    for code in (BANK, LENDER, BYSTANDER):
        seed.institution(code)
    identifier = uscc(770100)
    subject = seed.subject("legal_person", NAME, identifier)
    record = seed.record(subject, "public_penalty", {"summary": "罚款 5000 元"}, conduct_ended=date(2025, 1, 1))
    for code in (BANK, LENDER):
        result = inquiry.inquire(p, Actor(Role.service_institution, f"user:{code[-4:]}", code), subject_ref=identifier,
                                 mode="lawful_disclosure")
        assert record in [r.id for r in result.records], result
    return {"subject": subject, "record": record}


def _decide_corrected(p: Platform, objection_id: int, record: int) -> None:
    with p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="corrected", reasons="金额有误，已更正",
                          corrections={str(record): {"summary": "罚款 500 元"}})


def _file(p: Platform, w: dict, **kw) -> int:  # type: ignore[no-untyped-def, type-arg]
    with p.unit_of_work(OPERATOR) as uow:
        return objections.file_objection(uow, subject_id=w["subject"], records=[str(w["record"])],
                                         grounds="金额录入错误", channel="counter", **kw).id


def _h(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_subject_asks_and_each_recipient_reads_and_acknowledges_its_notice(make) -> None:
    p = make("beijing-draft")
    w = _world(p)
    objection_id = _file(p, w)
    _decide_corrected(p, objection_id, w["record"])
    seed = Seed(p)
    _s, own = seed.user(Role.subject, subject_id=w["subject"], token=True)
    _b, bank = seed.user(Role.service_institution, organisation=BANK, token=True)
    _l, lender = seed.user(Role.service_institution, organisation=LENDER, token=True)
    _y, bystander = seed.user(Role.service_institution, organisation=BYSTANDER, token=True)
    with TestClient(create_app(p)) as client:
        before = client.get(f"/api/v1/objections/{objection_id}", headers=_h(own)).json()
        assert before["corrections_forwarded"] == []                    # not asked: nothing passed on
        assert client.get("/api/v1/correction-notices", headers=_h(bank)).json() == []
        asked = client.post(f"/api/v1/objections/{objection_id}/forward-corrections", headers=_h(own))
        assert asked.status_code == 200, asked.text
        sent = {n["organisation"]: n for n in asked.json()["corrections_forwarded"]}
        assert set(sent) == {BANK, LENDER}                               # the bystander never received it
        assert all(n["issued_at"] and n["delivered_at"] is None and "37" in n["cite"] for n in sent.values())
        # the bank reads its notices: the record and its corrected version, nothing of the subject
        inbox = client.get("/api/v1/correction-notices", headers=_h(bank))
        assert inbox.status_code == 200, inbox.text
        (notice,) = inbox.json()
        assert notice["records"][0]["id"] == w["record"] and notice["records"][0]["version"] == 2
        assert notice["delivered_at"] and notice["acknowledged_at"] is None
        text = json.dumps(notice, ensure_ascii=False)
        assert NAME not in text and "罚款" not in text and "770100" not in text
        assert notice["message"]["zh"] and notice["message"]["en"]
        assert client.get("/api/v1/correction-notices", headers=_h(bystander)).json() == []
        assert client.post(f"/api/v1/correction-notices/{notice['id']}/acknowledge",
                           headers=_h(lender)).status_code == 404       # the lender's is another notice
        ack = client.post(f"/api/v1/correction-notices/{notice['id']}/acknowledge", headers=_h(bank))
        assert ack.status_code == 200 and ack.json()["acknowledged_at"]
        again = client.post(f"/api/v1/correction-notices/{notice['id']}/acknowledge", headers=_h(bank))
        assert again.status_code == 409
        assert client.get("/api/v1/correction-notices?unacknowledged=true", headers=_h(bank)).json() == []
        assert client.get("/api/v1/correction-notices").status_code == 401
        assert client.get("/api/v1/correction-notices", headers=_h(own)).status_code == 403
        # the subject sees who was notified and when each read and acknowledged
        after = {n["organisation"]: n for n in client.get(f"/api/v1/objections/{objection_id}",
                                                          headers=_h(own)).json()["corrections_forwarded"]}
        assert after[BANK]["delivered_at"] and after[BANK]["acknowledged_at"]
        assert after[LENDER]["delivered_at"] is None
        # asked again: no second notice to the same organisation
        client.post(f"/api/v1/objections/{objection_id}/forward-corrections", headers=_h(own))
        assert len(client.get(f"/api/v1/objections/{objection_id}", headers=_h(own)).json()[
            "corrections_forwarded"]) == 2
    with p.sessions() as s:
        actions = [e.action for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()]
    assert actions.count("correction_notice.issued") == 2 and "objection.forward_requested" in actions
    assert actions.count("correction_notice.delivered") == 1 and actions.count("correction_notice.acknowledged") == 1


def test_asked_on_filing_the_notices_go_with_the_decision(make) -> None:
    p = make("beijing-draft")
    w = _world(p)
    objection_id = _file(p, w, forward_to_recipients=True)
    with p.sessions() as s:
        assert objections.get_objection(p, s, objection_id).corrections == []
    _decide_corrected(p, objection_id, w["record"])
    with p.sessions() as s:
        view = objections.get_objection(p, s, objection_id)
    assert {n["organisation"] for n in view.corrections} == {BANK, LENDER}


def test_nothing_corrected_nothing_to_pass_on(make) -> None:
    p = make("beijing-draft")
    w = _world(p)
    objection_id = _file(p, w)
    with p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="核实无误")
    with pytest.raises(Refusal) as refused, p.unit_of_work(OPERATOR) as uow:
        objections.forward_corrections(uow, objection_id)
    assert refused.value.reason == "nothing_corrected" and refused.value.status == 409


@pytest.mark.parametrize("jurisdiction", ["chongqing-2021", "shanghai-2017"])
def test_refused_naming_the_rule_where_the_regulation_gives_no_such_right(make, jurisdiction: str) -> None:
    p = make(jurisdiction)
    w = _world(p)
    objection_id = _file(p, w)
    _decide_corrected(p, objection_id, w["record"])
    with pytest.raises(Refusal) as refused, p.unit_of_work(OPERATOR) as uow:
        objections.forward_corrections(uow, objection_id)
    assert refused.value.reason == "not_provided"
    assert "objection.forward_corrections" in refused.value.message_zh
    assert p.rulebook.get(jurisdiction).title.zh in refused.value.message_zh
    with p.sessions() as s:
        assert objections.get_objection(p, s, objection_id).corrections == []
