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
- Months and years (display periods, list terms) are calendar arithmetic, not rolled: :func:`add_span`.

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
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import chinese_calendar

from xinyong.domain.platform.clock import business_date

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

README_HINT = "rules/calendar/README.md"


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------
class UnknownYearError(Exception):
    """A period touches a year for which no working-day calendar is known."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"没有 {year} 年的法定节假日安排；请按国务院办公厅通知添加该年的日历文件 / "
            f"No working-day calendar is known for {year}: add the State Council notice for that year "
            f"as a calendar file (see {README_HINT})")

    def __reduce__(self) -> tuple[type[UnknownYearError], tuple[int]]:
        return (type(self), (self.year,))


class CalendarDataError(ValueError):
    """An operator-supplied calendar file (or YearNotice) is invalid. The message names the file."""

    def __init__(self, source: str | None, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source or '<year notice>'}: {problem}")

    def __reduce__(self) -> tuple[type[CalendarDataError], tuple[str | None, str]]:
        return (type(self), (self.source, self.problem))


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _next_day(d: date) -> date:
    return date.fromordinal(d.toordinal() + 1)


def _as_date(value: date | datetime, what: str) -> date:
    """A business date from a date, or from an aware datetime (converted in the business time zone)."""
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return business_date(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"{what} must be a date or an aware datetime, not {type(value).__name__}")


def _days_of_year(year: int) -> Iterator[date]:
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    for ordinal in range(first, last + 1):
        yield date.fromordinal(ordinal)


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

# chinesecalendar names the holidays in English; the platform shows both languages.
_HOLIDAY_NAMES = {
    "New Year's Day": "New Year's Day 元旦",
    "Spring Festival": "Spring Festival 春节",
    "Tomb-sweeping Day": "Tomb-sweeping Day 清明节",
    "Labour Day": "Labour Day 劳动节",
    "Dragon Boat Festival": "Dragon Boat Festival 端午节",
    "Mid-autumn Festival": "Mid-Autumn Festival 中秋节",
    "National Day": "National Day 国庆节",
}


def _holiday_name(name: str | None) -> str:
    if not name:
        return ""
    if name in _HOLIDAY_NAMES:
        return _HOLIDAY_NAMES[name]
    try:  # a special holiday the package knows (e.g. an anniversary): take its Chinese name
        return f"{name} {chinese_calendar.Holiday(name).chinese}"
    except ValueError:
        return name


_WEEKDAYS = ("Monday 星期一", "Tuesday 星期二", "Wednesday 星期三", "Thursday 星期四", "Friday 星期五",
             "Saturday 星期六", "Sunday 星期日")


def _with_name(reason: str, name: str) -> str:
    return f"{reason}: {name}" if name else reason


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
        object.__setattr__(self, "start", _as_date(self.start, "Pause.start"))
        if self.end is not None:
            object.__setattr__(self, "end", _as_date(self.end, "Pause.end"))
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
    unit: str
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
        return self.due is not None and _as_date(on, "on") > self.due

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received.isoformat(),
            "count": self.count,
            "unit": self.unit,
            "due": self.due.isoformat() if self.due else None,
            "suspended": self.suspended,
            "skipped": [info.to_dict() for info in self.skipped],
            "pauses": [p.to_dict() for p in self.pauses],
            "provisional": self.provisional,
            "assumed_years": list(self.assumed_years),
        }


@dataclass(frozen=True)
class CalendarSource:
    """Where the working days of one year come from: the ``chinesecalendar`` package's data
    (``kind="package"``) or an operator year file (``kind="operator"``, with its notice and file)."""

    year: int
    kind: str
    name: str
    notice: str | None = None
    file: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "package":
            return f"{self.name} (package year data 软件包内置数据)"
        where = f", {self.file}" if self.file else ""
        return f"operator file 运营方文件: {self.notice}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "kind": self.kind, "name": self.name, "notice": self.notice,
                "file": self.file}


# ---------------------------------------------------------------------------------------------
# Operator-supplied years
# ---------------------------------------------------------------------------------------------
_KEYS_REQUIRED = ("year", "notice", "holidays")
_KEYS_ALLOWED = frozenset({"year", "notice", "holidays", "workdays"})
_EXAMPLE = ("这是示例模板，日期为占位值，不是国务院办公厅通知，不能作为工作日日历加载；请按已公布的通知填写日期与文号，"
            "并删除 example 标记 / this is the example template: its dates are placeholders, not a State "
            "Council notice, and it never loads as a working-day calendar; write the published notice's "
            "dates and citation and remove the example marker")


def _is_placeholder(notice: Any) -> bool:
    """The template's marker in its notice: PLACEHOLDER (in capitals, as the template writes it) or 占位."""
    return isinstance(notice, str) and ("PLACEHOLDER" in notice or "占位" in notice)


@dataclass(frozen=True)
class YearNotice:
    """One year's statutory holidays and weekend make-up working days, as published in the State
    Council General Office notice (``notice``, e.g. "国办发明电〔2025〕7号").

    ``holidays`` lists the days off (weekend days inside a holiday block may be listed);
    ``workdays`` lists the Saturdays and Sundays made working days. Any other Monday to Friday is a
    working day, any other Saturday or Sunday is not. Validated on construction; ``source`` (the file
    it came from) is named in every error.
    """

    year: int
    notice: str
    holidays: dict[date, str]
    workdays: dict[date, str] = field(default_factory=dict)
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        fail = functools.partial(CalendarDataError, self.source)
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise fail(f"year must be a whole number such as 2027, not {self.year!r}")
        if not 1949 <= self.year <= 9998:
            raise fail(f"year {self.year} is out of range")
        if not isinstance(self.notice, str) or not self.notice.strip():
            raise fail("notice is required: cite the State Council General Office notice for the year "
                       "(e.g. 国办发明电〔2025〕7号)")
        if _is_placeholder(self.notice):
            raise fail(f"notice: {_EXAMPLE}")
        checked: dict[str, dict[date, str]] = {}
        for what, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            if not isinstance(days, Mapping):
                raise fail(f"{what} must map dates to names")
            for d, name in days.items():
                if isinstance(d, datetime) or not isinstance(d, date):
                    raise fail(f"{what}: {d!r} is not a date (write YYYY-MM-DD)")
                if d.year != self.year:
                    raise fail(f"{what}: {d.isoformat()} is not in {self.year}")
                if not isinstance(name, str) or not name.strip():
                    raise fail(f"{what}: {d.isoformat()} needs a name (e.g. 春节 Spring Festival)")
            checked[what] = dict(sorted(days.items()))
        if not checked["holidays"]:
            raise fail("holidays is empty: list the days off the notice gives")
        both = sorted(set(checked["holidays"]) & set(checked["workdays"]))
        if both:
            raise fail(f"{both[0].isoformat()} is listed both as a holiday and as a working day")
        for d in checked["workdays"]:
            if d.weekday() < 5:
                raise fail(f"workdays: {d.isoformat()} is a {_WEEKDAYS[d.weekday()]}; only a Saturday or "
                           "Sunday can be a make-up working day (any other weekday already is one)")
        object.__setattr__(self, "notice", self.notice.strip())
        object.__setattr__(self, "holidays", checked["holidays"])
        object.__setattr__(self, "workdays", checked["workdays"])

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Any, source: str | None = None) -> YearNotice:
        """Build from parsed YAML: ``year``, ``notice``, ``holidays`` and (optional) ``workdays``."""
        fail = functools.partial(CalendarDataError, source)
        if not isinstance(data, Mapping):
            raise fail("a calendar file is a mapping with year, notice, holidays and workdays")
        if data.get("example") or _is_placeholder(data.get("notice")):
            raise fail(f"example: {_EXAMPLE}")
        unknown = sorted(str(k) for k in data if k not in _KEYS_ALLOWED)
        if unknown:
            raise fail(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS_ALLOWED))}")
        missing = [k for k in _KEYS_REQUIRED if k not in data]
        if missing:
            hint = " (the citation of the State Council notice)" if "notice" in missing else ""
            raise fail(f"missing required key(s) {', '.join(missing)}{hint}")
        return cls(
            year=data["year"],
            notice=data["notice"],
            holidays=cls._parse_days(data["holidays"], "holidays", source),
            workdays=cls._parse_days(data.get("workdays") or {}, "workdays", source),
            source=source,
        )

    @staticmethod
    def _parse_days(raw: Any, what: str, source: str | None) -> dict[date, str]:
        if not isinstance(raw, Mapping):
            raise CalendarDataError(source, f"{what} must map dates (YYYY-MM-DD) to names")
        days: dict[date, str] = {}
        for key, name in raw.items():
            d: Any = key
            if isinstance(key, str):
                try:
                    d = date.fromisoformat(key.strip())
                except ValueError:
                    raise CalendarDataError(
                        source, f"{what}: {key!r} is not a date (write YYYY-MM-DD)") from None
            if isinstance(d, datetime) or not isinstance(d, date):
                raise CalendarDataError(source, f"{what}: {key!r} is not a date (write YYYY-MM-DD)")
            if d in days:
                raise CalendarDataError(source, f"{what}: {d.isoformat()} is listed twice")
            days[d] = name
        return days

    # -- days ----------------------------------------------------------------------------------
    def explain(self, d: date) -> DayInfo:
        if d.year != self.year:
            raise ValueError(f"{d} is not in {self.year}")
        if d in self.workdays:
            return DayInfo(d, True, _with_name(MAKE_UP_DAY, self.workdays[d]))
        if d in self.holidays:
            return DayInfo(d, False, _with_name(HOLIDAY, self.holidays[d]))
        if d.weekday() >= 5:
            return DayInfo(d, False, WEEKEND)
        return DayInfo(d, True, WORKING_DAY)


# ---------------------------------------------------------------------------------------------
# The official source: the chinesecalendar package
# ---------------------------------------------------------------------------------------------
@functools.cache
def _package_years() -> range:
    """The years chinesecalendar carries data for."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@functools.cache
def _package_year(year: int) -> dict[date, DayInfo]:
    """Every day of ``year`` per chinesecalendar (built once per process, the data never changes)."""
    table: dict[date, DayInfo] = {}
    for d in _days_of_year(year):
        try:
            off, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            raise UnknownYearError(year) from None
        if off:
            table[d] = DayInfo(d, False, _with_name(HOLIDAY, _holiday_name(name)) if name else WEEKEND)
        elif d.weekday() >= 5:
            table[d] = DayInfo(d, True, _with_name(MAKE_UP_DAY, _holiday_name(name)))
        else:
            table[d] = DayInfo(d, True, WORKING_DAY)
    return table


def _package_label() -> str:
    return f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()


# ---------------------------------------------------------------------------------------------
# The calendar service
# ---------------------------------------------------------------------------------------------
def _check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"a period's count must be a whole number, not {count!r}")
    if count < 1:
        raise ValueError(f"a period's count must be at least 1, not {count}")
    return count


def _check_unit(unit: str) -> PeriodUnit:
    try:
        return PeriodUnit(unit)
    except ValueError:
        pass
    if unit in {u.value for u in SpanUnit}:
        raise ValueError(f"{unit} are calendar arithmetic, not a period counted in days: use add_span()")
    if unit == "hours":
        raise ValueError("hours are not a legal period on the working-day calendar; compute them from "
                         "the clock's instants")
    raise ValueError(f"unknown period unit {unit!r}; expected one of: working_days, days")


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
        self._official = known_years if known_years is not None else _package_years()
        if not isinstance(self._official, range):
            raise TypeError("known_years must be a range of years")
        self._tables: dict[int, dict[date, DayInfo]] = {}

    # -- what is known -------------------------------------------------------------------------
    @property
    def years(self) -> tuple[int, ...]:
        """Every year some source knows, ascending."""
        package = _package_years()
        official = {y for y in self._official if y in package}
        return tuple(sorted(official | set(self._notices)))

    def source(self, year: int) -> str:
        """Where the working days of ``year`` come from (for explanations and the CLI)."""
        if year in self._notices:
            notice = self._notices[year]
            return f"{notice.notice} ({notice.source})" if notice.source else notice.notice
        if year in self._official and year in _package_years():
            return _package_label()
        raise UnknownYearError(year)

    def source_of(self, year: int) -> CalendarSource:
        """:meth:`source` as data; ``UnknownYearError`` for a year no source covers."""
        if year in self._notices:
            notice = self._notices[year]
            return CalendarSource(year, "operator", notice.notice, notice.notice, notice.source)
        if year in self._official and year in _package_years():
            return CalendarSource(year, "package", _package_label())
        raise UnknownYearError(year)

    def coverage(self) -> tuple[CalendarSource, ...]:
        """Every year covered, ascending, and by what."""
        return tuple(self.source_of(year) for year in self.years)

    def sources_between(self, first: date | datetime, last: date | datetime) -> tuple[CalendarSource, ...]:
        """The source of each covered year from ``first`` to ``last`` (what a period counted there used);
        years no source covers are left out (a provisional count names them in ``assumed_years``)."""
        a, b = _as_date(first, "first"), _as_date(last, "last")
        known = set(self.years)
        return tuple(self.source_of(y) for y in range(min(a, b).year, max(a, b).year + 1) if y in known)

    def _table(self, year: int) -> dict[date, DayInfo]:
        table = self._tables.get(year)
        if table is None:
            if year in self._notices:
                notice = self._notices[year]
                table = {d: notice.explain(d) for d in _days_of_year(year)}
            elif year in self._official:
                table = _package_year(year)
            else:
                raise UnknownYearError(year)
            self._tables[year] = table
        return table

    # -- days ----------------------------------------------------------------------------------
    def explain(self, d: date | datetime) -> DayInfo:
        """Whether ``d`` is a working day, and why."""
        day = _as_date(d, "day")
        return self._table(day.year)[day]

    def is_working_day(self, d: date | datetime) -> bool:
        return self.explain(d).working

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days ``d`` with ``start < d <= end`` (e.g. how many working days late a duty done
        on ``end`` was, against its due date ``start``); negative when ``end`` is before ``start``."""
        a, b = _as_date(start, "start"), _as_date(end, "end")
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        total = 0
        for ordinal in range(a.toordinal() + 1, b.toordinal() + 1):
            if self.explain(date.fromordinal(ordinal)).working:
                total += 1
        return sign * total

    # -- periods -------------------------------------------------------------------------------
    def due(self, received: date | datetime, count: int, unit: str,
            pauses: Sequence[Pause] = ()) -> Due:
        """Count ``count`` ``unit`` (``working_days`` or ``days``) from ``received``; see the module
        docstring for the rules. Raises UnknownYearError if a touched day's year is unknown."""
        return self._count(received, count, unit, pauses, self.explain, ())

    def provisional_due(self, received: date | datetime, count: int, unit: str,
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

        return self._count(received, count, unit, pauses, explain, assumed)

    def _count(self, received: date | datetime, count: int, unit: str, pauses: Sequence[Pause],
               explain: Callable[[date], DayInfo], assumed: Collection[int]) -> Due:
        start = _as_date(received, "received")
        count = _check_count(count)
        kind = _check_unit(unit)
        pauses = tuple(pauses)
        for p in pauses:
            if not isinstance(p, Pause):
                raise TypeError(f"pauses holds Pause objects, not {type(p).__name__}")

        skipped: list[DayInfo] = []

        def result(due: date | None) -> Due:
            return Due(received=start, count=count, unit=kind.value, due=due, skipped=tuple(skipped),
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
    def add_span(start: date | datetime, count: int, unit: str) -> date:
        """Same as the module function :func:`add_span` (months and years, not rolled)."""
        return add_span(start, count, unit)


def add_span(start: date | datetime, count: int, unit: str) -> date:
    """Calendar arithmetic for periods in months or years (display periods, list terms): the same day
    of the month ``count`` months or years later, clamped to the month's last day (a 29 February plus
    one year is 28 February). Not rolled to a working day."""
    d = _as_date(start, "start")
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"a span's count must be a whole number, not {count!r}")
    try:
        span = SpanUnit(unit)
    except ValueError:
        raise ValueError(f"add_span counts months or years, not {unit!r}; periods in days are "
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
