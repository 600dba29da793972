"""Statutory deadlines from the shipped rule files, case by case. Each test id quotes the article.

Expected due dates are worked out by hand from the State Council holiday notices (the calendar's
source); the computation must agree.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.rulebook.calendar import Pause, UnknownYearError, WorkingDayCalendar
from xinyong.rules import NoValueInForce, RuleNotProvided, UnknownJurisdiction, load_rulebook
from xinyong.services.rulebook.calendars import load_calendar
from xinyong.services.rulebook.rules import compute_deadline, parse_pause, parse_received


@pytest.fixture(scope="module")
def rulebook():  # type: ignore[no-untyped-def]
    return load_rulebook()


@pytest.fixture(scope="module")
def calendar() -> WorkingDayCalendar:
    return WorkingDayCalendar()  # the package's years only: no operator folders from the environment


CASES = [
    pytest.param(
        "chongqing-2021",
        "objection.decide",
        date(2024, 9, 27),
        (),
        date(2024, 10, 8),
        3,
        "working_days",
        "CQ Art. 40(2)(1)",
        id="CQ 40: objection decided within 3 working days; received Fri 2024-09-27, make-up Sun 29 Sep "
        "counts, National Day 1-7 Oct skipped -> 2024-10-08",
    ),
    pytest.param(
        "shanghai-2017",
        "objection.decide",
        date(2024, 2, 8),
        (),
        date(2024, 2, 21),
        5,
        "working_days",
        "SH Art. 36(2)(1)",
        id="SH 36(2)(1): center decides within 5 working days; Spring Festival 10-17 Feb skipped, "
        "make-up Sun 18 Feb counts -> 2024-02-21",
    ),
    pytest.param(
        "gansu-2021",
        "objection.decide",
        date(2024, 9, 12),
        (),
        date(2024, 9, 24),
        7,
        "working_days",
        "GS Art. 46(2)",
        id="GS 46: decided within 7 working days; make-up Sat 14 Sep counts, Mid-Autumn 15-17 Sep "
        "skipped -> 2024-09-24",
    ),
    pytest.param(
        "shanghai-2017",
        "revocation.delete",
        date(2024, 10, 10),
        (),
        date(2024, 10, 14),
        3,
        "working_days",
        "SH Art. 37",
        id="SH 37: deleted within 3 working days of the revocation notice; make-up Sat 12 Oct counts "
        "-> 2024-10-14",
    ),
    pytest.param(
        "shanghai-2017",
        "restoration.remove",
        date(2024, 6, 3),
        (),
        date(2024, 6, 6),
        3,
        "working_days",
        "SH Art. 38",
        id="SH 38: removed from the inquiry interface within 3 working days; an ordinary week -> 2024-06-06",
    ),
    pytest.param(
        "chongqing-2021",
        "objection.reexamine",
        date(2025, 1, 24),
        (),
        date(2025, 2, 5),
        3,
        "working_days",
        "CQ Art. 40(4)",
        id="CQ 40(4): re-examined within 3 working days; make-up Sun 26 Jan counts, Spring Festival "
        "28 Jan-4 Feb skipped -> 2025-02-05",
    ),
    pytest.param(
        "hubei-2017-draft",
        "aggregation.verify",
        date(2024, 9, 29),
        (),
        date(2024, 10, 8),
        3,
        "days",
        "HB Art. 15",
        id="HB 15: compared and aggregated within 3 (calendar) days; the last day 2 Oct is National Day, "
        "so the period ends on the next working day -> 2024-10-08",
    ),
    pytest.param(
        "hubei-2017-draft",
        "objection.notify",
        date(2024, 3, 1),
        (),
        date(2024, 3, 18),
        15,
        "days",
        "HB Art. 29(2)",
        id="HB 29: result within 15 days; the 15th day is Sat 16 Mar, extended to Mon -> 2024-03-18",
    ),
    pytest.param(
        "gansu-2021",
        "revocation.delete",
        date(2025, 1, 27),
        (),
        date(2025, 2, 5),
        1,
        "days",
        "GS Art. 48",
        id="GS 48: deleted within one day of the update; that day is Spring Festival, extended past the "
        "holiday -> 2025-02-05",
    ),
    pytest.param(
        "gansu-2021",
        "aggregation.verify",
        date(2025, 9, 26),
        (),
        date(2025, 10, 10),
        5,
        "working_days",
        "GS Art. 22(2)",
        id="GS 22: verified within 5 working days; make-up Sun 28 Sep counts, National Day and "
        "Mid-Autumn 1-8 Oct skipped -> 2025-10-10",
    ),
    pytest.param(
        "chongqing-2021",
        "objection.decide",
        date(2024, 6, 3),
        (Pause(date(2024, 6, 4), date(2024, 6, 5), "expert review"),),
        date(2024, 6, 11),
        3,
        "working_days",
        "CQ Art. 40(2)(1)",
        id="CQ 41: expert review 4-5 Jun not counted; Dragon Boat Festival Mon 10 Jun skipped -> 2024-06-11",
    ),
    pytest.param(
        "chongqing-2021",
        "restoration.decide",
        date(2026, 4, 1),
        (),
        date(2026, 4, 7),
        3,
        "working_days",
        "State Council General Office 2025 No. 22 (国办发〔2025〕22号)",
        id="CQ 45 defers to 国办发〔2025〕22号: restoration decided within 3 working days; Qingming "
        "4-6 Apr skipped -> 2026-04-07",
    ),
    pytest.param(
        "national",
        "double_publicity.publish",
        date(2024, 4, 30),
        (),
        date(2024, 5, 13),
        7,
        "working_days",
        "State Council 2016 No. 33 (国发〔2016〕33号)",
        id="国发〔2016〕33号: double publicity within 7 working days; Labour Day 1-5 May skipped, "
        "make-up Sat 11 May counts -> 2024-05-13",
    ),
]


@pytest.mark.parametrize(
    ("jurisdiction", "duty", "received", "pauses", "due", "count", "unit", "citation"), CASES
)
def test_deadline(
    rulebook, calendar, jurisdiction, duty, received, pauses, due, count, unit, citation
) -> None:  # type: ignore[no-untyped-def]
    answer = compute_deadline(rulebook, calendar, jurisdiction, duty, received, pauses)
    assert (answer.due, answer.count, answer.period_unit, answer.citation) == (due, count, unit, citation)
    data = answer.to_dict()
    assert data["due"] == due.isoformat()
    assert {"due", "unit", "count", "cite", "skipped"} <= set(data)
    assert all(day["reason"] for day in data["skipped"])


def test_skipped_days_carry_their_reasons(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    answer = compute_deadline(rulebook, calendar, "chongqing-2021", "objection.decide", date(2024, 9, 27))
    reasons = {day.day: day.reason for day in answer.skipped}
    assert "weekend" in reasons[date(2024, 9, 28)]
    assert "National Day" in reasons[date(2024, 10, 1)] and "国庆节" in reasons[date(2024, 10, 1)]
    assert date(2024, 9, 29) not in reasons  # a make-up working day is counted, not skipped


def test_a_pause_still_running_suspends_the_period(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    """CQ 41: time on inspection, testing, evaluation or expert review is not counted."""
    answer = compute_deadline(
        rulebook,
        calendar,
        "chongqing-2021",
        "objection.decide",
        date(2024, 6, 3),
        [parse_pause("2024-06-05::laboratory test")],
    )
    assert answer.suspended and answer.due is None
    assert answer.to_dict()["due"] is None
    assert "laboratory test" in answer.skipped[-1].reason


def test_a_period_running_into_an_unknown_year_fails_naming_the_year(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    """HB 29: 15 days from 2026-12-20 ends in 2027, which no calendar source knows yet."""
    with pytest.raises(UnknownYearError) as caught:
        compute_deadline(rulebook, calendar, "hubei-2017-draft", "objection.notify", date(2026, 12, 20))
    assert caught.value.year == 2027
    assert "2027" in str(caught.value)


def test_an_operator_year_file_makes_the_year_known(rulebook, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "2027.yaml").write_text(
        textwrap.dedent("""\
        year: 2027
        notice: "test notice (placeholder dates)"
        holidays:
          2027-01-01: 元旦 New Year's Day
          2027-01-04: 测试 test holiday
    """),
        encoding="utf-8",
    )
    calendar = load_calendar(tmp_path)
    answer = compute_deadline(rulebook, calendar, "hubei-2017-draft", "objection.notify", date(2026, 12, 20))
    # 15 days -> Mon 4 Jan 2027, a holiday in this file: extended to Tue 5 Jan.
    assert answer.due == date(2027, 1, 5)


def test_the_rule_in_force_on_the_received_date_applies(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoValueInForce, match="no value of restoration.decide in force on 2026-03-31"):
        compute_deadline(rulebook, calendar, "chongqing-2021", "restoration.decide", date(2026, 3, 31))


def test_an_operator_target_is_marked_as_such(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    """SH 36: the center informs the applicant "promptly": the number is the operator's target."""
    answer = compute_deadline(rulebook, calendar, "shanghai-2017", "objection.notify", date(2024, 6, 3))
    assert answer.operator_target and answer.wording == "promptly"
    assert answer.to_dict()["operator_target"] is True


def test_a_received_instant_counts_from_its_business_date(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    late_utc = datetime(2024, 9, 26, 17, 0, tzinfo=UTC)  # 01:00 on 27 Sep in Asia/Shanghai
    answer = compute_deadline(rulebook, calendar, "chongqing-2021", "objection.decide", late_utc)
    assert answer.received_date == date(2024, 9, 27)
    assert answer.due == date(2024, 10, 8)
    assert parse_received("2024-09-27T01:00") == datetime.fromisoformat("2024-09-27T01:00+08:00")


def test_a_duty_the_jurisdiction_lacks_is_an_error_listing_its_duties(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    # CQ gives no removal time limit of its own and defers none (CQ 45 notes); revocation.delete, which
    # this test used before, now defers to the State (CQ 44): see test_law_as_data.py.
    with pytest.raises(RuleNotProvided) as caught:
        compute_deadline(rulebook, calendar, "chongqing-2021", "restoration.remove", date(2024, 6, 3))
    assert "objection.decide" in caught.value.available
    assert "objection.decide" in str(caught.value)


@pytest.mark.parametrize(
    "duty", ["objection.decid", "inquiry_log.retention", "objection.disclosure_continues"]
)
def test_a_key_that_is_not_a_duty_is_refused(rulebook, calendar, duty: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refusal) as caught:
        compute_deadline(rulebook, calendar, "chongqing-2021", duty, date(2024, 6, 3))
    assert (caught.value.field, caught.value.reason, caught.value.status) == ("duty", "unknown_duty", 422)
    assert "objection.decide" in str(caught.value) and "objection.decide" in caught.value.extra["available"]
    assert caught.value.message_zh != caught.value.message_en


def test_unknown_jurisdiction(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownJurisdiction):
        compute_deadline(rulebook, calendar, "atlantis-2020", "objection.decide", date(2024, 6, 3))


@pytest.mark.parametrize("text", ["2024-02-30", "tomorrow", "", "2024/06/03"])
def test_bad_received_dates_are_refused(text: str) -> None:
    with pytest.raises(Refusal) as caught:
        parse_received(text)
    assert caught.value.field == "received"


@pytest.mark.parametrize(
    "text", ["2024-06-05", "2024-06-05:2024-06-04:backwards", "2024-06-05:2024-06-06:", "x:y:z"]
)
def test_bad_pauses_are_refused(text: str) -> None:
    with pytest.raises(Refusal) as caught:
        parse_pause(text)
    assert caught.value.field == "pause"
