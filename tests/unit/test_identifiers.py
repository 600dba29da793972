"""Credit-subject identifiers: GB 11643 citizen identity numbers, GB 32100 USCCs, passports, masking.

Where python-stdnum is stricter than the standards, tests here assert both sides of the gap: the value
is valid under ``xinyong.domain.subjects.identifiers`` and stdnum's ``validate`` refuses it.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidFormat, ValidationError

from xinyong.domain.subjects.identifiers import (
    CITIZEN_ID_PROVINCE_PREFIXES,
    USCC_ALPHABET,
    IdentifierCheck,
    IdentifierKind,
    Reason,
    SubjectKind,
    check_identifier,
    citizen_id_check_character,
    normalise_identifier,
    uscc_check_character,
)
from xinyong.domain.subjects.masking import mask_identifier, mask_name

TODAY = date(2026, 3, 18)
PASSPORT, OTHER_ID = IdentifierKind.passport, IdentifierKind.other_id
GB_EXAMPLE = "11010519491231002X"          # the worked example of GB 11643-1999


def citizen_id(body17: str) -> str:
    return body17 + citizen_id_check_character(body17)


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


def reference_uscc_check(body17: str) -> str:
    """GB 32100-2015 written out independently of stdnum: weights 3^(i-1) mod 31."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check(raw: str, **kw: object) -> IdentifierCheck:
    return check_identifier(raw, today=TODAY, **kw)  # type: ignore[arg-type]


# --- citizen identity numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    pytest.param(GB_EXAMPLE, id="gb11643-example"),
    pytest.param("11010519491231002x", id="lowercase-x-normalised"),
    pytest.param(" 110105 1949-1231 002X ", id="spaces-and-hyphens-removed"),
    pytest.param("１１０１０５１９４９１２３１００２Ｘ", id="full-width-normalised"),
    pytest.param("110105194912310\u300002X", id="ideographic-space-removed"),
])
def test_citizen_id_valid(raw: str) -> None:
    result = check(raw)
    assert result.valid, result.message_en
    assert result.identifier == GB_EXAMPLE
    assert result.kind is IdentifierKind.citizen_id
    assert result.subject_kinds == (SubjectKind.natural_person,)
    assert result.reason is None
    assert result.details["birth_date"] == date(1949, 12, 31)
    assert result.details["division"] == "110105"


@pytest.mark.parametrize("wrong", list("0123456789Y"), ids=lambda c: f"check-char-{c}-not-X")
@pytest.mark.parametrize("hint", [None, IdentifierKind.citizen_id], ids=["detected", "hinted"])
def test_citizen_id_every_wrong_check_character(wrong: str, hint: IdentifierKind | None) -> None:
    result = check(GB_EXAMPLE[:17] + wrong, hint=hint)
    assert not result.valid
    assert result.kind is IdentifierKind.citizen_id
    assert result.reason is Reason.checksum
    assert "'X'" in result.message_en and "“X”" in result.message_zh
    assert result.details["expected_check_character"] == "X"


@pytest.mark.parametrize("body, today, fragment", [
    pytest.param("11010519490230001", TODAY, "19490230", id="february-30"),
    pytest.param("11010519491331001", TODAY, "19491331", id="month-13"),
    pytest.param("11010519490100001", TODAY, "19490100", id="day-0"),
    pytest.param("11010519000229001", TODAY, "19000229", id="1900-not-a-leap-year"),
    pytest.param("11010520260319001", TODAY, "2026-03-19", id="born-tomorrow"),
    pytest.param("11010520300101001", TODAY, "2030-01-01", id="born-in-the-future"),
    pytest.param("11010519491231002", date(1949, 12, 30), "1949-12-31",
                 id="future-relative-to-injected-today"),
    pytest.param("11010518491231002", TODAY, "1849-12-31", id="before-1850"),
])
def test_citizen_id_impossible_birth_date(body: str, today: date, fragment: str) -> None:
    result = check_identifier(citizen_id(body), today=today)
    assert not result.valid
    assert result.reason is Reason.date
    assert fragment in result.message_en and fragment in result.message_zh


@pytest.mark.parametrize("body, today", [
    pytest.param("11010520260318001", TODAY, id="born-today"),
    pytest.param("11010518500101001", TODAY, id="born-1850-01-01"),
    pytest.param("11010520000229001", TODAY, id="leap-day-2000"),
])
def test_citizen_id_boundary_dates_valid(body: str, today: date) -> None:
    assert check_identifier(citizen_id(body), today=today).valid


def test_default_today_still_refuses_far_future_birth() -> None:
    result = check_identifier(citizen_id("11010529990101001"))
    assert result.reason is Reason.date


@pytest.mark.parametrize("raw, hint, position, char", [
    pytest.param("11010519491231A02X", None, 15, "A", id="letter-in-sequence-detected"),
    pytest.param("11010519491231A02X", IdentifierKind.citizen_id, 15, "A", id="letter-in-sequence-hinted"),
    pytest.param("1101051949123100XX", IdentifierKind.citizen_id, 17, "X", id="x-not-last"),
    pytest.param("11010519491231002✓", None, 18, "✓", id="symbol-as-check-detected"),
    pytest.param("11010519491231O02X", None, 15, "O", id="letter-o-for-zero"),
    pytest.param("1101051949123100#X", None, 17, "#", id="punctuation"),
    pytest.param("11010519491231002✓", IdentifierKind.citizen_id, 18, "✓", id="symbol-as-check-hinted"),
])
def test_citizen_id_bad_character_named_with_position(raw: str, hint: IdentifierKind | None,
                                                      position: int, char: str) -> None:
    result = check(raw, hint=hint)
    assert not result.valid
    assert result.reason is Reason.character
    assert result.details["position"] == position
    assert f"'{char}'" in result.message_en and f"position {position}" in result.message_en
    assert f"第{position}位" in result.message_zh and char in result.message_zh
    if hint is None and char.isalnum():
        assert result.kind is IdentifierKind.citizen_id


@pytest.mark.parametrize("raw, hint, expected_length", [
    pytest.param(GB_EXAMPLE[:17], IdentifierKind.citizen_id, 17, id="17-hinted"),
    pytest.param(GB_EXAMPLE + "1", IdentifierKind.citizen_id, 19, id="19-hinted"),
    pytest.param(GB_EXAMPLE[:16], None, 16, id="16-detected"),
    pytest.param("1101051949123100211", None, 19, id="19-digits-detected"),
    pytest.param("123", None, 3, id="3-digits-detected"),
])
def test_citizen_id_wrong_length(raw: str, hint: IdentifierKind | None, expected_length: int) -> None:
    result = check(raw, hint=hint)
    assert not result.valid
    assert result.reason is Reason.length
    assert str(expected_length) in result.message_en and "18" in result.message_en
    assert result.details["length"] == expected_length


@pytest.mark.parametrize("hint", [None, IdentifierKind.citizen_id], ids=["detected", "hinted"])
def test_first_generation_15_digit_number_refused_asking_for_18(hint: IdentifierKind | None) -> None:
    result = check("110105491231002", hint=hint)
    assert not result.valid
    assert result.kind is IdentifierKind.citizen_id
    assert result.reason is Reason.length
    assert "18" in result.message_en and "first-generation" in result.message_en
    assert "18位" in result.message_zh and "第一代" in result.message_zh


@pytest.mark.parametrize("division", ["000105", "160101", "200101", "720101", "840101"],
                         ids=lambda d: f"prefix-{d[:2]}")
def test_citizen_id_implausible_division(division: str) -> None:
    result = check(citizen_id(division + "19900101123"))
    assert result.reason is Reason.division
    assert division in result.message_en and division[:2] in result.message_zh


@pytest.mark.parametrize("division", ["110199", "110198", "320599", "440399"],
                         ids=lambda d: f"unlisted-county-{d}")
def test_new_county_valid_here_although_stdnum_refuses(division: str) -> None:
    """GAP: stdnum.cn.ric.validate looks the address code up in its own table, which lags behind the
    creation of counties; a well-formed number must not be refused for that alone. (stdnum 2.2 even
    raises KeyError, not a ValidationError, for such codes.)"""
    number = citizen_id(division + "19900101123")
    assert check(number).valid
    with pytest.raises((KeyError, ValidationError)):
        stdnum_ric.validate(number)


@pytest.mark.parametrize("division", ["810000", "820000", "830000"], ids=lambda d: f"residence-permit-{d}")
def test_residence_permit_numbers_valid_although_stdnum_refuses(division: str) -> None:
    number = citizen_id(division + "19900101123")
    result = check(number)
    assert result.valid and result.kind is IdentifierKind.citizen_id
    with pytest.raises((KeyError, ValidationError)):
        stdnum_ric.validate(number)


def test_stdnum_agrees_on_the_check_character_and_a_listed_county() -> None:
    assert stdnum_ric.calc_check_digit(GB_EXAMPLE) == "X"
    assert stdnum_ric.validate(GB_EXAMPLE) == GB_EXAMPLE


@pytest.mark.parametrize("hint", [None, IdentifierKind.citizen_id], ids=["detected", "hinted"])
def test_foreign_permanent_resident_number_is_other_id(hint: IdentifierKind | None) -> None:
    number = citizen_id("93" + "1840" + "19900101" + "123")
    result = check(number, hint=hint)
    assert result.valid
    assert result.kind is IdentifierKind.other_id
    assert result.subject_kinds == (SubjectKind.natural_person,)
    assert result.details["document"] == "foreign_permanent_resident_id_card"
    broken = number[:17] + ("0" if number[17] != "0" else "1")
    assert check(broken, hint=hint).reason is Reason.checksum


# --- Unified Social Credit Codes -------------------------------------------------------------------

@pytest.mark.parametrize("code, kinds", [
    pytest.param("91110000802100433B", (SubjectKind.legal_person, SubjectKind.unincorporated_org),
                 id="public-enterprise-code-a"),
    pytest.param("914403001922038216", (SubjectKind.legal_person, SubjectKind.unincorporated_org),
                 id="public-enterprise-code-all-digits"),
    pytest.param("91330100716105852F", (SubjectKind.legal_person, SubjectKind.unincorporated_org),
                 id="public-enterprise-code-b"),
    pytest.param("91110000600037341L", (SubjectKind.legal_person, SubjectKind.unincorporated_org),
                 id="stdnum-doctest-code"),
    pytest.param("11100000000013127D", (SubjectKind.state_organ,),
                 id="central-state-organ-national-division"),
])
def test_uscc_known_valid(code: str, kinds: tuple[SubjectKind, ...]) -> None:
    result = check(code)
    assert result.valid, result.message_en
    assert result.kind is IdentifierKind.uscc
    assert result.subject_kinds == kinds
    assert result.details["division"] == code[2:8]
    assert result.details["organisation_code"] == code[8:17]
    assert stdnum_uscc.is_valid(code)


LETTER_LED_BODIES = [
    pytest.param("Y1110000MA0000001", "Y", "1", id="Y1-other-authority"),
    pytest.param("N2320500MA1XY0003", "N", "2", id="N2-village-collective"),
    pytest.param("N1510100123456789", "N", "1", id="N1-group-collective"),
    pytest.param("A1100000MA0000001", "A", "1", id="A1-military-institution"),
    pytest.param("YA110000000000001", "Y", "A", id="letter-type-not-in-table"),
]


@pytest.mark.parametrize("body, authority, org_type", LETTER_LED_BODIES)
def test_uscc_letters_in_positions_1_2_valid_although_stdnum_refuses(body: str, authority: str,
                                                                    org_type: str) -> None:
    """GAP: stdnum.cn.uscc.validate insists on digits in positions 1-8; GB 32100 allows letters for
    the registration authority and organisation type."""
    code = uscc(body)
    result = check(code)
    assert result.valid, result.message_en
    assert result.kind is IdentifierKind.uscc
    assert result.details["registration_authority"] == authority
    assert result.details["org_type"] == org_type
    assert check(code, hint=IdentifierKind.uscc).valid
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate(code)


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_stdnum_uscc_check_character_matches_the_standard_including_letters(body: str) -> None:
    assert uscc_check_character(body) == reference_uscc_check(body)


@pytest.mark.parametrize("prefix, kinds", [
    pytest.param("11", (SubjectKind.state_organ,), id="11-organ"),
    pytest.param("12", (SubjectKind.legal_person,), id="12-public-institution"),
    pytest.param("51", (SubjectKind.legal_person,), id="51-social-organisation"),
    pytest.param("91", (SubjectKind.legal_person, SubjectKind.unincorporated_org), id="91-enterprise"),
    pytest.param("92", (SubjectKind.individual_business,), id="92-individual-business"),
    pytest.param("93", (SubjectKind.legal_person,), id="93-cooperative"),
    pytest.param("Y1", (SubjectKind.legal_person, SubjectKind.unincorporated_org, SubjectKind.state_organ),
                 id="Y1-other"),
    pytest.param("0Q", (SubjectKind.legal_person, SubjectKind.unincorporated_org, SubjectKind.state_organ),
                 id="pair-not-in-table-accepted"),
])
def test_uscc_subject_kinds_from_positions_1_2(prefix: str, kinds: tuple[SubjectKind, ...]) -> None:
    result = check(uscc(prefix + "500000" + "MA5U0000" + "1"), hint=IdentifierKind.uscc)
    assert result.valid, result.message_en
    assert result.subject_kinds == kinds


VALID_USCC = uscc("91500000MA5U00001")


@pytest.mark.parametrize("letter", list("IOSVZ"))
@pytest.mark.parametrize("position", range(1, 19), ids=lambda p: f"pos{p}")
@pytest.mark.parametrize("hint", [None, IdentifierKind.uscc], ids=["detected", "hinted"])
def test_uscc_forbidden_letter_named(letter: str, position: int, hint: IdentifierKind | None) -> None:
    code = VALID_USCC[:position - 1] + letter + VALID_USCC[position:]
    result = check(code, hint=hint)
    assert not result.valid
    assert result.reason is Reason.character
    assert f"'{letter}'" in result.message_en and letter in result.message_zh
    assert result.details["position"] == position
    if hint is not None:
        assert "I, O, S, V and Z" in result.message_en


@pytest.mark.parametrize("hint", [None, IdentifierKind.uscc], ids=["detected", "hinted"])
def test_uscc_wrong_check_character(hint: IdentifierKind | None) -> None:
    expected = VALID_USCC[17]
    wrong = "0" if expected != "0" else "1"
    result = check(VALID_USCC[:17] + wrong, hint=hint)
    assert result.reason is Reason.checksum and result.kind is IdentifierKind.uscc
    assert f"'{expected}'" in result.message_en and f"“{expected}”" in result.message_zh
    assert result.details["expected_check_character"] == expected


@pytest.mark.parametrize("body, reason, position", [
    pytest.param("9100000012345678" + "9", Reason.division, None, id="division-prefix-00"),
    pytest.param("9199000012345678" + "9", Reason.division, None, id="division-prefix-99"),
    pytest.param("91A1000012345678" + "9", Reason.character, 3, id="letter-in-division"),
])
def test_uscc_division_code(body: str, reason: Reason, position: int | None) -> None:
    result = check(uscc(body), hint=IdentifierKind.uscc)
    assert result.reason is reason
    if position is not None:
        assert result.details["position"] == position
        assert "3-8" in result.message_en


@pytest.mark.parametrize("raw", ["91500000MA5U000", "91500000MA5U0000", "91500000MA5U0000123",
                                 "91500000MA5U00001234"],
                         ids=["15-chars", "16-chars", "19-chars", "20-chars"])
def test_uscc_wrong_length(raw: str) -> None:
    for hint in (None, IdentifierKind.uscc):
        result = check(raw, hint=hint)
        assert result.reason is Reason.length
        assert "18" in result.message_en and str(len(raw)) in result.message_en
        assert result.kind is IdentifierKind.uscc


def test_uscc_of_17_characters_with_a_check_over_16_is_refused_for_length() -> None:
    # Eight characters, an 8-character organisation code and a check over those 16: one short.
    short = "91500000MA5U0AB1"
    result = check(short + uscc_check_character(short))
    assert result.reason is Reason.length and result.kind is IdentifierKind.uscc


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_uscc_forbidden_letter_named_before_a_wrong_length(letter: str) -> None:
    result = check("91500000MA5U0AB1" + letter)
    assert result.reason is Reason.character and f"'{letter}'" in result.message_en


def test_ambiguous_18_digits_reports_the_reading_that_got_further() -> None:
    # A USCC with one wrong check character: the citizen reading fails earlier (impossible date).
    result = check("91110000600037341X")
    assert result.kind is IdentifierKind.uscc and result.reason is Reason.checksum
    assert result.details["also_checked"]["kind"] is IdentifierKind.citizen_id
    # A citizen number with a wrong check character stays a citizen number.
    result = check(GB_EXAMPLE[:17] + "1")
    assert result.kind is IdentifierKind.citizen_id and result.reason is Reason.checksum
    assert result.details["also_checked"]["kind"] is IdentifierKind.uscc


def _mutations(code: str):
    for i, original in enumerate(code):
        for replacement in USCC_ALPHABET:
            if replacement != original:
                yield code[:i] + replacement + code[i + 1:]


valid_uscc_bodies = st.builds(
    lambda head, prefix, rest, org: head + prefix + rest + org,
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.sampled_from(sorted(CITIZEN_ID_PROVINCE_PREFIXES | {"10"})),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@settings(max_examples=60)
@given(valid_uscc_bodies)
def test_every_single_substitution_in_a_valid_uscc_is_detected(body: str) -> None:
    code = uscc(body)
    assert check(code, hint=IdentifierKind.uscc).valid
    for mutated in _mutations(code):
        # The MOD 31 check alone catches every single substitution (31 is prime, no weight is 0 mod 31) ...
        assert uscc_check_character(mutated) != mutated[17], mutated
        # ... and so the full check refuses it, whichever rule speaks first.
        assert not check(mutated, hint=IdentifierKind.uscc).valid, mutated


# --- passports and other IDs -----------------------------------------------------------------------

@pytest.mark.parametrize("raw, hint, kind", [
    pytest.param("E12345678", None, IdentifierKind.passport, id="e-passport-letter-8-digits"),
    pytest.param("g12345678", None, IdentifierKind.passport, id="older-passport-lowercase"),
    pytest.param("EA1234567", None, IdentifierKind.passport, id="two-letters-7-digits"),
    pytest.param("H12345678", None, IdentifierKind.other_id, id="travel-permit-shape"),
    pytest.param("X1234", PASSPORT, PASSPORT, id="hinted-5-chars"),
    pytest.param("AB1234567890CD123456", PASSPORT, PASSPORT, id="hinted-20-chars"),
    pytest.param("ABC-123 456", OTHER_ID, OTHER_ID, id="hinted-other-normalised"),
])
def test_documents_accepted_without_checksum(raw: str, hint: IdentifierKind | None,
                                             kind: IdentifierKind) -> None:
    result = check(raw, hint=hint)
    assert result.valid, result.message_en
    assert result.kind is kind
    assert result.subject_kinds == (SubjectKind.natural_person,)
    assert "no check character" in result.message_en and "没有校验码" in result.message_zh
    assert result.details["has_check_character"] is False


@pytest.mark.parametrize("raw, hint, reason", [
    pytest.param("X123", IdentifierKind.passport, Reason.length, id="hinted-too-short"),
    pytest.param("A" * 21, IdentifierKind.other_id, Reason.length, id="hinted-too-long"),
    pytest.param("E1234567#", IdentifierKind.passport, Reason.character, id="hinted-punctuation"),
    pytest.param("ABCD", None, Reason.unknown_format, id="four-letters"),
    pytest.param("ABC12345DEF", None, Reason.unknown_format, id="unrecognised-shape"),
    pytest.param("", None, Reason.empty, id="empty"),
    pytest.param("  - \u3000", None, Reason.empty, id="only-separators"),
])
def test_documents_and_unknown_formats_refused(raw: str, hint: IdentifierKind | None, reason: Reason) -> None:
    result = check(raw, hint=hint)
    assert not result.valid
    assert result.reason is reason
    assert result.message_zh and result.message_en


def test_every_reason_has_both_messages() -> None:
    for reason in Reason:
        assert reason.message_zh and reason.message_en


def test_to_dict_is_json_ready() -> None:
    for raw in (GB_EXAMPLE, "91110000600037341X", "E12345678", ""):
        data = check(raw).to_dict()
        assert {"valid", "kind", "identifier", "reason", "message_zh", "message_en"} <= data.keys()
        json.dumps(data, ensure_ascii=False)
    assert check(GB_EXAMPLE).to_dict()["details"]["birth_date"] == "1949-12-31"
    assert check("123").to_dict()["reason"] == "length"


def test_hint_may_be_given_as_its_string_value() -> None:
    assert check(GB_EXAMPLE, hint="citizen_id").kind is IdentifierKind.citizen_id  # type: ignore[arg-type]


def test_normalise_identifier() -> None:
    assert normalise_identifier(" ９１１１-0000 ６０００３７３４１ｌ ") == "91110000600037341L"
    assert normalise_identifier(None) == ""


# --- masking ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kind, shown", [
    pytest.param(GB_EXAMPLE, IdentifierKind.citizen_id, "110105********002X", id="citizen-id"),
    pytest.param(GB_EXAMPLE, None, "110105********002X", id="citizen-id-detected"),
    pytest.param("11010519491231002x", None, "110105********002X", id="citizen-id-lowercase"),
    pytest.param("110105491231002", IdentifierKind.citizen_id, "110105******002", id="first-generation"),
    pytest.param("E12345678", IdentifierKind.passport, "E******78", id="passport"),
    pytest.param("E12345678", None, "E******78", id="passport-detected"),
    pytest.param("AB1234567890", IdentifierKind.other_id, "A*********90", id="other-id"),
    pytest.param("X1234", IdentifierKind.passport, "X****", id="short-document-keeps-first-only"),
    pytest.param("91110000802100433B", IdentifierKind.uscc, "91110000802100433B", id="uscc-public"),
    pytest.param("91110000802100433B", None, "91110000802100433B", id="uscc-detected-public"),
    pytest.param("91110000802100433C", IdentifierKind.uscc, "911100********433C", id="bad-uscc-masked"),
    pytest.param("11010519491331002X", None, "110105********002X", id="invalid-18-masked-like-citizen"),
    pytest.param("110105********002X", None, "110105********002X", id="already-masked"),
    pytest.param("", None, "", id="empty"),
])
def test_mask_identifier(value: str, kind: IdentifierKind | None, shown: str) -> None:
    assert mask_identifier(value, kind) == shown


@pytest.mark.parametrize("name, shown", [
    pytest.param("张三", "张*", id="two-characters"),
    pytest.param("欧阳娜娜", "欧***", id="compound-surname"),
    pytest.param("阿依古丽·买买提", "阿***·***", id="dot-separated-kept"),
    pytest.param("张", "*", id="single-character"),
    pytest.param("John Smith", "J*** S****", id="latin-initials"),
    pytest.param("Mary-Jane  O'Neil", "M***-J*** O*****", id="latin-hyphen-apostrophe"),
    pytest.param("张*", "张*", id="already-masked-han"),
    pytest.param("J*** S****", "J*** S****", id="already-masked-latin"),
    pytest.param("", "", id="empty"),
    pytest.param("   ", "", id="blank"),
])
def test_mask_name(name: str, shown: str) -> None:
    assert mask_name(name) == shown


@given(st.text(max_size=30))
def test_masking_never_raises_and_is_idempotent(value: str) -> None:
    for kind in (None, *IdentifierKind):
        once = mask_identifier(value, kind)
        assert mask_identifier(once, kind) == once
    once = mask_name(value)
    assert mask_name(once) == once


# --- property: generated citizen identity numbers -------------------------------------------------

citizen_numbers = st.builds(
    lambda prefix, rest, born, seq: citizen_id(f"{prefix}{rest}{born:%Y%m%d}{seq:03d}"),
    st.sampled_from(sorted(CITIZEN_ID_PROVINCE_PREFIXES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.dates(min_value=date(1850, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@given(citizen_numbers)
def test_generated_citizen_ids_are_valid_and_masking_hides_the_birth_date(number: str) -> None:
    result = check(number)
    assert result.valid, (number, result.message_en)
    assert result.kind is IdentifierKind.citizen_id
    masked = mask_identifier(number)
    assert masked == number[:6] + "*" * 8 + number[14:]
    assert number[6:14] not in masked[6:14]
    assert mask_identifier(masked) == masked


@given(citizen_numbers, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_single_substitution_in_a_citizen_id_is_never_silently_accepted_as_another_valid_one(
        number: str, index: int, replacement: str) -> None:
    mutated = number[:index] + replacement + number[index + 1:]
    if mutated == number:
        return
    # MOD 11-2 detects every single substitution, so no mutated number passes as a citizen id.
    assert not check(mutated, hint=IdentifierKind.citizen_id).valid


@given(st.text(max_size=40), st.sampled_from([None, *IdentifierKind]))
def test_check_identifier_never_raises_and_explains_every_refusal(raw: str,
                                                                  hint: IdentifierKind | None) -> None:
    result = check(raw, hint=hint)
    assert result.identifier == normalise_identifier(raw)
    if not result.valid:
        assert result.reason is not None and result.message_zh and result.message_en
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_is_citizen_id_is_the_one_test_of_a_value_on_its_own() -> None:
    from xinyong.domain.subjects import is_citizen_id

    assert is_citizen_id(GB_EXAMPLE) and is_citizen_id(f"  {GB_EXAMPLE.lower()}\n")
    assert not is_citizen_id(GB_EXAMPLE[:17] + "0")                 # wrong check character
    assert not is_citizen_id("110105491231002")                       # first generation, 15 digits
    assert not is_citizen_id("110105-19491231-002X")                  # not as written: separators
    assert not is_citizen_id(f"ID {GB_EXAMPLE}") and not is_citizen_id(None) and not is_citizen_id(20260318)
