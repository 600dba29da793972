"""The sweep: what the platform does on its own at regular times, as the system actor.

One sweep at a time across processes (``services.duties.take_lock``: another sweep running, this one is
reported as skipped). A sweep:

1. recounts provisional due dates whose year is now on a loaded calendar, records a violation for every
   open duty past its due date (the article breached and the liability article), marks the duties
   overdue and escalated to the owing unit and the competent department, in one unit of work
   (``services.duties.mark_overdue``: one ``INSERT … SELECT`` per (key, owner) group and one ``UPDATE``);
2. records the administrative penalties whose publicity ended since the last sweep recorded them
   (``services.disclosure.publicity_ends``: one ledger entry for the lot, in the same unit of work);
3. purges inquiry-log rows past the retention in force (``services.disclosure.inquiry_log.
   purge_expired_logs``, its own unit of work and ledger entry).

Display periods and publicity need no write to take effect: the access policy decides at each read whether
a record's display period, or a penalty's publicity on the public website, has ended
(``services.disclosure.rules_in_force.Periods`` from the rule value and today), so a record leaves service,
or the public website, the day after its last day; the sweep only records that publicity ended.

``dry_run`` answers what will be overdue by ``as_of`` (``services.duties.forecast``) and writes nothing,
not even the lock.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import duties
from xinyong.services.disclosure import inquiry_log, publicity_ends
from xinyong.services.platform.bootstrap import Platform

SWEEP_ACTOR = Actor.system("sweep")
DISPLAY_PERIODS = "decided_at_read_time"


@dataclass
class SweepReport:
    as_of: date
    dry_run: bool
    skipped: str | None = None                 # "locked": another sweep was running
    overdue: duties.OverdueReport | None = None
    purge: inquiry_log.PurgeResult | None = None
    publicity: publicity_ends.PublicityEnded | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        overdue = self.overdue.to_dict() if self.overdue else {}
        return {
            "as_of": self.as_of.isoformat(), "dry_run": self.dry_run,
            "skipped_because_locked": self.skipped == "locked",
            "overdue": overdue.get("overdue", 0), "by_key": overdue.get("by_key", {}),
            "violations": overdue.get("violations", []), "violation_ids": overdue.get("violation_ids"),
            "provisional_recounted": overdue.get("provisional_recounted", 0),
            "purged_log_rows": self.purge.purged if self.purge else 0,
            "purge": self.purge.to_dict() if self.purge else None,
            "display_periods": DISPLAY_PERIODS,
            "publicity_ended": self.publicity.count if self.publicity else 0,
            "publicity": self.publicity.to_dict() if self.publicity else None,
        }


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def sweep(platform: Platform, as_of: date | None = None, dry_run: bool = False,
          holder: str | None = None) -> SweepReport:
    """Run one sweep (or, ``dry_run``, forecast one for ``as_of`` without writing anything)."""
    today = platform.clock.today()
    day = as_of or today
    if dry_run:
        with platform.sessions() as session:
            return SweepReport(day, True, overdue=duties.forecast(platform, session, day),
                               publicity=publicity_ends.forecast(platform, session, day))
    if day > today:
        raise Refusal("as_of", "as_of_in_future", f"只能预测（--dry-run）{day.isoformat()} 的情况：该日尚未到来",
                      f"{day.isoformat()} has not come yet: only a forecast (--dry-run) can look ahead")
    who = holder or _holder()
    if not duties.take_lock(platform, who):
        return SweepReport(day, False, skipped="locked")
    try:
        with platform.unit_of_work(SWEEP_ACTOR) as uow:
            overdue = duties.mark_overdue(uow, day)
            ended = publicity_ends.record_ended(uow, day)
        purge = inquiry_log.purge_expired_logs(platform, SWEEP_ACTOR)
    finally:
        duties.release_lock(platform, who)
    return SweepReport(day, False, overdue=overdue, purge=purge, publicity=ended)
