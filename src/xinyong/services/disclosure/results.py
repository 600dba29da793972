"""What disclosure answers: an inquiry's result, a record as served, an explanation, a public listing,
and the refusals that are disclosure's own (an id that names no record; an inquiry that could not be
logged, so nothing is served).

Bad input to an inquiry, and every other refusal of the disclosure process, is the platform's one
``Refusal`` (``domain.platform.refusal``): nothing is read or logged, and each interface answers it its
own one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from xinyong.domain.disclosure import policy
from xinyong.domain.disclosure.policy import Decision, Mode, Reason
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal

NOT_LOGGED = "inquiry_not_logged"
"""The reason of the refusal an inquiry gets when its log row (or ledger entry) could not be written."""


def not_logged(cause: BaseException | None = None) -> Refusal:
    """The inquiry could not be written to the inquiry log (or the ledger): nothing is served (503)."""
    refusal = Refusal(None, NOT_LOGGED, "查询记录无法写入，本次查询不予提供",
                      "the inquiry could not be logged, so nothing was served", status=503)
    refusal.__cause__ = cause
    return refusal


def unknown_record() -> Refusal:
    return Refusal("record_id", "record_unknown", "没有该信用记录", "no such credit record", status=NOT_FOUND)


@dataclass(frozen=True)
class SubjectSummary:
    id: int
    kind: str
    name: str                                   # masked for a natural person, to anyone but the person
    identifiers: tuple[tuple[str, str], ...]    # (kind, value), masked likewise

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "name": self.name,
                "identifiers": [{"kind": k, "value": v} for k, v in self.identifiers]}


@dataclass(frozen=True)
class ServedRecord:
    id: int
    subject_id: int
    item_code: str
    item_name_zh: str
    item_name_en: str
    category: str
    disclosure_class: str
    status: str
    version: int
    unit_code: str
    fields: Mapping[str, Any]
    decision: Decision
    decision_date: date | None = None
    conduct_ended: date | None = None
    received_on: date | None = None
    display_until: date | None = None
    display_cite: str | None = None
    publicity_until: date | None = None     # a penalty's last day on the public website
    publicity_cite: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {"id": self.id, "subject_id": self.subject_id, "item_code": self.item_code,
                "item_name_zh": self.item_name_zh, "item_name_en": self.item_name_en,
                "category": self.category, "disclosure_class": self.disclosure_class, "status": self.status,
                "version": self.version, "unit_code": self.unit_code, "fields": dict(self.fields),
                "masked": list(self.decision.masked), "labels": list(self.decision.labels),
                "reasons": [r.to_dict() for r in self.decision.reasons],
                "decision_date": iso(self.decision_date), "conduct_ended": iso(self.conduct_ended),
                "received_on": iso(self.received_on), "display_until": iso(self.display_until),
                "display_cite": self.display_cite, "publicity_until": iso(self.publicity_until),
                "publicity_cite": self.publicity_cite}


@dataclass(frozen=True)
class InquiryResult:
    inquiry_id: int
    at: datetime
    mode: Mode
    purpose: str | None
    authorization_id: int | None
    subject: SubjectSummary | None
    records: tuple[ServedRecord, ...] = ()
    refused: Reason | None = None

    @property
    def served(self) -> bool:
        return self.refused is None

    @property
    def status(self) -> int:
        """The HTTP status an interface answers with."""
        if self.refused is None:
            return 200
        return policy.REQUEST_STATUS.get(self.refused.code, 403)

    def to_dict(self) -> dict[str, Any]:
        return {"inquiry_id": self.inquiry_id, "at": self.at.isoformat(), "mode": self.mode.value,
                "purpose": self.purpose, "authorization_id": self.authorization_id,
                "subject": self.subject.to_dict() if self.subject else None,
                "records": [r.to_dict() for r in self.records],
                "refused": self.refused.to_dict() if self.refused else None}


@dataclass(frozen=True)
class Explanation:
    inquiry_id: int
    record_id: int
    mode: Mode
    purpose: str | None
    decision: Decision
    refused: Reason | None = None               # the request as a whole was refused
    known: bool = True                          # whether the caller may know the record exists

    @property
    def visible(self) -> bool:
        return self.refused is None and self.decision.visible

    def concealed(self) -> Refusal | None:
        """What an interface answers instead of this explanation when the caller may not know the record
        exists: the very refusal of an id that names no record (same status, same body), so an explain
        tells no one that a record exists, nor whose it is, unless the policy shows it to them or it is
        their own. None when the explanation may be given."""
        return None if self.known else unknown_record()

    def to_dict(self) -> dict[str, Any]:
        return {"inquiry_id": self.inquiry_id, "record_id": self.record_id, "mode": self.mode.value,
                "purpose": self.purpose, "visible": self.visible, "masked": list(self.decision.masked),
                "labels": list(self.decision.labels),
                "reasons": [r.to_dict() for r in self.decision.reasons],
                "request_refused": self.refused.to_dict() if self.refused else None}


@dataclass(frozen=True)
class ListingResult:
    inquiry_id: int
    records: tuple[ServedRecord, ...]
    subjects: Mapping[int, SubjectSummary] = field(default_factory=dict)


__all__ = ["NOT_LOGGED", "Explanation", "InquiryResult", "ListingResult", "ServedRecord", "SubjectSummary",
           "not_logged", "unknown_record"]
