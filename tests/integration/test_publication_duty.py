"""The providing unit's double-publicity publication duty (issue 16 part 4) on SQLite and PostgreSQL: a
penalty submitted after the State's 7 working days from its decision records a done-late duty and its
violation (the article breached, the liability article, the unit); a timely one, a correction and an
unchanged row record nothing; a batch of 1,000 late rows records 1,000 violations in a handful of
statements; the compliance monitor (API, CLI, portal) shows them by the key's label and the unit's
name in both languages; migration 0014 widens the duties' matter kinds and keeps every stored duty."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from access_seed import Seed
from scratch_db import scratch_url
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import FixedClock
from xinyong.domain.subjects.identifiers import uscc_check_character
from xinyong.services.aggregation import batches
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.identity import accounts
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.db import make_engine
from xinyong.store.migrate import alembic_config
from xinyong.store.models.ledger import LedgerEntry
from xinyong.store.models.rights import Duty, Violation

UNIT = "market-regulation"
UNIT_ZH, UNIT_EN = "市市场监督管理局", "Municipal Administration for Market Regulation"
ACTOR = Actor(Role.providing_unit, "test", UNIT)
SYSTEM = Actor.system("test")
KEY = "double_publicity.publish"
RECEIVED = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)     # Friday 2026-03-20, 10:00 in Beijing
PASSWORD = "correct horse battery"  # noqa: S105 - a test password


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(RECEIVED)


@pytest.fixture
def catalog(platform: Platform) -> Platform:
    load_catalog(platform)
    return platform


def uscc(n: int) -> str:
    base = f"91500000{n:09d}"
    return base + uscc_check_character(base)


def penalty(n: int, decided: date, **changes: str) -> dict[str, str]:
    row = {"item": "admin_penalty", "record_key": f"CF-P-{n}", "identifier": uscc(n % 50),
           "subject_name": f"示范企业{n % 50}有限公司", "correction_reason": "",
           "document_kind": "administrative_penalty_decision", "document_number": f"罚〔2026〕{n}号",
           "document_date": decided.isoformat(), "document_issuer": "市市场监督管理局", "penalty_kinds": "fine",
           "fine_amount": str(1000 + n), "violation_facts": "未按规定公示年度报告。",
           "legal_basis": "《企业信息公示暂行条例》第十八条", "simplified_procedure": "否",
           "slight_or_harm_eliminated": "否", "conduct_ended": "2026-01-15"}
    row.update(changes)
    return row


def at(platform: Platform, when: datetime) -> Platform:
    """The same platform and database on another day."""
    return Platform(settings=platform.settings, engine=platform.engine, clock=FixedClock(when))


def rows_of(platform: Platform, model):  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return session.scalars(select(model).order_by(model.id)).all()


def test_a_penalty_submitted_late_records_its_violation_with_the_cite_and_the_unit(catalog: Platform) -> None:
    summary = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1, date(2026, 3, 2))])
    assert summary.accepted == 1
    # The unit is told in the batch's own answer, the same on a replay.
    late = summary.to_dict()["late_publication"]
    assert late["decisions"] == 1 and "国发〔2016〕33号" in late["cite"] and late["liability"] == "CQ Art. 53(1)"
    replayed = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1, date(2026, 3, 2))])
    assert replayed.replayed and replayed.to_dict()["late_publication"] == late
    assert batches.submit_rows(catalog, ACTOR, UNIT, [penalty(2, date(2026, 3, 18))]).to_dict()[
        "late_publication"] is None                                     # in time: nothing to tell
    (duty,) = rows_of(catalog, Duty)
    assert (duty.matter_kind, duty.matter_id, duty.key) == ("publication", summary.batch, KEY)
    assert (duty.owner_party, duty.owner_org, duty.state) == ("providing_unit", UNIT, "done")
    # 7 working days from Monday 2026-03-02: 03-03 … 03-11; received on 03-20
    assert (duty.starts_on, duty.due, duty.done_on, duty.provisional) == (
        date(2026, 3, 2), date(2026, 3, 11), date(2026, 3, 20), False)
    (violation,) = rows_of(catalog, Violation)
    assert violation.duty_id == duty.id and violation.key == KEY and violation.owner_org == UNIT
    assert "国发〔2016〕33号" in (violation.cite or "")                  # the basis
    assert violation.liability == "CQ Art. 53(1)"                       # a providing unit's liability
    assert (violation.due, violation.detected_on) == (date(2026, 3, 11), date(2026, 3, 20))
    with catalog.sessions() as session:
        (entry,) = session.scalars(select(LedgerEntry).where(LedgerEntry.action == "publication.late")).all()
    facts = entry.facts_dict()
    assert facts["late"] == 1 and facts["violation_ids"] == [violation.id, violation.id]
    assert "示范企业" not in entry.facts and uscc(1) not in entry.facts      # no subject in the ledger


def test_a_timely_penalty_a_correction_and_an_unchanged_row_record_nothing(catalog: Platform) -> None:
    # decided Monday 03-16, received Friday 03-20: within 7 working days
    timely = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(2, date(2026, 3, 16))])
    assert timely.accepted == 1
    # decided 03-02 and submitted in time on 03-03; corrected and sent again unchanged on 03-20
    early = at(catalog, datetime(2026, 3, 3, 2, 0, tzinfo=UTC))
    assert batches.submit_rows(early, ACTOR, UNIT, [penalty(3, date(2026, 3, 2))]).accepted == 1
    corrected = batches.submit_rows(catalog, ACTOR, UNIT, [
        penalty(3, date(2026, 3, 2), fine_amount="9000", correction_reason="罚款金额录入错误")])
    assert (corrected.accepted, corrected.corrected) == (1, 1)
    unchanged = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(3, date(2026, 3, 2), fine_amount="9000",
                                                                   correction_reason="罚款金额录入错误")], key="again")
    assert unchanged.unchanged == 1
    # a peer platform forwarding its units' decisions (the exchange) is not the deciding unit publishing
    peer = Actor(Role.providing_unit, "peer:municipal", UNIT)
    assert batches.submit_rows(catalog, peer, UNIT, [penalty(7, date(2026, 3, 2))]).accepted == 1
    assert rows_of(catalog, Duty) == [] and rows_of(catalog, Violation) == []
    # the same penalty first received on 03-20 from the unit itself is late
    assert batches.submit_rows(catalog, ACTOR, UNIT, [penalty(4, date(2026, 3, 2))]).accepted == 1
    assert len(rows_of(catalog, Violation)) == 1


def test_a_year_no_calendar_covers_counts_provisionally_and_says_so(catalog: Platform) -> None:
    from xinyong.services.duties import publication

    with catalog.unit_of_work(SYSTEM) as uow:
        report = publication.record_late(uow, batch_id=99, unit_code=UNIT, received_on=date(2032, 2, 20),
                                         decisions={("permit", date(2031, 12, 30)): 2,
                                                    ("penalty", date(2032, 2, 19)): 1})
    assert (report.late, report.timely, report.provisional, report.by_kind) == (2, 1, 2, {"permit": 2})
    duties = rows_of(catalog, Duty)
    assert len(duties) == 2 and all(d.provisional and d.due.weekday() < 5 for d in duties)
    # the earliest possible date: 7 weekdays from Tuesday 2031-12-30
    assert {d.due for d in duties} == {date(2032, 1, 8)}
    with catalog.sessions() as session:
        (entry,) = session.scalars(select(LedgerEntry).where(LedgerEntry.action == "publication.late")).all()
    assert entry.facts_dict()["provisional"] == 2


def test_a_thousand_late_rows_record_a_thousand_violations_set_based(catalog: Platform) -> None:
    rows = [penalty(n, date(2026, 2, 2 + n % 20)) for n in range(1000)]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if re.search(r"\b(duties|violations)\b", statement):
            statements.append(statement)

    event.listen(catalog.engine, "before_cursor_execute", count)
    try:
        summary = batches.submit_rows(catalog, ACTOR, UNIT, rows)
    finally:
        event.remove(catalog.engine, "before_cursor_execute", count)
    assert summary.accepted == 1000
    with catalog.sessions() as session:
        assert session.scalar(select(func.count(Violation.id)).where(Violation.key == KEY)) == 1000
        assert session.scalar(select(func.count(Duty.id)).where(Duty.matter_id == summary.batch)) == 1000
        assert session.scalar(select(func.count(func.distinct(Violation.duty_id)))) == 1000
    assert len(statements) < 20                                   # never a statement per row


def test_the_compliance_monitor_shows_them_by_label_and_unit_name(catalog: Platform, client,
                                                                   monkeypatch) -> None:
    batches.submit_rows(catalog, ACTOR, UNIT, [penalty(5, date(2026, 3, 2)), penalty(6, date(2026, 3, 3))])
    seed = Seed(catalog)
    _user, token = seed.user(Role.competent_department, organisation="dept", token=True)
    monitor = client.get("/api/v1/compliance", headers={"Authorization": f"Bearer {token}"}).json()
    assert monitor["counts"]["violations"] == 2
    for v in monitor["violations"]:
        assert v["key"] == KEY and v["label"]["zh"].startswith("行政许可和行政处罚决定作出后上网公示")
        assert v["label"]["en"].startswith("Publish administrative permit and penalty decisions")
        assert v["owner_label"] == {"zh": f"信息提供单位：{UNIT_ZH}", "en": f"Providing unit: {UNIT_EN}"}
    assert monitor["by_owner"][0]["count"] == 2 and monitor["by_article"][0]["liability"] == "CQ Art. 53(1)"

    from xinyong import cli
    monkeypatch.setattr("xinyong.cli.compliance._platform", lambda: catalog)
    shown = CliRunner().invoke(cli.app, ["compliance", "--json"])
    assert shown.exit_code == 0, shown.output
    assert [(v["key"], v["owner_org"]) for v in json.loads(shown.output)["violations"]] == [(KEY, UNIT)] * 2

    with catalog.unit_of_work(SYSTEM) as uow:
        accounts.create_user(uow, username="supervisor", role=Role.competent_department, password=PASSWORD,
                             organisation="dept")
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', client.get("/login").text).group(1)
    signed_in = client.post("/login", data={"username": "supervisor", "password": PASSWORD, "csrf_token": csrf},
                            follow_redirects=False)
    assert signed_in.status_code == 303
    zh = client.get("/staff/compliance").text.split("<main>")[1]
    en = client.get("/staff/compliance?lang=en").text.split("<main>")[1]
    assert "上网公示" in zh and UNIT_ZH in zh and KEY not in zh
    assert "double publicity" in en and UNIT_EN in en and KEY not in en


# --------------------------------------------------------------------------------------------------
# Migration 0014
# --------------------------------------------------------------------------------------------------

WHEN = "'2025-01-01 00:00:00'"


def _duty(conn, did: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(sa.text(
        "INSERT INTO duties (id, matter_kind, matter_id, key, owner_party, owner_org, jurisdiction, cite, basis, "
        "starts_on, due, provisional, state, opened_at, version) "
        f"VALUES ({did}, '{kind}', 1, 'objection.decide', 'platform_operator', NULL, 'chongqing-2021', "
        f"'CQ Art. 40', 'statute', '2025-01-02', '2025-01-10', false, 'open', {WHEN}, 1)"))


def _run(url: str, statement) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            statement(conn)
    finally:
        engine.dispose()


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()  # type: ignore[return-value]
                         for t in ("duties", "duty_pauses", "violations"))
    finally:
        engine.dispose()


def test_0014_widens_the_matter_kinds_and_keeps_every_duty(tmp_path: Path) -> None:
    with scratch_url(tmp_path, prefix="xinyong_m0014") as url:
        cfg = alembic_config(url)
        command.upgrade(cfg, "0013_exchange")

        def before(conn) -> None:  # type: ignore[no-untyped-def]
            _duty(conn, 1, "objection")
            _duty(conn, 2, "restoration")
            conn.execute(sa.text("INSERT INTO duty_pauses (duty_id, reason, started_on) "
                                 "VALUES (1, 'inspection', '2025-01-03')"))
            conn.execute(sa.text(
                "INSERT INTO violations (duty_id, key, owner_party, jurisdiction, cite, due, detected_on, "
                f"recorded_at) VALUES (2, 'objection.decide', 'platform_operator', 'chongqing-2021', "
                f"'CQ Art. 40', '2025-01-10', '2025-01-13', {WHEN})"))
        _run(url, before)
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _duty(conn, 3, "publication"))

        command.upgrade(cfg, "0014_publication")
        assert _counts(url) == (2, 1, 1)               # a rebuild of duties would have cascaded or refused
        _run(url, lambda conn: _duty(conn, 3, "publication"))
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _duty(conn, 4, "bogus"))

        with pytest.raises(RuntimeError, match="publication"):
            command.downgrade(cfg, "0013_exchange")
        _run(url, lambda conn: conn.execute(sa.text("DELETE FROM duties WHERE id = 3")))
        command.downgrade(cfg, "0013_exchange")
        assert _counts(url) == (2, 1, 1)
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _duty(conn, 5, "publication"))
