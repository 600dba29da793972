"""A row laid out in a national standard (``layouts``), checked as the standard implies before the row
validator sees it, and the validator's verdict told in the standard's own headers.

``prepare(layout, row, cells, received_on)`` returns the row for ``RowValidator.validate`` and the errors
the standard implies (issue 16 part 2), each naming the row, the standard's header and the reason in
Chinese and English (reason codes in ``rows.REASONS``):

* cells the layout cannot read: a code not in its code table (the allowed codes listed), a date or an
  amount that is not one (``field_type``), an amount in 万元 with more than six decimals;
  columns the layout does not have (``unknown_column``);
* required fields by 行政相对人类别: a natural person needs 证件类型 and 证件号码; a legal person or
  individual business the USCC (an individual business without one: the placeholder
  ``00000000000000000X`` and its 工商注册号, ``placeholder_not_allowed`` for anyone else) and 法定代表人;
* every USCC's check character (the deciding body's and the data source's: ``code_invalid``; the
  subject's by the row validator, ``identifier_invalid``, named by the standard's header),
  a legal representative's citizen identity number (``identifier_invalid``);
* the decision date not after the day of receipt (``decision_date_in_future``; the platform's clock);
  有效期至 not before 有效期自 and 处罚有效期 not before the decision date (``date_order``);
* 公示截止期 against the decision (``publicity_until_inconsistent``): the hook ``publicity_until_problem``
  takes the decision date, the penalty kinds and 公示截止期; today it refuses an end before the decision;
  the publicity tiers' own check (NDRC Order 36 / 58) plugs in there.

* the decision date not before the subject existed, where that is known (``decision_before_subject``): a
  natural person's birth date, read from the citizen identity number (never echoed in the message), for
  every layout; an organisation's or individual business's establishment date, from its registration
  record on the platform (the ``established`` lookup the service hands in), for layouts that say
  ``after_establishment`` (a penalty: a permit may precede the company, a name reserved before it is
  registered).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from xinyong.domain.aggregation.convert import is_blank
from xinyong.domain.aggregation.layouts import CellProblem, Layout
from xinyong.domain.aggregation.rows import RowError, ValidRecord
from xinyong.domain.platform.citizen import is_citizen_id
from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier

# (decision date, penalty kind codes, 公示截止期) -> (zh, en) of what is wrong, or None.
PublicityCheck = Callable[[date, tuple[str, ...], date], tuple[str, str] | None]
# An organisation's identifier -> the day it was established, where the platform knows it.
Established = Callable[[str], date | None]
ESTABLISHED_FIELD = "established_on"
"""The basic-information field that states the day an organisation was established (成立日期)."""


def birth_date(number: str) -> date | None:
    """The birth date a valid citizen identity number carries (digits 7-14), or None."""
    if not is_citizen_id(number):
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def publicity_until_problem(decision: date, kinds: tuple[str, ...], until: date) -> tuple[str, str] | None:
    """The hook for 公示截止期 (CF_GSJZQ): is the end of publicity consistent with the decision? Today only
    an end before the decision date is refused; the publicity tiers (minor / general / serious, from the
    rule file in force) are checked by the function handed to ``prepare`` as ``publicity``."""
    if until < decision:
        return ("公示截止期早于处罚决定日期", "the end of publicity is before the decision date")
    return None


@lru_cache(maxsize=4096)
def _uscc_problem(value: str) -> tuple[str, str] | None:
    """Why a USCC is invalid (both languages), or None; the deciding body's and the data source's
    codes repeat on every row of a file."""
    check = check_identifier(value, hint=IdentifierKind.uscc)
    return None if check.valid else (check.message_zh, check.message_en)


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None


def prepare(layout: Layout, row: int, cells: Mapping[str, Any], *, received_on: date,
            publicity: PublicityCheck | None = None,
            established: Established | None = None) -> tuple[dict[str, Any], list[RowError]]:
    """The validator's row and the errors the standard implies (see the module docstring)."""
    problems: list[CellProblem] = []
    by_column, unknown = layout.read_cells(cells)
    out = layout.to_row(cells, problems, by_column)
    errors = [RowError(row, p.header, p.code, p.zh, p.en) for p in problems]
    seen = {e.field for e in errors}

    def add(header: str, code: str, zh: str, en: str) -> None:
        if header not in seen:
            seen.add(header)
            errors.append(RowError(row, header, code, zh, en))

    for header in unknown:
        add(header[:100], "unknown_column", f"{layout.title_zh}标准中没有“{header[:100]}”这一列",
            f"the {layout.title_en} layout has no column {header[:100]!r}")
    category = out.get("subject_category")
    category_zh = next((k for k, v in layout.tables["subject_category"].items() if v == category), "")
    for column in layout.columns:
        if column.header in seen or not is_blank(by_column.get(column)):
            continue
        if column.required_for(category):
            suffix_zh = f"（{category_zh}）" if not isinstance(column.required, bool) else ""
            suffix_en = f" (for a {category_zh})" if not isinstance(column.required, bool) else ""
            add(column.header, "field_required", f"必填字段“{column.header}”为空{suffix_zh}",
                f"the required field {column.header!r} is empty{suffix_en}")

    # The codes and their check characters.
    for column in layout.columns:
        if column.convert != "uscc" or column.header in seen:
            continue
        value = out.get(column.to) if column.to != "identifier" else None
        if column.to == "identifier":
            raw = by_column.get(column)
            value = None if is_blank(raw) else str(raw).strip().upper()
            if value == layout.placeholder_uscc:
                if category != "individual_business":
                    add(column.header, "placeholder_not_allowed",
                        f"只有个体工商户可用“{layout.placeholder_uscc}”代替统一社会信用代码",
                        f"only an individual business may give {layout.placeholder_uscc} instead of a "
                        f"unified social credit code")
                else:
                    registration = layout.column_to("registration_number")
                    if registration is not None and is_blank(by_column.get(registration)):
                        add(registration.header, "field_required",
                            f"统一社会信用代码为“{layout.placeholder_uscc}”时，“{registration.header}”必填",
                            f"{registration.header!r} is required when the unified social credit code is "
                            f"{layout.placeholder_uscc}")
                continue
            if category == "natural_person" and value:
                add(column.header, "placeholder_not_allowed", "自然人不填统一社会信用代码，请填写证件类型和证件号码",
                    "a natural person has no unified social credit code: give 证件类型 and 证件号码")
            continue     # the subject's own code: the row validator checks it (identifier_invalid), cached
        if not isinstance(value, str) or not value:
            continue
        problem = _uscc_problem(value)
        if problem is not None:
            add(column.header, "code_invalid", f"“{column.header}”无效：{problem[0]}",
                f"{column.header!r} is invalid: {problem[1]}")
    representative = layout.column_to("legal_representative_id_number")
    number = out.get("legal_representative_id_number")
    if (representative is not None and isinstance(number, str)
            and out.get("legal_representative_id_type") == "resident_id_card" and not is_citizen_id(number)):
        add(representative.header, "identifier_invalid", f"“{representative.header}”不是有效的公民身份号码",
            f"{representative.header!r} is not a valid citizen identity number")

    # Dates.
    decided = _date(out.get(layout.decision_date))
    decision_header = layout.header_of(layout.decision_date) or layout.decision_date
    if decided is not None and decided > received_on:
        add(decision_header, "decision_date_in_future",
            f"“{decision_header}”{decided.isoformat()} 晚于接收之日 {received_on.isoformat()}",
            f"{decision_header!r} {decided.isoformat()} is after the day of receipt {received_on.isoformat()}")
    identifier = out.get("identifier")
    if decided is not None and isinstance(identifier, str) and identifier:
        if category == "natural_person":
            born = birth_date(identifier.upper())
            if born is not None and decided < born:
                add(decision_header, "decision_before_subject",
                    f"“{decision_header}”{decided.isoformat()} 早于当事人的出生日期（据其证件号码）",
                    f"{decision_header!r} {decided.isoformat()} is before the person's birth date (by the "
                    f"identity number)")
        elif layout.after_establishment and established is not None:
            founded = established(identifier)
            if founded is not None and decided < founded:
                add(decision_header, "decision_before_subject",
                    f"“{decision_header}”{decided.isoformat()} 早于该主体的成立日期 {founded.isoformat()}",
                    f"{decision_header!r} {decided.isoformat()} is before the subject was established on "
                    f"{founded.isoformat()}")
    starts = _date(out.get("valid_from"))
    ends = _date(out.get("valid_until"))
    if starts is not None and ends is not None and ends < starts:
        header = layout.header_of("valid_until") or "valid_until"
        add(header, "date_order", f"“{header}”早于“{layout.header_of('valid_from')}”",
            f"{header!r} is before {layout.header_of('valid_from')!r}")
    valid_until = _date(out.get("penalty_valid_until"))
    if decided is not None and valid_until is not None and valid_until < decided:
        header = layout.header_of("penalty_valid_until") or "penalty_valid_until"
        add(header, "date_order", f"“{header}”早于“{decision_header}”",
            f"{header!r} is before {decision_header!r}")
    publicity_until = _date(out.get("publicity_until"))
    if decided is not None and publicity_until is not None:
        kinds = tuple(k for k in str(out.get("penalty_kinds") or "").split(";") if k)
        found = publicity_until_problem(decided, kinds, publicity_until)
        if found is None and publicity is not None:
            found = publicity(decided, kinds, publicity_until)
        if found is not None:
            header = layout.header_of("publicity_until") or "publicity_until"
            add(header, "publicity_until_inconsistent", f"“{header}”{found[0]}", f"{header!r}: {found[1]}")
    return out, errors


_DERIVED = frozenset({"record_key", "identifier", "identifier_kind", "subject_kind"})


def verdict(layout: Layout, row_values: Mapping[str, Any], standard_errors: list[RowError],
            result: ValidRecord | list[RowError]) -> ValidRecord | list[RowError]:
    """The validator's result with the standard's errors first, every field named by the standard's
    header; an error about a header the standard's checks already named is not repeated."""
    if not isinstance(result, list):
        return result if not standard_errors else list(standard_errors)
    category = row_values.get("subject_category")
    seen = {e.field for e in standard_errors}
    out = list(standard_errors)
    for error in result:
        if standard_errors and error.field in _DERIVED:
            continue     # the record key and the subject derive from cells the standard's checks named
        header = layout.header_of(error.field, category if isinstance(category, str) else None)
        if header in seen:
            continue
        out.append(RowError(error.row, header, error.code, error.message_zh, error.message_en))
    return out


__all__ = ["ESTABLISHED_FIELD", "Established", "PublicityCheck", "birth_date", "prepare", "publicity_until_problem",
           "verdict"]
