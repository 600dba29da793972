"""The working-day calendar every legal period is counted on (``calendar``)."""

from xinyong.domain.rulebook.calendar import WorkingDayCalendar, add_span

__all__ = ["WorkingDayCalendar", "add_span"]
