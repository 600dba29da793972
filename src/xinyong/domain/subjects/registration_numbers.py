"""The 工商注册号 (registration number of a market entity) of an individual business without a USCC, and
the placeholder such a business writes where its USCC would stand.

Before the Unified Social Credit Code, market entities were numbered by the registration authority under
GS15-2006 (工商行政管理市场主体注册号编制规则): 15 digits, a 6-digit code of the first registration
authority (``100000`` for the national administration, else a GB/T 2260 division), an 8-digit sequence
whose first digit says what was registered (0-3 domestic enterprises, 4-5 foreign-invested ones, 6-9
individual businesses), and a check digit by ISO 7064 MOD 11,10 (GB/T 17710), which python-stdnum's
``iso7064.mod_11_10`` computes. Numbers issued before that rule took effect (2007) have 13 digits and
no check character: they are accepted with ``has_check_character: False``, as passports are, since a
typing error in them cannot be detected. Every other length is refused.

An individual business that has no USCC writes ``USCC_PLACEHOLDER`` in the USCC column of the
double-publicity files and gives this number instead (see ``standards/double-publicity.yaml``);
``check_identifier`` refuses the placeholder as an identifier with a message saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stdnum.iso7064 import mod_11_10

from xinyong.domain.platform.citizen import CITIZEN_ID_PROVINCE_PREFIXES
from xinyong.domain.platform.kinds import IdentifierKind, SubjectKind

__all__ = ["INDIVIDUAL_BUSINESS_SEQUENCE_DIGITS", "USCC_PLACEHOLDER", "RegistrationNumberReading",
           "read_registration_number", "registration_number_check_digit"]

USCC_PLACEHOLDER = "00000000000000000X"
INDIVIDUAL_BUSINESS_SEQUENCE_DIGITS = frozenset("6789")
_CURRENT, _LEGACY = 15, 13
_NATIONAL_AUTHORITY_PREFIX = "10"
_ORGS = (SubjectKind.legal_person, SubjectKind.unincorporated_org)


def registration_number_check_digit(first14: str) -> str:
    """The GS15-2006 check digit of the first 14 digits (ISO 7064 MOD 11,10)."""
    return mod_11_10.calc_check_digit(first14[:14])


@dataclass(frozen=True, slots=True)
class RegistrationNumberReading:
    """What ``read_registration_number`` found: either ``problem`` (a reason code, Chinese and English
    messages) or the subject kinds of a valid number; ``details`` either way."""

    subject_kinds: tuple[SubjectKind, ...] = ()
    details: dict[str, object] = field(default_factory=dict, hash=False)
    problem: tuple[str, str, str] | None = None


def read_registration_number(s: str) -> RegistrationNumberReading:
    """Read a normalised value (ASCII letters and digits, upper case) as a 工商注册号.

    ``problem`` is ``(reason, zh, en)`` with ``reason`` one of ``identifiers.Reason``'s values
    (``length``, ``character``, ``division``, ``checksum``)."""
    kind = IdentifierKind.registration_no.value
    for i, ch in enumerate(s):
        if not ch.isdigit():
            return RegistrationNumberReading(problem=(
                "character", f"第{i + 1}位字符“{ch}”无效：工商注册号只由数字组成",
                f"character '{ch}' at position {i + 1} is not allowed: a registration number (工商注册号) "
                "consists of digits"), details={"position": i + 1, "character": ch})
    if len(s) not in (_CURRENT, _LEGACY):
        return RegistrationNumberReading(problem=(
            "length", f"工商注册号应为15位（2007年以前核发的为13位），实际为{len(s)}位",
            f"a registration number (工商注册号) has 15 digits (13 if issued before 2007), this one has "
            f"{len(s)}"), details={"length": len(s)})
    authority = s[:6]
    if authority[:2] not in CITIZEN_ID_PROVINCE_PREFIXES | {_NATIONAL_AUTHORITY_PREFIX}:
        return RegistrationNumberReading(problem=(
            "division", f"前6位登记机关代码{authority}的前两位“{authority[:2]}”不是省级行政区划代码",
            f"the registration authority code {authority} (positions 1-6) does not start with a "
            f"province-level code: '{authority[:2]}'"), details={"division": authority})
    details: dict[str, object] = {"registration_authority_code": authority, "kind": kind}
    if len(s) == _LEGACY:
        details["has_check_character"] = False
        return RegistrationNumberReading((*_ORGS, SubjectKind.individual_business), details)
    expected = registration_number_check_digit(s)
    if s[14] != expected:
        return RegistrationNumberReading(problem=(
            "checksum", f"校验码应为“{expected}”，实际为“{s[14]}”，工商注册号可能输错",
            f"the check digit should be '{expected}', not '{s[14]}': the registration number is probably "
            "mistyped"), details={"expected_check_character": expected})
    details["has_check_character"] = True
    if s[6] in INDIVIDUAL_BUSINESS_SEQUENCE_DIGITS:
        details["registered_as"] = "individual_business"
        return RegistrationNumberReading((SubjectKind.individual_business,), details)
    details["registered_as"] = "enterprise"
    return RegistrationNumberReading(_ORGS, details)
