"""Duties as the workflows use them: open one for a step (its due date from the rule value in force on
the day the period starts, counted on the working-day calendar), pause and resume it where the rule
file allows, close it when the step is done (a late close records its violation at once), cancel the
rest of a matter's duties when it ends, and read them.

Every change goes into the audit ledger with the duty's key, due date and citation; never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from xinyong.domain.duties import Owner, count_due, liability_for
from xinyong.domain.platform.clock import business_date
from xinyong.domain.platform.refusal import CONFLICT, NOT_FOUND, Refusal
from xinyong.domain.rulebook.calendar import UnknownYearError
from xinyong.domain.rulebook.periods import Pause
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.rights import Duty, DutyPause, Violation

PAUSE_REASONS = ("inspection", "testing", "evaluation", "expert_review")


@dataclass(frozen=True)
class DutyView:
    """A duty as the API, the CLI and the portal show it (``key, owner, due, provisional, cite, status``
    are the contract of every matter's ``duties`` list)."""

    id: int
    key: str
    owner: str
    owner_org: str | None
    matter_kind: str
    matter_id: int
    starts_on: date
    due: date | None
    provisional: bool
    cite: str | None
    basis: str
    status: str              # open, overdue, done, done_late, cancelled, suspended
    done_on: date | None
    overdue_on: date | None
    draft: bool
    working_days_left: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "key": self.key, "owner": self.owner, "owner_org": self.owner_org,
            "matter": {"kind": self.matter_kind, "id": self.matter_id},
            "starts_on": self.starts_on.isoformat(), "due": self.due.isoformat() if self.due else None,
            "provisional": self.provisional, "cite": self.cite, "basis": self.basis, "status": self.status,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "overdue_on": self.overdue_on.isoformat() if self.overdue_on else None,
            "draft": self.draft, "working_days_left": self.working_days_left,
        }


def _status(duty: Duty, paused: bool) -> str:
    if duty.state == "done":
        return "done_late" if duty.due is not None and duty.done_on is not None and duty.done_on > duty.due else "done"
    if duty.state == "cancelled":
        return "cancelled"
    if paused:
        return "suspended"
    return "overdue" if duty.overdue_on is not None else "open"


def view(platform: Platform, duty: Duty, paused: bool = False, today: date | None = None) -> DutyView:
    """The duty as shown; ``working_days_left`` counts the working days from ``today`` to the due date
    (negative once past it) where both years are on a loaded calendar."""
    left = None
    if duty.state == "open" and duty.due is not None and today is not None:
        try:
            left = platform.calendar.working_days_between(today, duty.due)
        except UnknownYearError:  # a year no calendar covers: no countdown, the due date stands
            left = None
    draft = platform.rulebook.get(duty.jurisdiction).is_draft if duty.jurisdiction in platform.rulebook else False
    return DutyView(duty.id, duty.key, duty.owner_party, duty.owner_org, duty.matter_kind, duty.matter_id,
                    duty.starts_on, duty.due, duty.provisional, duty.cite, duty.basis, _status(duty, paused),
                    duty.done_on, duty.overdue_on, draft, left)


def _starts(platform: Platform, starts: date | datetime) -> date:
    return business_date(starts) if isinstance(starts, datetime) else starts


def _period(platform: Platform, key: str, on: date) -> tuple[int | None, str | None, str | None, str]:
    """(count, period unit, cite, basis) of ``key`` in force on ``on``; a step the regulation gives no
    number of days still opens, with no due date (basis ``no_time_limit``, or ``state_rule_pending``
    where the regulation defers to a national rule that has no value)."""
    ruleset = platform.rulebook.get(platform.jurisdiction)
    if not ruleset.has(key):
        return None, None, None, "no_time_limit"
    try:
        value = ruleset.value(key, on)
    except RuleNotProvided:
        deferral = ruleset.rule(key).deferral
        return None, None, deferral.citation if deferral else None, "state_rule_pending"
    except NoValueInForce:
        return None, None, None, "no_value_in_force"
    if not isinstance(value.value, int) or isinstance(value.value, bool):
        return None, None, value.citation, "no_time_limit"
    return value.value, value.period_unit, value.citation, value.basis


def open_duty(uow: UnitOfWork, *, matter_kind: str, matter_id: int, key: str, owner: Owner,
              owner_org: str | None, starts: date | datetime) -> Duty:
    """Open the duty ``key`` of a matter, counted from ``starts`` (the receipt, the transfer…). Never
    refused for want of a calendar: a period into an unknown year gets its earliest possible date,
    flagged provisional."""
    platform = uow.platform
    start = _starts(platform, starts)
    count, period_unit, cite, basis = _period(platform, key, start)
    due, provisional = None, False
    if count is not None and period_unit is not None:
        counted = count_due(platform.calendar, start, count, period_unit)
        due, provisional = counted.due, counted.provisional
    duty = Duty(matter_kind=matter_kind, matter_id=matter_id, key=key, owner_party=Owner(owner).value,
                owner_org=owner_org, jurisdiction=platform.jurisdiction, cite=cite, basis=basis,
                starts_on=start, due=due, provisional=provisional, state="open",
                opened_at=platform.clock.now())
    uow.session.add(duty)
    uow.session.flush()
    uow.record("duty.opened", "duty", duty.id, {
        "key": key, "matter_kind": matter_kind, "matter_id": matter_id, "owner": duty.owner_party,
        "owner_org": owner_org, "starts_on": start.isoformat(), "due": due.isoformat() if due else None,
        "provisional": provisional, "cite": cite, "basis": basis})
    return duty


def _duty(uow: UnitOfWork, duty_id: int) -> Duty:
    duty = uow.session.get(Duty, duty_id)
    if duty is None:
        raise Refusal("duty", "duty_unknown", f"没有编号为 {duty_id} 的义务", f"no duty {duty_id}", status=NOT_FOUND)
    return duty


def open_duty_of(uow: UnitOfWork, matter_kind: str, matter_id: int, key: str) -> Duty | None:
    """The open duty ``key`` of a matter, if any."""
    return uow.session.scalar(select(Duty).where(Duty.matter_kind == matter_kind, Duty.matter_id == matter_id,
                                                 Duty.key == key, Duty.state == "open"))


def _record_violation(uow: UnitOfWork, duty: Duty, detected_on: date) -> Violation | None:
    if duty.due is None or uow.session.scalar(select(Violation.id).where(Violation.duty_id == duty.id)):
        return None
    liability = liability_of(uow.platform, duty.key, Owner(duty.owner_party), detected_on)
    violation = Violation(duty_id=duty.id, key=duty.key, owner_party=duty.owner_party, owner_org=duty.owner_org,
                          jurisdiction=duty.jurisdiction, cite=duty.cite,
                          liability=liability.cite if liability else None, due=duty.due,
                          detected_on=detected_on, recorded_at=uow.platform.clock.now())
    uow.session.add(violation)
    uow.session.flush()
    uow.record("compliance.violation", "duty", duty.id, {
        "key": duty.key, "owner": duty.owner_party, "owner_org": duty.owner_org, "due": duty.due.isoformat(),
        "cite": duty.cite, "liability": violation.liability, "violation_id": violation.id})
    return violation


def liability_of(platform: Platform, key: str, owner: Owner, on: date):  # type: ignore[no-untyped-def]
    """The liability article the regulation in force on ``on`` names for a missed ``key`` owed by ``owner``."""
    ruleset = platform.rulebook.get(platform.jurisdiction)
    try:
        value = ruleset.value("liability", on)
    except (NoValueInForce, RuleNotProvided):
        return None
    # the entries' own cites are bare ("Art. 54"): prefixed as the value's citation is
    prefix = value.citation[: len(value.citation) - len(value.cite)] if value.citation.endswith(value.cite) else ""
    entries = [{"duty": e.duty, "party": e.party, "cite": f"{prefix}{e.cite}", "zh": e.zh, "en": e.en}
               for e in value.value or ()]
    return liability_for(entries, key, owner)


def complete(uow: UnitOfWork, duty: Duty | int, *, on: date | None = None) -> Duty:
    """The step is done: the duty closes; done after its due date, its violation is recorded now (if the
    sweep has not already). Closing a closed duty is a conflict (two clerks at once: one wins)."""
    if isinstance(duty, int):
        duty = _duty(uow, duty)
    if duty.state != "open":
        raise Refusal("duty", "duty_closed", f"义务 {duty.key} 已经办结", f"the duty {duty.key} is already closed",
                      status=CONFLICT)
    today = on or uow.platform.clock.today()
    duty.state, duty.done_on, duty.closed_at = "done", today, uow.platform.clock.now()
    late = duty.due is not None and today > duty.due
    uow.session.flush()
    uow.record("duty.done", "duty", duty.id, {"key": duty.key, "done_on": today.isoformat(), "late": late})
    if late:
        _record_violation(uow, duty, today)
    return duty


def cancel_open(uow: UnitOfWork, matter_kind: str, matter_id: int, *, why: str) -> int:
    """Cancel every open duty of a matter (it ended another way: refused, withdrawn, superseded)."""
    duties = uow.session.scalars(select(Duty).where(Duty.matter_kind == matter_kind, Duty.matter_id == matter_id,
                                                    Duty.state == "open").order_by(Duty.id)).all()
    for duty in duties:
        duty.state, duty.closed_at = "cancelled", uow.platform.clock.now()
        uow.record("duty.cancelled", "duty", duty.id, {"key": duty.key, "why": why})
    uow.session.flush()
    return len(duties)


def _pause_allowed(uow: UnitOfWork, duty: Duty, on: date) -> str:
    """The citation of the rule that lets ``duty`` be paused; refused with the duty's article elsewhere."""
    ruleset = uow.platform.rulebook.get(duty.jurisdiction)
    for rule in ruleset.pause_rules(on):
        if duty.key in (rule.value or ()):
            return rule.citation
    raise Refusal("pause", "pause_not_allowed",
                  f"{duty.key}（{duty.cite or '无条款'}）的期限不得中止计算："
                  "现行法规未规定该义务可扣除检验、检测、评估、专家评审时间",
                  f"the period of {duty.key} ({duty.cite or 'no article'}) cannot be paused: the regulation "
                  "in force excludes no time from this duty", status=CONFLICT)


def _recount(uow: UnitOfWork, duty: Duty) -> None:
    pauses = [Pause(p.started_on, p.ended_on, p.reason) for p in uow.session.scalars(
        select(DutyPause).where(DutyPause.duty_id == duty.id).order_by(DutyPause.started_on)).all()]
    count, period_unit, _cite, _basis = _period(uow.platform, duty.key, duty.starts_on)
    if count is None or period_unit is None:
        return
    counted = count_due(uow.platform.calendar, duty.starts_on, count, period_unit, pauses)
    duty.due, duty.provisional = counted.due, counted.provisional


def pause(uow: UnitOfWork, duty_id: int, *, reason: str, since: date | None = None) -> Duty:
    """Stop counting a duty's period for inspection, testing, evaluation or expert review, where the rule
    file allows it for this duty; the duty has no due date until :func:`resume`."""
    duty = _duty(uow, duty_id)
    if reason not in PAUSE_REASONS:
        raise Refusal("reason", "pause_reason_unknown", f"中止理由须为：{'、'.join(PAUSE_REASONS)}",
                      f"the reason must be one of {', '.join(PAUSE_REASONS)}")
    if duty.state != "open":
        raise Refusal("duty", "duty_closed", "义务已经办结，不能中止", "the duty is closed", status=CONFLICT)
    start = since or uow.platform.clock.today()
    cite = _pause_allowed(uow, duty, start)
    if uow.session.scalar(select(DutyPause.id).where(DutyPause.duty_id == duty.id, DutyPause.ended_on.is_(None))):
        raise Refusal("duty", "already_paused", "该义务的期限已在中止中", "the duty is already paused", status=CONFLICT)
    uow.session.add(DutyPause(duty_id=duty.id, reason=reason, started_on=start, cite=cite))
    uow.session.flush()
    _recount(uow, duty)
    uow.record("duty.paused", "duty", duty.id, {"key": duty.key, "reason": reason, "since": start.isoformat(),
                                                "cite": cite})
    return duty


def resume(uow: UnitOfWork, duty_id: int, *, on: date | None = None) -> Duty:
    """Count the period again from the day after ``on`` (the pause ends on ``on``); the due date moves by
    the working days paused."""
    duty = _duty(uow, duty_id)
    running = uow.session.scalar(select(DutyPause).where(DutyPause.duty_id == duty.id, DutyPause.ended_on.is_(None)))
    if running is None:
        raise Refusal("duty", "not_paused", "该义务的期限没有中止", "the duty is not paused", status=CONFLICT)
    end = on or uow.platform.clock.today()
    running.ended_on = max(end, running.started_on)
    uow.session.flush()
    _recount(uow, duty)
    uow.record("duty.resumed", "duty", duty.id, {"key": duty.key, "ended_on": running.ended_on.isoformat(),
                                                 "due": duty.due.isoformat() if duty.due else None})
    return duty


def duties_of(platform: Platform, session: Any, matter_kind: str, matter_id: int) -> list[DutyView]:
    """A matter's duties in the order they were opened, with their status and countdown."""
    duties = session.scalars(select(Duty).where(Duty.matter_kind == matter_kind, Duty.matter_id == matter_id)
                             .order_by(Duty.id)).all()
    paused = set(session.scalars(select(DutyPause.duty_id).where(
        DutyPause.duty_id.in_([d.id for d in duties]), DutyPause.ended_on.is_(None))).all()) if duties else set()
    today = platform.clock.today()
    return [view(platform, d, d.id in paused, today) for d in duties]


def list_duties(platform: Platform, session: Any, *, overdue: bool = False, owner_org: str | None = None,
                state: str | None = "open", limit: int = 500) -> list[DutyView]:
    """Duties by due date (open ones by default; ``overdue`` only those past due)."""
    q = select(Duty)
    if state is not None:
        q = q.where(Duty.state == state)
    if overdue:
        q = q.where(Duty.due.is_not(None), Duty.due < platform.clock.today())
    if owner_org is not None:
        q = q.where(Duty.owner_org == owner_org)
    duties = session.scalars(q.order_by(Duty.due.is_(None), Duty.due, Duty.id).limit(limit)).all()
    paused = set(session.scalars(select(DutyPause.duty_id).where(
        DutyPause.duty_id.in_([d.id for d in duties]), DutyPause.ended_on.is_(None))).all()) if duties else set()
    today = platform.clock.today()
    return [view(platform, d, d.id in paused, today) for d in duties]
