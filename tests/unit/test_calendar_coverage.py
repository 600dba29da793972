"""What the calendar covers and by what, the warning that next year's notice is not loaded (from
1 November, by the injected clock), and provisional dates over a year no calendar covers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.platform.clock import FixedClock
from xinyong.domain.rulebook.calendar import (
    Pause,
    UnknownYearError,
    WorkingDayCalendar,
    YearNotice,
    next_year_missing,
)
from xinyong.services.rulebook.calendars import calendar_status, load_calendar, notice_warning

D = date.fromisoformat
CAL = WorkingDayCalendar()  # the package's years only (2004-2026 in chinesecalendar 1.11)
NOTICE_2027 = YearNotice(2027, "国办发明电〔2026〕X号 (test)",
                         {D("2027-01-01"): "元旦 New Year's Day", D("2027-01-04"): "测试 test holiday"},
                         {D("2027-01-09"): "测试调休 test make-up"}, source="/srv/calendar/2027.yaml")


# ---------------------------------------------------------------------------------------------
# Which calendar
# ---------------------------------------------------------------------------------------------
def test_a_package_year_names_the_package() -> None:
    source = CAL.source_of(2026)
    assert source.kind == "package" and source.name.startswith("chinesecalendar")
    assert source.notice is None and source.file is None
    assert "chinesecalendar" in source.label and source.to_dict()["kind"] == "package"


def test_an_operator_year_names_its_notice_and_file() -> None:
    source = WorkingDayCalendar([NOTICE_2027]).source_of(2027)
    assert source.kind == "operator" and source.notice == "国办发明电〔2026〕X号 (test)"
    assert source.file == "/srv/calendar/2027.yaml"
    assert "国办发明电〔2026〕X号" in source.label and "/srv/calendar/2027.yaml" in source.label


def test_a_year_no_source_covers_has_no_source() -> None:
    with pytest.raises(UnknownYearError):
        CAL.source_of(2027)


def test_coverage_and_the_years_a_period_used() -> None:
    cal = WorkingDayCalendar([NOTICE_2027])
    assert [s.year for s in cal.coverage()] == list(cal.years)
    assert [(s.year, s.kind) for s in cal.sources_between(D("2026-12-28"), D("2027-01-12"))] == [
        (2026, "package"), (2027, "operator")]
    assert [s.year for s in CAL.sources_between(D("2026-12-28"), D("2027-01-12"))] == [2026]


def test_the_status_folds_the_package_years_into_one_row() -> None:
    status = calendar_status(WorkingDayCalendar([NOTICE_2027]), D("2026-03-18"))
    rows = status.ranges()
    assert [(first, last, s.kind) for first, last, s in rows] == [(2004, 2026, "package"), (2027, 2027, "operator")]
    data = status.to_dict()
    assert data["first"] == 2004 and data["last"] == 2027 and data["warnings"] == []


# ---------------------------------------------------------------------------------------------
# Next year's notice, from 1 November
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("today", "missing"), [
    ("2026-10-31", None),      # not yet the season
    ("2026-11-01", 2027),      # from 1 November
    ("2026-12-31", 2027),
    ("2025-11-01", None),      # 2026 is in the package
    ("2027-01-05", None),      # a new year: watched again from November
])
def test_next_year_missing(today: str, missing: int | None) -> None:
    assert next_year_missing(CAL, D(today)) == missing


def test_no_warning_once_next_year_is_loaded() -> None:
    assert next_year_missing(WorkingDayCalendar([NOTICE_2027]), D("2026-11-15")) is None


def test_the_warning_follows_the_injected_clock() -> None:
    clock = FixedClock(datetime(2026, 10, 31, 15, 59, tzinfo=UTC))  # 23:59 on 31 October, UTC+8
    assert notice_warning(CAL, clock.today()) is None
    clock.advance(minutes=1)                                          # 00:00 on 1 November
    warning = notice_warning(CAL, clock.today())
    assert warning is not None and warning.year == 2027
    data = warning.to_dict()
    assert data["field"] == "calendar" and data["reason"] == "next_year_notice_missing"
    assert "2027" in data["message_en"] and "2027" in data["message_zh"] and "通知" in data["message_zh"]


# ---------------------------------------------------------------------------------------------
# Provisional dates: the earliest possible, on weekdays alone
# ---------------------------------------------------------------------------------------------
def test_the_strict_count_still_refuses_an_unknown_year() -> None:
    with pytest.raises(UnknownYearError):
        CAL.due(D("2026-12-28"), 10, "working_days")


def test_working_days_into_an_unknown_year_are_counted_on_weekdays() -> None:
    result = CAL.provisional_due(D("2026-12-28"), 10, "working_days")
    # 12-29, 12-30, 12-31 (2026, the package), then 2027 on weekdays alone: Fri 01-01, 01-04..08, 01-11
    assert result.due == D("2027-01-11")
    assert result.provisional and result.assumed_years == (2027,)
    assert {i.day for i in result.skipped} == {D("2027-01-02"), D("2027-01-03"), D("2027-01-09"), D("2027-01-10")}
    assert all("provisional" in i.reason for i in result.skipped)
    data = result.to_dict()
    assert data["provisional"] is True and data["assumed_years"] == [2027] and data["due"] == "2027-01-11"


def test_calendar_days_ending_in_an_unknown_year_roll_over_weekends_only() -> None:
    result = CAL.provisional_due(D("2026-12-18"), 15, "days")  # day 15 is Sat 2027-01-02
    assert result.due == D("2027-01-04") and result.provisional


def test_where_every_year_is_known_it_is_the_due_date_unflagged() -> None:
    for received, count, unit in [("2026-03-18", 5, "working_days"), ("2025-09-26", 15, "days")]:
        strict = CAL.due(D(received), count, unit)
        provisional = CAL.provisional_due(D(received), count, unit)
        assert provisional == strict and not provisional.provisional and provisional.assumed_years == ()
        assert strict.to_dict()["provisional"] is False


def test_a_provisional_count_keeps_pauses() -> None:
    pause = Pause(D("2027-01-04"), D("2027-01-05"), "expert review 专家评审")
    result = CAL.provisional_due(D("2026-12-30"), 3, "working_days", pauses=[pause])
    # 12-31, (01-01 Fri counted), 01-04 and 01-05 paused, 01-06
    assert result.due == D("2027-01-06") and result.provisional
    open_pause = Pause(D("2027-01-04"), None, "testing 检测")
    assert CAL.provisional_due(D("2026-12-30"), 3, "working_days", pauses=[open_pause]).suspended


@settings(max_examples=60, deadline=None)
@given(holidays=st.sets(st.dates(min_value=D("2027-01-01"), max_value=D("2027-03-31")), min_size=1, max_size=25),
       received=st.dates(min_value=D("2026-12-01"), max_value=D("2027-02-28")),
       count=st.integers(min_value=1, max_value=30),
       unit=st.sampled_from(["working_days", "days"]))
def test_holidays_only_push_the_provisional_date_later(holidays: set[date], received: date, count: int,
                                                       unit: str) -> None:
    """Once the notice is loaded, the due date is never before the provisional one (a notice with
    holidays and no make-up days; make-up weekend days are the documented exception)."""
    provisional = CAL.provisional_due(received, count, unit)
    real = WorkingDayCalendar([YearNotice(2027, "test", {d: "test" for d in holidays})])
    try:
        due = real.due(received, count, unit)
    except UnknownYearError:  # the period ran past 2027 on this calendar too
        return
    assert provisional.due is not None and due.due is not None and provisional.due <= due.due


# ---------------------------------------------------------------------------------------------
# Reading year files is the services' job; the domain gets data
# ---------------------------------------------------------------------------------------------
def test_the_domain_has_no_file_reading_left() -> None:
    assert not hasattr(WorkingDayCalendar, "from_folders") and not hasattr(YearNotice, "from_file")


def test_load_calendar_reads_a_folder(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(
        'year: 2027\nnotice: "国办发明电〔2026〕X号"\nholidays:\n  2027-01-01: 元旦\n', encoding="utf-8")
    cal = load_calendar(tmp_path)
    assert cal.source_of(2027).file == str(tmp_path / "2027.yaml")
    assert next_year_missing(cal, D("2026-11-02")) is None
