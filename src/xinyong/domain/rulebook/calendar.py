"""The working-day calendar: the one service that computes every legal period.

Rules carried out here (see ``regulations/RULES.md``, "Counting time", and ``NATIONAL.md``,
"Working days"):

- "Within N working days of receipt": the day of receipt is not counted; the N working days after it
  are, skipping weekends and statutory holidays and counting the weekend days that the State Council's
  yearly notice makes working days (调休上班). The due date is the last day on which the duty is on time.
- "Within N days" (calendar days): the day of receipt is not counted; if the last day is
  not a working day, the period ends on the next working day.
- Time spent on inspection, testing, evaluation or expert review is not counted
  (``objection.excluded_time``): such spans are :class:`Pause` s. An open pause (no end yet) suspends
  the period: there is no due date until the pause is closed.
- Months and years (display periods, list terms) are calendar arithmetic, not rolled: :func:`add_span`
  (in ``periods``).

Sources of working days, per year: an operator-supplied :class:`YearNotice` (a YAML file citing the
State Council General Office notice for that year, read by ``xinyong.rules.calendars`` and given here
as plain data) if one is loaded, otherwise the ``chinesecalendar`` package. A computation that touches
a day of a year no source knows raises :class:`UnknownYearError`; nothing here ever guesses that an
unknown year has no holidays. Where a workflow must still show a date, :meth:`WorkingDayCalendar.
provisional_due` gives the earliest possible one, counted on weekdays alone and flagged provisional.

No I/O here: this module reads no file (an import-linter contract keeps it so).

Dates are business dates (see :mod:`xinyong.domain.platform.clock`); an aware datetime is converted to its
business date first, a naive one is refused. Dates are stepped one ordinal at a time: a legal period
is never computed by adding a fixed span of days.

The days and periods counted in (``DayInfo``, ``Pause``, ``Due``, ``add_span``) are in ``periods``; the
sources of each year's working days (``YearNotice``, the package's data, ``CalendarSource``) and their
errors in ``years``. The names a caller uses are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime

from xinyong.domain.rulebook.periods import (
    PAUSED,
    PROVISIONAL,
    ROLLED,
    SUSPENDED,
    WEEKEND,
    WORKING_DAY,
    DayInfo,
    Due,
    Pause,
    PeriodUnit,
    SpanUnit,
    add_span,
    as_date,
)
from xinyong.domain.rulebook.years import (
    CalendarDataError,
    CalendarSource,
    UnknownYearError,
    YearNotice,
    days_of_year,
    package_label,
    package_year,
    package_years,
)

__all__ = [
    "NOTICE_WATCH_FROM",
    "CalendarDataError",
    "CalendarSource",
    "DayInfo",
    "Due",
    "Pause",
    "PeriodUnit",
    "SpanUnit",
    "UnknownYearError",
    "WorkingDayCalendar",
    "YearNotice",
    "add_span",
    "next_year_missing",
]


def _next_day(d: date) -> date:
    return date.fromordinal(d.toordinal() + 1)



# ---------------------------------------------------------------------------------------------
# The calendar service
# ---------------------------------------------------------------------------------------------
def _check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"a period's count must be a whole number, not {count!r}")
    if count < 1:
        raise ValueError(f"a period's count must be at least 1, not {count}")
    return count


def _check_period_unit(period_unit: str) -> PeriodUnit:
    try:
        return PeriodUnit(period_unit)
    except ValueError:
        pass
    if period_unit in {u.value for u in SpanUnit}:
        raise ValueError(f"{period_unit} are calendar arithmetic, not a period counted in days: use add_span()")
    if period_unit == "hours":
        raise ValueError("hours are not a legal period on the working-day calendar; compute them from "
                         "the clock's instants")
    raise ValueError(f"unknown period unit {period_unit!r}; expected one of: working_days, days")


def _pause_on(d: date, pauses: Sequence[Pause]) -> Pause | None:
    """The pause covering ``d``, an open one first (it suspends the whole period)."""
    found = None
    for p in pauses:
        if p.covers(d):
            if p.end is None:
                return p
            found = found or p
    return found


class WorkingDayCalendar:
    """Working days per the State Council's yearly notices, and every legal period counted on them.

    ``extra_years``: operator-supplied :class:`YearNotice` s; a year given here replaces the package's
    data for that year entirely. ``known_years``: the years the ``chinesecalendar`` package is trusted
    for (default: every year it carries); narrow it to treat a year as not yet published.
    """

    def __init__(self, extra_years: Iterable[YearNotice] = (), known_years: range | None = None) -> None:
        self._notices: dict[int, YearNotice] = {}
        for notice in extra_years:
            if not isinstance(notice, YearNotice):
                raise TypeError(f"extra_years holds YearNotice objects, not {type(notice).__name__}")
            if notice.year in self._notices:
                other = self._notices[notice.year]
                raise CalendarDataError(
                    notice.source, f"a second calendar for {notice.year} (the first is "
                    f"{other.source or 'given in code'}); keep one file per year")
            self._notices[notice.year] = notice
        self._official = known_years if known_years is not None else package_years()
        if not isinstance(self._official, range):
            raise TypeError("known_years must be a range of years")
        self._tables: dict[int, dict[date, DayInfo]] = {}

    # -- what is known -------------------------------------------------------------------------
    @property
    def years(self) -> tuple[int, ...]:
        """Every year some source knows, ascending."""
        package = package_years()
        official = {y for y in self._official if y in package}
        return tuple(sorted(official | set(self._notices)))

    def source(self, year: int) -> str:
        """Where the working days of ``year`` come from (for explanations and the CLI)."""
        if year in self._notices:
            notice = self._notices[year]
            return f"{notice.notice} ({notice.source})" if notice.source else notice.notice
        if year in self._official and year in package_years():
            return package_label()
        raise UnknownYearError(year)

    def source_of(self, year: int) -> CalendarSource:
        """:meth:`source` as data; ``UnknownYearError`` for a year no source covers."""
        if year in self._notices:
            notice = self._notices[year]
            return CalendarSource(year, "operator", notice.notice, notice.notice, notice.source)
        if year in self._official and year in package_years():
            return CalendarSource(year, "package", package_label())
        raise UnknownYearError(year)

    def coverage(self) -> tuple[CalendarSource, ...]:
        """Every year covered, ascending, and by what."""
        return tuple(self.source_of(year) for year in self.years)

    def sources_between(self, first: date | datetime, last: date | datetime) -> tuple[CalendarSource, ...]:
        """The source of each covered year from ``first`` to ``last`` (what a period counted there used);
        years no source covers are left out (a provisional count names them in ``assumed_years``)."""
        a, b = as_date(first, "first"), as_date(last, "last")
        known = set(self.years)
        return tuple(self.source_of(y) for y in range(min(a, b).year, max(a, b).year + 1) if y in known)

    def _table(self, year: int) -> dict[date, DayInfo]:
        table = self._tables.get(year)
        if table is None:
            if year in self._notices:
                notice = self._notices[year]
                table = {d: notice.explain(d) for d in days_of_year(year)}
            elif year in self._official:
                table = package_year(year)
            else:
                raise UnknownYearError(year)
            self._tables[year] = table
        return table

    # -- days ----------------------------------------------------------------------------------
    def explain(self, d: date | datetime) -> DayInfo:
        """Whether ``d`` is a working day, and why."""
        day = as_date(d, "day")
        return self._table(day.year)[day]

    def is_working_day(self, d: date | datetime) -> bool:
        return self.explain(d).working

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days ``d`` with ``start < d <= end`` (e.g. how many working days late a duty done
        on ``end`` was, against its due date ``start``); negative when ``end`` is before ``start``."""
        a, b = as_date(start, "start"), as_date(end, "end")
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        total = 0
        for ordinal in range(a.toordinal() + 1, b.toordinal() + 1):
            if self.explain(date.fromordinal(ordinal)).working:
                total += 1
        return sign * total

    # -- periods -------------------------------------------------------------------------------
    def due(self, received: date | datetime, count: int, period_unit: str,
            pauses: Sequence[Pause] = ()) -> Due:
        """Count ``count`` ``period_unit`` (``working_days`` or ``days``) from ``received``; see the module
        docstring for the rules. Raises UnknownYearError if a touched day's year is unknown."""
        return self._count(received, count, period_unit, pauses, self.explain, ())

    def provisional_due(self, received: date | datetime, count: int, period_unit: str,
                        pauses: Sequence[Pause] = ()) -> Due:
        """Like :meth:`due`, but a day of a year no loaded calendar covers is counted as a weekday
        alone (Monday to Friday working, Saturday and Sunday not; no holidays, no make-up days), and
        the result is flagged ``provisional`` with those years in ``assumed_years``. The date is the
        earliest the period can end once that year's holidays are known (holidays only push it later;
        a make-up weekend day before a holiday block is the one case the notice could move it earlier).
        Where every touched year is covered this is exactly :meth:`due`, not flagged."""
        assumed: set[int] = set()

        def explain(d: date) -> DayInfo:
            try:
                return self.explain(d)
            except UnknownYearError:
                assumed.add(d.year)
                if d.weekday() >= 5:
                    return DayInfo(d, False, f"{WEEKEND} ({PROVISIONAL})")
                return DayInfo(d, True, f"{WORKING_DAY} ({PROVISIONAL})")

        return self._count(received, count, period_unit, pauses, explain, assumed)

    def _count(self, received: date | datetime, count: int, period_unit: str, pauses: Sequence[Pause],
               explain: Callable[[date], DayInfo], assumed: Collection[int]) -> Due:
        start = as_date(received, "received")
        count = _check_count(count)
        kind = _check_period_unit(period_unit)
        pauses = tuple(pauses)
        for p in pauses:
            if not isinstance(p, Pause):
                raise TypeError(f"pauses holds Pause objects, not {type(p).__name__}")

        skipped: list[DayInfo] = []

        def result(due: date | None) -> Due:
            return Due(received=start, count=count, period_unit=kind.value, due=due, skipped=tuple(skipped),
                       suspended=due is None, pauses=pauses, provisional=bool(assumed),
                       assumed_years=tuple(sorted(assumed)))

        def paused(day: date, pause: Pause) -> DayInfo:
            info = explain(day)
            label = SUSPENDED if pause.end is None else PAUSED
            extra = f" ({info.reason})" if not info.working else ""
            return DayInfo(day, info.working, f"{label}: {pause.reason}{extra}")

        day = start
        counted = 0
        while counted < count:
            day = _next_day(day)
            pause = _pause_on(day, pauses)
            if pause is not None:
                skipped.append(paused(day, pause))
                if pause.end is None:
                    return result(None)
                continue
            if kind is PeriodUnit.days:
                counted += 1
                continue
            info = explain(day)
            if info.working:
                counted += 1
            else:
                skipped.append(info)

        if kind is PeriodUnit.days:
            # The last day must be a working day: roll forward over holidays, weekends and pauses.
            while True:
                pause = _pause_on(day, pauses)
                if pause is not None:
                    skipped.append(paused(day, pause))
                    if pause.end is None:
                        return result(None)
                else:
                    info = explain(day)
                    if info.working:
                        break
                    skipped.append(DayInfo(day, False, f"{info.reason}; {ROLLED}"))
                day = _next_day(day)
        return result(day)

    @staticmethod
    def add_span(start: date | datetime, count: int, period_unit: str) -> date:
        """Same as the module function :func:`add_span` (months and years, not rolled)."""
        return add_span(start, count, period_unit)



# From this day of each year (month, day), next year's holiday notice is watched for: the State Council
# publishes it in the autumn, and a period received in December already runs into January.
NOTICE_WATCH_FROM = (11, 1)


def next_year_missing(calendar: WorkingDayCalendar, today: date) -> int | None:
    """Next year, if ``today`` (a business date, from the injected clock) is on or after
    :data:`NOTICE_WATCH_FROM` and no loaded calendar covers next year; otherwise ``None``."""
    month, day = NOTICE_WATCH_FROM
    if (today.month, today.day) < (month, day):
        return None
    coming = today.year + 1
    return None if coming in calendar.years else coming
