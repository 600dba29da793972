"""The disclosure state a subject or the centre keeps on a record, which the policy reads: positive
information the subject withholds from display (``withhold_positive`` / ``release_positive``, where
``disclosure.positive_withholdable`` gives the right), and the label a record carries while an
objection about it is handled (``label_objection`` / ``close_objection_label``). Each change goes into
the audit ledger.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from xinyong.domain.platform.refusal import CONFLICT, NOT_FOUND, Refusal
from xinyong.services.disclosure.results import unknown_record
from xinyong.services.disclosure.rules_in_force import policy_rules
from xinyong.services.disclosure.statements import sql
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.access import ObjectionLabel, WithheldPositive


def _own_record(uow: UnitOfWork, record_id: int, subject_id: int) -> Any:
    row = uow.session.connection().execute(sql().record_by_id, {"rid": record_id}).first()
    if row is None or row.subject_id != subject_id:
        raise unknown_record()
    return row


def withhold_positive(uow: UnitOfWork, *, subject_id: int, record_id: int) -> WithheldPositive:
    """The subject withholds a positive record (commendation, volunteer service, donation) from
    display (``disclosure.positive_withholdable``), where the regulation in force allows it."""
    today = uow.platform.clock.today()
    rule = policy_rules(uow.platform, today).positive_withholdable
    if rule is None or not rule[0]:
        raise Refusal(None, "not_provided", "现行法规未规定信用主体可以不公开守信信息",
                      "the regulation in force gives no right to withhold positive information",
                      status=CONFLICT)
    row = _own_record(uow, record_id, subject_id)
    if not row.positive:
        raise Refusal("record_id", "not_positive",
                      "只有表彰奖励、志愿服务、慈善捐赠等守信信息可以不公开",
                      "only positive information (commendations, volunteering, donations) can be "
                      "withheld", status=CONFLICT)
    mark = uow.session.scalar(select(WithheldPositive).where(WithheldPositive.record_id == record_id))
    if mark is None:
        mark = WithheldPositive(record_id=record_id, subject_id=subject_id, requested_on=today,
                                requested_by=uow.actor.label(), cite=rule[1])
        uow.session.add(mark)
    elif mark.released_on is not None:
        mark.released_on, mark.requested_on = None, today
        mark.requested_by, mark.cite = uow.actor.label(), rule[1]
    else:
        return mark
    uow.session.flush()
    uow.record("disclosure.positive_withheld", "record", record_id,
               {"subject_id": subject_id, "cite": rule[1]})
    return mark


def release_positive(uow: UnitOfWork, *, subject_id: int, record_id: int) -> None:
    """The subject lets withheld positive information be displayed again."""
    _own_record(uow, record_id, subject_id)
    mark = uow.session.scalar(select(WithheldPositive).where(WithheldPositive.record_id == record_id,
                                                             WithheldPositive.released_on.is_(None)))
    if mark is None:
        return
    mark.released_on = uow.platform.clock.today()
    uow.record("disclosure.positive_released", "record", record_id, {"subject_id": subject_id})


def label_objection(uow: UnitOfWork, *, record_id: int, provider_due: date | None = None,
                    objection_ref: str | None = None) -> ObjectionLabel:
    """Label a record while an objection about it is handled; ``provider_due`` is the providing
    unit's deadline (past it, disclosure is suspended where ``objection.suspend_on_provider_overdue``)."""
    if uow.session.scalar(sql().record_exists, {"rid": record_id}) is None:
        raise unknown_record()
    label = ObjectionLabel(record_id=record_id, objection_ref=objection_ref,
                           labelled_on=uow.platform.clock.today(), provider_due=provider_due,
                           created_at=uow.platform.clock.now())
    uow.session.add(label)
    uow.session.flush()
    uow.record("objection.labelled", "record", record_id,
               {"label_id": label.id, "provider_due": provider_due.isoformat() if provider_due else None,
                "objection_ref": objection_ref})
    return label


def close_objection_label(uow: UnitOfWork, label_id: int) -> None:
    """Remove the objection label (the objection was decided: the label goes at once)."""
    label = uow.session.get(ObjectionLabel, label_id)
    if label is None:
        raise Refusal("label_id", "label_unknown", "没有该异议标注", "no such objection label", status=NOT_FOUND)
    if label.closed_on is None:
        label.closed_on = uow.platform.clock.today()
        uow.record("objection.label_removed", "record", label.record_id, {"label_id": label.id})


def set_provider_due(uow: UnitOfWork, label_id: int, provider_due: date | None) -> None:
    """The objection went to the providing unit: its deadline goes on the label (past it, disclosure is
    suspended where ``objection.suspend_on_provider_overdue`` is in force)."""
    label = uow.session.get(ObjectionLabel, label_id)
    if label is None:
        raise Refusal("label_id", "label_unknown", "没有该异议标注", "no such objection label", status=NOT_FOUND)
    label.provider_due = provider_due
    uow.record("objection.label_provider_due", "record", label.record_id,
               {"label_id": label.id, "provider_due": provider_due.isoformat() if provider_due else None})


__all__ = ["close_objection_label", "label_objection", "release_positive", "set_provider_due", "withhold_positive"]
