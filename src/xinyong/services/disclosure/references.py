"""A record as the workflows name it: by its id, or as a clerk holding the decision document gives it,
the providing unit and its record key (``market-regulation/CF-2025-001``). What is answered is the
record's identity and state, never its content (that is read through an inquiry, under the policy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services.disclosure.rules_in_force import Periods
from xinyong.services.disclosure.statements import resting_on, sql
from xinyong.services.platform.bootstrap import Platform


@dataclass(frozen=True)
class RecordRef:
    id: int
    subject_id: int
    unit_code: str
    item_code: str
    record_key: str
    status: str
    category: str
    current_version: int

    @property
    def reference(self) -> str:
        return f"{self.unit_code}/{self.record_key}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "reference": self.reference, "unit": self.unit_code, "item": self.item_code,
                "record_key": self.record_key, "status": self.status, "category": self.category}


def _unknown(ref: str, field: str) -> Refusal:
    return Refusal(field, "record_unknown", f"没有信用信息记录“{ref}”（请填写记录编号，或“提供单位/记录键”，如 "
                   "market-regulation/CF-2025-001）",
                   f"no record '{ref}' (give a record id, or the providing unit and its record key, such as "
                   "market-regulation/CF-2025-001)", status=NOT_FOUND)


def resolve_record(session: Any, ref: str | int, field: str = "record") -> RecordRef:
    """The record named by ``ref``: an id (``42``) or ``unit/record_key``; refused, naming ``field``, when
    no record answers."""
    connection = session.connection()
    text = str(ref).strip()
    if text.isdigit():
        row = connection.execute(sql().record_ref_by_id, {"rid": int(text)}).first()
    elif "/" in text:
        unit, key = text.split("/", 1)
        row = connection.execute(sql().record_ref_by_key, {"unit": unit.strip(), "key": key.strip()}).first()
    else:
        row = None
    if row is None:
        raise _unknown(text, field)
    return RecordRef(*row)


def records_resting_on(session: Any, record_id: int, *, status: str = "active") -> list[tuple[int, str]]:
    """The records in ``status`` that follow record ``record_id`` out of service (the restoration cascade),
    as (id, why): ``listed``, the same subject's entries naming its decision as their basis (a serious-list
    entry designated on it); ``responsible``, the records of its organisation's responsible persons on the
    same decision. Ids only, never content."""
    return [(int(r.id), str(r.kind)) for r in session.connection().execute(resting_on(status), {"rid": record_id})]


@dataclass(frozen=True)
class MinimumPublicity:
    """The last day of a record's minimum publicity period (``ends``; None where its display rule gives
    no minimum) and the rule's citation: restoration opens the day after (``domain`` of restoration)."""

    ends: date | None
    cite: str | None
    start_unknown: bool


def minimum_publicity(platform: Platform, session: Any, record_id: int) -> MinimumPublicity:
    """The minimum publicity period of a record as its display rule in force on its decision date gives
    it; nothing of the content is answered."""
    row = session.connection().execute(sql().record_by_id, {"rid": record_id}).first()
    if row is None:
        raise _unknown(str(record_id), "record")
    period = Periods(platform, platform.clock.today()).minimum_of(row, row.subject_kind)
    return MinimumPublicity(period.until, period.cite, period.start_missing)
