"""The publicity clock of administrative penalty information, read from the deployment's rule set: the
one place that turns the rule values (``display.penalty.*``, ``publicity.untiered_penalty``) into the
plain ``PublicityRule``s of ``domain.disclosure.publicity``.

- ``publicity_window_for(platform, decided_on, values)``: the window (earliest and latest end, tier,
  citation) of a penalty decided on ``decided_on`` whose record holds ``values``; what intake checks a
  row's 公示截止期 against and what an outgoing file's 公示截止期 is computed from
  (``domain.disclosure.publicity.publicity_end``).
- ``lookup(ruleset, today)``: the (key, date) -> ``PublicityRule`` function behind it. A value is the one
  in force on the decision date; a decision made when none was (before the first value, or in a gap) is
  timed by the first value that came into force after it and by ``today``, its citation labelled, as
  display periods are (``services.disclosure.rules_in_force.Periods``); a key the regulation does not
  provide is None.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from xinyong.domain.disclosure.publicity import (
    Lookup,
    PublicityRule,
    PublicityWindow,
    check_publicity_until,
    publicity_window,
)
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.rules.model import Span


def _plain(value: Any) -> PublicityRule:
    inner = value.value
    if isinstance(inner, Span):
        return PublicityRule(value.citation, min=inner.min, max=inner.max, period_unit=inner.period_unit)
    return PublicityRule(value.citation, word=inner if isinstance(inner, str) else None)


def lookup(ruleset: Any, today: date) -> Lookup:
    """The rule values of ``ruleset`` as the publicity clock reads them (cached per key and day)."""
    found: dict[tuple[str, date], PublicityRule | None] = {}

    def value(key: str, on: date) -> PublicityRule | None:
        if (key, on) in found:
            return found[(key, on)]
        result: PublicityRule | None
        try:
            result = _plain(ruleset.value(key, on))
        except RuleNotProvided:
            result = None
        except NoValueInForce:
            result = None
            try:
                entries = ruleset.rule(key).entries
            except RuleNotProvided:
                entries = ()
            for entry in entries:
                if on < entry.effective <= today:
                    plain = _plain(entry)
                    result = dataclasses.replace(plain, citation=(
                        f"{plain.citation} [in force from {entry.effective.isoformat()}, after the decision of "
                        f"{on.isoformat()}, when no value was]"))
                    break
        if len(found) > 10_000:
            found.clear()
        found[(key, on)] = result
        return result

    return value


def publicity_window_for(platform: Any, decided_on: date,
                         values: Mapping[str, Any] | None = None) -> PublicityWindow | None:
    """The publicity window of a penalty decided on ``decided_on`` (its record's ``values`` give its tier),
    under the deployment's rule set; None where no publicity period applies. ``platform``: the ``Platform``
    (its rule set, jurisdiction and clock; not imported: rulebook sits below the platform's layer)."""
    ruleset = platform.rulebook.get(platform.jurisdiction)
    return publicity_window(decided_on, values, lookup(ruleset, platform.clock.today()))


def publicity_check(platform: Any) -> Callable[[date, tuple[str, ...], date], tuple[str, str] | None]:
    """The check intake hands a file's rows to (``domain.aggregation.standard_rows.PublicityCheck``): a
    row's 公示截止期 ``until`` against the window of a penalty decided on ``decision`` (the standard's rows
    state no tier: ``publicity.untiered_penalty``), as (zh, en) with the rule's citation, or None."""
    look = lookup(platform.rulebook.get(platform.jurisdiction), platform.clock.today())

    def check(decision: date, kinds: tuple[str, ...], until: date) -> tuple[str, str] | None:
        refused = check_publicity_until(until, publicity_window(decision, None, look))
        return None if refused is None else (refused.message_zh, refused.message_en)

    return check


__all__ = ["lookup", "publicity_check", "publicity_window_for"]
