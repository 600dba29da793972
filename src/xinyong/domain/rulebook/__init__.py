"""The working-day calendar every legal period is counted on: the calendar and its counts
(``calendar``), the days and periods it counts in and month/year arithmetic (``periods``), where each
year's working days come from, operator notices or the package's data (``years``)."""

from xinyong.domain.rulebook.calendar import WorkingDayCalendar
from xinyong.domain.rulebook.periods import add_span

__all__ = ["WorkingDayCalendar", "add_span"]
