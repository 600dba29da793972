"""The duty half of the sweep, set-based so a million open duties take one scan for the counts per (key, owner)
group: recount provisional due dates whose year's calendar is now loaded, record a violation for every
open duty past its due date (the article breached and its liability article), mark those duties
overdue and escalated, and append one ledger entry that names the range of violations recorded.

``forecast`` answers the same question for a later date without writing anything (``--dry-run``).
The lock that keeps one sweep at a time across processes is ``scheduler_locks``' ``sweep`` row,
taken and released by single conditional UPDATEs (:func:`take_lock`, :func:`release_lock`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from xinyong.domain.duties import Owner
from xinyong.domain.rulebook.calendar import UnknownYearError
from xinyong.domain.rulebook.periods import Pause
from xinyong.services.duties.engine import _period, liability_of
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.rights import Duty, DutyPause, SchedulerLock, Violation

# An escalation goes to the owing unit and to the competent department.
ESCALATED_TO = "owner+competent_department"
# A sweep lock older than this is taken to belong to a process that died.
STALE_AFTER = timedelta(minutes=30)


@dataclass
class OverdueReport:
    as_of: date
    dry_run: bool
    overdue: int = 0
    by_key: dict[str, int] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)   # per (key, owner) group
    provisional_recounted: int = 0
    first_violation_id: int | None = None
    last_violation_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "overdue": self.overdue,
                "by_key": dict(sorted(self.by_key.items())), "violations": self.violations,
                "provisional_recounted": self.provisional_recounted,
                "violation_ids": ([self.first_violation_id, self.last_violation_id]
                                  if self.first_violation_id is not None else None)}


def _past_due(as_of: date) -> Any:
    return and_(Duty.state == "open", Duty.overdue_on.is_(None), Duty.due.is_not(None), Duty.due < as_of)


def _groups(session: Any, as_of: date) -> list[tuple[str, str, int]]:
    return [(k, o, n) for k, o, n in session.execute(
        select(Duty.key, Duty.owner_party, func.count()).where(_past_due(as_of))
        .group_by(Duty.key, Duty.owner_party).order_by(Duty.key, Duty.owner_party)).all()]


def recount_provisional(uow: UnitOfWork) -> int:
    """Recount the open duties whose due date was provisional: once the year's calendar is loaded the
    date becomes final (never earlier than the provisional one, unless a make-up working day moves it)."""
    session, platform = uow.session, uow.platform
    duties = session.scalars(select(Duty).where(Duty.state == "open", Duty.provisional.is_(True))
                             .order_by(Duty.id)).all()
    changed = 0
    for duty in duties:
        count, period_unit, _cite, _basis = _period(platform, duty.key, duty.starts_on)
        if count is None or period_unit is None:
            continue
        pauses = session.scalars(select(DutyPause).where(DutyPause.duty_id == duty.id)).all()
        try:
            counted = platform.calendar.due(duty.starts_on, count, period_unit,
                                            pauses=tuple(Pause(p.started_on, p.ended_on, p.reason) for p in pauses))
        except UnknownYearError:
            continue
        before = duty.due
        duty.due, duty.provisional = counted.due, False
        changed += 1
        uow.record("duty.recounted", "duty", duty.id, {
            "key": duty.key, "provisional_due": before.isoformat() if before else None,
            "due": counted.due.isoformat() if counted.due else None})
    session.flush()
    return changed


def mark_overdue(uow: UnitOfWork, as_of: date | None = None) -> OverdueReport:
    """Record a violation for every open duty past its due date and mark it overdue and escalated, in
    this unit of work; one ledger entry for the lot."""
    platform, session = uow.platform, uow.session
    today = as_of or platform.clock.today()
    report = OverdueReport(today, dry_run=False)
    report.provisional_recounted = recount_provisional(uow)
    now = platform.clock.now()
    first = session.scalar(select(func.max(Violation.id))) or 0
    groups = _groups(session, today)
    # One INSERT … SELECT for every group: the liability article per (key, owner) as a CASE, so the open
    # duties are scanned once, not once per group (and in index order: no sort of a million ids).
    liabilities: list[tuple[str, str, str | None]] = []
    for key, party, n in groups:
        liability = liability_of(platform, key, Owner(party), today)
        cite_of = liability.cite if liability else None
        liabilities.append((key, party, cite_of))
        report.violations.append({"key": key, "owner": party, "count": n, "liability": cite_of})
        report.by_key[key] = report.by_key.get(key, 0) + n
        report.overdue += n
    if report.overdue:
        whens = [(and_(Duty.key == key, Duty.owner_party == party), literal(cite_of))
                 for key, party, cite_of in liabilities if cite_of is not None]
        liability_column = case(*whens, else_=literal(None, Violation.liability.type)) if whens \
            else literal(None, Violation.liability.type)
        columns = ("duty_id", "key", "owner_party", "owner_org", "jurisdiction", "cite", "liability", "due",
                   "detected_on", "recorded_at")
        chosen = select(Duty.id, Duty.key, Duty.owner_party, Duty.owner_org, Duty.jurisdiction, Duty.cite,
                        liability_column, Duty.due, literal(today), literal(now, Violation.recorded_at.type)).where(
            _past_due(today))
        session.execute(insert(Violation).from_select(columns, chosen))
    if report.overdue:
        session.execute(update(Duty).where(_past_due(today)).values(
            overdue_on=today, escalated_to=ESCALATED_TO, version=Duty.version + 1)
            .execution_options(synchronize_session=False))
        last = session.scalar(select(func.max(Violation.id)))
        report.first_violation_id, report.last_violation_id = first + 1, last
        uow.record("compliance.sweep", "sweep", None, {
            "as_of": today.isoformat(), "overdue": report.overdue, "by_key": dict(sorted(report.by_key.items())),
            "violation_ids": [first + 1, last], "escalated_to": ESCALATED_TO})
    return report


def forecast(platform: Platform, session: Any, as_of: date, limit: int = 200) -> OverdueReport:
    """What will be overdue by ``as_of`` if nothing is done: the open duties due before it (those
    already overdue included), by key, and the first ``limit`` of them; nothing is written."""
    report = OverdueReport(as_of, dry_run=True)
    condition = and_(Duty.state == "open", Duty.due.is_not(None), Duty.due < as_of)
    counts: Counter[tuple[str, str]] = Counter()
    for key, party, n in session.execute(select(Duty.key, Duty.owner_party, func.count()).where(condition)
                                         .group_by(Duty.key, Duty.owner_party)).all():
        counts[(key, party)] = n
    for (key, party), n in sorted(counts.items()):
        liability = liability_of(platform, key, Owner(party), as_of)
        report.violations.append({"key": key, "owner": party, "count": n,
                                  "liability": liability.cite if liability else None})
        report.by_key[key] = report.by_key.get(key, 0) + n
        report.overdue += n
    return report


def take_lock(platform: Platform, holder: str) -> bool:
    """Take the sweep lock for ``holder`` (one UPDATE); False when another live process holds it."""
    now = platform.clock.now()
    with platform.sessions() as session, session.begin():
        taken = session.execute(update(SchedulerLock).where(
            SchedulerLock.name == "sweep",
            or_(SchedulerLock.holder.is_(None), SchedulerLock.since < now - STALE_AFTER)).values(
            holder=holder, since=now)).rowcount
    if taken == 1:
        return True
    # the migration inserts the row; a database emptied since (a restore, the tests) gets it back
    try:
        with platform.sessions() as session, session.begin():
            if session.get(SchedulerLock, "sweep") is not None:
                return False
            session.add(SchedulerLock(name="sweep", holder=holder, since=now))
    except IntegrityError:
        return False                      # another process inserted it first: it holds the lock
    return True


def release_lock(platform: Platform, holder: str, finished: datetime | None = None) -> None:
    with platform.sessions() as session, session.begin():
        session.execute(update(SchedulerLock).where(SchedulerLock.name == "sweep", SchedulerLock.holder == holder)
                        .values(holder=None, since=None, last_finished=finished or platform.clock.now()))
