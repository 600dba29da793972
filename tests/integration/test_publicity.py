"""Publicity as its own clock on a real database (issue 16 part 4): a penalty past its publicity end is
off the public double-publicity list and the organisation's public page, still served by duty and to
the subject; the portal page shows each entry's end with its basis, in Chinese and English; the sweep
records the ends once and forecasts later ones."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from access_seed import Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.compliance.sweep import sweep
from xinyong.services.disclosure import inquiry, public
from xinyong.store.models.ledger import LedgerEntry

PUBLIC = Actor(Role.public, "anonymous")


def _world(platform):  # type: ignore[no-untyped-def]
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范公示有限公司")
    # today is 2026-03-18 (the tests' clock); CQ defers the tiers to the State
    old = seed.record(org, "public_penalty", {"summary": "旧罚款"}, decision_date=date(2022, 6, 1),
                      conduct_ended=date(2022, 5, 1))
    recent = seed.record(org, "public_penalty", {"summary": "新罚款"}, decision_date=date(2026, 3, 2),
                         conduct_ended=date(2026, 2, 1))
    duty, _ = seed.user(Role.duty_department, organisation="dept-01")
    seed.duty_purposes("dept-01", "administrative_permit")
    return seed, org, old, recent, duty


def test_a_penalty_past_its_publicity_leaves_the_public_pages_only(platform) -> None:  # type: ignore[no-untyped-def]
    _seed, org, old, recent, duty = _world(platform)
    entries = public.double_publicity(platform, kind="penalty")
    assert [e.record.id for e in entries] == [recent]
    (entry,) = entries
    # decided 2026-03-02, before Order 36: Order 58's 3 years from the decision date
    assert entry.publicity_until == date(2029, 3, 2) and "Order No. 58" in (entry.publicity_cite or "")
    assert entry.to_dict()["publicity_until"] == "2029-03-02"
    page = public.organisation_records(platform, org)
    assert [r.id for r in page.records] == [recent]
    explained = inquiry.explain(platform, PUBLIC, old, mode="lawful_disclosure")
    assert explained.decision.denial is not None and explained.decision.denial.code == "publicity_ended"
    assert "2025-06-01" in explained.decision.denial.message_en
    by_duty = inquiry.inquire(platform, duty, subject_ref=org, mode="duty", purpose="administrative_permit")
    assert {r.id for r in by_duty.records} == {old, recent}


def test_the_page_shows_each_entrys_end_of_publicity(platform, client) -> None:  # type: ignore[no-untyped-def]
    _world(platform)
    zh = client.get("/public/double-publicity", params={"kind": "penalty", "lang": "zh"})
    en = client.get("/public/double-publicity", params={"kind": "penalty", "lang": "en"})
    assert zh.status_code == 200 and en.status_code == 200
    assert "公示截止期" in zh.text and "Public until" in en.text
    for page in (zh, en):
        assert "2029-03-02" in page.text and "Order No. 58" in page.text
        assert "旧罚款" not in page.text and "新罚款" in page.text
    api = client.get("/api/v1/public/double-publicity", params={"kind": "penalty"}).json()
    assert [e["publicity_until"] for e in api] == ["2029-03-02"]


def test_the_sweep_records_publicity_that_ended_once(platform) -> None:  # type: ignore[no-untyped-def]
    _seed, _org, old, _recent, _duty = _world(platform)
    first = sweep(platform).to_dict()
    assert first["publicity_ended"] == 1 and first["publicity"]["record_ids"] == [old, old]
    assert sweep(platform).to_dict()["publicity_ended"] == 0          # recorded once
    with platform.sessions() as session:
        entries = session.scalars(select(LedgerEntry).where(LedgerEntry.action == "publicity.ended")).all()
    (entry,) = entries
    assert entry.facts_dict()["count"] == 1 and "罚款" not in entry.facts
    later = sweep(platform, as_of=date(2029, 3, 3), dry_run=True).to_dict()
    assert later["dry_run"] and later["publicity_ended"] == 1         # the recent one, last public 2029-03-02
    assert sweep(platform, as_of=date(2029, 3, 2), dry_run=True).to_dict()["publicity_ended"] == 0
