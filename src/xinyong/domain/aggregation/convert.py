"""Cell converters: a raw cell (text from a CSV, a spreadsheet value, a JSON scalar) turned into the value
a catalog field stores, or ``Invalid`` with the reason code and both messages. One converter per catalog
field, built once per item by ``converter``: plain functions, fast on text input. ``is_blank`` and
``cell_text`` are the row validator's view of any cell (envelope columns included)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyong.domain.catalog.items import FieldSpec, FieldType

_TRUE = frozenset({"true", "1", "yes", "y", "t", "是", "对", "真"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "否", "错", "假"})
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_PLAIN_DIGITS = 15    # a decimal cell of at most this many ASCII digits alone is a whole number, written as such


def is_blank(value: Any) -> bool:
    """An empty cell: None, or text that is empty or only white space."""
    return value is None or (value.__class__ is str and (not value or value.isspace()))


def cell_text(value: Any) -> str | None:
    """A scalar as trimmed text; None for nested values (lists, objects)."""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


class Invalid(Exception):
    """A cell a converter refuses: the reason code and the messages that follow the field's label."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


_NOT_TEXT = Invalid("field_type", "应为文本", "must be text")
_NOT_DATE = Invalid("field_type", "应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)")
_NOT_BOOLEAN = Invalid("field_type", "应为是或否", "must be true or false (是/否)")
_NOT_INTEGER = Invalid("field_type", "应为整数", "must be a whole number")
_NOT_NUMBER = Invalid("field_type", "应为数字", "must be a number")
_BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def _as_text(raw: Any) -> str:
    text = raw.strip() if isinstance(raw, str) else cell_text(raw)
    if text is None:
        raise _NOT_TEXT
    return text


def _convert_date(raw: Any) -> str:
    if isinstance(raw, str) and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise _NOT_DATE from None
    value = parse_date(raw)
    if value is None:
        raise _NOT_DATE
    return value.isoformat()


def _convert_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = cell_text(raw)
    found = _BOOLEANS.get(text.casefold()) if text is not None else None
    if found is None:
        raise _NOT_BOOLEAN
    return found


def _convert_integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise _NOT_INTEGER
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and not raw.is_integer():
        raise _NOT_INTEGER
    text = cell_text(raw)
    if text is None or not _INTEGER.match(text):
        raise _NOT_INTEGER
    return int(text)


def _convert_decimal(raw: Any) -> str:
    if isinstance(raw, bool):
        raise _NOT_NUMBER
    text = cell_text(raw)
    if text is not None and len(text) <= _PLAIN_DIGITS and text.isdigit() and text.isascii():
        return str(int(text))    # what the normalised Decimal writes for a whole number of so few digits
    try:
        number = Decimal(text.replace(",", "")) if text is not None and len(text) <= 40 else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _NOT_NUMBER
    return format(number.normalize(), "f") if number != 0 else "0"


_MULTI_SEPARATORS = re.compile(r"[;；、,，]")


def _multi_enum(choices: tuple[str, ...]) -> Any:
    """Several choices in one cell (``fine;warning``, also separated by ；、, or ，, or a JSON list):
    stored as their codes joined by ``;`` in the order of the choices, each once."""
    allowed = frozenset(choices)
    wrong_zh, wrong_en = f"应为以下之一或多个（以“;”分隔）：{'、'.join(choices)}", \
        f"must be one or more of (separated by ';'): {', '.join(choices)}"

    def convert_multi_enum(raw: Any) -> str:
        parts = [cell_text(p) for p in raw] if isinstance(raw, list) else _MULTI_SEPARATORS.split(_as_text(raw))
        found = {p.strip() for p in parts if p is not None and p.strip()}
        if not found or None in parts or not found <= allowed:
            raise Invalid("field_choice", wrong_zh, wrong_en)
        return ";".join(c for c in choices if c in found)

    return convert_multi_enum


def converter(spec: FieldSpec) -> Any:
    """The function that turns a raw cell into the field's stored value, or raises ``Invalid``."""
    if spec.type is FieldType.date:
        return _convert_date
    if spec.type is FieldType.boolean:
        return _convert_boolean
    if spec.type is FieldType.integer:
        return _convert_integer
    if spec.type is FieldType.decimal:
        return _convert_decimal
    if spec.type is FieldType.multi_enum:
        return _multi_enum(spec.choices)
    if spec.type is FieldType.enum:
        choices = frozenset(spec.choices)
        wrong = Invalid("field_choice", f"应为以下之一：{'、'.join(spec.choices)}",
                         f"must be one of: {', '.join(spec.choices)}")

        def convert_enum(raw: Any) -> str:
            text = _as_text(raw)
            if text not in choices:
                raise wrong
            return text

        return convert_enum
    limit = spec.max_length
    too_long = Invalid("field_too_long", f"超过 {limit} 个字符", f"is longer than {limit} characters")

    def convert_text(raw: Any) -> str:
        text = _as_text(raw)
        if limit is not None and len(text) > limit:
            raise too_long
        return text if text.isascii() else unicodedata.normalize("NFC", text)

    return convert_text
