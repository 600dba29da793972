"""The law in force for a batch, as plain data: the rule values that decide a row (``AggregationLaw``,
each a ``Cited`` value with its citation, ``None`` where the regulation provides none). The service
(``services.aggregation.law.law_in_force``) reads them from the rule file in force on the day of
receipt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Cited:
    """A rule value with the citation that gives it (e.g. ``GS Art. 18(2)``)."""

    value: Any
    cite: str


@dataclass(frozen=True)
class AggregationLaw:
    """The rule values in force that decide a row; ``None`` where the regulation provides none."""

    jurisdiction: str
    catalog_required: Cited | None = None
    legal_effect_document: Cited | None = None
    exclude_simplified_procedure: Cited | None = None
    exclude_slight_or_remedied: Cited | None = None
    forbidden: Cited | None = None          # value: vocabulary keys
    consent_only: Cited | None = None       # value: vocabulary keys
    prior_notice: Cited | None = None

    def flag(self, name: str) -> Cited | None:
        value: Cited | None = getattr(self, name)
        return value if value is not None and value.value else None

    def keys(self, name: str) -> frozenset[str]:
        value: Cited | None = getattr(self, name)
        return frozenset(value.value) if value is not None else frozenset()


def cite_zh(cite: str | None) -> str:
    """The citation appended to a Chinese message (nothing where there is none)."""
    return f"（依据 {cite}）" if cite else ""


def cite_en(cite: str | None) -> str:
    """The citation appended to an English message (nothing where there is none)."""
    return f" ({cite})" if cite else ""
