"""Time for the platform: an injected clock, UTC instants, and business dates.

Instants are aware and in UTC (that is what storage holds). Legal periods are counted in *business
dates*: calendar dates in the business time zone, which is China Standard Time. The zone's name is
data (``rules/calendar/timezone.yaml``), read by ``xinyong.rules.calendars`` and handed here once, when
the ``xinyong`` package is imported (:func:`set_business_tz`); this module reads no file.

This is the one business time zone and the one place that reads the wall clock (:class:`SystemClock`).
Everything else asks the :class:`Clock` it was given (``Platform.clock``), so tests can pin time with
:class:`FixedClock`; ``tests/unit/test_clock_reads.py`` fails on any other wall-clock read in ``src``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable

__all__ = [
    "Clock",
    "FixedClock",
    "SystemClock",
    "business_date",
    "business_tz",
    "ensure_aware",
    "set_business_tz",
]

_business_tz: tzinfo | None = None


def set_business_tz(zone: tzinfo) -> None:
    """Hand the business time zone to the domain (``xinyong/__init__.py`` does, from the rule data)."""
    global _business_tz
    if not isinstance(zone, tzinfo):
        raise TypeError(f"the business time zone is a tzinfo, not {type(zone).__name__}")
    _business_tz = zone


def business_tz() -> tzinfo:
    """The business time zone (a ``zoneinfo.ZoneInfo`` named in ``rules/calendar/timezone.yaml``)."""
    if _business_tz is None:  # pragma: no cover - the package sets it on import
        raise RuntimeError("the business time zone is not set (xinyong/__init__.py sets it from "
                           "rules/calendar/timezone.yaml)")
    return _business_tz


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
