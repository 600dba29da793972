"""Issue a written notice and read a subject's notices.

``facts`` is what the notice says (outcome, reasons, the information's source, the articles, the
dates): kept with the notice so it renders the same in either language at any later time; the ledger
gets its digest, never its content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from xinyong.domain.audit.canonical import canonical_json
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.rights import DELIVERY_CHANNELS, Notice, NoticeDelivery


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str
    matter_kind: str
    matter_id: int
    subject_id: int
    facts: dict[str, Any]
    sha256: str
    issued_on: date
    delivered_via: str | None
    delivered_at: datetime | None
    read_at: datetime | None = None
    # served outside the portal, as the center recorded it: (via, delivered_on, reference)
    deliveries: tuple[tuple[str, date, str | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "matter": {"kind": self.matter_kind, "id": self.matter_id},
                "facts": self.facts, "sha256": self.sha256, "issued_on": self.issued_on.isoformat(),
                "delivered_via": self.delivered_via,
                "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
                "read_at": self.read_at.isoformat() if self.read_at else None,
                "deliveries": [{"via": via, "delivered_on": on.isoformat(), "reference": ref}
                               for via, on, ref in self.deliveries]}


def _view(n: Notice, session: Any = None) -> NoticeView:
    deliveries: tuple[tuple[str, date, str | None], ...] = ()
    if session is not None:
        deliveries = tuple((d.via, d.delivered_on, d.reference) for d in session.scalars(
            select(NoticeDelivery).where(NoticeDelivery.notice_id == n.id).order_by(NoticeDelivery.id)))
    return NoticeView(n.id, n.kind, n.matter_kind, n.matter_id, n.subject_id, dict(n.facts), n.sha256, n.issued_on,
                      n.delivered_via, n.delivered_at, n.read_at, deliveries)


def issue(uow: UnitOfWork, *, kind: str, matter_kind: str, matter_id: int, subject_id: int,
          facts: dict[str, Any], delivered_via: str = "portal") -> NoticeView:
    """Issue a notice; delivered on the portal at once (``delivered_via``: portal, post, counter)."""
    digest = hashlib.sha256(canonical_json(facts).encode("utf-8")).hexdigest()
    now = uow.platform.clock.now()
    notice = Notice(kind=kind, matter_kind=matter_kind, matter_id=matter_id, subject_id=subject_id, facts=facts,
                    sha256=digest, issued_on=uow.platform.clock.today(), issued_at=now,
                    delivered_via=delivered_via, delivered_at=now)
    uow.session.add(notice)
    uow.session.flush()
    uow.record("notice.issued", "notice", notice.id, {"kind": kind, "matter_kind": matter_kind,
                                                      "matter_id": matter_id, "sha256": digest,
                                                      "delivered_via": delivered_via})
    return _view(notice)


def notices_of_subject(session: Any, subject_id: int) -> list[NoticeView]:
    return [_view(n) for n in session.scalars(select(Notice).where(Notice.subject_id == subject_id)
                                              .order_by(Notice.id.desc())).all()]


def notice_for_subject(session: Any, notice_id: int, subject_id: int | None) -> NoticeView:
    """One notice; ``subject_id`` None for staff (the caller's role checked by the interface)."""
    notice = session.get(Notice, notice_id)
    if notice is None or (subject_id is not None and notice.subject_id != subject_id):
        raise Refusal("notice", "notice_unknown", f"没有编号为 {notice_id} 的告知书", f"no notice {notice_id}",
                      status=NOT_FOUND)
    return _view(notice, session)


def record_delivery(uow: UnitOfWork, notice_id: int, *, via: str, delivered_on: date,
                    reference: str | None = None) -> NoticeView:
    """Record that a notice was served outside the portal (``via``: post, counter, email) on
    ``delivered_on`` (not before it was issued, not in the future), with its reference (a tracking number,
    a signed receipt); in the ledger, never the reference's content beyond its presence."""
    notice = uow.session.get(Notice, notice_id)
    if notice is None:
        raise Refusal("notice", "notice_unknown", f"没有编号为 {notice_id} 的告知书", f"no notice {notice_id}",
                      status=NOT_FOUND)
    if via not in DELIVERY_CHANNELS:
        raise Refusal("via", "via_unknown", "送达方式须为邮寄（post）、窗口（counter）或电子邮件（email）",
                      "the channel is post, counter or email")
    today = uow.platform.clock.today()
    if delivered_on < notice.issued_on or delivered_on > today:
        raise Refusal("delivered_on", "date_out_of_range",
                      f"送达日期须在告知书作出之日（{notice.issued_on.isoformat()}）至今天之间",
                      f"the day served lies between the notice's issue ({notice.issued_on.isoformat()}) and today")
    reference = (reference or "").strip()[:200] or None
    row = NoticeDelivery(notice_id=notice.id, via=via, delivered_on=delivered_on, reference=reference,
                         recorded_at=uow.platform.clock.now(), recorded_by=uow.actor.label()[:200])
    uow.session.add(row)
    uow.session.flush()
    uow.record("notice.delivered", "notice", notice.id, {"via": via, "delivered_on": delivered_on.isoformat(),
                                                         "reference": reference is not None})
    return _view(notice, uow.session)


def mark_read(uow: UnitOfWork, notice_id: int, subject_id: int) -> NoticeView:
    """The subject opens its own notice: ``read_at`` is set the first time (and ledgered); a notice of
    another subject is refused as unknown."""
    notice = uow.session.get(Notice, notice_id)
    if notice is None or notice.subject_id != subject_id:
        raise Refusal("notice", "notice_unknown", f"没有编号为 {notice_id} 的告知书", f"no notice {notice_id}",
                      status=NOT_FOUND)
    if notice.read_at is None:
        notice.read_at = uow.platform.clock.now()
        uow.session.flush()
        uow.record("notice.read", "notice", notice.id, {"kind": notice.kind})
    return _view(notice, uow.session)
