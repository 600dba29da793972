"""The row validator's shortcuts give the answers of the long way (issue 17):

* a text is scanned for identity, passport and mobile numbers only if it holds seven digits in a row or
  three and four across a separator (``validation._NUMBER_HINT``): any text without that holds no number
  ``personal_data.find`` would find, in whatever script its digits are written;
* a decimal cell of a few ASCII digits is written as its whole number without ``Decimal``;
* a blank cell is tested inline: an empty cell, one of spaces (full-width ones included), a missing value
  (JSON ``null``) and a column left out of the file all get the same answer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.aggregation import convert, validation
from xinyong.domain.aggregation.convert import Invalid
from xinyong.domain.aggregation.law import AggregationLaw, Cited
from xinyong.domain.aggregation.rows import ItemRefusal, ValidRecord
from xinyong.domain.catalog.items import CatalogItemSpec, item_from_dict
from xinyong.domain.subjects.identifiers import citizen_id_check_character, uscc_check_character
from xinyong.domain.subjects.personal_data import find

TODAY = date(2026, 3, 18)
USCC = "91620100MA0000001"
USCC += uscc_check_character(USCC)
CITIZEN = "11010519491231002"
CITIZEN += citizen_id_check_character(CITIZEN)

# Digits of several scripts (``\d`` matches them all), separators, the letters numbers start with, prose.
DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩०१२३४५६७८९"
ALPHABET = DIGITS + "EGDSPHMXxｘＥ+-  　号码电话身份证护照（）:：,，"
_WIDE = str.maketrans("0123456789EX", "０１２３４５６７８９ＥＸ")


def _numbers(draw: st.DrawFn) -> str:
    """A number ``find`` looks for: a citizen identity number, a passport, a mobile number (its groups
    separated or not, with or without +86), in ASCII or full-width characters."""
    kind = draw(st.sampled_from(["citizen", "passport", "phone"]))
    if kind == "citizen":
        number = CITIZEN
    elif kind == "passport":
        number = draw(st.sampled_from(["E", "G", "D", "S", "P", "H", "M"])) + draw(st.from_regex(r"\A[0-9]{8}\Z")) \
            if draw(st.booleans()) else "E" + draw(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ")) \
            + draw(st.from_regex(r"\A[0-9]{7}\Z"))
    else:
        sep1, sep2 = draw(st.sampled_from(["", "-", " "])), draw(st.sampled_from(["", "-", " "]))
        digits = draw(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
        number = draw(st.sampled_from(["", "+86", "86-"])) + digits[:3] + sep1 + digits[3:7] + sep2 + digits[7:]
    return number.translate(_WIDE) if draw(st.booleans()) else number


@st.composite
def texts_with_numbers(draw: st.DrawFn) -> str:
    before = draw(st.text(alphabet="号码电话：，当事人", max_size=4))
    return before + _numbers(draw) + draw(st.text(alphabet="，。号", max_size=3))


@settings(max_examples=800, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=40) | st.text(max_size=40) | texts_with_numbers())
def test_a_text_without_the_hint_holds_no_number(text: str) -> None:
    if validation._NUMBER_HINT.search(text) is None:
        assert find(text, numbers_only=True) == []


@settings(max_examples=200, deadline=None)
@given(text=texts_with_numbers())
def test_every_kind_of_number_carries_the_hint(text: str) -> None:
    assert find(text, numbers_only=True), text      # the generator makes numbers find finds...
    assert validation._NUMBER_HINT.search(text)     # ...and none slips past the hint


@settings(max_examples=500, deadline=None)
@given(cell=st.from_regex(r"\A[ ]?[0-9]{1,32}[ ]?\Z") | st.text(alphabet="0123456789,.-+ ١²", max_size=20))
def test_a_plain_whole_number_is_written_as_the_decimal_converter_writes_it(cell: str) -> None:
    def decimal_way(raw: str) -> str:      # the converter before the shortcut
        text = raw.strip()
        try:
            number = Decimal(text.replace(",", "")) if len(text) <= 40 else None
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite():
            raise convert._NOT_NUMBER
        return format(number.normalize(), "f") if number != 0 else "0"

    try:
        expected: object = decimal_way(cell)
    except Invalid as refused:
        expected = refused
    try:
        got: object = convert._convert_decimal(cell)
    except Invalid as refused:
        got = refused
    assert got == expected


ITEM = item_from_dict({
    "code": "admin_penalty", "name_zh": "行政处罚信息", "name_en": "Administrative penalties",
    "category": "untrustworthiness", "origin": "public", "subject_kinds": ["legal_person", "natural_person"],
    "legal_document_required": True, "penalty_item": True, "disclosure_class": "public", "display_rule": None,
    "counts_from_field": None, "sharing_category": "unconditional", "usage_authorization": "public",
    "data_format": "CSV", "update_period": "7 working days", "allowed_by": "Art. 14(1)(2)",
    "fields": [
        {"name": "document_kind", "type": "enum", "required": True, "label_zh": "法律文书类型",
         "label_en": "kind of document", "choices": ["administrative_penalty_decision", "court_judgment"]},
        {"name": "document_number", "type": "string", "required": True, "label_zh": "文书编号",
         "label_en": "document number", "max_length": 100},
        {"name": "document_date", "type": "date", "required": True, "label_zh": "文书日期",
         "label_en": "document date"},
        {"name": "document_issuer", "type": "string", "required": True, "label_zh": "作出机关",
         "label_en": "issuing body", "max_length": 200},
        {"name": "fine_amount", "type": "decimal", "required": False, "label_zh": "罚款金额（元）",
         "label_en": "fine in yuan"},
        {"name": "violation_facts", "type": "text", "required": True, "label_zh": "违法事实",
         "label_en": "facts of the violation", "max_length": 200},
        {"name": "simplified_procedure", "type": "boolean", "required": False, "label_zh": "是否适用简易程序",
         "label_en": "simplified procedure"},
    ],
})
LAW = AggregationLaw("test-law", catalog_required=Cited(True, "Art. 10(1)"),
                     legal_effect_document=Cited(True, "Art. 14(2)"),
                     forbidden=Cited(("blood_type",), "Art. 18(2)"))
VOCABULARY = {"blood_type": {"zh": ["血型"], "en": ["blood type"]}}
ROW = {"item": "admin_penalty", "record_key": "CF-1", "identifier": USCC, "subject_name": "示范有限公司",
       "correction_reason": "金额更正", "document_kind": "administrative_penalty_decision",
       "document_number": "市监罚〔2025〕1号", "document_date": "2025-04-01", "document_issuer": "市市场监督管理局",
       "fine_amount": "1,000.50", "violation_facts": "未按规定公示年度报告。", "simplified_procedure": "否",
       "血型": "A", "备注": "另有说明"}
BLANKS = [None, "", " ", "\u3000", "\t \n", "\xa0"]


class Lookups:
    def item(self, code: str) -> CatalogItemSpec | ItemRefusal:
        return ITEM if code == "admin_penalty" else ItemRefusal("item_unknown", "未列入目录", "in no catalog")

    def consent_recorded(self, reference: str, identifier: str, categories: frozenset[str]) -> bool:
        return False

    def notice_recorded(self, reference: str, identifier: str, item_code: str) -> bool:
        return False

    def notice_for(self, identifier: str, item_code: str) -> str | None:
        return None


def _answer(row: dict[str, object]) -> object:
    validator = validation.RowValidator(LAW, Lookups(), received_on=TODAY, vocabulary=VOCABULARY)
    found = validator.validate(3, row)
    if isinstance(found, ValidRecord):
        return ("valid", found.record_key, found.subject_name, found.payload, found.digest, found.correction_reason)
    return [(e.field, e.code, e.message_zh, e.message_en) for e in found]


@settings(max_examples=300, deadline=None)
@given(emptied=st.dictionaries(st.sampled_from(sorted(ROW)), st.sampled_from(BLANKS), max_size=6))
def test_a_blank_cell_in_any_form_is_a_column_left_out(emptied: dict[str, object]) -> None:
    blanked = {**ROW, **emptied}
    without = {column: value for column, value in ROW.items() if column not in emptied}
    assert _answer(blanked) == _answer(without)


@pytest.mark.parametrize(("column", "refusal"), [
    ("document_number", ("document_number", "legal_document_missing")),
    ("violation_facts", ("violation_facts", "field_required")),
    ("identifier", ("identifier", "field_required")),
    ("item", ("item", "field_required")),
])
def test_a_blank_required_cell_is_refused_as_missing(column: str, refusal: tuple[str, str]) -> None:
    for blank in BLANKS:
        answer = _answer({**ROW, "血型": "", "备注": "", column: blank})
        assert isinstance(answer, list) and refusal in [(f, c) for f, c, _, _ in answer]


def test_a_cell_that_is_only_a_number_or_a_flag_is_not_blank() -> None:
    """JSON rows carry numbers and booleans: 0 and false are values, not empty cells."""
    answer = _answer({**ROW, "血型": None, "备注": None, "fine_amount": 0, "simplified_procedure": False})
    assert isinstance(answer, tuple)
    assert answer[3]["fine_amount"] == "0" and answer[3]["simplified_procedure"] is False
