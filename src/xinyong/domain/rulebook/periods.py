"""Days and periods: the value objects every count speaks in, and calendar arithmetic.

A :class:`DayInfo` says whether one day is a working day and why (the reasons below, English then
Chinese); a :class:`Pause` is a span of days not counted (``objection.excluded_time``); a :class:`Due`
is the outcome of counting a period (``calendar.WorkingDayCalendar.due``). Months and years (display
periods, list terms) are calendar arithmetic, not rolled: :func:`add_span`.

Dates are business dates (see :mod:`xinyong.domain.platform.clock`): :func:`as_date` converts an aware
datetime and refuses a naive one. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from xinyong.domain.platform.clock import business_date

__all__ = [
    "HOLIDAY",
    "MAKE_UP_DAY",
    "PAUSED",
    "PROVISIONAL",
    "ROLLED",
    "SUSPENDED",
    "WEEKEND",
    "WORKING_DAY",
    "DayInfo",
    "Due",
    "Pause",
    "PeriodUnit",
    "SpanUnit",
    "add_span",
    "as_date",
]


def as_date(value: date | datetime, what: str) -> date:
    """A business date from a date, or from an aware datetime (converted in the business time zone);
    ``what`` names the argument in the error. Shared by the calendar, its value objects and spans."""
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return business_date(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"{what} must be a date or an aware datetime, not {type(value).__name__}")



# Reasons shown for a day (English then Chinese, as everywhere in the platform).
WORKING_DAY = "working day 工作日"
WEEKEND = "weekend 周末"
HOLIDAY = "holiday 法定节假日"
MAKE_UP_DAY = "make-up working day 调休上班"
PAUSED = "paused, not counted 暂停计算，不计入期限"
SUSPENDED = "suspended until the pause ends 期限中止，待暂停结束后继续计算"
PROVISIONAL = ("provisional: no calendar loaded for this year, weekdays alone counted "
               "暂定：该年日历未加载，仅按周一至周五计算")
ROLLED = "last day of the period is not a working day: extended to the next working day 期限届满日顺延"


# ---------------------------------------------------------------------------------------------
# Value objects
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayInfo:
    """One day, whether it is a working day, and why (or why it was not counted)."""

    day: date
    working: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "working": self.working, "reason": self.reason}


@dataclass(frozen=True)
class Pause:
    """Days from ``start`` to ``end`` (both inclusive) are not counted
    (``objection.excluded_time``: inspection, testing, evaluation, expert review). ``end=None``: still
    running, the period is suspended."""

    start: date
    end: date | None
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_date(self.start, "Pause.start"))
        if self.end is not None:
            object.__setattr__(self, "end", as_date(self.end, "Pause.end"))
            if self.end < self.start:
                raise ValueError(f"pause ends ({self.end}) before it starts ({self.start})")
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError("a pause needs a reason (why the days are not counted)")

    @property
    def open(self) -> bool:
        return self.end is None

    def covers(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat() if self.end else None,
                "reason": self.reason}


class PeriodUnit(StrEnum):
    """Units of a legal period counted in days (:meth:`WorkingDayCalendar.due`)."""

    working_days = "working_days"
    days = "days"


class SpanUnit(StrEnum):
    """Units of calendar arithmetic (:func:`add_span`)."""

    months = "months"
    years = "years"


@dataclass(frozen=True)
class Due:
    """The outcome of counting a period: the due date (the last day on which the duty is on time),
    every day inside the period that was not counted and why, or ``suspended`` with no due date."""

    received: date
    count: int
    period_unit: str
    due: date | None
    skipped: tuple[DayInfo, ...] = ()
    suspended: bool = False
    pauses: tuple[Pause, ...] = ()
    # Counted over a year no loaded calendar covers (WorkingDayCalendar.provisional_due): weekdays
    # alone were counted in ``assumed_years``; the date is the earliest possible, not the due date.
    provisional: bool = False
    assumed_years: tuple[int, ...] = ()

    def is_overdue(self, on: date | datetime) -> bool:
        """True when ``on`` is after the due date (never while suspended)."""
        return self.due is not None and as_date(on, "on") > self.due

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received.isoformat(),
            "count": self.count,
            "unit": self.period_unit,
            "due": self.due.isoformat() if self.due else None,
            "suspended": self.suspended,
            "skipped": [info.to_dict() for info in self.skipped],
            "pauses": [p.to_dict() for p in self.pauses],
            "provisional": self.provisional,
            "assumed_years": list(self.assumed_years),
        }



def add_span(start: date | datetime, count: int, period_unit: str) -> date:
    """Calendar arithmetic for periods in months or years (display periods, list terms): the same day
    of the month ``count`` months or years later, clamped to the month's last day (a 29 February plus
    one year is 28 February). Not rolled to a working day."""
    d = as_date(start, "start")
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"a span's count must be a whole number, not {count!r}")
    try:
        span = SpanUnit(period_unit)
    except ValueError:
        raise ValueError(f"add_span counts months or years, not {period_unit!r}; periods in days are "
                         "WorkingDayCalendar.due()") from None
    months = count if span is SpanUnit.months else 12 * count
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"{d} plus {count} {span.value} is out of range")
    month = month0 + 1
    return date(year, month, min(d.day, _month_length(year, month)))


def _month_length(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31
