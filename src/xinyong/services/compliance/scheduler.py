"""The scheduler inside the server: the sweep every ``XINYONG_SWEEP_SECONDS`` (0: never), each run in a
worker thread so the event loop keeps serving; one sweep at a time across processes by the sweep lock
(a process that finds it taken logs the run as skipped). A failed sweep is logged and the next round
tries again: it never stops the server."""

from __future__ import annotations

import asyncio

from xinyong.logging import get_logger
from xinyong.services.compliance.sweep import sweep
from xinyong.services.platform.bootstrap import Platform


async def run_sweeps(platform: Platform) -> None:
    """Sweep, then wait ``sweep_seconds``, until cancelled (the app's lifespan cancels it at shutdown)."""
    log = get_logger(__name__)
    seconds = platform.settings.sweep_seconds
    while True:
        await asyncio.sleep(seconds)
        try:
            report = await asyncio.to_thread(sweep, platform)
        except Exception as exc:  # noqa: BLE001 - logged; the next round tries again
            log.error("sweep failed", error=str(exc))
            continue
        if report.skipped:
            log.info("sweep skipped: another process holds the sweep lock")
        else:
            summary = report.to_dict()
            log.info("sweep done", overdue=summary["overdue"], purged_log_rows=summary["purged_log_rows"],
                     provisional_recounted=summary["provisional_recounted"])
