"""Where each year's working days come from: an operator's :class:`YearNotice` (one year's holidays
and make-up working days as the State Council General Office notice publishes them, read from a year
file by ``xinyong.rules.calendars`` and given here as plain data) or the ``chinesecalendar`` package's
data (:func:`package_year`); :class:`CalendarSource` names the one a year uses. A year neither covers
is :class:`UnknownYearError`; a bad year file is :class:`CalendarDataError`. The example template,
with its placeholder dates, never loads. No I/O here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import chinese_calendar

from xinyong.domain.rulebook.periods import HOLIDAY, MAKE_UP_DAY, WEEKEND, WORKING_DAY, DayInfo

__all__ = [
    "README_HINT",
    "CalendarDataError",
    "CalendarSource",
    "UnknownYearError",
    "YearNotice",
    "days_of_year",
    "package_label",
    "package_year",
    "package_years",
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


def days_of_year(year: int) -> Iterator[date]:
    """Every day of ``year``, in order (one table per year: here and in the calendar)."""
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    for ordinal in range(first, last + 1):
        yield date.fromordinal(ordinal)


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
def package_years() -> range:
    """The years chinesecalendar carries data for."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@functools.cache
def package_year(year: int) -> dict[date, DayInfo]:
    """Every day of ``year`` per chinesecalendar (built once per process, the data never changes)."""
    table: dict[date, DayInfo] = {}
    for d in days_of_year(year):
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


def package_label() -> str:
    return f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
