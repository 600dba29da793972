"""The sweep (overdue duties, violations with the article breached and the liability article, the lock,
the dry run that writes nothing), the `sweep`, `compliance` and `duties` commands, the compliance monitor,
and the fixed clock (XINYONG_CLOCK): refused in production, every ledger entry marked."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import FixedClock, business_tz
from xinyong.services import compliance, duties
from xinyong.services.audit import ledger
from xinyong.services.platform.bootstrap import Platform
from xinyong.settings import Settings, UnsafeDeployment
from xinyong.store.models.rights import Duty, SchedulerLock, Violation

OPERATOR = Actor(Role.operator, "user:1")


@pytest.fixture
def cq(settings: Settings, clock):  # type: ignore[no-untyped-def]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    p = Platform.from_settings(settings.model_copy(update={"jurisdiction": "chongqing-2021"}), clock=clock)
    yield p
    p.engine.dispose()


def _open(p: Platform, key: str, starts: date, matter_id: int = 1,
          owner: duties.Owner = duties.Owner.platform_operator, org: str | None = None) -> int:
    with p.unit_of_work(OPERATOR) as uow:
        return duties.open_duty(uow, matter_kind="objection", matter_id=matter_id, key=key, owner=owner,
                                owner_org=org, starts=starts).id


def _snapshot(p: Platform) -> tuple:
    with p.sessions() as s:
        return (s.scalar(select(func.count(Violation.id))),
                tuple(s.execute(select(Duty.id, Duty.state, Duty.overdue_on, Duty.version).order_by(Duty.id)).all()),
                ledger.count(s), tuple(s.execute(select(SchedulerLock.holder, SchedulerLock.since)).all()))


def test_sweep_records_violations_with_article_and_liability_once(cq: Platform) -> None:
    late = _open(cq, "objection.decide", date(2025, 3, 3))
    _open(cq, "objection.decide", cq.clock.today(), matter_id=2)          # not yet due
    report = compliance.sweep(cq).to_dict()
    assert report["overdue"] == 1 and report["by_key"] == {"objection.decide": 1}
    assert not report["skipped_because_locked"] and report["display_periods"] == "decided_at_read_time"
    group = report["violations"][0]
    assert group["owner"] == "platform_operator" and group["liability"]          # the liability article
    with cq.sessions() as s:
        violation = s.scalar(select(Violation).where(Violation.duty_id == late))
        assert violation.cite and violation.liability == group["liability"]
        assert s.get(Duty, late).overdue_on == cq.clock.today()
    # a second sweep finds nothing new: one violation per missed duty
    assert compliance.sweep(cq).to_dict()["overdue"] == 0
    with cq.sessions() as s:
        assert s.scalar(select(func.count(Violation.id))) == 1
        monitor = compliance.monitor(cq, s).to_dict()
    assert monitor["counts"]["violations"] == 1 and monitor["counts"]["overdue"] == 1
    v = monitor["violations"][0]
    assert v["key"] == "objection.decide" and v["cite"] == violation.cite and v["liability"] == violation.liability
    assert v["label"]["zh"] and v["label"]["zh"] != v["key"] and v["owner_label"]["en"] == "Platform operator"
    assert monitor["by_article"][0]["count"] == 1 and monitor["by_month"] == [
        {"month": cq.clock.today().strftime("%Y-%m"), "count": 1}]


def test_a_sweep_while_another_holds_the_lock_is_skipped(cq: Platform) -> None:
    _open(cq, "objection.decide", date(2025, 3, 3))
    assert duties.take_lock(cq, "other-process")
    try:
        report = compliance.sweep(cq, holder="me")
        assert report.to_dict()["skipped_because_locked"] is True
        with cq.sessions() as s:
            assert s.scalar(select(func.count(Violation.id))) == 0
    finally:
        duties.release_lock(cq, "other-process")
    assert compliance.sweep(cq, holder="me").to_dict()["overdue"] == 1


def test_dry_run_forecasts_and_writes_nothing(cq: Platform) -> None:
    _open(cq, "objection.decide", cq.clock.today())
    before = _snapshot(cq)
    later = date(cq.clock.today().year + 1, 1, 31)
    report = compliance.sweep(cq, as_of=later, dry_run=True).to_dict()
    assert report["dry_run"] and report["overdue"] == 1 and report["by_key"] == {"objection.decide": 1}
    assert _snapshot(cq) == before


def test_cli_sweep_compliance_and_duties_json(cq: Platform, monkeypatch) -> None:
    from xinyong import cli

    _open(cq, "objection.decide", date(2025, 3, 3))
    monkeypatch.setattr("xinyong.cli.compliance._platform", lambda: cq)
    monkeypatch.setattr("xinyong.cli.duties._platform", lambda: cq)
    runner = CliRunner()
    listed = runner.invoke(cli.app, ["duties", "list", "--overdue", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [d["key"] for d in json.loads(listed.output)] == ["objection.decide"]
    ahead = runner.invoke(cli.app, ["sweep", "--as-of", "2099-01-01"])
    assert ahead.exit_code == 2                                   # the future only as a forecast
    swept = runner.invoke(cli.app, ["sweep", "--json"])
    assert swept.exit_code == 0, swept.output
    data = json.loads(swept.output)
    assert data["overdue"] == 1 and data["violations"][0]["liability"] and "purged_log_rows" in data
    shown = json.loads(runner.invoke(cli.app, ["compliance", "--json"]).output)
    assert [(v["key"], bool(v["cite"]), bool(v["liability"])) for v in shown["violations"]] == [
        ("objection.decide", True, True)]
    refused = runner.invoke(cli.app, ["duties", "pause", str(shown["violations"][0]["duty_id"]),
                                      "--reason", "lunch"])
    assert refused.exit_code == 2


# --------------------------------------------------------------------------------------------------
# The fixed clock
# --------------------------------------------------------------------------------------------------

FIXED = "2026-09-30T10:00:00+08:00"


def test_fixed_clock_is_refused_in_production(tmp_path) -> None:
    with pytest.raises(UnsafeDeployment) as refused:
        Settings(env="production", real_name_verifier="none", clock=FIXED, data_dir=tmp_path).check_deployment()
    assert refused.value.field == "XINYONG_CLOCK"
    with pytest.raises(ValueError):
        Settings(env="local", clock="2026-09-30T10:00:00", data_dir=tmp_path)        # no offset: whose clock?


def test_fixed_clock_freezes_time_and_marks_every_ledger_entry(settings: Settings) -> None:
    from xinyong.services.audit import keys, verification

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    p = Platform.from_settings(settings.model_copy(update={"clock": datetime.fromisoformat(FIXED)}))
    try:
        assert isinstance(p.clock, FixedClock) and p.clock_fixed
        assert p.clock.now().astimezone(business_tz()).isoformat() == FIXED and p.clock.today() == date(2026, 9, 30)
        _open(p, "objection.decide", p.clock.today())
        compliance.sweep(p)
        with p.sessions() as s:
            entries = ledger.entries(s)
            assert len(entries) >= 2 and all(json.loads(e.facts).get("clock") == "fixed" for e in entries)
            report = verification.verify(s, keys.load_public_keys(p.settings.data_dir / "keys"))
        assert report.ok, report
    finally:
        p.engine.dispose()


def test_real_time_ledger_entries_say_nothing_of_the_clock(cq: Platform) -> None:
    _open(cq, "objection.decide", cq.clock.today())
    with cq.sessions() as s:
        assert [e for e in ledger.entries(s) if "clock" in json.loads(e.facts)] == []
