"""The citizen identity number (公民身份号码, GB 11643-1999) as a value on its own: the one test of "this
is a citizen identity number" (:func:`is_citizen_id`) and what it rests on: the province-level prefixes
of the address code, the earliest birth date, the check character (ISO 7064 MOD 11-2).

It sits below every process, so that all who must recognise such a number ask the same test: the
subjects' checks (``domain.subjects.identifiers``, which explains with the same parts why a number is
not one) and personal-data detector, the access policy, and the audit ledger's facts (``domain.audit.
facts``, which refuses exactly what this accepts).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from stdnum.iso7064 import mod_11_2

from xinyong.domain.platform.clock import SystemClock

__all__ = ["CITIZEN_ID_PROVINCE_PREFIXES", "EARLIEST_BIRTH_DATE", "FOREIGN_PERMANENT_RESIDENT_PREFIX",
           "birth_date", "citizen_id_check_character", "default_today", "is_citizen_id"]

# GB/T 2260 province-level prefixes (first two digits of a citizen identity number's address code),
# plus 83: the address code 830000 that residence permits of residents from the region coded 71 carry
# under GB 11643 (81 and 82 likewise for the two special administrative regions).
CITIZEN_ID_PROVINCE_PREFIXES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)] + ["21", "22", "23"] + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)] + [str(n) for n in range(50, 55)] + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)
EARLIEST_BIRTH_DATE = date(1850, 1, 1)
FOREIGN_PERMANENT_RESIDENT_PREFIX = "9"
"""A number beginning with 9 is a foreign permanent resident ID card number (2023 issue): the same
structure and check, no province-level prefix."""

_AS_WRITTEN = re.compile(r"\d{17}[\dXx]")
_ASCII = re.compile(r"[0-9]{17}[0-9X]")


def citizen_id_check_character(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2, ``X`` for 10) of the first 17 digits."""
    return mod_11_2.calc_check_digit(first17[:17])


def birth_date(number: str) -> date | None:
    """The birth date of positions 7-14 of an 18-digit number, None where no such day exists."""
    text = number[6:14]
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def default_today() -> date:
    """The business date of the system clock: only for a caller that has no clock to pass ``today``."""
    return SystemClock().today()


def is_citizen_id(value: object, today: date | None = None) -> bool:
    """Whether ``value`` is, as written (surrounding white space aside), a valid citizen identity number:
    17 digits and a digit or ``X`` (either case; full-width digits read as digits) with a province-level
    address prefix, a birth date that exists, from 1850 to ``today`` (the system clock's business date
    when not given, read only for a number that passes everything else), and the right check character.
    A foreign permanent resident number, which has the same structure and check, is one too."""
    # Most values asked about (dates, codes, short text) are shorter than any identity number: no regex.
    if not isinstance(value, str) or len(value) < 18:
        return False
    text = value.strip()
    if not _AS_WRITTEN.fullmatch(text):
        return False
    number = unicodedata.normalize("NFKC", text).upper()
    if not _ASCII.fullmatch(number):
        return False
    if number[0] != FOREIGN_PERMANENT_RESIDENT_PREFIX and number[:2] not in CITIZEN_ID_PROVINCE_PREFIXES:
        return False
    birth = birth_date(number)
    if birth is None or birth < EARLIEST_BIRTH_DATE or number[17] != citizen_id_check_character(number):
        return False
    return birth <= (today if today is not None else default_today())
