"""Compliance: the sweep (overdue duties escalated and their violations recorded, inquiry-log rows past
retention purged; ``sweep``, and the server's scheduler that runs it every few minutes, ``scheduler``)
and the monitor the competent department reads (open, due soon, overdue, violations by unit and by
article, over time; ``monitor``)."""

from xinyong.services.compliance.monitor import OWNER_LABELS, Monitor, key_label, monitor, owner_label
from xinyong.services.compliance.sweep import SWEEP_ACTOR, SweepReport, sweep

__all__ = ["OWNER_LABELS", "SWEEP_ACTOR", "Monitor", "SweepReport", "key_label", "monitor", "owner_label", "sweep"]
