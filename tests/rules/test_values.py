"""Looking values up by date: the value in force, deferral to the national baseline, and errors."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from rule_files import RuleDir

from xinyong.rules import (
    NoValueInForce,
    RuleNotProvided,
    Span,
    UnknownJurisdiction,
    UnknownRuleKey,
    load_rulebook,
)


@pytest.fixture
def book(rule_dir: RuleDir):  # type: ignore[no-untyped-def]
    rule_dir.baseline()
    rule_dir.sample("""
        objection.decide:
          values:
            2020-03-01: {value: 5, cite: "Art. 36(2)(1)"}
            2022-01-01: {value: 3, cite: "Art. 36(2)(1)", note: amended}
        objection.label:
          values:
            2020-03-01: {value: 1, cite: "Art. 36(1)", until: 2021-12-31}
        display.penalty.general:
          defer: national
          cite: "Art. 40"
        objection.reexamine:
          defer: national
          cite: "Art. 40"
        """)
    return rule_dir.load()


def test_the_value_in_force_is_the_latest_on_or_before_the_date(book) -> None:  # type: ignore[no-untyped-def]
    sample = book.get("sample-2020")
    assert sample.value("objection.decide", date(2020, 3, 1)).value == 5
    assert sample.value("objection.decide", date(2021, 12, 31)).value == 5
    amended = sample.value("objection.decide", date(2022, 1, 1))
    assert (amended.value, amended.effective, amended.note) == (3, date(2022, 1, 1), "amended")


def test_a_date_before_the_first_value_is_an_error_not_a_default(book) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoValueInForce) as caught:
        book.get("sample-2020").value("objection.decide", date(2020, 2, 29))
    message = str(caught.value)
    assert "no value of objection.decide in force on 2020-02-29 in sample-2020" in message
    assert "2020-03-01" in message
    assert "没有生效" in caught.value.message_zh


def test_a_lapsed_value_is_not_in_force(book) -> None:  # type: ignore[no-untyped-def]
    sample = book.get("sample-2020")
    assert sample.value("objection.label", date(2021, 12, 31)).value == 1
    with pytest.raises(NoValueInForce, match="lapsed after 2021-12-31"):
        sample.value("objection.label", date(2022, 1, 1))


def test_a_deferred_rule_takes_the_national_value_and_reports_both_citations(book) -> None:  # type: ignore[no-untyped-def]
    value = book.get("sample-2020").value("display.penalty.general", date(2026, 4, 1))
    assert value.value == Span(3, 12, "months", "decision_date")
    assert value.cite == "Order 36" and value.source == "secondary"
    assert value.jurisdiction == "national"
    assert value.deferred_from is not None
    assert value.deferred_from.citation == "SA Art. 40"
    assert value.to_dict()["deferred_from"]["cite"] == "Art. 40"


def test_a_key_absent_from_the_local_file_does_not_fall_back_to_national(book) -> None:  # type: ignore[no-untyped-def]
    sample = book.get("sample-2020")
    assert book.get("national").has("restoration.decide")
    assert not sample.has("restoration.decide")
    with pytest.raises(RuleNotProvided, match="sample-2020 does not provide restoration.decide"):
        sample.value("restoration.decide", date(2024, 1, 1))


def test_a_deferral_the_national_file_cannot_answer_is_a_clear_error(book) -> None:  # type: ignore[no-untyped-def]
    sample = book.get("sample-2020")
    assert sample.has("objection.reexamine")
    with pytest.raises(
        RuleNotProvided, match="defers objection.reexamine to national .SA Art. 40."
    ) as caught:
        sample.value("objection.reexamine", date(2024, 1, 1))
    assert "national provides no value" in str(caught.value)


def test_unknown_key_and_jurisdiction(book) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownRuleKey):
        book.get("sample-2020").value("objection.decides", date(2024, 1, 1))
    with pytest.raises(UnknownJurisdiction) as caught:
        book.get("atlantis")
    assert "national, sample-2020" in str(caught.value)


def test_lookups_take_a_business_date_not_a_datetime(book) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="business date"):
        book.get("sample-2020").value("objection.decide", datetime(2024, 1, 1, 9, 0))  # noqa: DTZ001


# --- the shipped national baseline ------------------------------------------------------------------

PENALTY_PERIODS = [
    pytest.param(
        "display.penalty.minor",
        date(2026, 3, 31),
        Span(3, 36, "months", "decision_date"),
        id="NDRC Order 58: minor penalty decided 2026-03-31, 3 months to 3 years",
    ),
    pytest.param(
        "display.penalty.minor",
        date(2026, 4, 1),
        Span(None, 3, "months", "decision_date"),
        id="NDRC Order 36: minor penalty decided 2026-04-01, at most 3 months",
    ),
    pytest.param(
        "display.penalty.general",
        date(2026, 3, 31),
        Span(3, 36, "months", "decision_date"),
        id="NDRC Order 58: general penalty decided 2026-03-31, 3 months to 3 years",
    ),
    pytest.param(
        "display.penalty.general",
        date(2026, 4, 1),
        Span(3, 12, "months", "decision_date"),
        id="NDRC Order 36: general penalty decided 2026-04-01, 3 months to 1 year",
    ),
    pytest.param(
        "display.penalty.serious",
        date(2026, 3, 31),
        Span(3, 36, "months", "decision_date"),
        id="NDRC Order 58: serious penalty decided 2026-03-31, 3 months to 3 years",
    ),
    pytest.param(
        "display.penalty.serious",
        date(2026, 4, 1),
        Span(1, 3, "years", "decision_date"),
        id="NDRC Order 36: serious penalty decided 2026-04-01, 1 to 3 years",
    ),
]


@pytest.mark.parametrize(("key", "decided", "expected"), PENALTY_PERIODS)
def test_national_penalty_publicity_periods_change_on_2026_04_01(
    key: str, decided: date, expected: Span
) -> None:
    value = load_rulebook().get("national").value(key, decided)
    assert value.value == expected
    assert value.source == "secondary"
    assert ("Order No. 58" if decided < date(2026, 4, 1) else "Order No. 36") in value.cite


def test_national_publicity_periods_are_not_in_force_before_order_58() -> None:
    with pytest.raises(NoValueInForce):
        load_rulebook().get("national").value("display.penalty.general", date(2023, 4, 30))


def test_every_national_value_is_marked_secondary() -> None:
    national = load_rulebook().get("national")
    assert national.text is None
    for _key, rule in national.items():
        for entry in rule.entries:
            assert entry.source == "secondary", entry
