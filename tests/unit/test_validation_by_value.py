"""The row validator converts and scans each distinct cell of a column once (``validation._by_value``,
``RowValidator._numbers_in``) and reuses the answer for the rows that repeat it, as a bulk file's columns
do. A property test: over generated sequences of rows, good and bad ones mixed, with values repeated
across rows, that validator gives exactly the answers (records, or errors with their row, field, reason
and both messages) of a validator that works every cell out afresh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.aggregation import validation
from xinyong.domain.aggregation.law import AggregationLaw, Cited
from xinyong.domain.aggregation.rows import ItemRefusal
from xinyong.domain.catalog.items import CatalogItemSpec, item_from_dict
from xinyong.domain.subjects.identifiers import citizen_id_check_character, uscc_check_character
from xinyong.domain.subjects.personal_data import find as find_personal_data

TODAY = date(2026, 3, 18)
USCC = "91620100MA0000001"
USCC += uscc_check_character(USCC)
CITIZEN = "62010219800101001"
CITIZEN += citizen_id_check_character(CITIZEN)

PENALTY = item_from_dict({
    "code": "admin_penalty", "name_zh": "行政处罚信息", "name_en": "Administrative penalties",
    "category": "untrustworthiness", "origin": "public",
    "subject_kinds": ["legal_person", "unincorporated_org", "natural_person"],
    "legal_document_required": True, "penalty_item": True, "disclosure_class": "public",
    "display_rule": None, "counts_from_field": None, "sharing_category": "unconditional",
    "usage_authorization": "public", "data_format": "CSV", "update_period": "7 working days",
    "allowed_by": "Art. 14(1)(2)",
    "fields": [
        {"name": "document_kind", "type": "enum", "required": True, "label_zh": "法律文书类型",
         "label_en": "kind of document", "choices": ["administrative_penalty_decision", "court_judgment"]},
        {"name": "document_number", "type": "string", "required": True, "label_zh": "文书编号",
         "label_en": "document number", "max_length": 12},
        {"name": "document_date", "type": "date", "required": True, "label_zh": "文书日期",
         "label_en": "document date"},
        {"name": "document_issuer", "type": "string", "required": True, "label_zh": "作出机关",
         "label_en": "issuing body", "max_length": 200, "personal_data": "mask"},
        {"name": "penalty_kinds", "type": "multi_enum", "required": False, "label_zh": "处罚类别",
         "label_en": "kinds of penalty", "choices": ["fine", "warning"]},
        {"name": "fine_amount", "type": "decimal", "required": False, "label_zh": "罚款金额（元）",
         "label_en": "fine in yuan"},
        {"name": "days", "type": "integer", "required": False, "label_zh": "天数", "label_en": "days"},
        {"name": "violation_facts", "type": "text", "required": True, "label_zh": "违法事实",
         "label_en": "facts of the violation", "max_length": 40},
        {"name": "simplified_procedure", "type": "boolean", "required": True, "label_zh": "是否适用简易程序",
         "label_en": "simplified procedure"},
        {"name": "slight_or_harm_eliminated", "type": "boolean", "required": True,
         "label_zh": "是否轻微或已主动消除危害后果", "label_en": "slight or remedied"},
    ],
})
LAW = AggregationLaw(
    "test-law", catalog_required=Cited(True, "Art. 10(1)"), legal_effect_document=Cited(True, "Art. 14(2)"),
    exclude_simplified_procedure=Cited(True, "Art. 14(1)(2)"), forbidden=Cited(("blood_type",), "Art. 18(2)"))
VOCABULARY = {"blood_type": {"zh": ["血型"], "en": ["blood type"]}}


class Lookups:
    def item(self, code: str) -> CatalogItemSpec | ItemRefusal:
        return PENALTY if code == "admin_penalty" else ItemRefusal("item_unknown", "未列入目录", "in no catalog")

    def consent_recorded(self, reference: str, identifier: str, categories: frozenset[str]) -> bool:
        return False

    def notice_recorded(self, reference: str, identifier: str, item_code: str) -> bool:
        return False


# Few values per column, good and bad, so that the rows repeat them (the case the reuse is for).
CELLS = {
    "item": ["admin_penalty", "admin_penalty", "no_such_item", ""],
    "record_key": ["CF-1", "CF-2", "", "  "],
    "identifier": [USCC, CITIZEN, USCC[:-1] + ("0" if USCC[-1] != "0" else "1")],
    "subject_name": ["示范有限公司", ""],
    "document_kind": ["administrative_penalty_decision", "court_judgment", "memo", "", " "],
    "document_number": ["罚〔2025〕1号", "罚〔2025〕1号罚〔2025〕1号", ""],
    "document_date": ["2025-04-01", "2025/4/3", "2025年4月5日", "20250406", "2025-13-45", "last spring", ""],
    "document_issuer": ["市市场监督管理局", f"联系人 {CITIZEN}", "电话 13912345678", ""],
    "penalty_kinds": ["fine", "fine;warning", "警告", "", "warning、fine"],
    "fine_amount": ["1,000.50", "0", "0.00", "abc", "1e3", "", "-5"],
    "days": ["3", "+4", "3.5", "x", ""],
    "violation_facts": ["未按规定公示年度报告。", "员工体检记录含有血型信息。", "长" * 41, f"当事人{CITIZEN}", ""],
    "simplified_procedure": ["否", "是", "maybe", "", "false"],
    "slight_or_harm_eliminated": ["否", "true", "0", ""],
}
COLUMNS = list(CELLS)

rows_strategy = st.lists(st.tuples(*(st.sampled_from(CELLS[c]) for c in COLUMNS)), min_size=1, max_size=40)


@contextmanager
def _no_reuse() -> Iterator[None]:
    saved = validation._by_value
    validation._by_value = lambda convert: convert
    try:
        yield
    finally:
        validation._by_value = saved


def _fresh_validator() -> validation.RowValidator:
    """A validator that works out every cell afresh: no per-value reuse."""
    validator = validation.RowValidator(LAW, Lookups(), received_on=TODAY, vocabulary=VOCABULARY)
    validator._numbers_in = lambda text: find_personal_data(text, numbers_only=True)  # type: ignore[method-assign]
    return validator


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy)
def test_reused_answers_are_the_answers_of_each_cell_afresh(rows) -> None:
    reusing = validation.RowValidator(LAW, Lookups(), received_on=TODAY, vocabulary=VOCABULARY)
    with _no_reuse():
        fresh = _fresh_validator()
        expected = [fresh.validate(n, dict(zip(COLUMNS, cells, strict=True))) for n, cells in enumerate(rows, 2)]
    got = [reusing.validate(n, dict(zip(COLUMNS, cells, strict=True))) for n, cells in enumerate(rows, 2)]
    # ... and again: every answer now comes from what the first pass remembered.
    again = [reusing.validate(n, dict(zip(COLUMNS, cells, strict=True))) for n, cells in enumerate(rows, 2)]
    assert got == expected
    assert again == expected


def test_a_remembered_refusal_is_the_refusal_and_memory_stays_bounded(monkeypatch) -> None:
    monkeypatch.setattr(validation, "_VALUE_CACHE_LIMIT", 5)
    calls: list[str] = []

    def convert(raw: str) -> str:
        calls.append(raw)
        if raw == "bad":
            raise validation.Invalid("field_type", "应为日期", "must be a date")
        return raw.upper() if isinstance(raw, str) else raw

    by_value = validation._by_value(convert)
    assert [by_value("a"), by_value("a")] == ["A", "A"]
    depths = []
    for _ in range(3):
        try:
            by_value("bad")
        except validation.Invalid as bad:
            assert (bad.code, bad.zh, bad.en) == ("field_type", "应为日期", "must be a date")
            depth, tb = 0, bad.__traceback__
            while tb is not None:
                depth, tb = depth + 1, tb.tb_next
            depths.append(depth)
        else:
            raise AssertionError("a refused cell must be refused every time")
    assert depths[0] == depths[1] == depths[2]    # no traceback growing with every row
    assert calls == ["a", "bad"]
    assert by_value(7) == by_value(7) and calls.count(7) == 2   # only text cells are remembered
    for n in range(20):
        by_value(f"v{n}")
    assert by_value("a") == "A"          # forgotten past the limit, and worked out again
    assert calls.count("a") == 2
