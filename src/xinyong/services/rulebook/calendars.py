"""The working-day calendar as the platform runs it: the operator's year files read from their folders
(``xinyong.rules.calendars``, the one strict YAML reader) and handed to the domain's
``WorkingDayCalendar`` as plain data; which years are covered and by what; and the warning, from
1 November of each year (by the injected clock), that next year's holiday notice is not loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from xinyong.domain.rulebook.calendar import (
    NOTICE_WATCH_FROM,
    CalendarDataError,
    CalendarSource,
    WorkingDayCalendar,
    YearNotice,
    next_year_missing,
)
from xinyong.rules import RuleFileError
from xinyong.rules.calendars import read_year_files

__all__ = ["CalendarStatus", "NoticeWarning", "calendar_status", "load_calendar", "notice_warning"]


def load_calendar(*folders: str | Path, known_years: range | None = None) -> WorkingDayCalendar:
    """The calendar with the operator year files (``YYYY.yaml``) of each folder; see
    ``rules/calendar/README.md``. Any problem is a ``CalendarDataError`` naming the file."""
    try:
        files = read_year_files(*folders)
    except RuleFileError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise CalendarDataError(exc.file, f"{where}{exc.message}") from None
    notices = [YearNotice.from_mapping(f.data, source=str(f.path)) for f in files]
    return WorkingDayCalendar(notices, known_years=known_years)


@dataclass(frozen=True)
class NoticeWarning:
    """Next year's holiday notice is not loaded, and it is already the season it is published in."""

    year: int
    today: date

    @property
    def message_en(self) -> str:
        month, day = NOTICE_WATCH_FROM
        return (f"no working-day calendar is loaded for {self.year}: the State Council notice on next "
                f"year's holidays is due (watched from {month:02d}-{day:02d}); add it as "
                f"{self.year}.yaml in a calendar folder (rules/calendar/README.md), or periods running "
                f"into {self.year} cannot be counted")

    @property
    def message_zh(self) -> str:
        return (f"尚未加载 {self.year} 年的工作日日历：国务院办公厅关于 {self.year} 年部分节假日安排的通知"
                f"应已或即将公布，请在日历目录中添加 {self.year}.yaml（见 rules/calendar/README.md），"
                f"否则跨入 {self.year} 年的期限无法计算")

    def to_dict(self) -> dict[str, Any]:
        return {"field": "calendar", "reason": "next_year_notice_missing", "year": self.year,
                "message_zh": self.message_zh, "message_en": self.message_en}


def notice_warning(calendar: WorkingDayCalendar, today: date) -> NoticeWarning | None:
    """The warning, if ``today`` (the injected clock's business date) is on or after 1 November and
    next year is not covered."""
    year = next_year_missing(calendar, today)
    return NoticeWarning(year, today) if year is not None else None


@dataclass(frozen=True)
class CalendarStatus:
    """Which years the calendar covers and by what, on a given day, and any warning."""

    today: date
    years: tuple[CalendarSource, ...]
    warning: NoticeWarning | None

    def ranges(self) -> list[tuple[int, int, CalendarSource]]:
        """Consecutive years from the same source folded into one row: (first, last, source)."""
        rows: list[tuple[int, int, CalendarSource]] = []
        for source in self.years:
            if rows:
                first, last, prev = rows[-1]
                same = (prev.kind, prev.name, prev.file) == (source.kind, source.name, source.file)
                if same and source.kind == "package" and last + 1 == source.year:
                    rows[-1] = (first, source.year, prev)
                    continue
            rows.append((source.year, source.year, source))
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "years": [s.to_dict() for s in self.years],
            "first": self.years[0].year if self.years else None,
            "last": self.years[-1].year if self.years else None,
            "warnings": [self.warning.to_dict()] if self.warning else [],
        }


def calendar_status(calendar: WorkingDayCalendar, today: date) -> CalendarStatus:
    return CalendarStatus(today, calendar.coverage(), notice_warning(calendar, today))
