"""The rule values the policy reads, as in force on a day: ``policy_rules`` (the modes, duty purposes and
disclosure flags of the deployment's rule set) and ``Periods`` (each record's display period, from its
catalog item's display rule and the value in force on its decision date).

Rule values are immutable once loaded: both keep what they looked up per rule set and day.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any, NamedTuple

from xinyong.domain.catalog.items import display_rule_for
from xinyong.domain.disclosure import policy
from xinyong.domain.disclosure.policy import PolicyRules
from xinyong.domain.disclosure.publicity import STATED_FIELD, publicity_end, publicity_window
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.rules.model import Span
from xinyong.services.platform.bootstrap import Platform
from xinyong.services.rulebook import publicity

_RULES_CACHE: dict[tuple[Any, date], PolicyRules] = {}


def _prefix(value: Any) -> str:
    """The abbreviation a rule value's citation carries before its cite ("CQ "), or ""."""
    citation, cite = value.citation, value.cite
    return citation[: len(citation) - len(cite)] if citation.endswith(cite) else ""


def _value(ruleset: Any, key: str, on: date) -> Any | None:
    try:
        return ruleset.value(key, on)
    except (RuleNotProvided, NoValueInForce):
        return None


def _flag(ruleset: Any, key: str, on: date) -> tuple[bool, str] | None:
    value = _value(ruleset, key, on)
    return None if value is None else (bool(value.value), value.citation)


def _purposes(ruleset: Any, key: str, on: date) -> dict[str, str] | None:
    value = _value(ruleset, key, on)
    if value is None:
        return None
    prefix = _prefix(value)
    return {p.key: f"{prefix}{p.cite}" if p.cite else value.citation for p in value.value}


def policy_rules(platform: Platform, today: date) -> PolicyRules:
    """The rule values the policy needs, as in force ``today`` in this deployment's jurisdiction."""
    ruleset = platform.rulebook.get(platform.jurisdiction)
    cache_key = (ruleset, today)        # the rule set itself (immutable once loaded), not its id
    found = _RULES_CACHE.get(cache_key)
    if found is not None:
        return found
    rules = PolicyRules(
        modes=_purposes(ruleset, "inquiry.modes", today) or {},
        duty_purposes=_purposes(ruleset, "inquiry.duty_purposes", today),
        natural_person_public=_flag(ruleset, "disclosure.natural_person_public", today),
        objection_disclosure_continues=_flag(ruleset, "objection.disclosure_continues", today),
        suspend_on_provider_overdue=_flag(ruleset, "objection.suspend_on_provider_overdue", today),
        positive_withholdable=_flag(ruleset, "disclosure.positive_withholdable", today),
        desensitise_natural_person=_flag(ruleset, "disclosure.desensitise_natural_person", today),
    )
    if len(_RULES_CACHE) > 64:
        _RULES_CACHE.clear()
    _RULES_CACHE[cache_key] = rules
    return rules


class Period(NamedTuple):
    """A record's display period: the last day it is displayed (None: no end, or none known) and why."""

    until: date | None
    cite: str | None
    start_missing: bool
    rule_missing: bool = False      # no value of the display rule in force on the decision date, nor since
    # an administrative penalty's publicity on the public website (lawful disclosure), its own shorter
    # clock: the last day and its citation (``domain.disclosure.publicity``); None: no publicity period
    publicity_until: date | None = None
    publicity_cite: str | None = None


class _ItemRule(NamedTuple):
    display_rule: str | None


def as_date(value: Any) -> date | None:
    """A date a record's column or payload holds (a date, or an ISO date string), else None."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class _NotInForce(NamedTuple):
    """No value of a display rule in force on the decision date nor any day since, up to today."""

    citation: str       # the rule file's citation of the nearest value (what would have governed)


class Periods:
    """Display periods of records: the item's display rule, the value in force on the record's
    decision date (a penalty decided on 2026-03-31 and one decided on 2026-04-01 fall under different
    national tiers), counted from the date the rule names (or the item's counts-from field).

    A record decided when no value of its rule was in force (before the first one, or in a gap after
    one lapsed) is timed by the first value that came into force after its decision, never by today's:
    that is the rule that first governed its display, the one a record decided that day would have,
    and records decided earlier never fall under a later regime than records decided after them. The
    citation says so. Where no value has come into force since (up to today), the period cannot be
    known: the record is not served to anyone but its subject (``period_rule_not_in_force``).
    """

    _CACHE: dict[tuple[Any, date], dict[tuple[str, date], Any]] = {}

    def __init__(self, platform: Platform, today: date) -> None:
        self.ruleset = platform.rulebook.get(platform.jurisdiction)
        self.today = today
        # Rule values are immutable once loaded: share the lookups of one rule set and day.
        cache_key = (self.ruleset, today)   # the object itself: kept alive, never confused
        values = self._CACHE.get(cache_key)
        if values is None:
            if len(self._CACHE) > 16:
                self._CACHE.clear()
            values = self._CACHE[cache_key] = {}
        self._values: dict[tuple[str, date], Any] = values
        self._publicity = publicity.lookup(self.ruleset, today)

    def _rule(self, key: str, on: date) -> Any | None:
        cache_key = (key, on)
        if cache_key not in self._values:
            if len(self._values) > 50_000:
                self._values.clear()
            try:
                value = self.ruleset.value(key, on)
            except RuleNotProvided:
                value = None
            except NoValueInForce:
                value = self._first_after(key, on)
            self._values[cache_key] = value
        return self._values[cache_key]

    def _first_after(self, key: str, on: date) -> Any:
        """The first value of ``key`` that came into force after ``on`` and by today, its citation
        labelled; else ``_NotInForce`` with the citation of the nearest value."""
        entries = self.ruleset.rule(key).entries
        for entry in entries:
            if on < entry.effective <= self.today:
                label = (f"{entry.citation} [in force from {entry.effective.isoformat()}, after the decision "
                         f"of {on.isoformat()}, when no value was]")
                return dataclasses.replace(entry, citation=label)
        earlier = [e for e in entries if e.effective <= on]
        return _NotInForce((earlier[-1] if earlier else entries[0]).citation)

    def of(self, row: Any, subject_kind: str) -> Period:
        period = self._display(row, subject_kind)
        if getattr(row, "penalty_item", False):
            payload = row.payload or {}
            decided = row.decision_date or as_date(payload.get("decision_date")) or row.document_date \
                or as_date(payload.get("document_date"))
            window = publicity_window(decided, payload, self._publicity) if decided else None
            if window is not None:
                until = publicity_end(window, as_date(payload.get(STATED_FIELD)))
                return period._replace(publicity_until=until, publicity_cite=window.cite)
        return period

    def _display(self, row: Any, subject_kind: str) -> Period:
        payload = row.payload or {}
        key = display_rule_for(_ItemRule(row.display_rule), subject_kind, payload)  # type: ignore[arg-type]
        if key is None:
            return Period(None, None, False)
        decided = row.decision_date or as_date(payload.get("decision_date")) or row.document_date \
            or as_date(payload.get("document_date"))
        value = self._rule(key, decided or self.today)
        if isinstance(value, _NotInForce):
            return Period(None, value.citation, False, rule_missing=True)
        if value is None or not isinstance(value.value, Span):
            return Period(None, None, False)
        span = value.value
        if span.unlimited:
            return Period(None, value.citation, False)
        counts_from = span.counts_from
        if counts_from == "conduct_ended":
            start = row.conduct_ended or as_date(payload.get("conduct_ended"))
        elif counts_from == "decision_date":
            start = decided
        else:
            name = row.counts_from_field
            start = as_date(payload.get(name)) if name else None
            if start is None and name in ("conduct_ended", "decision_date", "document_date"):
                start = {"conduct_ended": row.conduct_ended, "decision_date": decided,
                         "document_date": row.document_date}[name]
        if start is None:
            return Period(None, value.citation, True)
        return Period(policy.display_until(start, span.max, span.period_unit), value.citation, False)

    def minimum_of(self, row: Any, subject_kind: str) -> Period:
        """The last day of a record's minimum publicity period (its display span's ``min``: before it
        ends, restoration is not open), counted as ``of`` counts the maximum; ``until`` None where the
        rule gives no minimum (or none is known)."""
        payload = row.payload or {}
        key = display_rule_for(_ItemRule(row.display_rule), subject_kind, payload)  # type: ignore[arg-type]
        if key is None:
            return Period(None, None, False)
        decided = row.decision_date or as_date(payload.get("decision_date")) or row.document_date \
            or as_date(payload.get("document_date"))
        value = self._rule(key, decided or self.today)
        if isinstance(value, _NotInForce) or value is None or not isinstance(value.value, Span):
            return Period(None, None, False)
        span = value.value
        if not isinstance(span.min, int) or not span.min:
            return Period(None, value.citation, False)
        start = row.conduct_ended or as_date(payload.get("conduct_ended")) if span.counts_from == "conduct_ended" \
            else decided
        if start is None:
            return Period(None, value.citation, True)
        return Period(policy.display_until(start, span.min, span.period_unit), value.citation, False)


__all__ = ["Period", "Periods", "as_date", "policy_rules"]
