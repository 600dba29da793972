"""Individual businesses (个体工商户) as identifiers say them: a USCC of type 92 names an individual
business and nothing else; the placeholder ``00000000000000000X`` is refused as an identifier, saying to
give the 工商注册号; a 工商注册号 (GS 15-2006) is checked by its ISO 7064 MOD 11,10 digit, its first
sequence digit telling an individual business from an enterprise, a 13-digit pre-2007 number accepted
with the warning that it has no check character."""

from __future__ import annotations

import pytest
from stdnum.iso7064 import mod_11_10

from xinyong.domain.subjects.identifiers import (
    IdentifierKind,
    Reason,
    SubjectKind,
    check_identifier,
    uscc_check_character,
)
from xinyong.domain.subjects.registration_numbers import registration_number_check_digit
from xinyong.domain.subjects.uscc_types import classify_uscc

REG = IdentifierKind.registration_no


def _uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


def _reg(body14: str) -> str:
    return body14 + registration_number_check_digit(body14)


def test_a_92_uscc_names_an_individual_business_only() -> None:
    code = _uscc("92500103MA5U0000" + "1")
    result = check_identifier(code)
    assert result.valid and result.kind is IdentifierKind.uscc
    assert result.subject_kinds == (SubjectKind.individual_business,)
    assert result.details["org_type_zh"] == "个体工商户"
    assert classify_uscc(code)[0] == (SubjectKind.individual_business,)


@pytest.mark.parametrize("hint", [None, IdentifierKind.uscc], ids=["detected", "hinted"])
def test_the_placeholder_is_refused_and_asks_for_the_registration_number(hint: IdentifierKind | None) -> None:
    result = check_identifier("00000000000000000x", hint=hint)
    assert not result.valid
    assert result.reason is Reason.placeholder
    assert "工商注册号" in result.message_zh and "registration number" in result.message_en


def test_the_check_digit_is_iso_7064_mod_11_10() -> None:
    number = _reg("50010360012345")
    assert mod_11_10.is_valid(number)
    assert number[-1] == "8"


def test_an_individual_business_registration_number() -> None:
    result = check_identifier(" 500103 600123458 ", hint=REG)
    assert result.valid, result.message_en
    assert result.kind is REG and result.identifier == "500103600123458"
    assert result.subject_kinds == (SubjectKind.individual_business,)
    assert result.details["has_check_character"] is True


def test_an_enterprise_registration_number_is_not_an_individual_business() -> None:
    result = check_identifier(_reg("50010310012345"), hint=REG)
    assert result.valid
    assert SubjectKind.individual_business not in result.subject_kinds


@pytest.mark.parametrize("value, reason, words", [
    pytest.param("500103600123457", Reason.checksum, "'8'", id="wrong-check-digit"),
    pytest.param("50010360012345", Reason.length, "15 digits", id="14-digits"),
    pytest.param("5001036001234A8", Reason.character, "position 14", id="letter"),
    pytest.param(_reg("99010360012345"), Reason.division, "'99'", id="no-such-province"),
])
def test_a_bad_registration_number_says_why(value: str, reason: Reason, words: str) -> None:
    result = check_identifier(value, hint=REG)
    assert not result.valid and result.kind is REG
    assert result.reason is reason
    assert words in result.message_en and result.message_zh


def test_a_pre_2007_number_is_accepted_with_the_warning_that_nothing_checks_it() -> None:
    result = check_identifier("5001036001234", hint=REG)
    assert result.valid
    assert result.details["has_check_character"] is False
    assert "no check character" in result.message_en and "没有校验码" in result.message_zh


def test_without_its_hint_a_15_digit_number_is_not_taken_for_a_registration_number() -> None:
    result = check_identifier("500103600123458")
    assert result.kind is not REG and not result.valid
