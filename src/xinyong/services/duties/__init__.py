"""Duties: every step of an objection, a revocation or a restoration that a regulation gives a time
limit (``engine``: open, pause and resume where the rule file allows, complete, cancel, read), and the
duty half of the sweep (``overdue``: provisional dates recounted, overdue duties marked and escalated,
violations recorded with the article breached and the liability article; the forecast of a later date;
the one-sweep-at-a-time lock), and the providing unit's double-publicity duty (``publication``: a
batch's permits and penalties received past ``double_publicity.publish`` from their decision date,
recorded done late with their violations when the batch arrives)."""

from xinyong.domain.duties import Owner
from xinyong.services.duties.engine import (
    PAUSE_REASONS,
    DutyView,
    cancel_open,
    complete,
    duties_of,
    liability_of,
    list_duties,
    open_duty,
    open_duty_of,
    pause,
    resume,
)
from xinyong.services.duties.overdue import (
    OverdueReport,
    forecast,
    mark_overdue,
    recount_provisional,
    release_lock,
    take_lock,
)

__all__ = [
    "PAUSE_REASONS", "DutyView", "OverdueReport", "Owner", "cancel_open", "complete", "duties_of", "forecast",
    "liability_of", "list_duties", "mark_overdue", "open_duty", "open_duty_of", "pause", "recount_provisional",
    "release_lock", "resume", "take_lock",
]
