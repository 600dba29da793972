"""Unit names have one source: ``xinyong.rules.model`` (the units the registry's and the rule files'
``unit:`` may name, with their words); code takes a unit from the rule value, never types one."""

from __future__ import annotations

from datetime import date

from xinyong.domain.rulebook.calendar import PeriodUnit, SpanUnit
from xinyong.rules import UNIT_WORDS, load_rulebook
from xinyong.rules.model import COUNT_UNITS, PER_FILE, PERIOD_UNITS, SPAN_UNITS


def test_every_registry_unit_is_a_known_unit_with_words():
    book = load_rulebook()
    for key in book.keys:
        spec = book.spec(key)
        if spec.period_unit is not None and spec.period_unit != PER_FILE:
            assert spec.period_unit in (*PERIOD_UNITS, *COUNT_UNITS), key
    assert set(PERIOD_UNITS) | set(SPAN_UNITS) <= set(UNIT_WORDS)
    assert all(zh and en for zh, en in UNIT_WORDS.values())


def test_the_calendar_counts_the_units_the_rules_name():
    assert {u.value for u in PeriodUnit} | {u.value for u in SpanUnit} <= set(PERIOD_UNITS)
    assert {u.value for u in SpanUnit} == set(SPAN_UNITS)


def test_a_rule_value_carries_its_unit_from_the_registry_or_its_entry():
    book = load_rulebook()
    for ruleset in book:
        for key, rule in ruleset.items():
            if rule.spec.type != "period":
                continue
            for entry in rule.entries:
                assert entry.period_unit in PERIOD_UNITS, (ruleset.id, key, entry.effective)
    retention = book.get("chongqing-2021").value("inquiry_log.retention", date(2024, 1, 1))
    assert retention.period_unit == "years"
