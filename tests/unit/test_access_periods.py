"""Display periods when no value of the rule was in force on the decision date
(``services.disclosure.rules_in_force``)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from xinyong.domain.disclosure import policy
from xinyong.domain.disclosure.policy import RecordFacts, Viewer
from xinyong.domain.identity.actors import Actor, Role
from xinyong.rules import NoValueInForce
from xinyong.rules.model import RuleValue, Span
from xinyong.services.disclosure.rules_in_force import Periods

KEY = "display.untrustworthy.organisation"
SPAN = Span(min=None, max=5, period_unit="years", counts_from="decision_date")


def entry(effective: date, cite: str, until: date | None = None) -> RuleValue:
    return RuleValue(key=KEY, value=SPAN, cite=cite, effective=effective, jurisdiction="xy", citation=f"XY {cite}",
                     until=until)


class Lapsing:
    """A rule file whose only value lapsed: nothing in force after 2020-12-31."""

    entries = (entry(date(2018, 1, 1), "Art. 35", until=date(2020, 12, 31)),)

    def value(self, key: str, on: date) -> RuleValue:
        first = self.entries[0]
        if first.in_force(on):
            return first
        raise NoValueInForce("xy", key, on, first=first.effective,
                             lapsed=first.until if on > first.effective else None)

    def rule(self, key: str) -> SimpleNamespace:
        return SimpleNamespace(entries=self.entries)


def periods(ruleset, today: date) -> Periods:  # type: ignore[no-untyped-def]
    platform = SimpleNamespace(rulebook=SimpleNamespace(get=lambda _: ruleset), jurisdiction="xy")
    return Periods(platform, today)  # type: ignore[arg-type]


def row(decided: date) -> SimpleNamespace:
    return SimpleNamespace(payload={}, display_rule="display.untrustworthy.organisation", decision_date=decided,
                           document_date=None, conduct_ended=None, counts_from_field="decision_date")


def test_no_value_in_force_on_the_decision_date_nor_since_is_not_served():
    ruleset = Lapsing()
    found = periods(ruleset, date(2026, 1, 5)).of(row(date(2022, 6, 1)), "legal_person")
    assert found.rule_missing and found.until is None and found.cite == "XY Art. 35"
    served = periods(ruleset, date(2026, 1, 5)).of(row(date(2019, 6, 1)), "legal_person")
    assert not served.rule_missing and served.until == date(2024, 6, 1)


def test_the_policy_serves_it_to_the_subject_alone():
    facts = RecordFacts(record_id=1, subject_id=7, subject_kind="legal_person", item_code="penalty",
                        category="untrustworthiness", disclosure_class="public", period_rule_missing=True,
                        display_cite="XY Art. 35")
    public = Viewer(Actor(Role.public, "public"), policy.Mode.lawful_disclosure)
    decision = policy.decide(public, facts, policy.PolicyRules(), date(2026, 1, 5))
    assert not decision.visible and decision.denial is not None
    assert decision.denial.code == "period_rule_not_in_force" and decision.denial.cite == "XY Art. 35"
    own = Viewer(Actor(Role.subject, "user:1"), policy.Mode.self, own_subject_id=7)
    assert policy.decide(own, facts, policy.PolicyRules(), date(2026, 1, 5)).visible
