"""Publicity that ended by itself: the sweep's record of administrative penalties that left the public
website at the end of their publicity (``domain.disclosure.publicity``).

The policy already hides a penalty from the public the day after its publicity ends (it decides at each
read), so nothing about the record changes; the sweep records the event: how many penalties' publicity
ended in the days since the last sweep recorded them, one ledger entry for the lot (their count, the
first and last record id and a digest of the ids: never content). The days recorded through are kept in
the ``scheduler_locks`` row ``publicity`` (its ``last_finished``: the business day recorded through, at
midnight UTC), so each end is recorded once; the first sweep records every end up to its day.

One read (``statements.public_penalties``: ids, decision dates, tier and stated 公示截止期, no other content)
of the penalties decided late enough to end in the days asked about; each end computed from the rule values
cached per (tier, decision date).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update

from xinyong.domain.disclosure.publicity import publicity_end, publicity_window
from xinyong.domain.rulebook.calendar import add_span
from xinyong.services.disclosure.rules_in_force import as_date
from xinyong.services.disclosure.statements import public_penalties
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.services.rulebook import publicity
from xinyong.store.models.rights import SchedulerLock

MARK = "publicity"
LONGEST_LOOKBACK = 20
"""Years before the first day asked about that a decision is still read for (a publicity end can lie no
further from its decision: the longest tier is a few years). Not a legal period: a bound on the read."""


@dataclass
class PublicityEnded:
    as_of: date
    after: date | None                       # the day recorded through before (None: never)
    count: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)
    first_record_id: int | None = None
    last_record_id: int | None = None
    ids_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "after": self.after.isoformat() if self.after else None,
                "count": self.count, "by_tier": dict(sorted(self.by_tier.items())),
                "record_ids": [self.first_record_id, self.last_record_id] if self.count else None,
                "ids_sha256": self.ids_sha256}


def recorded_through(session: Any) -> date | None:
    """The last day whose publicity ends are recorded (None: none yet)."""
    at = session.scalar(select(SchedulerLock.last_finished).where(SchedulerLock.name == MARK))
    return at.date() if at is not None else None


def ended(platform: Platform, session: Any, after: date | None, through: date) -> PublicityEnded:
    """The penalties whose publicity ended on a day in (``after``, ``through``]: their last public day is
    before ``through`` and not before ``after`` (the day after the end is the first day not shown)."""
    report = PublicityEnded(through, after)
    if after is not None and after >= through:
        return report
    look = publicity.lookup(platform.rulebook.get(platform.jurisdiction), platform.clock.today())
    decided_from = add_span(after, -LONGEST_LOOKBACK, "years") if after is not None else None
    ids: list[int] = []
    windows: dict[tuple[date, str | None], Any] = {}
    for row in session.execute(public_penalties(decided_from)):
        decided = as_date(row.decided)
        if decided is None:
            continue
        tier = row.severity if isinstance(row.severity, str) else None
        key = (decided, tier)
        if key not in windows:
            windows[key] = publicity_window(decided, {"severity": tier} if tier else None, look)
        window = windows[key]
        if window is None:
            continue
        last_day = publicity_end(window, as_date(row.publicity_until))
        # hidden from the day after its last day: that day falls in (after, through]
        if last_day is None or last_day >= through or (after is not None and last_day < after):
            continue
        ids.append(row.id)
        report.by_tier[window.tier] = report.by_tier.get(window.tier, 0) + 1
    if ids:
        report.count = len(ids)
        report.first_record_id, report.last_record_id = min(ids), max(ids)
        report.ids_sha256 = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()
    return report


def forecast(platform: Platform, session: Any, as_of: date) -> PublicityEnded:
    """What a sweep on ``as_of`` would record; nothing written."""
    return ended(platform, session, recorded_through(session), as_of)


def record_ended(uow: UnitOfWork, as_of: date) -> PublicityEnded:
    """Record, in this unit of work, the publicity ends since the last sweep recorded them, through
    ``as_of``: one ledger entry (count, tiers, id range and digest), and the day recorded through."""
    session = uow.session
    after = recorded_through(session)
    report = ended(uow.platform, session, after, as_of)
    if report.count:
        uow.record("publicity.ended", "sweep", None, report.to_dict())
    mark = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    if after is None:
        if session.get(SchedulerLock, MARK) is None:
            session.add(SchedulerLock(name=MARK, last_finished=mark))
        else:
            session.execute(update(SchedulerLock).where(SchedulerLock.name == MARK).values(last_finished=mark))
    elif as_of > after:
        session.execute(update(SchedulerLock).where(SchedulerLock.name == MARK).values(last_finished=mark))
    session.flush()
    return report


__all__ = ["PublicityEnded", "ended", "forecast", "record_ended", "recorded_through"]
