"""Revocation and restoration in each jurisdiction: the record leaves every read path at once, the
duties' due dates are the calendar's own count over the National Day holiday (or the State's time limit
where the rule file defers without a value), the revoked content is erased with its digest kept and the
ledger holds no content; eligibility from the rule files; two deciders at once, one decision stands."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from access_seed import UNIT, Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services import restoration, revocation
from xinyong.services.disclosure import inquiry
from xinyong.services.platform.bootstrap import Platform
from xinyong.settings import Settings
from xinyong.store.models.ledger import LedgerEntry
from xinyong.store.models.records import Record, RecordVersion
from xinyong.store.models.rights import Notice
from xinyong.store.models.subjects import ResponsiblePerson

JURISDICTIONS = ["beijing-draft", "chongqing-2021", "gansu-2021", "hubei-2017-draft", "shanghai-2017"]
# 10:00 in Beijing on the eve of the National Day holiday (1-7 October 2026)
EVE = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
UNIT_ACTOR = Actor(Role.providing_unit, f"unit:{UNIT}", UNIT)
OPERATOR = Actor(Role.operator, "user:1")
SECRET = "机密-处罚内容-摘要-XYZ-7788"


@pytest.fixture(params=JURISDICTIONS)
def world(request, settings: Settings, clock):  # type: ignore[no-untyped-def]
    clock.set(EVE)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    p = Platform.from_settings(settings.model_copy(update={"jurisdiction": request.param}), clock=clock)
    seed = Seed(p).catalog()
    org = seed.subject("legal_person", "示范公司")
    me, _ = seed.user(Role.subject, subject_id=org)
    duty, _ = seed.user(Role.duty_department, organisation="dept-a")
    yield {"p": p, "seed": seed, "org": org, "me": me, "duty": duty}
    p.engine.dispose()


def _expected_due(p: Platform, key: str, start: date) -> tuple[date | None, str]:
    """The due date the rule file and the calendar give (independently of the duty engine)."""
    ruleset = p.rulebook.get(p.jurisdiction)
    if not ruleset.has(key):
        return None, "no_time_limit"
    try:
        value = ruleset.value(key, start)
    except RuleNotProvided:
        return None, "state_rule_pending"
    except NoValueInForce:
        return None, "no_value_in_force"
    return p.calendar.due(start, value.value, value.period_unit).due, value.basis


def _served_ids(p: Platform, actor: Actor, org: int, **kw) -> set[int]:  # type: ignore[no-untyped-def]
    return {r.id for r in inquiry.inquire(p, actor, subject_ref=org, **kw).records}


def test_revocation_leaves_service_erases_content_and_keeps_the_digest(world) -> None:  # type: ignore[no-untyped-def]
    p, seed, org = world["p"], world["seed"], world["org"]
    rid = seed.record(org, "public_penalty", {"summary": SECRET}, conduct_ended=date(2026, 6, 1))
    assert rid in _served_ids(p, world["me"], org)
    with p.sessions() as s:
        digest = s.scalar(select(RecordVersion.content_sha256).where(RecordVersion.record_id == rid))
    with p.unit_of_work(UNIT_ACTOR) as uow:
        view = revocation.report_revocation(uow, f"{UNIT}/" + _key(p, rid), grounds="court",
                                            basis="法院判决撤销原处罚决定 (2026) 渝01行终1号").to_dict()
    assert view["status"] == "erased" and view["content_sha256"] == digest
    [duty] = view["duties"]
    due, basis = _expected_due(p, "revocation.delete", date(2026, 9, 30))
    assert duty["key"] == "revocation.delete" and duty["owner"] == "platform_operator"
    assert duty["due"] == (due.isoformat() if due else None) and duty["basis"] == basis
    assert duty["status"] == "done"           # erased the day it was reported: within any limit
    if basis == "state_rule_pending":
        assert duty["time_limit"]["en"] == "the State's time limit; none configured"
    if due is not None:
        assert due > date(2026, 10, 7) or p.rulebook.get(p.jurisdiction).value(
            "revocation.delete", date(2026, 9, 30)).period_unit == "days"
    assert [n["kind"] for n in view["notices"]] == ["revocation"]
    # out of every read path: the subject's own inquiry, a duty inquiry, the public listing, explain
    assert rid not in _served_ids(p, world["me"], org)
    listing = inquiry.public_listing(p, Actor(Role.public, "anonymous"), item_codes=["public_penalty"])
    assert rid not in {r.id for r in listing.records}
    assert not inquiry.explain(p, world["me"], rid).decision.visible
    with p.sessions() as s:
        assert s.get(Record, rid).status == "revoked"
        versions = s.scalars(select(RecordVersion).where(RecordVersion.record_id == rid)).all()
        assert [v.payload for v in versions] == [{}] and versions[0].content_sha256 == digest
        assert versions[0].document_number is None and versions[0].document_date is None
        ledger = " ".join(json.dumps(e.facts_dict(), ensure_ascii=False) for e in s.scalars(select(LedgerEntry)))
        notices = " ".join(json.dumps(n.facts, ensure_ascii=False) for n in s.scalars(select(Notice)))
    assert SECRET not in ledger and SECRET not in notices and "渝01行终1号" not in ledger
    assert digest in ledger
    # a second report of the same record is a conflict
    with pytest.raises(Refusal) as again, p.unit_of_work(UNIT_ACTOR) as uow:
        revocation.report_revocation(uow, rid, grounds="court", basis="again")
    assert again.value.status == 409


def _key(p: Platform, rid: int) -> str:
    with p.sessions() as s:
        return s.get(Record, rid).record_key


def test_restoration_granted_leaves_every_read_path(world) -> None:  # type: ignore[no-untyped-def]
    p, seed, org = world["p"], world["seed"], world["org"]
    rid = seed.record(org, "public_penalty", {"summary": SECRET}, conduct_ended=date(2025, 1, 1),
                      decision_date=date(2025, 1, 1))
    with p.unit_of_work(world["me"]) as uow:
        applied = restoration.apply_restoration(uow, org, rid, commitment="本公司承诺守法经营", channel="portal")
    a = applied.to_dict()
    assert a["status"] == "received" and not {k for k in _keys(a) if any(w in k for w in ("fee", "charge", "price"))}
    [decide] = a["duties"]
    due, basis = _expected_due(p, "restoration.decide", date(2026, 9, 30))
    assert decide["key"] == "restoration.decide" and decide["owner"] == "providing_unit"
    assert decide["due"] == (due.isoformat() if due else None) and decide["basis"] == basis
    if due is not None:
        assert due > date(2026, 10, 7)          # counted over the National Day holiday by the calendar
    assert rid in _served_ids(p, world["me"], org)   # still served while it is decided
    with p.unit_of_work(UNIT_ACTOR) as uow:
        decided = restoration.decide_restoration(uow, applied.id, grant=True, reasons="已履行处罚决定").to_dict()
    assert decided["status"] == "granted" and decided["removed_on"] == "2026-09-30"
    keys = {d["key"]: d for d in decided["duties"]}
    assert keys["restoration.decide"]["status"] == "done" and keys["restoration.remove"]["status"] == "done"
    assert keys["restoration.remove"]["owner"] == "platform_operator"
    assert [n["kind"] for n in decided["notices"]] == ["restoration_decision"]
    assert decided["cascade"]["status"] == "partial" and decided["cascade"]["done"][0]["records"] == []
    assert rid not in _served_ids(p, world["me"], org)
    listing = inquiry.public_listing(p, Actor(Role.public, "anonymous"), item_codes=["public_penalty"])
    assert rid not in {r.id for r in listing.records}
    with p.sessions() as s:
        assert s.get(Record, rid).status == "restored"
        actions = [e.action for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()]
    for action in ("restoration.applied", "restoration.decided", "record.restored", "notice.issued"):
        assert action in actions


def _keys(d):  # type: ignore[no-untyped-def]
    if isinstance(d, dict):
        for k, v in d.items():
            yield k
            yield from _keys(v)
    elif isinstance(d, list):
        for v in d:
            yield from _keys(v)


def test_restoration_refused_keeps_the_record(world) -> None:  # type: ignore[no-untyped-def]
    p, seed, org = world["p"], world["seed"], world["org"]
    rid = seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    with p.unit_of_work(OPERATOR) as uow:
        applied = restoration.apply_restoration(uow, org, rid, commitment="承诺", channel="counter",
                                                received=datetime(2026, 9, 29, 1, 0, tzinfo=UTC))
    assert applied.received_on == date(2026, 9, 29) and applied.channel == "counter"
    with p.unit_of_work(OPERATOR) as uow:
        refused = restoration.decide_restoration(uow, applied.id, grant=False, reasons="尚未履行义务")
    assert refused.status == "refused" and {d["key"] for d in refused.duties} == {"restoration.decide"}
    assert rid in _served_ids(p, world["me"], org)


def test_eligibility_from_the_rule_files(world) -> None:  # type: ignore[no-untyped-def]
    p, seed, org = world["p"], world["seed"], world["org"]
    other = seed.subject("legal_person", "他人公司")
    mine = seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    theirs = seed.record(other, "public_penalty", conduct_ended=date(2025, 1, 1))
    basic = seed.record(org, "registration")

    def refused(record, **kw) -> Refusal:  # type: ignore[no-untyped-def]
        with pytest.raises(Refusal) as exc, p.unit_of_work(world["me"]) as uow:
            restoration.apply_restoration(uow, org, record, **kw)
        return exc.value

    assert refused(theirs, commitment="x").reason == "record_not_own"
    assert refused(basic, commitment="x").reason == "not_untrustworthiness"
    ruleset = p.rulebook.get(p.jurisdiction)
    if ruleset.has("restoration.commitment"):
        r = refused(mine)
        assert r.reason == "commitment_required" and "Order No. 36" in r.message_en
    # a general-tier penalty decided 2026-08-01: the national minimum (3 months) is not yet served
    young = seed.record(org, "tiered_penalty", document_date=date(2026, 8, 1))
    if ruleset.has("display.penalty.general"):
        r = refused(young, commitment="x")
        assert r.reason == "minimum_period_not_served" and "2026-11-01" in r.message_en
    with p.unit_of_work(world["me"]) as uow:
        restoration.apply_restoration(uow, org, mine, commitment="承诺")
    assert refused(mine, commitment="x").reason == "restoration_pending"


def test_two_deciders_at_once_one_decision_stands(world) -> None:  # type: ignore[no-untyped-def]
    p, seed, org = world["p"], world["seed"], world["org"]
    if p.jurisdiction != "shanghai-2017":
        pytest.skip("one jurisdiction is enough for the race")
    rid = seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    with p.unit_of_work(world["me"]) as uow:
        app_id = restoration.apply_restoration(uow, org, rid, commitment="承诺").id
    results: list[object] = []
    barrier = threading.Barrier(2)

    def decide(actor: Actor, grant: bool) -> None:
        barrier.wait()
        try:
            with p.unit_of_work(actor) as uow:
                results.append(restoration.decide_restoration(uow, app_id, grant=grant, reasons="决定").status)
        except Refusal as exc:
            results.append(exc)

    threads = [threading.Thread(target=decide, args=(UNIT_ACTOR, True)),
               threading.Thread(target=decide, args=(OPERATOR, False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stood = [r for r in results if isinstance(r, str)]
    conflicts = [r for r in results if isinstance(r, Refusal)]
    assert len(stood) == 1 and len(conflicts) == 1
    assert conflicts[0].status == 409 and conflicts[0].reason == "already_decided"
    # a stale version is refused too
    with pytest.raises(Refusal) as stale, p.unit_of_work(OPERATOR) as uow:
        restoration.decide_restoration(uow, app_id, grant=True, reasons="x", expected_version=1)
    assert stale.value.status == 409


def test_roles(world) -> None:  # type: ignore[no-untyped-def]
    p, seed, org = world["p"], world["seed"], world["org"]
    rid = seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    with pytest.raises(Refusal) as other_unit, p.unit_of_work(Actor(Role.providing_unit, "u", "other")) as uow:
        revocation.report_revocation(uow, rid, grounds="court", basis="x")
    assert other_unit.value.status == 403
    with pytest.raises(Refusal) as dept, p.unit_of_work(world["duty"]) as uow:
        restoration.apply_restoration(uow, org, rid, commitment="x")
    assert dept.value.status == 403
    with p.unit_of_work(world["me"]) as uow:
        app_id = restoration.apply_restoration(uow, org, rid, commitment="x").id
    with pytest.raises(Refusal) as not_theirs, p.unit_of_work(Actor(Role.providing_unit, "u", "other")) as uow:
        restoration.decide_restoration(uow, app_id, grant=True, reasons="x")
    assert not_theirs.value.status == 403


def test_a_restored_decision_takes_the_lists_entered_on_it_off_too(world) -> None:  # type: ignore[no-untyped-def]
    """The cascade: the same subject's entries that name the restored decision as their basis (a serious-list
    entry designated on that penalty) leave service with it; an entry resting on another decision stays."""
    p, seed, org = world["p"], world["seed"], world["org"]
    rid = seed.record(org, "public_penalty", {"document_number": "示罚〔2025〕77号"}, conduct_ended=date(2025, 1, 1),
                      decision_date=date(2025, 1, 1))
    listed = seed.record(org, "public_penalty", {"basis_document_number": "示罚〔2025〕77号"},
                         decision_date=date(2025, 2, 1))
    other = seed.record(org, "public_penalty", {"basis_document_number": "示罚〔2025〕78号"},
                        decision_date=date(2025, 2, 1))
    # the legal representative penalized on the same decision (双罚), and on another one
    person = seed.subject("natural_person", "赵强")
    with p.sessions.begin() as s:
        s.add(ResponsiblePerson(organisation_id=org, person_id=person, role="legal_representative"))
    theirs = seed.record(person, "public_penalty", {"document_number": "示罚〔2025〕77号"},
                         decision_date=date(2025, 1, 1))
    unrelated = seed.record(person, "public_penalty", {"document_number": "示罚〔2025〕90号"},
                            decision_date=date(2025, 1, 1))
    with p.unit_of_work(world["me"]) as uow:
        applied = restoration.apply_restoration(uow, org, rid, commitment="本公司承诺守法经营", channel="portal")
    with p.unit_of_work(UNIT_ACTOR) as uow:
        decided = restoration.decide_restoration(uow, applied.id, grant=True, reasons="已履行处罚决定").to_dict()
    done = {c["key"]: c["records"] for c in decided["cascade"]["done"]}
    assert done == {"serious_list": [listed], "responsible_persons": [theirs]}
    assert {c["key"] for c in decided["cascade"]["will_cover"]} == {"measures", "assessments", "copies"}
    served = _served_ids(p, world["me"], org)
    assert rid not in served and listed not in served and other in served
    with p.sessions() as s:
        assert (s.get(Record, listed).status, s.get(Record, other).status) == ("restored", "active")
        assert (s.get(Record, theirs).status, s.get(Record, unrelated).status) == ("restored", "active")
        [entry] = s.scalars(select(LedgerEntry).where(LedgerEntry.action == "restoration.cascaded")).all()
        assert entry.facts_dict()["records"] == [listed, theirs]
