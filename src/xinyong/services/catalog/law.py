"""The catalog rules in force: the ``catalog.*`` keys of a jurisdiction's rule file as in force on the
day of the act (``catalog_law``), and the day whose rules govern a pending version (``decided_on``).

A rule the regulation lacks, or that is not in force that day, is absent, and the domain applies the
platform's labelled baseline or no requirement (see ``domain.catalog.law``), never another
regulation's article and never today's value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.domain.catalog import law as dc_law
from xinyong.store.models.catalog import CatalogVersion

__all__ = ["catalog_law", "decided_on", "law_on"]


def catalog_law(rulebook: Any, jurisdiction: str, on: date) -> dc_law.CatalogLaw:
    """The catalog rules of ``jurisdiction``'s rule file in force on ``on``, with their citations.

    A key the file does not provide, or provides no value of on ``on`` (the regulation was not yet in
    force, or the value lapsed), is left out: the domain then applies its labelled baseline or no
    requirement. An unknown jurisdiction has no rules at all.
    """
    from xinyong.rules.errors import RuleLookupError

    if jurisdiction not in rulebook:
        return dc_law.CatalogLaw()
    ruleset = rulebook.get(jurisdiction)

    def cited(key: str) -> Any | None:
        try:
            value = ruleset.value(key, on)
        except RuleLookupError:
            return None
        return value if value.value else None

    flags: dict[str, Any] = {}
    for name, key in dc_law.CATALOG_RULE_KEYS.items():
        found = cited(key)
        flags[name] = found.citation if found is not None else None
    grounds = {ground: found.citation for ground, key in dc_law.GROUND_KEYS.items()
               if (found := cited(key)) is not None}
    approval = cited("catalog.approval")
    return dc_law.CatalogLaw(**flags, assessment=grounds,
                         approval=(approval.value.zh, approval.value.en, approval.citation)
                         if approval is not None else None)


def law_on(jurisdiction: str, on: date) -> dc_law.CatalogLaw:
    """``catalog_law`` of the rule files as loaded (for a version's grounds, read outside a unit of work)."""
    from xinyong.rules.loader import load_rulebook

    return catalog_law(load_rulebook(), jurisdiction, on)


def decided_on(row: CatalogVersion) -> date:
    """The day whose rules govern a pending version's requirements: its approval, the opening of its
    comment, or (a draft) the day it was created."""
    from xinyong.domain.platform.clock import business_tz

    return row.approved_on or row.comment_opened_on or row.created_at.astimezone(business_tz()).date()
