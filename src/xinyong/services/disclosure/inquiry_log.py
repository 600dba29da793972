"""The inquiry log as subjects and operators see it, and its retention sweep.

Every inquiry is recorded by ``services.disclosure.inquiry`` (its ``writer``). Here:

- ``my_inquiries``: a credit subject sees who looked at its information, in which mode, for which
  purpose, under which authorization, and what was returned or refused (the regulations' reports show
  the inquiries into the information);
- ``subject_inquiries``: the same for an operator (the CLI);
- ``purge_expired_logs``: rows older than ``inquiry_log.retention`` (years from the inquiry, per rule
  file) are deleted; ``unlimited`` (long-term logs) or a regulation that sets no period keeps
  everything. The purge itself goes into the audit ledger: how many rows and the cutoff, no content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from xinyong.domain.disclosure.policy import retention_cutoff
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import FORBIDDEN, Refusal
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services.disclosure.inquiry import own_subject_id
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.access import InquiryLog

SWEEP_ACTOR = Actor.system("inquiry-log-sweep")
MAX_PAGE = 500


@dataclass(frozen=True)
class InquiryView:
    id: int
    at: datetime
    role: str
    organisation: str | None
    principal: str
    channel: str
    mode: str
    mode_label: tuple[str, str] | None
    purpose: str | None
    purpose_label: tuple[str, str] | None
    authorization_id: int | None
    returned_record_ids: tuple[int, ...]
    refused_reason: str | None
    cite: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "role": self.role,
                "organisation": self.organisation, "principal": self.principal, "channel": self.channel,
                "mode": self.mode,
                "mode_zh": self.mode_label[0] if self.mode_label else None,
                "mode_en": self.mode_label[1] if self.mode_label else None,
                "purpose": self.purpose,
                "purpose_zh": self.purpose_label[0] if self.purpose_label else None,
                "purpose_en": self.purpose_label[1] if self.purpose_label else None,
                "authorization_id": self.authorization_id,
                "returned_record_ids": list(self.returned_record_ids),
                "refused_reason": self.refused_reason, "cite": self.cite}


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    cutoff: date | None          # rows made before this day were purged
    retention: int | str | None  # years, "unlimited", or None when the regulation sets none
    cite: str | None
    kept_because: str | None = None   # unlimited, not_provided, not_in_force

    def to_dict(self) -> dict[str, Any]:
        return {"purged": self.purged, "cutoff": self.cutoff.isoformat() if self.cutoff else None,
                "retention": self.retention, "cite": self.cite, "kept_because": self.kept_because}


def _labels(platform: Platform, key: str, today: date) -> dict[str, tuple[str, str]]:
    try:
        value = platform.rulebook.get(platform.jurisdiction).value(key, today)
    except (RuleNotProvided, NoValueInForce):
        return {}
    return {p.key: (p.zh, p.en) for p in value.value}


def _views(platform: Platform, rows: list[InquiryLog]) -> list[InquiryView]:
    today = platform.clock.today()
    modes = _labels(platform, "inquiry.modes", today)
    purposes = _labels(platform, "inquiry.duty_purposes", today)
    return [InquiryView(r.id, r.at, r.role, r.organisation, r.principal, r.channel, r.mode, modes.get(r.mode),
                        r.purpose, purposes.get(r.purpose or ""), r.authorization_id,
                        tuple(r.returned_record_ids or ()), r.refused_reason, r.cite) for r in rows]


def subject_inquiries(platform: Platform, session: Session, subject_id: int, *, limit: int = 100,
                      offset: int = 0) -> tuple[int, list[InquiryView]]:
    """(total, page) of the inquiries into ``subject_id``, newest first."""
    limit = max(1, min(int(limit), MAX_PAGE))
    total = session.scalar(select(func.count(InquiryLog.id)).where(InquiryLog.subject_id == subject_id)) or 0
    rows = session.scalars(select(InquiryLog).where(InquiryLog.subject_id == subject_id)
                           .order_by(InquiryLog.at.desc(), InquiryLog.id.desc())
                           .offset(max(0, int(offset))).limit(limit)).all()
    return total, _views(platform, list(rows))


def my_inquiries(platform: Platform, actor: Actor, *, limit: int = 100,
                 offset: int = 0) -> tuple[int, list[InquiryView]]:
    """Who looked at the signed-in subject's information, and why (newest first)."""
    with platform.sessions() as session:
        subject_id = own_subject_id(session, actor)
        if subject_id is None:
            raise Refusal(None, "not_verified", "只有完成实名核验的信用主体可以查看本人的被查询记录",
                          "only a real-name verified credit subject can see the inquiries into it", status=FORBIDDEN)
        return subject_inquiries(platform, session, subject_id, limit=limit, offset=offset)


def purge_expired_logs(platform: Platform, actor: Actor | None = None) -> PurgeResult:
    """Delete inquiry log rows past their retention (years, counted from the inquiry, by the calendar's
    year arithmetic) and record the purge — count and cutoff — in the audit ledger."""
    today = platform.clock.today()
    try:
        value = platform.rulebook.get(platform.jurisdiction).value("inquiry_log.retention", today)
    except RuleNotProvided:
        return PurgeResult(0, None, None, None, "not_provided")
    except NoValueInForce:      # no retention in force today: nothing is purged, and the result says why
        return PurgeResult(0, None, None, None, "not_in_force")
    if value.period_unit is None:
        raise ValueError(f"inquiry_log.retention in {platform.jurisdiction} carries no unit")
    cutoff = retention_cutoff(value.value, today, value.period_unit)
    if cutoff is None:
        return PurgeResult(0, None, value.value, value.citation, "unlimited")
    with platform.unit_of_work(actor or SWEEP_ACTOR) as uow:
        result = uow.session.execute(delete(InquiryLog).where(InquiryLog.inquired_on < cutoff))
        purged = int(result.rowcount or 0)
        uow.record("inquiry_log.purged", "inquiry_log", None,
                   {"purged": purged, "cutoff": cutoff.isoformat(), "retention_years": value.value,
                    "cite": value.citation})
    return PurgeResult(purged, cutoff, value.value, value.citation)
