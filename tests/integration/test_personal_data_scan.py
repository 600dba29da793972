"""Records stored before intake refused personal data in free text are found again: ``xinyong records
scan-personal-data`` reports where (record, item, field) and what kind, never the value, and the
ledger keeps the totals. The same records are served masked meanwhile."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from access_seed import SYSTEM, Seed, citizen_id
from xinyong.cli import app
from xinyong.services.disclosure import inquiry, rescan
from xinyong.settings import reset_settings
from xinyong.store.models.ledger import LedgerEntry

runner = CliRunner()
PERSON_ID = citizen_id(777, birth="19850312")


@pytest.fixture
def stored(platform):  # type: ignore[no-untyped-def]
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范扫描有限公司")
    dirty = seed.record(org, "public_penalty", {"summary": f"法定代表人张明（公民身份号码{PERSON_ID}）未按规定公示，"
                                                           "联系电话13812345678"},
                        conduct_ended=platform.clock.today())
    clean = seed.record(org, "admin_permit", {"summary": "许可经营"}, decision_date=platform.clock.today())
    return {"org": org, "dirty": dirty, "clean": clean}


def test_the_scan_names_the_record_field_and_kinds_and_never_the_value(platform, stored) -> None:  # type: ignore[no-untyped-def]
    result = rescan.scan_personal_data(platform, SYSTEM)
    assert result.records_scanned == 2
    assert [(f.record_id, f.field, f.kinds) for f in result.findings] == [
        (stored["dirty"], "summary", ("citizen_id", "phone", "name"))]
    report = json.dumps(result.to_dict(), ensure_ascii=False)
    assert PERSON_ID not in report and "13812345678" not in report and "张明" not in report
    with platform.sessions() as session:
        entry = session.query(LedgerEntry).filter(LedgerEntry.action == "records.personal_data_scanned").one()
        facts = json.loads(entry.facts)
        assert facts["records_with_findings"] == 1 and ["citizen_id", 1] in facts["kinds_found"]


def test_the_record_is_served_masked_meanwhile(platform, stored) -> None:  # type: ignore[no-untyped-def]
    from xinyong.domain.identity.actors import Actor, Role

    result = inquiry.inquire(platform, Actor(Role.public, "anonymous"), subject_ref=stored["org"],
                            mode="lawful_disclosure")
    summary = next(r.fields["summary"] for r in result.records if r.id == stored["dirty"])
    assert PERSON_ID not in summary and "张明" not in summary and "13812345678" not in summary
    assert "公民身份号码500101********" in summary and "法定代表人张*" in summary
    assert any(reason.code == "masked_personal_identifiers"
               for r in result.records if r.id == stored["dirty"] for reason in r.decision.reasons)


def test_the_command_exits_one_when_something_is_found(tmp_path, monkeypatch, database_url, platform,
                                                       stored) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", platform.jurisdiction)
    reset_settings()
    try:
        result = runner.invoke(app, ["records", "scan-personal-data", "--json"])
        assert result.exit_code == 1, result.output
        body = json.loads(result.stdout)
        assert body["records_with_findings"] == 1 and body["findings"][0]["record_id"] == stored["dirty"]
        assert PERSON_ID not in result.stdout
        table = runner.invoke(app, ["records", "scan-personal-data"])
        assert table.exit_code == 1 and "公民身份号码" in table.stdout and str(stored["dirty"]) in table.stdout
    finally:
        reset_settings()


def test_an_organisations_responsible_person_is_masked_wherever_its_records_name_them(platform) -> None:  # type: ignore[no-untyped-def]
    """The organisation's legal representative is a recorded natural person: its name is masked in the
    organisation's records even where no role word or number marks it, for the public, in double
    publicity and for the organisation itself."""
    from xinyong.domain.identity.actors import Actor, Role
    from xinyong.services.subjects import registry as subjects
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范代表有限公司")
    person = seed.subject("natural_person", "冯翀翙")
    with platform.unit_of_work(SYSTEM) as uow:
        subjects.link_responsible_person(uow, subjects.get(uow, org), subjects.get(uow, person),
                                         "legal_representative")
    record = seed.record(org, "admin_permit", {"summary": "冯翀翙签收了许可证"}, decision_date=platform.clock.today())
    public = inquiry.inquire(platform, Actor(Role.public, "anonymous"), subject_ref=org, mode="lawful_disclosure")
    assert [r.fields["summary"] for r in public.records if r.id == record] == ["冯**签收了许可证"]
    listing = inquiry.public_listing(platform, Actor(Role.public, "anonymous"), item_codes=["admin_permit"])
    assert [r.fields["summary"] for r in listing.records if r.id == record] == ["冯**签收了许可证"]
