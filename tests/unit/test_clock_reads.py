"""One clock and one business time zone: no code in ``src`` reads the wall clock or builds a time zone of
its own. Business time comes from the injected clock (``Platform.clock``) and business dates from
``xinyong.domain.platform.clock.business_tz``; the one wall-clock read is ``SystemClock`` in
``domain/platform/clock.py``.
A new wall-clock read goes in ``ALLOWED`` with its reason, or (better) takes the injected clock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import xinyong

PACKAGE = Path(xinyong.__file__).resolve().parent
PYTHON_FILES = sorted(PACKAGE.rglob("*.py"))

# What reads the wall clock, or fixes a zone, outside the clock module.
WALL_CLOCK = {
    "datetime.now": re.compile(r"\bdatetime\.(?:now|utcnow|today)\s*\("),
    "date.today": re.compile(r"\bdate\.today\s*\("),
    "time.time": re.compile(r"\btime\.(?:time|time_ns|localtime|gmtime|ctime|strftime)\s*\("),
    "from time import": re.compile(r"^\s*from\s+time\s+import\b", re.MULTILINE),
    "a zone of its own": re.compile(r"\btimezone\s*\(\s*timedelta|\bZoneInfo\s*\("),
    "SystemClock": re.compile(r"\bSystemClock\s*\("),
}

# (file under src/xinyong, what) -> why it may.
ALLOWED: dict[tuple[str, str], str] = {
    ("domain/platform/clock.py", "datetime.now"): "SystemClock.now: the one read of the wall clock",
    ("domain/platform/clock.py", "SystemClock"): "the clock module itself (docstrings and the class)",
    ("rules/calendars.py", "a zone of its own"): "reads the business time zone's name from its data file",
    ("services/platform/bootstrap.py", "SystemClock"): "the bootstrap: the real clock, injected as Platform.clock",
    ("store/base.py", "SystemClock"): "utcnow, the column default of last resort; services set the "
                                      "time columns from the injected clock",
    ("domain/platform/citizen.py", "SystemClock"): "default_today: check_identifier's and is_citizen_id's "
                                          "documented default `today` for a caller with no clock to pass",
}


def _hits() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in PYTHON_FILES:
        rel = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        for what, pattern in WALL_CLOCK.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.setdefault((rel, what), []).append(f"src/xinyong/{rel}:{line}: {what}")
    return found


def test_the_patterns_catch_what_they_are_for() -> None:
    for sample, what in [("datetime.now(UTC)", "datetime.now"), ("date.today()", "date.today"),
                         ("time.time()", "time.time"), ("timezone(timedelta(hours=8))", "a zone of its own"),
                         ("from time import time", "from time import"), ("SystemClock().today()", "SystemClock")]:
        assert WALL_CLOCK[what].search(sample), sample


def test_there_is_source_to_check() -> None:
    assert any(p.name == "clock.py" for p in PYTHON_FILES) and len(PYTHON_FILES) > 20


def test_no_wall_clock_read_outside_the_clock_module() -> None:
    unexpected = [line for key, lines in _hits().items() if key not in ALLOWED for line in lines]
    assert not unexpected, (
        "take the injected clock (Platform.clock) or domain.clock.business_tz instead, or add the file to "
        "ALLOWED with its reason:\n" + "\n".join(unexpected))


@pytest.mark.parametrize("key", sorted(ALLOWED), ids=lambda k: f"{k[0]}:{k[1]}")
def test_every_allowance_is_still_needed(key: tuple[str, str]) -> None:
    assert key in _hits(), f"{key} no longer reads the wall clock: remove it from ALLOWED"
