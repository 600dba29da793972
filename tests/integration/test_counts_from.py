"""A period's ``counts_from`` in the rule file decides when its duty starts: the Shanghai center's written
result, due "promptly" after the decision, opens when the decision is made (not on filing); the Hubei
draft's providing unit answers within the 15 days counted from the center's receipt of the application,
not from the transfer, while Chongqing's counts from the unit's receipt of the transfer."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from access_seed import Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services import objections
from xinyong.services.platform.bootstrap import Platform

CST = timezone(timedelta(hours=8))
FILED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
LATER = datetime(2026, 10, 9, 9, 0, tzinfo=CST)
OPERATOR = Actor(Role.operator, "user:1")


@pytest.fixture
def make(platform_under):  # type: ignore[no-untyped-def]
    """A platform under a regulation, the clock at ``FILED``."""
    def build(jurisdiction: str) -> Platform:
        return platform_under(jurisdiction, FILED)

    return build


def _file(p: Platform, **kw) -> int:  # type: ignore[no-untyped-def]
    seed = Seed(p).catalog()
    subject = seed.subject("legal_person", "示范公司")
    record = seed.record(subject, "public_penalty", {"summary": "罚款"})
    with p.unit_of_work(OPERATOR) as uow:
        return objections.file_objection(uow, subject_id=subject, records=[str(record)], grounds="金额有误",
                                         channel="counter", received=FILED, **kw).id


def _duties(p: Platform, objection_id: int) -> dict:  # type: ignore[type-arg]
    with p.sessions() as s:
        return {d.key: d for d in objections.get_objection(p, s, objection_id).duties}


def test_the_rule_value_says_what_it_counts_from(make) -> None:
    p = make("shanghai-2017")
    notify = p.rulebook.get("shanghai-2017").value("objection.notify", FILED.date())
    assert notify.counts_from == "decision" and notify.to_dict()["counts_from"] == "decision"
    assert p.rulebook.get("gansu-2021").value("objection.notify", date(2026, 1, 5)).counts_from == "receipt"


def test_a_result_counted_from_the_decision_opens_with_it(make, clock) -> None:
    p = make("shanghai-2017")
    objection_id = _file(p, route="center")
    assert "objection.notify" not in _duties(p, objection_id)          # no due date before there is a decision
    clock.set(LATER)
    with p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="核实无误")
    notify = _duties(p, objection_id)["objection.notify"]
    assert notify.starts_on == LATER.date() and notify.status == "done" and notify.due > LATER.date()


@pytest.mark.parametrize(("jurisdiction", "starts"), [("hubei-2017-draft", FILED.date()),
                                                      ("chongqing-2021", LATER.date())])
def test_the_providing_units_period_starts_where_the_rule_file_says(make, clock, jurisdiction: str,
                                                                    starts: date) -> None:
    p = make(jurisdiction)
    objection_id = _file(p, route="provider")
    clock.set(LATER)
    with p.unit_of_work(OPERATOR) as uow:
        objections.transfer(uow, objection_id)
    duty = _duties(p, objection_id)["objection.provider_decide"]
    value = p.rulebook.get(jurisdiction).value("objection.provider_decide", starts)
    assert duty.starts_on == starts
    assert duty.due == p.calendar.due(starts, value.value, value.period_unit).due
