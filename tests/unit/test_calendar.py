"""The working-day calendar and the clock (RULES.md "Counting time", NATIONAL.md "Working days").

Every expected date below was checked against chinesecalendar 1.11 (``is_workday`` /
``get_holiday_detail``), not taken from memory.
"""

from __future__ import annotations

import pickle
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import xinyong
from xinyong.domain.platform.clock import Clock, FixedClock, SystemClock, business_date, business_tz
from xinyong.domain.rulebook.calendar import (
    CalendarDataError,
    DayInfo,
    Due,
    Pause,
    UnknownYearError,
    WorkingDayCalendar,
    YearNotice,
    add_span,
)
from xinyong.services.rulebook.calendars import load_calendar

D = date.fromisoformat
CAL = WorkingDayCalendar()
CALENDAR_DATA = Path(xinyong.__file__).parent / "rules" / "calendar"
EXAMPLE_2027 = CALENDAR_DATA / "examples" / "2027.example.yaml"


def _param(id_: str, *values: object) -> object:
    return pytest.param(*values, id=id_)


# ---------------------------------------------------------------------------------------------
# Working days: "within N working days of receipt"
# ---------------------------------------------------------------------------------------------
WORKING_DAY_CASES = [
    _param("day of receipt not counted: Wed + 1 working day is Thu", "2026-03-18", 1, "2026-03-19"),
    _param("day of receipt not counted: Wed + 5 working days skips the weekend",
           "2026-03-18", 5, "2026-03-25"),
    _param("receipt on a Saturday: the first working day after it counts", "2026-03-21", 1, "2026-03-23"),
    _param("Spring Festival 2025: 01-28..02-04 off, Sun 01-26 a make-up working day",
           "2025-01-24", 5, "2025-02-07"),
    _param("Spring Festival 2025: received the Monday before, next working day is 02-05",
           "2025-01-27", 1, "2025-02-05"),
    _param("Spring Festival 2026: Sat 02-14 is a make-up working day", "2026-02-13", 1, "2026-02-14"),
    _param("Spring Festival 2026: 02-15..02-23 off", "2026-02-13", 3, "2026-02-25"),
    _param("Spring Festival 2026: Sat 02-28 is a make-up working day", "2026-02-27", 1, "2026-02-28"),
    _param("National Day + Mid-Autumn 2025: Sun 09-28 is a make-up working day",
           "2025-09-26", 1, "2025-09-28"),
    _param("National Day + Mid-Autumn 2025: 10-01..10-08 off", "2025-09-30", 2, "2025-10-10"),
    _param("National Day + Mid-Autumn 2025: Sat 10-11 is a make-up working day",
           "2025-09-30", 3, "2025-10-11"),
    _param("receipt on a holiday (2025-10-03): counting starts after the holiday",
           "2025-10-03", 1, "2025-10-09"),
    _param("Mid-Autumn 2026: 09-25..09-27 off", "2026-09-24", 1, "2026-09-28"),
    _param("National Day 2026: Sun 09-20 is a make-up working day", "2026-09-18", 1, "2026-09-20"),
    _param("National Day 2026: 10-01..10-07 off", "2026-09-30", 1, "2026-10-08"),
]


@pytest.mark.parametrize(("received", "count", "expected"), WORKING_DAY_CASES)
def test_working_days(received: str, count: int, expected: str) -> None:
    result = CAL.due(D(received), count, "working_days")
    assert result.due == D(expected)
    assert not result.suspended
    assert CAL.is_working_day(result.due)
    assert CAL.working_days_between(D(received), result.due) == count
    # every skipped day is inside the period and is a day off
    assert all(D(received) < info.day < result.due and not info.working for info in result.skipped)


def test_skipped_days_say_why() -> None:
    result = CAL.due(D("2025-01-24"), 5, "working_days")
    reasons = {info.day: info.reason for info in result.skipped}
    assert reasons[D("2025-01-25")] == "weekend 周末"
    assert reasons[D("2025-01-29")] == "holiday 法定节假日: Spring Festival 春节"
    assert D("2025-01-26") not in reasons  # the make-up Sunday was counted
    assert len(result.skipped) == 9  # Sat 01-25 and 01-28..02-04


@pytest.mark.parametrize(("day", "working", "reason"), [
    _param("weekday is a working day", "2026-03-18", True, "working day 工作日"),
    _param("plain Saturday is a weekend", "2026-03-21", False, "weekend 周末"),
    _param("holiday named in both languages", "2026-02-17", False,
           "holiday 法定节假日: Spring Festival 春节"),
    _param("weekend day inside a holiday block is a holiday", "2025-10-04", False,
           "holiday 法定节假日: National Day 国庆节"),
    _param("Mid-Autumn 2025 falls inside National Day week", "2025-10-06", False,
           "holiday 法定节假日: Mid-Autumn Festival 中秋节"),
    _param("make-up Sunday 2025-09-28 is a working day", "2025-09-28", True,
           "make-up working day 调休上班: National Day 国庆节"),
    _param("make-up Sunday 2026-01-04 (New Year)", "2026-01-04", True,
           "make-up working day 调休上班: New Year's Day 元旦"),
    _param("make-up Saturday 2026-05-09 (Labour Day)", "2026-05-09", True,
           "make-up working day 调休上班: Labour Day 劳动节"),
    _param("make-up Saturday 2026-10-10 (National Day)", "2026-10-10", True,
           "make-up working day 调休上班: National Day 国庆节"),
])
def test_explain(day: str, working: bool, reason: str) -> None:
    assert CAL.explain(D(day)) == DayInfo(D(day), working, reason)
    assert CAL.is_working_day(D(day)) is working


# ---------------------------------------------------------------------------------------------
# Calendar days: "within N days" (HB 29), last day a holiday -> next working day
# ---------------------------------------------------------------------------------------------
CALENDAR_DAY_CASES = [
    _param("N days, no roll: 03-18 + 15 days is Thu 04-02", "2026-03-18", 15, "2026-04-02", 0),
    _param("last day a holiday (2025-10-01): period ends on the next working day 10-09",
           "2025-09-16", 15, "2025-10-09", 8),
    _param("last day a Saturday: period ends on Monday", "2026-03-06", 15, "2026-03-23", 2),
    _param("last day a make-up Sunday (2025-09-28) is a working day: not rolled",
           "2025-09-13", 15, "2025-09-28", 0),
    _param("last day a make-up Saturday (2026-02-14): not rolled", "2026-01-30", 15, "2026-02-14", 0),
    _param("receipt on a holiday: calendar days still count from the next day",
           "2025-10-03", 1, "2025-10-09", 5),
]


@pytest.mark.parametrize(("received", "count", "expected", "rolled"), CALENDAR_DAY_CASES)
def test_calendar_days(received: str, count: int, expected: str, rolled: int) -> None:
    result = CAL.due(D(received), count, "days")
    assert result.due == D(expected)
    assert len(result.skipped) == rolled
    assert all("extended to the next working day" in info.reason for info in result.skipped)


def test_roll_forward_days_are_explained() -> None:
    result = CAL.due(D("2025-09-16"), 15, "days")
    first = result.skipped[0]
    assert first.day == D("2025-10-01") and not first.working
    assert "National Day 国庆节" in first.reason and "顺延" in first.reason
    assert [i.day for i in result.skipped] == [D(f"2025-10-0{n}") for n in range(1, 9)]


# ---------------------------------------------------------------------------------------------
# Pauses: time on inspection, testing, evaluation or expert review is not counted (CQ 41)
# ---------------------------------------------------------------------------------------------
REVIEW = "expert review 专家评审"
PAUSE_CASES = [
    _param("CQ 41 pause in the middle: 03-20..03-24 not counted", "working_days",
           [Pause(D("2026-03-20"), D("2026-03-24"), REVIEW)], "2026-03-30"),
    _param("CQ 41 pause from the day of receipt: 03-19 not counted", "working_days",
           [Pause(D("2026-03-18"), D("2026-03-19"), REVIEW)], "2026-03-26"),
    _param("CQ 41 pause that ended before receipt changes nothing", "working_days",
           [Pause(D("2026-03-01"), D("2026-03-10"), REVIEW)], "2026-03-25"),
    _param("CQ 41 open pause starting after the due date changes nothing", "working_days",
           [Pause(D("2026-04-15"), None, REVIEW)], "2026-03-25"),
    _param("CQ 41 pause in a calendar-day period pushes the end onto Qingming, then rolled", "days",
           [Pause(D("2026-03-20"), D("2026-03-22"), REVIEW)], "2026-04-07"),
]


@pytest.mark.parametrize(("unit", "pauses", "expected"), PAUSE_CASES)
def test_pauses(unit: str, pauses: list[Pause], expected: str) -> None:
    count = 5 if unit == "working_days" else 15
    result = CAL.due(D("2026-03-18"), count, unit, pauses)
    assert result.due == D(expected)
    assert not result.suspended
    assert result.pauses == tuple(pauses)


def test_paused_days_are_listed_with_the_pause_reason() -> None:
    result = CAL.due(D("2026-03-18"), 5, "working_days", [Pause(D("2026-03-20"), D("2026-03-24"), REVIEW)])
    paused = [i for i in result.skipped if REVIEW in i.reason]
    assert [i.day for i in paused] == [D("2026-03-20"), D("2026-03-21"), D("2026-03-22"),
                                       D("2026-03-23"), D("2026-03-24")]
    assert paused[0].working and not paused[1].working  # a paused Saturday keeps its own status
    assert "weekend 周末" in paused[1].reason
    assert [i.day for i in result.skipped if i not in paused] == [D("2026-03-28"), D("2026-03-29")]


@pytest.mark.parametrize("unit", ["working_days", "days"])
@pytest.mark.parametrize("start", [
    _param("CQ 41 open pause inside the period suspends it", "2026-03-20"),
    _param("CQ 41 open pause from before receipt suspends it", "2026-03-01"),
])
def test_open_pause_suspends(start: str, unit: str) -> None:
    result = CAL.due(D("2026-03-18"), 5, unit, [Pause(D(start), None, REVIEW)])
    assert result.suspended and result.due is None
    assert "suspended" in result.skipped[-1].reason and REVIEW in result.skipped[-1].reason
    assert not result.is_overdue(D("2027-01-01") - timedelta(1))
    assert result.to_dict()["due"] is None


def test_pause_validation() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(D("2026-03-20"), D("2026-03-19"), REVIEW)
    with pytest.raises(ValueError, match="reason"):
        Pause(D("2026-03-20"), None, " ")
    # an aware datetime becomes its business date
    assert Pause(datetime(2026, 3, 19, 17, 0, tzinfo=UTC), None, REVIEW).start == D("2026-03-20")


# ---------------------------------------------------------------------------------------------
# Years no source knows (NATIONAL.md "Working days")
# ---------------------------------------------------------------------------------------------
def test_period_running_into_an_unknown_year_fails_naming_the_year() -> None:
    with pytest.raises(UnknownYearError) as info:
        CAL.due(D("2026-12-28"), 10, "working_days")
    assert info.value.year == 2027
    assert "2027" in str(info.value) and "国务院办公厅" in str(info.value)
    assert "rules/calendar/README.md" in str(info.value)


@pytest.mark.parametrize(("received", "count", "unit"), [
    _param("N working days from 2026-12-28 reach 2027", "2026-12-28", 10, "working_days"),
    _param("N days ending in 2027 need 2027 to know if the last day is a holiday", "2026-12-20", 15, "days"),
    _param("a day before the package's first year is unknown too", "2003-12-30", 3, "working_days"),
])
def test_unknown_years(received: str, count: int, unit: str) -> None:
    with pytest.raises(UnknownYearError):
        CAL.due(D(received), count, unit)


def test_same_period_succeeds_once_the_year_notice_is_loaded(tmp_path: Path) -> None:
    _write(tmp_path, "2027.yaml", VALID_2027.replace("  2027-10-01:", "  2027-01-02: 元旦\n  2027-01-03: 元旦\n"
                                                     "  2027-10-01:"))
    cal = load_calendar(tmp_path)
    result = cal.due(D("2026-12-28"), 10, "working_days")
    # 12-29, 12-30, 12-31, then 2027-01-01..03 off, 01-04..08, 01-11, 01-12
    assert result.due == D("2027-01-12")
    assert {i.day for i in result.skipped} >= {D("2027-01-01"), D("2027-01-02"), D("2027-01-03")}
    assert cal.years[-1] == 2027 and 2027 not in CAL.years
    assert "国办发明电〔2026〕X号" in cal.source(2027) and cal.source(2026).startswith("chinesecalendar")


def test_year_notice_in_code_extends_the_calendar() -> None:
    notice = YearNotice(2027, "国办发明电〔2026〕X号 (test)", {D("2027-01-01"): "元旦 New Year's Day"},
                        {D("2027-01-02"): "元旦调休 make-up"})
    cal = WorkingDayCalendar([notice])
    assert cal.due(D("2026-12-31"), 1, "working_days").due == D("2027-01-02")
    assert cal.explain(D("2027-01-02")).reason == "make-up working day 调休上班: 元旦调休 make-up"


def test_operator_year_overrides_the_package() -> None:
    # an operator file for 2026 replaces the package's 2026 entirely (e.g. a corrected notice)
    notice = YearNotice(2026, "test notice", {D("2026-03-19"): "测试 test holiday"})
    cal = WorkingDayCalendar([notice])
    assert cal.due(D("2026-03-18"), 1, "working_days").due == D("2026-03-20")
    assert cal.is_working_day(D("2026-02-17"))  # the package's Spring Festival no longer applies
    assert CAL.due(D("2026-03-18"), 1, "working_days").due == D("2026-03-19")


def test_known_years_narrows_the_package() -> None:
    cal = WorkingDayCalendar(known_years=range(2004, 2026))
    with pytest.raises(UnknownYearError) as info:
        cal.due(D("2025-12-29"), 5, "working_days")
    assert info.value.year == 2026
    assert cal.years[-1] == 2025


def test_unknown_year_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(UnknownYearError(2031)))
    assert error.year == 2031 and "2031" in str(error)


def test_example_file_is_not_loaded_by_default(tmp_path: Path) -> None:
    assert 2027 not in WorkingDayCalendar().years
    assert 2027 not in load_calendar(tmp_path).years
    assert not list(CALENDAR_DATA.glob("[0-9][0-9][0-9][0-9].yaml"))  # no year file shipped unlabelled


# ---------------------------------------------------------------------------------------------
# Operator year files: strict validation, errors name the file
# ---------------------------------------------------------------------------------------------
VALID_2027 = """\
year: 2027
notice: "国办发明电〔2026〕X号"
holidays:
  2027-01-01: 元旦 New Year's Day
  2027-10-01: 国庆节 National Day
workdays:
  2027-09-26: 国庆节调休 National Day make-up
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_from_folders_loads_year_files(tmp_path: Path) -> None:
    _write(tmp_path / "a", "2027.yaml", VALID_2027)
    _write(tmp_path / "a", "README.md", "not a calendar")  # non-YAML files are left alone
    cal = load_calendar(tmp_path / "a")
    assert cal.is_working_day(D("2027-09-26")) and not cal.is_working_day(D("2027-10-01"))
    assert str(tmp_path / "a" / "2027.yaml") in cal.source(2027)


def test_the_example_template_never_loads_even_renamed_into_a_calendar_folder(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_2027, tmp_path / "2027.yaml")
    with pytest.raises(CalendarDataError) as info:
        load_calendar(tmp_path)
    message = str(info.value)
    assert str(tmp_path / "2027.yaml") in message and "example" in message
    assert "placeholders" in message and "占位" in message  # says why, in both languages


@pytest.mark.parametrize("text", [
    _param("the example marker alone", VALID_2027 + "example: true\n"),
    _param("the template's notice alone", VALID_2027.replace('"国办发明电〔2026〕X号"', '"PLACEHOLDER: the notice"')),
])
def test_each_mark_of_the_template_is_refused(tmp_path: Path, text: str) -> None:
    _write(tmp_path, "2027.yaml", text)
    with pytest.raises(CalendarDataError, match="example template"):
        load_calendar(tmp_path)


def test_the_template_is_refused_in_code_too() -> None:
    data = yaml.safe_load(EXAMPLE_2027.read_text(encoding="utf-8"))
    assert data["example"] is True
    with pytest.raises(CalendarDataError, match="placeholders"):
        YearNotice.from_mapping(data)
    with pytest.raises(CalendarDataError, match="placeholders"):
        YearNotice(2027, "PLACEHOLDER", {D("2027-01-01"): "元旦"})


INVALID_FILES = [
    _param("missing notice is an error naming the file",
           VALID_2027.replace('notice: "国办发明电〔2026〕X号"\n', ""), "missing required key(s) notice"),
    _param("empty notice", VALID_2027.replace('"国办发明电〔2026〕X号"', '""'), "notice is required"),
    _param("a date outside the year", VALID_2027.replace("2027-10-01: 国庆节", "2026-10-01: 国庆节"),
           "2026-10-01 is not in 2027"),
    _param("a date both holiday and working day",
           VALID_2027 + "  2027-01-01: 调休\n", "listed both as a holiday and as a working day"),
    _param("a make-up working day must be a Saturday or Sunday",
           VALID_2027.replace("2027-09-26", "2027-09-27"), "2027-09-27 is a Monday"),
    _param("unknown key", VALID_2027 + "comment: hi\n", "unknown key(s) comment"),
    _param("duplicate date (YAML would silently keep the last)",
           VALID_2027.replace("holidays:\n", "holidays:\n  2027-01-01: 元旦\n"), "duplicate key"),
    _param("a key that is not a date", VALID_2027.replace("2027-01-01: 元旦", "new-year: 元旦"),
           "not a date"),
    _param("a datetime is not a date", VALID_2027.replace("2027-01-01: 元旦", "2027-01-01 10:00:00: 元旦"),
           "not a date"),
    _param("a day without a name", VALID_2027.replace("2027-01-01: 元旦 New Year's Day", "2027-01-01:"),
           "needs a name"),
    _param("year must be a number", VALID_2027.replace("year: 2027", "year: '2027'"), "whole number"),
    _param("holidays must not be empty", "year: 2027\nnotice: x\nholidays: {}\n", "holidays is empty"),
    _param("not YAML", "year: [2027\n", "not valid YAML"),
    _param("not a mapping", "- 2027\n", "is a mapping"),
]


@pytest.mark.parametrize(("text", "message"), INVALID_FILES)
def test_invalid_year_files(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "2027.yaml", text)
    with pytest.raises(CalendarDataError) as info:
        load_calendar(tmp_path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("name", "text", "message"), [
    _param("file name must match the year", "2028.yaml", VALID_2027, "named for 2028 but says year: 2027"),
    _param("only YYYY.yaml files in a calendar folder", "holidays-2027.yaml", VALID_2027, "only year files"),
    _param(".yml is refused rather than ignored", "2027.yml", VALID_2027, "only year files"),
])
def test_folder_rules(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(CalendarDataError) as info:
        load_calendar(tmp_path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_two_files_for_one_year_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / "a", "2027.yaml", VALID_2027)
    _write(tmp_path / "b", "2027.yaml", VALID_2027)
    with pytest.raises(CalendarDataError, match="second calendar for 2027"):
        load_calendar(tmp_path / "a", tmp_path / "b")


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataError, match="does not exist"):
        load_calendar(tmp_path / "nope")


def test_year_notice_in_code_is_validated_too() -> None:
    with pytest.raises(CalendarDataError, match="not in 2027"):
        YearNotice(2027, "n", {D("2028-01-01"): "元旦"})
    with pytest.raises(CalendarDataError, match="notice is required"):
        YearNotice(2027, "", {D("2027-01-01"): "元旦"})


# ---------------------------------------------------------------------------------------------
# Receipt as an instant; units and counts
# ---------------------------------------------------------------------------------------------
def test_datetime_receipt_is_the_business_date() -> None:
    # 16:30 UTC on Tue 03-17 is 00:30 on Wed 03-18 in China Standard Time: received on the 18th
    late_evening_utc = datetime(2026, 3, 17, 16, 30, tzinfo=UTC)
    result = CAL.due(late_evening_utc, 1, "working_days")
    assert result.received == D("2026-03-18")
    assert result.due == D("2026-03-19")
    assert CAL.due(D("2026-03-17"), 1, "working_days").due == D("2026-03-18")
    # an instant already in UTC+8 gives the same business date
    assert CAL.due(datetime(2026, 3, 18, 0, 30, tzinfo=timezone(timedelta(hours=8))), 1,
                   "working_days").received == D("2026-03-18")


def test_naive_datetime_receipt_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        CAL.due(datetime(2026, 3, 17, 16, 30), 1, "working_days")


@pytest.mark.parametrize(("unit", "message"), [
    _param("months are add_span, not rolled", "months", "add_span"),
    _param("years are add_span, not rolled", "years", "add_span"),
    _param("hours are not a period on days", "hours", "hours"),
    _param("unknown unit", "weeks", "unknown period unit"),
])
def test_units(unit: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CAL.due(D("2026-03-18"), 3, unit)


@pytest.mark.parametrize("count", [0, -1])
def test_count_must_be_positive(count: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CAL.due(D("2026-03-18"), count, "working_days")


def test_due_to_dict() -> None:
    result = CAL.due(D("2025-09-30"), 2, "working_days", [Pause(D("2025-10-09"), D("2025-10-09"), REVIEW)])
    data = result.to_dict()
    assert data["received"] == "2025-09-30" and data["due"] == "2025-10-11"  # 10-10, make-up Sat 10-11
    assert data["unit"] == "working_days" and data["count"] == 2 and data["suspended"] is False
    assert data["skipped"][0] == {"day": "2025-10-01", "working": False,
                                  "reason": "holiday 法定节假日: National Day 国庆节"}
    assert data["pauses"] == [{"start": "2025-10-09", "end": "2025-10-09", "reason": REVIEW}]
    assert isinstance(result, Due)
    assert result.is_overdue(D("2025-10-12")) and not result.is_overdue(D("2025-10-11"))


# ---------------------------------------------------------------------------------------------
# Months and years; working days between two dates
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("start", "count", "unit", "expected"), [
    _param("3 years: same day", "2023-05-10", 3, "years", "2026-05-10"),
    _param("29 Feb + 1 year clamps to 28 Feb", "2024-02-29", 1, "years", "2025-02-28"),
    _param("29 Feb + 4 years stays 29 Feb", "2024-02-29", 4, "years", "2028-02-29"),
    _param("31 Jan + 1 month clamps to the month's end", "2025-01-31", 1, "months", "2025-02-28"),
    _param("months cross the year", "2025-11-30", 3, "months", "2026-02-28"),
    _param("not rolled: ending on National Day stays there", "2022-10-01", 3, "years", "2025-10-01"),
])
def test_add_span(start: str, count: int, unit: str, expected: str) -> None:
    assert add_span(D(start), count, unit) == D(expected)
    assert WorkingDayCalendar.add_span(D(start), count, unit) == D(expected)


def test_add_span_refuses_day_units() -> None:
    with pytest.raises(ValueError, match="due"):
        add_span(D("2026-03-18"), 3, "working_days")


@pytest.mark.parametrize(("start", "end", "expected"), [
    _param("one working day late across the National Day holiday", "2025-09-30", "2025-10-09", 1),
    _param("negative when done early", "2025-10-09", "2025-09-30", -1),
    _param("same day is zero", "2026-03-18", "2026-03-18", 0),
    _param("make-up Sunday counts, Saturday does not", "2025-09-26", "2025-09-28", 1),
])
def test_working_days_between(start: str, end: str, expected: int) -> None:
    assert CAL.working_days_between(D(start), D(end)) == expected


# ---------------------------------------------------------------------------------------------
# The clock
# ---------------------------------------------------------------------------------------------
def test_business_time_zone_is_data() -> None:
    data = yaml.safe_load((CALENDAR_DATA / "timezone.yaml").read_text(encoding="utf-8"))
    tz = business_tz()
    assert tz.key == data["business_timezone"]
    assert tz.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=8)  # China Standard Time, no DST
    assert business_tz() is tz  # loaded once


def test_business_date() -> None:
    assert business_date(datetime(2026, 3, 17, 15, 59, tzinfo=UTC)) == D("2026-03-17")
    assert business_date(datetime(2026, 3, 17, 16, 0, tzinfo=UTC)) == D("2026-03-18")
    with pytest.raises(ValueError, match="naive"):
        business_date(datetime(2026, 3, 17, 16, 0))


def test_fixed_clock() -> None:
    clock = FixedClock(datetime(2026, 3, 17, 15, 0, tzinfo=UTC))
    assert isinstance(clock, Clock)
    assert clock.now() == datetime(2026, 3, 17, 15, 0, tzinfo=UTC) and clock.today() == D("2026-03-17")
    clock.advance(hours=1)
    assert clock.today() == D("2026-03-18")
    clock.advance(timedelta(minutes=30), seconds=30)
    assert clock.now() == datetime(2026, 3, 17, 16, 30, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(hours=-1)
    clock.set(datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=8))))
    assert clock.now() == datetime(2025, 12, 31, 16, 0, tzinfo=UTC) and clock.now().tzinfo is UTC
    assert clock.today() == D("2026-01-01")
    with pytest.raises(ValueError, match="naive"):
        FixedClock(datetime(2026, 3, 17))


def test_system_clock() -> None:
    clock = SystemClock()
    assert isinstance(clock, Clock)
    now = clock.now()
    assert now.tzinfo is UTC
    assert clock.today() in {business_date(now), business_date(clock.now())}


# ---------------------------------------------------------------------------------------------
# Properties (received dates within the package's years, periods that stay inside them)
# ---------------------------------------------------------------------------------------------
received_dates = st.dates(min_value=D("2004-01-01"), max_value=D("2026-06-30"))
working_counts = st.integers(min_value=1, max_value=40)
day_counts = st.integers(min_value=1, max_value=60)


@st.composite
def pause_lists(draw: st.DrawFn, received: date) -> list[Pause]:
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = date.fromordinal(received.toordinal() + draw(st.integers(min_value=-5, max_value=60)))
        if draw(st.booleans()) and draw(st.booleans()):  # an open pause now and then
            pauses.append(Pause(start, None, "inspection 检验"))
        else:
            end = date.fromordinal(start.toordinal() + draw(st.integers(min_value=0, max_value=20)))
            pauses.append(Pause(start, end, "testing 检测"))
    return pauses


@settings(max_examples=200, deadline=None)
@given(received=received_dates, count=working_counts, unit=st.sampled_from(["working_days", "days"]))
def test_property_due_is_never_before_received_and_is_a_working_day(received: date, count: int,
                                                                    unit: str) -> None:
    result = CAL.due(received, count, unit)
    assert result.due is not None and result.due > received
    assert CAL.is_working_day(result.due)
    if unit == "days":
        assert result.due.toordinal() - received.toordinal() >= count


@settings(max_examples=200, deadline=None)
@given(received=received_dates, count=working_counts)
def test_property_exactly_n_working_days_in_the_period(received: date, count: int) -> None:
    result = CAL.due(received, count, "working_days")
    assert result.due is not None
    days = [date.fromordinal(o) for o in range(received.toordinal() + 1, result.due.toordinal() + 1)]
    assert sum(CAL.is_working_day(d) for d in days) == count
    assert CAL.working_days_between(received, result.due) == count
    # every day of the period was either counted or listed as skipped
    assert len(days) == count + len(result.skipped)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), received=received_dates, count=working_counts,
       unit=st.sampled_from(["working_days", "days"]))
def test_property_pauses_never_make_the_due_date_earlier(data: st.DataObject, received: date, count: int,
                                                         unit: str) -> None:
    pauses = data.draw(pause_lists(received))
    plain = CAL.due(received, count, unit)
    paused = CAL.due(received, count, unit, pauses)
    assert plain.due is not None
    if paused.suspended:
        assert paused.due is None and any(p.end is None for p in pauses)
        return
    assert paused.due is not None and paused.due >= plain.due
    assert CAL.is_working_day(paused.due) and not any(p.covers(paused.due) for p in pauses)
    if unit == "working_days":
        counted = [date.fromordinal(o) for o in range(received.toordinal() + 1, paused.due.toordinal() + 1)]
        counted = [d for d in counted if not any(p.covers(d) for p in pauses) and CAL.is_working_day(d)]
        assert len(counted) == count
