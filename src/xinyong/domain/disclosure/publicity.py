"""Publicity of administrative penalty information on the public website: its own clock.

A penalty record is public (lawful disclosure: the double-publicity page, the organisation page) from its
decision until its publicity ends; inquiry by duty and the subject's own inquiry keep the longer display
period of the record's catalog item. How long publicity lasts is the tier's span (``display.penalty.minor``,
``.general``, ``.serious``), the value in force on the DECISION date, counted from the decision date:
between the span's ``min`` (the earliest lawful end) and its ``max`` (the latest: publicity ends by
itself). The tier is the record's ``severity`` field where it states one, else the rule file's
``publicity.untiered_penalty``.

公示截止期 (``publicity_until``) in an incoming row is checked against the window (``check_publicity_until``);
an outgoing file writes ``publicity_end`` (the row's own date where it gave one inside the window, else
the latest end).

Plain Python: the rule values come in through a ``lookup`` (key, date) -> ``PublicityRule`` or None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.rulebook.calendar import add_span

TIER_RULE = "display.penalty."
TIERS = ("minor", "general", "serious")
UNTIERED_RULE = "publicity.untiered_penalty"
SEVERITY_FIELD = "severity"
STATED_FIELD = "publicity_until"
"""The payload field a row's 公示截止期 arrives in (the double-publicity standard's ``CF_GSJZQ``)."""
TIER_LABELS = {"minor": ("轻微失信信息", "minor"), "general": ("一般失信信息", "general"),
               "serious": ("严重失信信息", "serious")}


@dataclass(frozen=True)
class PublicityRule:
    """A rule value as the publicity clock needs it: a span's min and max (None: no minimum; the string
    ``unlimited``: no end), its period unit, or a tier word (``publicity.untiered_penalty``); and the
    citation."""

    citation: str
    min: int | None = None
    max: int | str | None = None
    period_unit: str | None = None
    word: str | None = None


Lookup = Callable[[str, date], "PublicityRule | None"]


@dataclass(frozen=True)
class PublicityWindow:
    """When a penalty decided on ``decided_on`` may stop being public: from ``earliest_end`` (the span's
    minimum served; the decision date itself where the rule gives no minimum) to ``latest_end`` (the
    maximum; None: no end)."""

    tier: str
    rule_key: str
    decided_on: date
    earliest_end: date
    latest_end: date | None
    cite: str
    tier_cite: str | None = None      # where the tier came from the rule file, not the record

    def contains(self, day: date) -> bool:
        return self.earliest_end <= day and (self.latest_end is None or day <= self.latest_end)

    def to_dict(self) -> dict[str, Any]:
        return {"tier": self.tier, "rule": self.rule_key, "decided_on": self.decided_on.isoformat(),
                "earliest_end": self.earliest_end.isoformat(),
                "latest_end": self.latest_end.isoformat() if self.latest_end else None,
                "cite": self.cite, "tier_cite": self.tier_cite}


def tier_of(values: Mapping[str, Any] | None) -> str | None:
    """The tier a record states (its ``severity`` field), or None."""
    severity = (values or {}).get(SEVERITY_FIELD)
    return severity if isinstance(severity, str) and severity in TIERS else None


def publicity_window(decided_on: date, values: Mapping[str, Any] | None, lookup: Lookup) -> PublicityWindow | None:
    """The publicity window of a penalty decided on ``decided_on`` whose record holds ``values``; None where
    the regulation in force provides no publicity period (no tier rule, or no untiered reading for a
    record that states no tier)."""
    tier, tier_cite = tier_of(values), None
    if tier is None:
        untiered = lookup(UNTIERED_RULE, decided_on)
        if untiered is None or untiered.word not in TIERS:
            return None
        tier, tier_cite = untiered.word, untiered.citation
    key = TIER_RULE + tier
    rule = lookup(key, decided_on)
    if rule is None or rule.max is None:
        return None
    earliest = decided_on if not rule.min else add_span(decided_on, rule.min, rule.period_unit)
    latest = None if isinstance(rule.max, str) else add_span(decided_on, rule.max, rule.period_unit)
    return PublicityWindow(tier, key, decided_on, earliest, latest, rule.citation, tier_cite)


def publicity_end(window: PublicityWindow, stated: date | None = None) -> date | None:
    """The last day of publicity: the row's own 公示截止期 where it gave one inside the window, else the
    window's latest end (publicity ends by itself at the maximum)."""
    if stated is not None and window.contains(stated):
        return stated
    return window.latest_end


def check_publicity_until(stated: date | None, window: PublicityWindow | None, *,
                          field: str = STATED_FIELD) -> Refusal | None:
    """Why a row's 公示截止期 cannot stand (``publicity_end_inconsistent``, with the rule's citation), or
    None when it is absent, inside the window, or no publicity period applies."""
    if stated is None or window is None or window.contains(stated):
        return None
    zh_tier, en_tier = TIER_LABELS[window.tier]
    latest = window.latest_end.isoformat() if window.latest_end else "不限"
    latest_en = window.latest_end.isoformat() if window.latest_end else "no end"
    return Refusal(
        field, "publicity_end_inconsistent",
        f"公示截止期 {stated.isoformat()} 不符合{zh_tier}的公示期限：自处罚决定日 {window.decided_on.isoformat()} "
        f"起，应在 {window.earliest_end.isoformat()} 至 {latest} 之间（{window.cite}）",
        f"the end of publicity {stated.isoformat()} does not fit the publicity period of {en_tier} "
        f"untrustworthiness information: counted from the decision of {window.decided_on.isoformat()} it lies "
        f"between {window.earliest_end.isoformat()} and {latest_en} ({window.cite})")


__all__ = ["PublicityRule", "PublicityWindow", "SEVERITY_FIELD", "STATED_FIELD", "TIERS", "TIER_RULE",
           "UNTIERED_RULE", "check_publicity_until", "publicity_end", "publicity_window", "tier_of"]
