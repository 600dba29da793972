"""Who owes a duty, what a missed one engages, and how its due date is counted.

A duty's owner is one of the parties the rule files' liability entries name. A providing unit and the
competent department are administrative organs, so a liability entry for ``administrative_organ`` binds
them too; the platform operator and a credit service institution answer under their own names.

:func:`count_due` never refuses for want of a calendar: where the period runs into a year no loaded
calendar covers, the date is the earliest possible one (weekdays alone) and flagged provisional.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from xinyong.domain.rulebook.calendar import WorkingDayCalendar
from xinyong.domain.rulebook.periods import Due, Pause


class Owner(StrEnum):
    """Who owes a duty (the rule files' liability ``party`` names)."""

    platform_operator = "platform_operator"
    providing_unit = "providing_unit"
    competent_department = "competent_department"
    credit_service_institution = "credit_service_institution"


# The liability parties an owner answers as, most specific first.
LIABLE_AS: Mapping[Owner, tuple[str, ...]] = {
    Owner.platform_operator: ("platform_operator",),
    Owner.providing_unit: ("providing_unit", "administrative_organ"),
    Owner.competent_department: ("competent_department", "administrative_organ"),
    Owner.credit_service_institution: ("credit_service_institution",),
}

# A liability entry whose ``duty`` is one of these covers every duty of its party.
_CATCH_ALL = ("any_violation", "other_duty")


@dataclass(frozen=True)
class Liability:
    """The liability article a missed duty engages, as the rule file words it."""

    cite: str
    zh: str
    en: str
    party: str

    def to_dict(self) -> dict[str, Any]:
        return {"cite": self.cite, "zh": self.zh, "en": self.en, "party": self.party}


def liability_for(entries: Iterable[Mapping[str, Any]], key: str, owner: Owner) -> Liability | None:
    """The liability entry for a missed ``key`` (``objection.decide``) owed by ``owner``: an entry for
    the key's process (``objection``) and the owner's party first, then a catch-all entry of the party;
    None where the regulation names none."""
    process = key.split(".", 1)[0]
    entries = [e for e in entries if isinstance(e, Mapping)]
    for duties in ((process,), _CATCH_ALL):
        for party in LIABLE_AS[owner]:
            for entry in entries:
                if entry.get("duty") in duties and entry.get("party") == party:
                    return Liability(str(entry.get("cite", "")), str(entry.get("zh", "")),
                                     str(entry.get("en", "")), party)
    return None


def count_due(calendar: WorkingDayCalendar, starts: date | datetime, count: int, period_unit: str,
              pauses: Sequence[Pause] = ()) -> Due:
    """The due date of a period of ``count`` ``period_unit`` from ``starts``: exact where every year it
    touches is covered by a loaded calendar, else the earliest possible date flagged ``provisional``
    (recomputed by the sweep once that year's calendar is loaded). ``due`` is None while a pause runs."""
    return calendar.provisional_due(starts, count, period_unit, pauses=tuple(pauses))
