"""The duty engine: due dates from the rule in force on the working-day calendar, provisional dates
over an unknown year, pauses only where the rule file allows, late completion and the sweep's
violations with the article breached and the liability article."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import duties
from xinyong.services.platform.bootstrap import Platform
from xinyong.settings import Settings
from xinyong.store.models.rights import Duty, Violation

OPERATOR = Actor(Role.operator, "user:1")


@pytest.fixture
def cq(settings: Settings, clock):  # type: ignore[no-untyped-def]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    p = Platform.from_settings(settings.model_copy(update={"jurisdiction": "chongqing-2021"}), clock=clock)
    yield p
    p.engine.dispose()


def _open(p: Platform, key: str, starts: date, owner=duties.Owner.platform_operator, matter_id: int = 1) -> int:
    with p.unit_of_work(OPERATOR) as uow:
        return duties.open_duty(uow, matter_kind="objection", matter_id=matter_id, key=key, owner=owner,
                                owner_org=None, starts=starts).id


def test_due_date_counts_working_days_over_the_national_day_holiday(cq: Platform) -> None:
    # Chongqing: the center decides within 3 working days (from the rule file); received on 2026-09-30,
    # 1-7 October are the National Day holiday, so the third working day is 12 October... counted by the
    # calendar, never by the code: compare with the calendar's own count.
    duty_id = _open(cq, "objection.decide", date(2026, 9, 30))
    with cq.sessions() as s:
        duty = s.get(Duty, duty_id)
        expected = cq.calendar.due(date(2026, 9, 30), 3, "working_days").due
        assert duty.due == expected and duty.due > date(2026, 10, 7)
        assert duty.provisional is False and duty.cite and "40" in duty.cite


def test_a_period_into_an_unknown_year_opens_provisionally(cq: Platform) -> None:
    far = date(2031, 12, 30)
    duty_id = _open(cq, "objection.decide", far)
    with cq.sessions() as s:
        duty = s.get(Duty, duty_id)
        assert duty.provisional is True and duty.due is not None and duty.due > far
        assert duty.due.weekday() < 5


def test_pause_is_refused_for_a_duty_the_rule_file_does_not_list(cq: Platform) -> None:
    duty_id = _open(cq, "objection.label", date(2026, 9, 30))
    with pytest.raises(Refusal) as refused, cq.unit_of_work(OPERATOR) as uow:
        duties.pause(uow, duty_id, reason="expert_review", since=date(2026, 10, 8))
    assert refused.value.reason == "pause_not_allowed"


def test_pause_and_resume_move_the_due_date_where_allowed(cq: Platform) -> None:
    duty_id = _open(cq, "objection.decide", date(2026, 9, 14))
    with cq.sessions() as s:
        before = s.get(Duty, duty_id).due
    with cq.unit_of_work(OPERATOR) as uow:
        assert duties.pause(uow, duty_id, reason="expert_review", since=date(2026, 9, 15)).due is None
    with cq.unit_of_work(OPERATOR) as uow:
        after = duties.resume(uow, duty_id, on=date(2026, 9, 16)).due
    assert after is not None and after > before


def test_sweep_records_violation_with_article_and_liability(cq: Platform, clock) -> None:
    duty_id = _open(cq, "objection.decide", date(2026, 3, 2))
    on_time = _open(cq, "objection.decide", date(2026, 3, 16), matter_id=2)
    with cq.sessions() as s:
        forecast = duties.forecast(cq, s, date(2026, 3, 20))
    assert forecast.dry_run and forecast.overdue == 2
    with cq.sessions() as s:
        assert s.scalars(select(Violation)).all() == []            # the forecast wrote nothing
    clock.set(datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    with cq.unit_of_work(OPERATOR) as uow:
        report = duties.mark_overdue(uow)
    assert report.overdue == 1 and report.by_key == {"objection.decide": 1}
    with cq.sessions() as s:
        violation = s.scalars(select(Violation)).one()
        assert violation.duty_id == duty_id and violation.cite and "40" in violation.cite
        assert violation.liability and "54" in violation.liability       # the operator's liability article
        assert s.get(Duty, duty_id).overdue_on == date(2026, 3, 10)
        assert s.get(Duty, on_time).overdue_on is None
    with cq.unit_of_work(OPERATOR) as uow:                          # a second sweep finds nothing new
        assert duties.mark_overdue(uow).overdue == 0
    with cq.unit_of_work(OPERATOR) as uow:
        duties.complete(uow, duty_id)                                 # done late: no second violation
    with cq.sessions() as s:
        assert len(s.scalars(select(Violation)).all()) == 1
        assert duties.duties_of(cq, s, "objection", 1)[0].status == "done_late"


def test_completing_a_closed_duty_is_a_conflict(cq: Platform) -> None:
    duty_id = _open(cq, "objection.label", date(2026, 3, 2))
    with cq.unit_of_work(OPERATOR) as uow:
        duties.complete(uow, duty_id)
    with pytest.raises(Refusal) as refused, cq.unit_of_work(OPERATOR) as uow:
        duties.complete(uow, duty_id)
    assert refused.value.reason == "duty_closed"


def test_sweep_lock_is_held_by_one_process_at_a_time(cq: Platform) -> None:
    assert duties.take_lock(cq, "a") is True
    assert duties.take_lock(cq, "b") is False
    duties.release_lock(cq, "a")
    assert duties.take_lock(cq, "b") is True
