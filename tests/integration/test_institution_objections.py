"""A credit service institution's own objections (route ``institution``): filed where the rule file times
the institution's decision, refused with the regulation and the rule key where it does not; the
institution's label, decision and written notice as duties owed by it, counted from receipt on the
working-day calendar across the National Day holiday; its answer as the applicant's written result with the
information's source; the center kept out; a late institution escalated by the sweep with the liability
article its rule file names; migration 0015 widening the route CHECK with every stored objection kept."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from access_seed import Seed, uscc
from scratch_db import scratch_url
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import compliance, objections
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.db import make_engine
from xinyong.store.migrate import alembic_config
from xinyong.store.models.access import ObjectionLabel
from xinyong.store.models.ledger import LedgerEntry
from xinyong.store.models.rights import Violation

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)        # the Wednesday before the National Day holiday
OPERATOR = Actor(Role.operator, "user:1")
INSTITUTION = uscc(880001)
OTHER_INSTITUTION = uscc(880002)
PROVIDED = ["shanghai-2017", "gansu-2021"]
NOT_PROVIDED = ["chongqing-2021", "hubei-2017-draft", "beijing-draft"]
KEYS = ("objection.institution_label", "objection.institution_decide", "objection.institution_notify")


def _on_filing(p: Platform) -> set[str]:
    """The institution's duties opened on filing: all but one counted from the decision (the SH written
    result, due "promptly" after it, opens when the institution decides)."""
    ruleset = p.rulebook.get(p.jurisdiction)
    return {k for k in KEYS if ruleset.value(k, FILED.date()).counts_from != "decision"}


@pytest.fixture
def make(platform_under):  # type: ignore[no-untyped-def]
    """A platform under a regulation, the clock at ``FILED``."""
    def build(jurisdiction: str) -> Platform:
        return platform_under(jurisdiction, FILED)

    return build


def _seed(p: Platform) -> tuple[int, int]:
    seed = Seed(p).catalog()
    seed.institution(INSTITUTION)
    seed.institution(OTHER_INSTITUTION)
    subject = seed.subject("legal_person", "示范公司")
    return subject, seed.record(subject, "public_penalty", {"summary": "罚款"})


def _file(p: Platform, subject: int, records: list[int] | None = None, **kw) -> int:  # type: ignore[no-untyped-def]
    with p.unit_of_work(OPERATOR) as uow:
        return objections.file_objection(
            uow, subject_id=subject, records=[str(r) for r in records or ()], grounds="报告中的逾期记录不属实",
            channel="counter", received=FILED, institution_code=kw.pop("institution_code", INSTITUTION),
            institution_reference=kw.pop("institution_reference", "CR-2026-0001"), **kw).id


def _view(p: Platform, objection_id: int) -> objections.ObjectionView:
    with p.sessions() as s:
        return objections.get_objection(p, s, objection_id)


def _as(code: str = INSTITUTION) -> Actor:
    return Actor(Role.service_institution, "user:9", code)


@pytest.mark.parametrize("jurisdiction", PROVIDED)
def test_the_institutions_duties_are_owed_by_it_and_counted_on_the_calendar(make, jurisdiction: str) -> None:
    p = make(jurisdiction)
    subject, record = _seed(p)
    objection_id = _file(p, subject, [record])
    view = _view(p, objection_id)
    ruleset = p.rulebook.get(jurisdiction)
    assert view.route == "institution" and view.status == "received"
    assert view.institution == {"code": INSTITUTION, "name": "示范信用服务机构", "reference": "CR-2026-0001"}
    by_key = {d.key: d for d in view.duties}
    assert set(by_key) == _on_filing(p)                    # none of the center's duties
    assert ("objection.institution_notify" in by_key) == (jurisdiction == "gansu-2021")
    for key, duty in by_key.items():
        value = ruleset.value(key, FILED.date())
        assert duty.owner == "credit_service_institution" and duty.owner_org == INSTITUTION
        assert duty.status == "open" and duty.cite == value.citation
        assert duty.due == p.calendar.due(FILED.date(), value.value, value.period_unit).due
    # one working day from Wednesday 30 September: the holiday runs to 7 October
    assert by_key["objection.institution_label"].due == date(2026, 10, 8)
    assert by_key["objection.institution_decide"].due > date(2026, 10, 10)
    with p.sessions() as s:                                # the platform's own record is not labelled
        assert s.scalars(select(ObjectionLabel).where(ObjectionLabel.record_id == record)).all() == []


@pytest.mark.parametrize("jurisdiction", NOT_PROVIDED)
def test_refused_naming_the_rule_where_the_regulation_gives_no_institution_limit(make, jurisdiction: str) -> None:
    p = make(jurisdiction)
    subject, record = _seed(p)
    title = p.rulebook.get(jurisdiction).title
    with pytest.raises(Refusal) as refused:
        _file(p, subject, [record])
    assert refused.value.reason == "institution_objection_not_provided" and refused.value.status == 409
    assert "objection.institution_decide" in refused.value.message_zh and title.zh in refused.value.message_zh
    assert "objection.institution_decide" in refused.value.message_en and title.en in refused.value.message_en
    with p.sessions() as s:
        assert objections.list_objections(p, s) == []


def test_an_unknown_institution_or_a_missing_reference_is_refused(make) -> None:
    p = make("shanghai-2017")
    subject, _record = _seed(p)
    with pytest.raises(Refusal) as unknown:
        _file(p, subject, institution_code=uscc(880099))
    assert unknown.value.reason == "institution_unknown" and unknown.value.field == "institution"
    with pytest.raises(Refusal) as missing:
        _file(p, subject, institution_reference="  ")
    assert missing.value.reason == "institution_reference_required"
    assert missing.value.message_zh and missing.value.message_en


def test_the_institution_labels_decides_and_the_applicant_gets_the_result_with_the_source(make, clock) -> None:
    p = make("shanghai-2017")
    subject, record = _seed(p)
    objection_id = _file(p, subject, [record])
    clock.set(datetime(2026, 10, 8, 9, 0, tzinfo=CST))
    with pytest.raises(Refusal) as stranger, p.unit_of_work(_as(OTHER_INSTITUTION)) as uow:
        objections.institution_label(uow, objection_id, institution_code=OTHER_INSTITUTION)
    assert stranger.value.status == 404                   # another institution's objection is unknown to it
    with p.unit_of_work(_as()) as uow:
        objections.institution_label(uow, objection_id, institution_code=INSTITUTION)
    with pytest.raises(Refusal) as twice, p.unit_of_work(_as()) as uow:
        objections.institution_label(uow, objection_id, institution_code=INSTITUTION)
    assert twice.value.reason == "already_labelled"
    for step in (lambda uow: objections.decide(uow, objection_id, outcome="corrected", reasons="x"),
                 lambda uow: objections.transfer(uow, objection_id),
                 lambda uow: objections.refuse(uow, objection_id, reasons="x")):
        with pytest.raises(Refusal) as center, p.unit_of_work(OPERATOR) as uow:
            step(uow)
        assert center.value.reason == "institution_decides"
    with pytest.raises(Refusal) as no_reasons, p.unit_of_work(_as()) as uow:
        objections.institution_decide(uow, objection_id, institution_code=INSTITUTION, outcome="not_corrected",
                                      source="示范银行报送")
    assert no_reasons.value.field == "reasons"
    with pytest.raises(Refusal) as no_source, p.unit_of_work(_as()) as uow:
        objections.institution_decide(uow, objection_id, institution_code=INSTITUTION, outcome="corrected",
                                      source=" ")
    assert no_source.value.field == "source"
    with p.unit_of_work(_as()) as uow:
        objections.institution_decide(uow, objection_id, institution_code=INSTITUTION, outcome="corrected",
                                      source="示范银行 2026 年 8 月报送的还款记录")
    view = _view(p, objection_id)
    assert view.status == "decided" and view.outcome == "corrected"
    assert {d.key: d.status for d in view.duties} == dict.fromkeys(KEYS, "done")
    (notice,) = view.notices
    assert notice.kind == "objection_result" and notice.facts["decided_by"] == "credit_service_institution"
    assert notice.facts["source"]["zh"] == "示范银行 2026 年 8 月报送的还款记录"
    assert "36(3)" in notice.facts["cites"]["objection.institution_decide"]
    with p.sessions() as s:
        from xinyong.services.notices.render import render_html
        html = render_html(p, s, notice, "zh")
    assert "示范信用服务机构" in html and "CR-2026-0001" in html and "示范银行 2026 年 8 月报送的还款记录" in html
    with pytest.raises(Refusal) as again, p.unit_of_work(_as()) as uow:
        objections.institution_decide(uow, objection_id, institution_code=INSTITUTION, outcome="not_corrected",
                                      reasons="x", source="y")
    assert again.value.status == 409
    with p.sessions() as s:
        entries = s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
    actions = [e.action for e in entries]
    assert "objection.institution_labelled" in actions and "objection.decided" in actions
    facts = [json.dumps(e.facts_dict(), ensure_ascii=False) for e in entries]
    assert not any("还款记录" in f or "逾期记录不属实" in f for f in facts)   # neither source nor grounds


def test_the_institutions_queue_holds_only_its_own(make) -> None:
    p = make("gansu-2021")
    subject, record = _seed(p)
    mine = _file(p, subject, [record])
    _file(p, subject, institution_code=OTHER_INSTITUTION, institution_reference="R-2")
    with p.unit_of_work(OPERATOR) as uow:
        center = objections.file_objection(uow, subject_id=subject, records=[str(record)], grounds="另一理由",
                                           channel="counter").id
    with p.sessions() as s:
        assert [v.id for v in objections.list_objections(p, s, institution_code=INSTITUTION)] == [mine]
        assert {v.id for v in objections.list_objections(p, s)} >= {mine, center}


@pytest.mark.parametrize(("jurisdiction", "liability"), [("shanghai-2017", "Art. 51(3)"), ("gansu-2021", None)])
def test_a_late_institution_is_escalated_by_the_sweep(make, clock, jurisdiction: str, liability: str | None) -> None:
    p = make(jurisdiction)
    subject, record = _seed(p)
    objection_id = _file(p, subject, [record])
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=CST))       # past every one of the institution's due dates
    report = compliance.sweep(p).to_dict()
    groups = {(g["key"], g["owner"]): g for g in report["violations"]}
    for key in _on_filing(p):
        group = groups[(key, "credit_service_institution")]
        assert group["count"] == 1
        assert (liability in (group["liability"] or "")) if liability else group["liability"] is None
    with p.sessions() as s:
        violations = s.scalars(select(Violation).order_by(Violation.id)).all()
    assert {v.owner_org for v in violations} == {INSTITUTION}
    assert {d.status for d in _view(p, objection_id).duties} == {"overdue"}
    # answering late closes the duties; the violations stay
    with p.unit_of_work(_as()) as uow:
        objections.institution_decide(uow, objection_id, institution_code=INSTITUTION, outcome="not_corrected",
                                      reasons="核实无误", source="示范银行报送")
    statuses = {d.key: d.status for d in _view(p, objection_id).duties}
    assert {statuses[k] for k in _on_filing(p)} == {"done_late"}
    # a written result counted from the decision goes out with it: on time
    assert set(statuses) - _on_filing(p) <= {"objection.institution_notify"}
    assert all(statuses[k] == "done" for k in set(statuses) - _on_filing(p))
    with p.sessions() as s:
        assert len(s.scalars(select(Violation)).all()) == len(violations)


# --------------------------------------------------------------------------------------------------
# The API and the CLI
# --------------------------------------------------------------------------------------------------

def _h(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_over_the_api_the_subject_files_and_the_institution_labels_and_answers(make) -> None:
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app

    p = make("shanghai-2017")
    subject, record = _seed(p)
    seed = Seed(p)
    _s, own = seed.user(Role.subject, subject_id=subject, token=True)
    _i, inst = seed.user(Role.service_institution, organisation=INSTITUTION, token=True)
    _j, other = seed.user(Role.service_institution, organisation=OTHER_INSTITUTION, token=True)
    _o, operator = seed.user(Role.operator, token=True)
    with TestClient(create_app(p)) as client:
        made = client.post("/api/v1/objections", headers=_h(own), json={
            "grounds": "报告中的逾期记录不属实", "institution": INSTITUTION, "institution_reference": "CR-9"})
        assert made.status_code == 201, made.text
        data = made.json()
        oid = data["id"]
        assert data["route"] == "institution" and data["institution"]["reference"] == "CR-9"
        assert {d["key"] for d in data["duties"]} == _on_filing(p)
        assert all(d["owner"] == "credit_service_institution" for d in data["duties"])
        # the institution sees it with the grounds; the other institution does not see it at all
        assert client.get(f"/api/v1/objections/{oid}", headers=_h(inst)).json()["grounds"] == "报告中的逾期记录不属实"
        assert [o["id"] for o in client.get("/api/v1/objections", headers=_h(inst)).json()] == [oid]
        assert client.get(f"/api/v1/objections/{oid}", headers=_h(other)).status_code == 404
        assert client.get("/api/v1/objections", headers=_h(other)).json() == []
        # the subject cannot report the label; the center cannot decide
        assert client.post(f"/api/v1/objections/{oid}/label", headers=_h(own)).status_code == 403
        center = client.post(f"/api/v1/objections/{oid}/decide", headers=_h(operator),
                             json={"outcome": "corrected", "reasons": "x"})
        assert center.status_code == 409 and center.json()["detail"]["reason"] == "institution_decides"
        labelled = client.post(f"/api/v1/objections/{oid}/label", headers=_h(inst))
        assert labelled.status_code == 200, labelled.text
        assert {d["key"]: d["status"] for d in labelled.json()["duties"]}["objection.institution_label"] == "done"
        no_source = client.post(f"/api/v1/objections/{oid}/decide", headers=_h(inst),
                                json={"outcome": "not_corrected", "reasons": "核实无误"})
        assert no_source.status_code == 422 and no_source.json()["detail"]["field"] == "source"
        decided = client.post(f"/api/v1/objections/{oid}/decide", headers=_h(inst), json={
            "outcome": "not_corrected", "reasons": "核实无误", "source": "示范银行报送", "version": labelled.json()[
                "version"]})
        assert decided.status_code == 200, decided.text
        answer = decided.json()
        assert answer["status"] == "decided" and answer["source"] == "示范银行报送"
        assert {d["status"] for d in answer["duties"]} == {"done"}
        # the applicant reads the written result
        mine = client.get(f"/api/v1/objections/{oid}", headers=_h(own)).json()
        assert mine["notices"] and mine["notices"][0]["kind"] == "objection_result"


def test_over_the_api_refused_with_the_rule_where_not_provided(make) -> None:
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app

    p = make("chongqing-2021")
    subject, _record = _seed(p)
    _s, own = Seed(p).user(Role.subject, subject_id=subject, token=True)
    with TestClient(create_app(p)) as client:
        refused = client.post("/api/v1/objections", headers=_h(own), json={
            "grounds": "x", "institution": INSTITUTION, "institution_reference": "CR-9"})
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert detail["reason"] == "institution_objection_not_provided"
    assert "objection.institution_decide" in detail["message_zh"] and "重庆" in detail["message_zh"]


def test_the_cli_files_to_an_institution_and_records_its_answers(make, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from xinyong.cli import app
    from xinyong.settings import reset_settings

    p = make("gansu-2021")
    subject, record = _seed(p)
    monkeypatch.setenv("XINYONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", "gansu-2021")
    monkeypatch.setenv("XINYONG_CLOCK", FILED.isoformat())
    reset_settings()
    runner = CliRunner()
    try:
        filed = runner.invoke(app, ["objections", "file", "--subject", str(subject), "--grounds", "记录有误",
                                    "--institution", INSTITUTION.lower(), "--reference", "GS-77", "--json"])
        assert filed.exit_code == 0, filed.output
        data = json.loads(filed.output.strip().splitlines()[-1])
        assert data["institution"]["code"] == INSTITUTION
        # 7 working days from 30 September: 8, 9, Saturday 10 (made a working day), 12, 13, 14, 15 October
        assert {d["key"]: d["due"] for d in data["duties"]} == {
            "objection.institution_label": "2026-10-08", "objection.institution_decide": "2026-10-15",
            "objection.institution_notify": "2026-10-15"}
        wrong = runner.invoke(app, ["objections", "institution-decide", str(data["id"]), "--institution",
                                    OTHER_INSTITUTION, "--outcome", "corrected", "--source", "x"])
        assert wrong.exit_code == 2
        done = runner.invoke(app, ["objections", "institution-decide", str(data["id"]), "--institution",
                                   INSTITUTION, "--outcome", "corrected", "--source", "本机构 2026 年报告", "--json"])
        assert done.exit_code == 0, done.output
        shown = json.loads(done.output.strip().splitlines()[-1])
        assert shown["status"] == "decided" and {d["status"] for d in shown["duties"]} == {"done"}
    finally:
        reset_settings()


# --------------------------------------------------------------------------------------------------
# Migration 0015
# --------------------------------------------------------------------------------------------------

def _run(url: str, statement) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            statement(conn)
    finally:
        engine.dispose()


def _objection(conn, oid: int, route: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(sa.text(
        "INSERT INTO objections (id, subject_id, jurisdiction, channel, filed_by, received_at, received_on, grounds, "
        "grounds_digest, status, route, forward_to_recipients, created_at, version) VALUES "
        f"({oid}, 1, 'shanghai-2017', 'counter', 'user:1', '2025-01-02 02:00:00', '2025-01-02', 'g', 'd', "
        f"'received', '{route}', false, '2025-01-02 02:00:00', 1)"))


def test_0015_widens_the_routes_and_keeps_every_objection(tmp_path: Path) -> None:
    with scratch_url(tmp_path, prefix="xinyong_m0015") as url:
        cfg = alembic_config(url)
        command.upgrade(cfg, "0014_publication")

        def before(conn) -> None:  # type: ignore[no-untyped-def]
            conn.execute(sa.text("INSERT INTO subjects (id, kind, display_name, created_at, updated_at) "
                                 "VALUES (1, 'legal_person', 'x', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"))
            _objection(conn, 1, "center")
            conn.execute(sa.text("INSERT INTO objection_evidence (objection_id, filename, content_type, size, sha256, "
                                 "content, uploaded_at) VALUES (1, 'e', 'text/plain', 1, 's', :c, "
                                 "'2025-01-02 02:00:00')"), {"c": b"A"})
        _run(url, before)
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _objection(conn, 2, "institution"))

        command.upgrade(cfg, "0015_institution_objections")
        _run(url, lambda conn: _objection(conn, 2, "institution"))
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _objection(conn, 3, "elsewhere"))

        def counts(conn) -> None:  # type: ignore[no-untyped-def]
            assert conn.execute(sa.text("SELECT COUNT(*) FROM objections")).scalar_one() == 2
            assert conn.execute(sa.text("SELECT COUNT(*) FROM objection_evidence")).scalar_one() == 1
        _run(url, counts)

        with pytest.raises(RuntimeError, match="0015"):
            command.downgrade(cfg, "0014_publication")
        _run(url, lambda conn: conn.execute(sa.text("DELETE FROM objections WHERE id = 2")))
        command.downgrade(cfg, "0014_publication")
        _run(url, lambda conn: conn.execute(sa.text("SELECT COUNT(*) FROM objection_evidence")).scalar_one() == 1
             or pytest.fail("the evidence went with the downgrade"))
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _objection(conn, 4, "institution"))
        command.upgrade(cfg, "head")
