"""The law in force for a batch, read from the rule file in force on the day of receipt: the rule values
that decide a row (``law_in_force``, handed to the domain's row validator) and the platform's
verification duty (``verify_due``: ``aggregation.verify``, working or calendar days per rule file).
Where the regulation provides no value the answer is ``None``, never a default: a batch then records
that no time limit applies (no due date, no citation)."""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.domain.aggregation.law import AggregationLaw, Cited
from xinyong.services.platform.bootstrap import Platform

_LAW_KEYS = {
    "catalog_required": "aggregation.catalog_required",
    "legal_effect_document": "aggregation.legal_effect_document",
    "exclude_simplified_procedure": "aggregation.exclude_simplified_procedure",
    "exclude_slight_or_remedied": "aggregation.exclude_slight_or_remedied",
    "forbidden": "data.forbidden",
    "consent_only": "data.consent_only",
    "prior_notice": "aggregation.prior_notice",
}


def _rule(platform: Platform, key: str, on: date) -> Any | None:
    """The rule value in force, or None where the regulation provides none (never a default)."""
    from xinyong.rules.errors import RuleLookupError

    try:
        return platform.rulebook.get(platform.jurisdiction).value(key, on)
    except RuleLookupError:
        return None


def law_in_force(platform: Platform, on: date) -> AggregationLaw:
    values: dict[str, Cited | None] = {}
    for name, key in _LAW_KEYS.items():
        found = _rule(platform, key, on)
        values[name] = Cited(found.value, found.citation) if found is not None else None
    return AggregationLaw(platform.jurisdiction, **values)


def verify_due(platform: Platform,
               received_on: date) -> tuple[date | None, int | None, str | None, str | None]:
    """(due date, count, period unit, citation) of the verification duty; all None where no rule sets one."""
    rule = _rule(platform, "aggregation.verify", received_on)
    if rule is None:
        return None, None, None, None
    period_unit = rule.period_unit    # the entry's own (per_file) or the registry's: never a default
    due = platform.calendar.due(received_on, int(rule.value), period_unit)
    return due.due, int(rule.value), period_unit, rule.citation
