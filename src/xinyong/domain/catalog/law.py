"""The catalog rules of one regulation in force on one date, as plain data (``CatalogLaw``): each is the
citation of the article that imposes it, or None where the regulation provides none. Which rule key
fills which attribute (``CATALOG_RULE_KEYS``, ``GROUND_KEYS``) and what a requirement rests on where the
regulation is silent (``PLATFORM_BASELINE``, :func:`basis`).

Where a regulation has no such rule, reasons and public comment are still asked as the platform's
baseline, labelled ``PLATFORM_BASELINE`` in every message (asking them decides nothing about a subject
and costs the rule maker a sentence and a publication); an expert assessment and the penalty exclusion
fields are not required at all (they would impose what the law does not); the legal-effect document of
an untrustworthiness item stays required as the baseline (the database keeps that invariant).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["CATALOG_RULE_KEYS", "GROUND_KEYS", "GROUND_LABELS", "PLATFORM_BASELINE", "AssessmentGround", "CatalogLaw",
           "basis"]


class AssessmentGround(StrEnum):
    """Why a version needs an assessment before approval."""

    rights_reduced = "rights_reduced"            # rights reduced or obligations increased
    opinions_diverge = "opinions_diverge"        # opinions on the proposed items diverge
    significant_impact = "significant_impact"    # the items may cause significant social impact


GROUND_KEYS = {ground: f"catalog.assessment.{ground.value}" for ground in AssessmentGround}
"""The rule key that makes each ground require an assessment (absent from a regulation: no assessment)."""

GROUND_LABELS = {
    AssessmentGround.rights_reduced: ("目录事项可能减损信用主体权利或者增加其义务",
                                      "an item may reduce subjects' rights or increase their obligations"),
    AssessmentGround.opinions_diverge: ("对拟纳入事项意见分歧", "opinions on the proposed items diverge"),
    AssessmentGround.significant_impact: ("可能造成重大社会影响", "the items may cause significant social impact"),
}

PLATFORM_BASELINE = "Xinyong platform baseline"
"""The label of a requirement the platform applies where the regulation in force sets none."""

CATALOG_RULE_KEYS = {
    "reasons_required": "catalog.reasons_required",
    "public_comment": "catalog.public_comment",
    "legal_effect_document": "aggregation.legal_effect_document",
    "exclude_simplified_procedure": "aggregation.exclude_simplified_procedure",
    "exclude_slight_or_remedied": "aggregation.exclude_slight_or_remedied",
}
"""The ``CatalogLaw`` attribute each flag rule key fills (the grounds: ``GROUND_KEYS``)."""


@dataclass(frozen=True)
class CatalogLaw:
    """The catalog rules of one regulation in force on one date, as plain data: each is the citation
    of the article that imposes it (e.g. ``"BJ Art. 10(2)"``), or None where the regulation provides
    none (or none is in force on that date). ``CatalogLaw()`` is a regulation silent on all of them."""

    reasons_required: str | None = None
    public_comment: str | None = None
    assessment: Mapping[AssessmentGround, str] = field(default_factory=dict)   # ground -> citation
    legal_effect_document: str | None = None
    exclude_simplified_procedure: str | None = None
    exclude_slight_or_remedied: str | None = None
    approval: tuple[str, str, str] | None = None     # (body zh, body en, citation): catalog.approval

    def required(self, grounds: Iterable[AssessmentGround | str]) -> tuple[AssessmentGround, ...]:
        """Of the grounds the facts give, those on which this regulation requires an assessment."""
        return tuple(g for g in (AssessmentGround(g) for g in grounds) if g in self.assessment)

    @property
    def penalty_exclusions(self) -> str | None:
        """The citations of the penalty exclusions in force, or None where there are none."""
        cites = dict.fromkeys(c for c in (self.exclude_simplified_procedure, self.exclude_slight_or_remedied) if c)
        return "; ".join(cites) or None


def basis(cite: str | None) -> tuple[str, str]:
    """What a requirement rests on, for a message in zh and en: its citation, or the baseline label."""
    if cite:
        return cite, cite
    return f"{PLATFORM_BASELINE}：法规未作规定", f"{PLATFORM_BASELINE}: the regulation sets none"

