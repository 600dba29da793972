"""Identifiers of credit subjects, checked to their standards.

Natural persons are keyed by their citizen identity number (公民身份号码, GB 11643-1999), or where they
have none by a passport or other valid identity document; legal persons, unincorporated organisations
and state organs by their Unified Social Credit Code (统一社会信用代码, GB 32100-2015) as the sole key
(as the regulations key subjects); an individual business (个体工商户) by its USCC (type ``92``) or, where
it has none, by its 工商注册号 (``registration_numbers``).

``check_identifier`` says whether an identifier is valid, what kind it is, which kinds of subject it
can identify and, when it is not valid, exactly why, in Chinese and English; ``is_citizen_id`` is the
one test of "this value is a citizen identity number" (the access policy, the personal-data detector
and the ledger's facts all ask it), kept with the parts of GB 11643 both read in
``xinyong.domain.platform.citizen`` and handed on here. The kinds themselves are in ``kinds``, the
reading of a USCC's authority and type characters in ``uscc_types``, and the masking of a person's
identifier and name in ``masking``.

Where python-stdnum is stricter than the standards, the format rules here follow the standards
(see ``regulations/NATIONAL.md``, "Identifiers"); stdnum is used only for the check characters:

* ``stdnum.cn.ric.validate`` also refuses a citizen identity number whose birth place is missing from
  stdnum's own location table. That table can be out of date, and a real number from a newly created
  county must not be refused for that alone, so ``validate`` is not used: the address code is checked
  only for its format and province-level prefix, and stdnum's ISO 7064 MOD 11-2 supplies the check
  character.
* ``stdnum.cn.uscc.validate`` refuses codes whose first two characters are letters, which the standard
  allows (``Y`` "other" registration authorities, ``N`` agriculture, ``A`` ...). ``validate`` is not
  used; ``stdnum.cn.uscc.calc_check_digit`` supplies the check character (it indexes every position
  in the 31-character alphabet with weights 3^(i-1) mod 31, so letter positions are handled).

Pure domain code: no I/O, no clock of its own (``today`` is injected; the default is documented).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from stdnum.cn import uscc as _stdnum_uscc

from xinyong.domain.platform.citizen import (
    CITIZEN_ID_PROVINCE_PREFIXES,
    EARLIEST_BIRTH_DATE,
    FOREIGN_PERMANENT_RESIDENT_PREFIX,
    birth_date,
    citizen_id_check_character,
    default_today,
    is_citizen_id,
)
from xinyong.domain.subjects.kinds import IdentifierKind, SubjectKind
from xinyong.domain.subjects.registration_numbers import USCC_PLACEHOLDER, read_registration_number
from xinyong.domain.subjects.uscc_types import classify_uscc

__all__ = [
    "CITIZEN_ID_PROVINCE_PREFIXES",
    "USCC_ALPHABET",
    "USCC_FORBIDDEN_LETTERS",
    "USCC_PLACEHOLDER",
    "IdentifierCheck",
    "IdentifierKind",
    "Reason",
    "SubjectKind",
    "check_identifier",
    "citizen_id_check_character",
    "is_citizen_id",
    "normalise_identifier",
    "uscc_check_character",
]


class Reason(StrEnum):
    """Why an identifier is invalid. ``message_zh`` / ``message_en`` give the generic wording; an
    ``IdentifierCheck`` carries the specific one (which character, which position, what was expected)."""

    empty = "empty"
    length = "length"
    character = "character"
    checksum = "checksum"
    date = "date"
    division = "division"
    unknown_format = "unknown_format"
    placeholder = "placeholder"

    @property
    def message_zh(self) -> str:
        return _REASON_TEXT[self][0]

    @property
    def message_en(self) -> str:
        return _REASON_TEXT[self][1]


_REASON_TEXT: dict[Reason, tuple[str, str]] = {
    Reason.empty: ("证件号码为空", "the identifier is empty"),
    Reason.length: ("证件号码位数不对", "the identifier has the wrong number of characters"),
    Reason.character: ("证件号码含有不允许的字符", "the identifier contains a character that is not allowed"),
    Reason.checksum: ("校验码不符，号码可能输错",
                      "the check character does not match: the number is probably mistyped"),
    Reason.date: ("出生日期码不是有效日期", "the birth date in the number is not a possible date"),
    Reason.division: ("行政区划代码不合规范", "the administrative division code is not plausible"),
    Reason.unknown_format: ("无法识别的证件号码格式", "the identifier's format is not recognised"),
    Reason.placeholder: ("这是无统一社会信用代码的个体工商户所填的占位代码，不能识别主体",
                         "this is the placeholder an individual business without a USCC writes; it "
                         "identifies nobody"),
}

# The registration authority's division code in a USCC (positions 3-8) also takes 10 (100000, used for
# national-level registration) and 66 (a code some registration systems use outside GB/T 2260). Accepting
# a rarely used prefix costs little: the MOD 31 check character, not the table, catches typing errors.
_USCC_DIVISION_PREFIXES: frozenset[str] = CITIZEN_ID_PROVINCE_PREFIXES | {"10", "66"}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_FORBIDDEN_LETTERS = "IOSVZ"
_DIGITS = frozenset("0123456789")
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d")
_DOCUMENT_MIN, _DOCUMENT_MAX = 5, 20


# --- the check result ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IdentifierCheck:
    """The outcome of ``check_identifier``.

    ``identifier`` is the normalised form (what should be stored and compared). ``subject_kinds`` lists
    the kinds of subject the identifier can identify, the most likely first; more than one means the
    identifier alone cannot tell. ``details`` holds what the identifier encodes (division, birth date,
    registration authority, organisation type, ...) and, for an ambiguous invalid value, the other
    reading that was also tried (``also_checked``).
    """

    valid: bool
    identifier: str
    kind: IdentifierKind | None
    subject_kinds: tuple[SubjectKind, ...] = ()
    reason: Reason | None = None
    message_zh: str = ""
    message_en: str = ""
    details: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (enums as their values, dates as ISO 8601)."""
        return {
            "valid": self.valid,
            "kind": self.kind.value if self.kind else None,
            "identifier": self.identifier,
            "subject_kinds": [k.value for k in self.subject_kinds],
            "reason": self.reason.value if self.reason else None,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": _jsonable(self.details),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _invalid(identifier: str, kind: IdentifierKind | None, reason: Reason, zh: str, en: str,
             **details: Any) -> IdentifierCheck:
    return IdentifierCheck(False, identifier, kind, (), reason, zh, en, details)


# --- normalisation and the check characters -------------------------------------------------------

def normalise_identifier(raw: str | None) -> str:
    """Strip, fold full-width characters to ASCII (NFKC), drop spaces and hyphens anywhere, upper-case."""
    if not raw:
        return ""
    text = raw
    for _ in range(4):   # to a fixed point: dropping a space can let NFKC compose what it separated
        folded = "".join(ch for ch in unicodedata.normalize("NFKC", text)
                         if not ch.isspace() and ch not in _DASHES).upper()
        if folded == text:
            break
        text = folded
    return text


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters (weights 3^(i-1) mod 31, alphabet of 31)."""
    return _stdnum_uscc.calc_check_digit(first17[:17])


def _first_foreign_character(s: str) -> int | None:
    for i, ch in enumerate(s):
        if ch not in _ASCII_ALNUM:
            return i
    return None


def _describe_char(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return ch
    return f"U+{ord(ch):04X}"


# --- citizen identity numbers (GB 11643-1999) ------------------------------------------------------

# How far a check got before it failed: when an 18-character value fails both readings, the reading
# that got further explains it better (ties go to the citizen reading).
_CHARACTER = 0.0
_DIVISION = 1.0
_ONE_STRAY_CHARACTER = 1.5       # a citizen-shaped number with a single non-digit: likely a typo
_FORBIDDEN_LETTER = 1.6          # I, O, S, V, Z in a USCC: named, with the digit it may stand for
_DATE = 2.0
_CHECKSUM = 3.0


def _check_citizen_id(s: str, today: date) -> tuple[IdentifierCheck, float]:
    """GB 11643-1999: 6-digit address code, 8-digit birth date, 3-digit sequence, MOD 11-2 check.

    First-generation 15-digit numbers are refused (reason ``length``), by choice: the platform keys
    natural persons by the 18-digit second-generation number only (first-generation cards ceased to be
    valid on 2013-01-01), so one person cannot end up under two keys, and a 15-digit number has no
    check character to catch typing errors. The message asks for the 18-digit number.

    A number beginning with 9 is a foreign permanent resident ID card number (2023 issue), which
    follows the same structure and check: it is accepted as ``other_id`` for a natural person.
    """
    kind = IdentifierKind.citizen_id
    if len(s) == 15 and set(s) <= _DIGITS:
        return _invalid(
            s, kind, Reason.length,
            "这是15位的第一代公民身份号码，请提供18位的第二代公民身份号码",
            "this is a 15-digit first-generation identity number; give the 18-digit second-generation number",
            length=15), _CHARACTER
    if len(s) != 18:
        return _invalid(
            s, kind, Reason.length,
            f"公民身份号码应为18位，实际为{len(s)}位",
            f"a citizen identity number has 18 characters, this one has {len(s)}",
            length=len(s)), _CHARACTER
    for i, ch in enumerate(s[:17]):
        if ch in _DIGITS:
            continue
        stray = sum(1 for c in s[:17] if c not in _DIGITS)
        return _invalid(
            s, kind, Reason.character,
            f"第{i + 1}位字符“{_describe_char(ch)}”无效：公民身份号码前17位只能是数字，第18位是数字或X",
            f"character '{_describe_char(ch)}' at position {i + 1} is not allowed: a citizen identity number "
            "has 17 digits and a final digit or X",
            position=i + 1, character=ch), (_ONE_STRAY_CHARACTER if stray == 1 else _CHARACTER)

    division = s[:6]
    foreign_permanent_resident = s[0] == FOREIGN_PERMANENT_RESIDENT_PREFIX
    if not foreign_permanent_resident and division[:2] not in CITIZEN_ID_PROVINCE_PREFIXES:
        return _invalid(
            s, kind, Reason.division,
            f"地址码{division}的前两位“{division[:2]}”不是省级行政区划代码（GB/T 2260）",
            f"the address code {division} does not start with a province-level code (GB/T 2260): "
            f"'{division[:2]}'",
            division=division), _DIVISION

    birth_text = s[6:14]
    birth = birth_date(s)
    if birth is None:
        return _invalid(
            s, kind, Reason.date,
            f"出生日期码{birth_text}不是存在的日期",
            f"the birth date {birth_text} does not exist",
            division=division, birth_date_text=birth_text), _DATE
    if birth < EARLIEST_BIRTH_DATE:
        return _invalid(
            s, kind, Reason.date,
            f"出生日期{birth.isoformat()}早于{EARLIEST_BIRTH_DATE.isoformat()}，不是可能的出生日期",
            f"the birth date {birth.isoformat()} is before {EARLIEST_BIRTH_DATE.isoformat()}",
            division=division, birth_date=birth), _DATE
    if birth > today:
        return _invalid(
            s, kind, Reason.date,
            f"出生日期{birth.isoformat()}晚于今天（{today.isoformat()}）",
            f"the birth date {birth.isoformat()} is after today ({today.isoformat()})",
            division=division, birth_date=birth), _DATE

    # Any other character in position 18 is a wrong check character: say which one was expected.
    expected = citizen_id_check_character(s)
    if s[17] != expected:
        return _invalid(
            s, kind, Reason.checksum,
            f"校验码应为“{expected}”，实际为“{s[17]}”，号码可能输错",
            f"the check character should be '{expected}', not '{s[17]}': the number is probably mistyped",
            expected_check_character=expected), _CHECKSUM

    details: dict[str, Any] = {"division": division, "birth_date": birth}
    if foreign_permanent_resident:
        details["document"] = "foreign_permanent_resident_id_card"
        return IdentifierCheck(
            True, s, IdentifierKind.other_id, (SubjectKind.natural_person,), None,
            "有效的外国人永久居留身份证号码（与公民身份号码同样的结构和校验）",
            "valid foreign permanent resident ID card number (same structure and check as a citizen "
            "identity number)", details), _CHECKSUM
    return IdentifierCheck(True, s, kind, (SubjectKind.natural_person,), None,
                           "有效的公民身份号码", "valid citizen identity number", details), _CHECKSUM


# --- Unified Social Credit Codes (GB 32100-2015) ---------------------------------------------------

def _check_uscc(s: str) -> tuple[IdentifierCheck, float]:
    """GB 32100-2015: 18 characters over the 31-character alphabet (no I, O, S, V, Z); positions 1-2
    registration authority and organisation type (digits or letters); 3-8 administrative division code
    (digits); 9-17 organisation code; 18 check character."""
    kind = IdentifierKind.uscc
    # Characters first: a letter the code never uses is wrong at any length, and naming it helps most.
    for i, ch in enumerate(s):
        if ch in USCC_ALPHABET:
            continue
        shown = _describe_char(ch)
        if ch in USCC_FORBIDDEN_LETTERS:
            zh = (f"第{i + 1}位的字母“{ch}”不用于统一社会信用代码（不使用I、O、S、V、Z）"
                  + ("，可能是数字" + ("0" if ch == "O" else "1") if ch in "IO" else ""))
            en = (f"the letter '{ch}' at position {i + 1} is not used in unified social credit codes "
                  "(I, O, S, V and Z are excluded)"
                  + (f"; did you mean the digit {'0' if ch == 'O' else '1'}?" if ch in "IO" else ""))
        else:
            zh = f"第{i + 1}位字符“{shown}”无效：统一社会信用代码只用数字和大写字母（不含I、O、S、V、Z）"
            en = (f"character '{shown}' at position {i + 1} is not allowed: a unified social credit code "
                  "uses digits and capital letters other than I, O, S, V and Z")
        stage = _FORBIDDEN_LETTER if ch in USCC_FORBIDDEN_LETTERS else _CHARACTER
        return _invalid(s, kind, Reason.character, zh, en, position=i + 1, character=ch), stage
    if len(s) != 18:
        return _invalid(
            s, kind, Reason.length,
            f"统一社会信用代码应为18位，实际为{len(s)}位",
            f"a unified social credit code has 18 characters, this one has {len(s)}",
            length=len(s)), _CHARACTER
    for i in range(2, 8):
        if s[i] not in _DIGITS:
            return _invalid(
                s, kind, Reason.character,
                f"第{i + 1}位字符“{s[i]}”无效：第3至8位是登记管理机关行政区划码，只能是数字",
                f"character '{s[i]}' at position {i + 1} is not allowed: positions 3-8 are the registration "
                "authority's administrative division code and are digits",
                position=i + 1, character=s[i]), _CHARACTER
    division = s[2:8]
    if division[:2] not in _USCC_DIVISION_PREFIXES:
        return _invalid(
            s, kind, Reason.division,
            f"第3至8位行政区划码{division}的前两位“{division[:2]}”不是省级行政区划代码（GB/T 2260）",
            f"the administrative division code {division} (positions 3-8) does not start with a "
            f"province-level code (GB/T 2260): '{division[:2]}'",
            division=division), _DIVISION
    subject_kinds, details, known_pair = classify_uscc(s)
    expected = uscc_check_character(s)
    if s[17] != expected:
        return _invalid(
            s, kind, Reason.checksum,
            f"校验码应为“{expected}”，实际为“{s[17]}”，代码可能输错",
            f"the check character should be '{expected}', not '{s[17]}': the code is probably mistyped",
            expected_check_character=expected), (_CHECKSUM if known_pair else _DATE)
    return IdentifierCheck(True, s, kind, subject_kinds, None,
                           "有效的统一社会信用代码", "valid unified social credit code", details), _CHECKSUM


# --- passports and other documents ----------------------------------------------------------------

# Shapes recognised without a hint (all 9 characters). They are heuristics: the document types share
# shapes, so a caller that knows the document should say so with ``hint``.
_PASSPORT_SHAPES = (
    re.compile(r"[A-Z][0-9]{8}"),          # one letter + 8 digits, e.g. E12345678, G12345678
    re.compile(r"[A-Z]{2}[0-9]{7}"),       # two letters + 7 digits, e.g. EA1234567
)
# One letter + 8 digits with these letters is more often a travel permit than a passport:
# H / M: mainland travel permits of residents of the special administrative regions; C: exit-entry permits.
_PERMIT_LETTERS = frozenset("HMC")


def _check_document(s: str, kind: IdentifierKind) -> IdentifierCheck:
    """Passports and other IDs: 5-20 letters or digits. They carry no check character here, so a
    typing error cannot be detected; the message says so."""
    name_zh = "护照号码" if kind is IdentifierKind.passport else "证件号码"
    name_en = "passport number" if kind is IdentifierKind.passport else "document number"
    if not _DOCUMENT_MIN <= len(s) <= _DOCUMENT_MAX:
        return _invalid(
            s, kind, Reason.length,
            f"{name_zh}应为{_DOCUMENT_MIN}至{_DOCUMENT_MAX}位字母或数字，实际为{len(s)}位",
            f"a {name_en} has {_DOCUMENT_MIN} to {_DOCUMENT_MAX} letters or digits, this one has {len(s)}",
            length=len(s))
    return IdentifierCheck(
        True, s, kind, (SubjectKind.natural_person,), None,
        f"{name_zh}格式可以接受（此类证件号码没有校验码，无法发现输入错误，请与证件核对）",
        f"{name_en} format accepted (it has no check character, so typing errors cannot be detected: "
        "compare it with the document)",
        {"has_check_character": False})


def _check_registration_no(s: str) -> IdentifierCheck:
    """A 工商注册号 (GS15-2006), read by ``registration_numbers``; only with a hint, since 15 digits
    alone read as a first-generation citizen identity number."""
    kind = IdentifierKind.registration_no
    reading = read_registration_number(s)
    if reading.problem is not None:
        reason, zh, en = reading.problem
        return _invalid(s, kind, Reason(reason), zh, en, **reading.details)
    if reading.details.get("has_check_character"):
        zh, en = "有效的工商注册号", "valid registration number (工商注册号)"
    else:
        zh = "13位工商注册号格式可以接受（2007年以前核发，没有校验码，无法发现输入错误，请与营业执照核对）"
        en = ("13-digit registration number accepted (issued before 2007, it has no check character, so typing "
              "errors cannot be detected: compare it with the business licence)")
    return IdentifierCheck(True, s, kind, reading.subject_kinds, None, zh, en, dict(reading.details))


# --- the entry point ------------------------------------------------------------------------------

def check_identifier(raw: str, *, today: date | None = None,
                     hint: IdentifierKind | None = None) -> IdentifierCheck:
    """Check an identifier and say what it identifies, or exactly why it is not valid.

    ``raw`` is normalised first (``normalise_identifier``); positions in messages count characters of
    the normalised identifier, from 1. ``today`` bounds birth dates; when omitted
    it is the current date in China Standard Time (UTC+8) — callers with a clock should pass its date.
    ``hint`` says what kind the caller believes the identifier to be; with a hint only that kind is
    checked (a 9-prefixed foreign permanent resident number hinted as ``citizen_id`` is still
    reported as ``other_id``).

    Without a hint the kind is told from the shape:

    * 18 characters: a citizen identity number (17 digits then a digit or ``X``) or a USCC (which can
      be all digits too). The citizen reading is tried first, then the USCC; when both fail, the
      reading that got further through its checks is reported (a wrong check character beats an
      impossible date, which beats a bad division code; a single stray character in an otherwise
      citizen-shaped number is read as a typo in it; ties go to the citizen reading) and the other
      reading is kept in ``details["also_checked"]``.
    * digits only (an optional final ``X``) of another length: a citizen identity number of the
      wrong length (15 digits: a first-generation number, refused).
    * 17 or 19 characters, or 12 or more with digits in positions 3-8: a USCC of the wrong length
      (a letter the USCC alphabet excludes is named first).
    * one letter + 8 digits, or two letters + 7 digits: a passport (Chinese passports have these
      shapes); with H, M or C + 8 digits, a travel permit (``other_id``).
    * anything else is ``unknown_format``: passports and other IDs of other shapes need a hint.

    A 工商注册号 (``registration_no``, see ``registration_numbers``) is checked only with its hint: 15
    digits without one read as a first-generation citizen identity number. The placeholder
    ``00000000000000000X`` of an individual business without a USCC is refused (``placeholder``) without
    a hint or with the ``uscc`` hint, saying to give the registration number.
    """
    hint = IdentifierKind(hint) if hint is not None else None
    s = normalise_identifier(raw)
    if not s:
        return _invalid(s, hint, Reason.empty, "证件号码为空", "the identifier is empty")
    bad = _first_foreign_character(s)
    if bad is not None:
        ch = _describe_char(s[bad])
        return _invalid(
            s, hint, Reason.character,
            f"第{bad + 1}位字符“{ch}”无效：证件号码只能由字母和数字组成",
            f"character '{ch}' at position {bad + 1} is not allowed: identifiers consist of letters and "
            "digits",
            position=bad + 1, character=s[bad])
    when = today if today is not None else default_today()

    if s == USCC_PLACEHOLDER and hint in (None, IdentifierKind.uscc):
        return _invalid(
            s, hint, Reason.placeholder,
            f"“{USCC_PLACEHOLDER}”是无统一社会信用代码的个体工商户所填的占位代码，不能识别主体：请提供其工商注册号",
            f"'{USCC_PLACEHOLDER}' is the placeholder an individual business without a unified social credit "
            "code writes, and identifies nobody: give its registration number (工商注册号)")
    if hint is IdentifierKind.citizen_id:
        return _check_citizen_id(s, when)[0]
    if hint is IdentifierKind.registration_no:
        return _check_registration_no(s)
    if hint is IdentifierKind.uscc:
        return _check_uscc(s)[0]
    if hint is not None:
        return _check_document(s, hint)

    if len(s) == 18:
        citizen, citizen_stage = _check_citizen_id(s, when)
        if citizen.valid:
            return citizen
        uscc, uscc_stage = _check_uscc(s)
        if uscc.valid:
            return uscc
        lookalike = _lookalike_reading(s, citizen, uscc, when)
        if lookalike is not None:
            citizen_stage, uscc_stage = (1.0, 0.0) if lookalike is IdentifierKind.citizen_id else (0.0, 1.0)
        return _prefer(citizen, citizen_stage, uscc, uscc_stage)

    if set(s.removesuffix("X")) <= _DIGITS:
        check = _check_citizen_id(s, when)[0]
        if check.reason is Reason.length and len(s) != 15:
            return _invalid(
                s, None, Reason.length,
                f"公民身份号码和统一社会信用代码都是18位，此号码为{len(s)}位；其他证件请指明证件类型",
                f"citizen identity numbers and unified social credit codes have 18 characters, this one has "
                f"{len(s)}; for another document, say which kind it is",
                length=len(s))
        return check
    if len(s) == 9 and any(p.fullmatch(s) for p in _PASSPORT_SHAPES):
        permit = s[0] in _PERMIT_LETTERS and s[1] in _DIGITS
        kind = IdentifierKind.other_id if permit else IdentifierKind.passport
        return _check_document(s, kind)
    if len(s) in (17, 19) or (len(s) >= 12 and set(s[2:8]) <= _DIGITS):
        return _check_uscc(s)[0]     # shaped like a USCC of the wrong length
    return _invalid(
        s, None, Reason.unknown_format,
        "无法识别的证件号码：请提供18位公民身份号码或统一社会信用代码；护照和其他证件请指明证件类型",
        "identifier not recognised: give an 18-character citizen identity number or unified social credit "
        "code; for a passport or another document, say which kind it is")


# Letters excluded from USCCs, typed for the digits they resemble.
_LOOKALIKE_DIGITS = {"O": "0", "I": "1", "Z": "2", "S": "5"}


def _lookalike_reading(s: str, citizen: IdentifierCheck, uscc: IdentifierCheck,
                       today: date) -> IdentifierKind | None:
    """When both readings stop at the same letter, the reading that the look-alike digit would make
    valid is the one the value was meant as (``...O02X`` with O for 0 is a citizen number)."""
    if citizen.reason is not Reason.character or uscc.reason is not Reason.character:
        return None
    position = citizen.details.get("position")
    if position is None or position != uscc.details.get("position"):
        return None
    digit = _LOOKALIKE_DIGITS.get(s[position - 1])
    if digit is None:
        return None
    fixed = s[:position - 1] + digit + s[position:]
    if _check_citizen_id(fixed, today)[0].valid:
        return IdentifierKind.citizen_id
    if _check_uscc(fixed)[0].valid:
        return IdentifierKind.uscc
    return None


def _prefer(citizen: IdentifierCheck, citizen_stage: float,
            uscc: IdentifierCheck, uscc_stage: float) -> IdentifierCheck:
    chosen, other = (uscc, citizen) if uscc_stage > citizen_stage else (citizen, uscc)
    also = {"kind": other.kind, "reason": other.reason,
            "message_zh": other.message_zh, "message_en": other.message_en}
    return IdentifierCheck(chosen.valid, chosen.identifier, chosen.kind, chosen.subject_kinds, chosen.reason,
                           chosen.message_zh, chosen.message_en, {**chosen.details, "also_checked": also})

