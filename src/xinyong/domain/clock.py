"""Time for the platform: an injected clock, UTC instants, and business dates.

Instants are aware and in UTC (that is what storage holds). Legal periods are counted in *business
dates*: calendar dates in the business time zone, which is China Standard Time. The zone's name is
data (``rules/calendar/timezone.yaml``), read once by :func:`business_tz`.

Services never call ``datetime.now()``; they ask the :class:`Clock` they were given, so tests can pin
time with :class:`FixedClock`.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

__all__ = [
    "Clock",
    "FixedClock",
    "SystemClock",
    "business_date",
    "business_tz",
    "ensure_aware",
]

_TIMEZONE_FILE = ("rules", "calendar", "timezone.yaml")


@functools.cache
def business_tz() -> ZoneInfo:
    """The business time zone, read once from ``rules/calendar/timezone.yaml``."""
    resource = resources.files("xinyong")
    for part in _TIMEZONE_FILE:
        resource = resource / part
    where = "/".join(_TIMEZONE_FILE)
    try:
        data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:  # pragma: no cover - a broken installation
        raise RuntimeError(f"cannot read the business time zone from {where}: {exc}") from exc
    if not isinstance(data, dict) or set(data) != {"business_timezone"}:
        raise RuntimeError(f"{where} must hold exactly one key, business_timezone")
    name = data["business_timezone"]
    if not isinstance(name, str) or not name:
        raise RuntimeError(f"{where}: business_timezone must be an IANA zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"{where}: unknown time zone {name!r} (is tzdata installed?)") from exc


def ensure_aware(dt: datetime, what: str = "datetime") -> datetime:
    """Return ``dt`` unchanged if it carries a time zone; refuse a naive one."""
    if not isinstance(dt, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(
            f"{what} {dt.isoformat()} is naive (no time zone): whose clock is it? "
            "Pass an aware datetime, e.g. datetime(..., tzinfo=UTC)")
    return dt


def business_date(dt: datetime) -> date:
    """The business date (a date in the business time zone) of an aware instant.

    >>> from datetime import UTC, datetime
    >>> business_date(datetime(2026, 3, 17, 16, 30, tzinfo=UTC))   # 00:30 on the 18th, UTC+8
    datetime.date(2026, 3, 18)
    """
    return ensure_aware(dt).astimezone(business_tz()).date()


@runtime_checkable
class Clock(Protocol):
    """Where services get the time from."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    def today(self) -> date:
        """The current business date (in the business time zone)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return business_date(self.now())

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until told otherwise (tests, demos, replays).

    ``FixedClock(datetime(2026, 3, 18, 2, 0, tzinfo=UTC))``; then ``clock.set(...)`` or
    ``clock.advance(hours=3)`` / ``clock.advance(timedelta(minutes=5))``.
    """

    def __init__(self, instant: datetime) -> None:
        self._instant = ensure_aware(instant, "FixedClock instant").astimezone(UTC)

    @property
    def instant(self) -> datetime:
        return self._instant

    def now(self) -> datetime:
        return self._instant

    def today(self) -> date:
        return business_date(self._instant)

    def set(self, instant: datetime) -> None:
        self._instant = ensure_aware(instant, "FixedClock instant").astimezone(UTC)

    def advance(self, delta: timedelta | None = None, /, **units: float) -> datetime:
        """Move forward by ``delta`` and/or keyword units (``weeks``, ``days``, ``hours``, ``minutes``,
        ``seconds``...). Moving backwards is refused: time in an audit trail only goes forward."""
        step = (delta or timedelta()) + timedelta(**units)
        if step < timedelta():
            raise ValueError(f"a FixedClock does not go backwards ({step}); use set() to rewind on purpose")
        self._instant = self._instant + step
        return self._instant

    def __repr__(self) -> str:
        return f"FixedClock({self._instant.isoformat()})"
