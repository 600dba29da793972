"""Natural persons' personal data written inside free text (``domain.personal_data``): found at intake
(refused or stored masked, as the catalog field says) and masked when served to anyone but the person.

The penalty in the outside probe read "法定代表人张明（公民身份号码500103198503121234）…" and was served
unmasked to the public; each case here is a shape a department writes.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_validation import GANSU, TODAY, USCC, Lookups, _item, penalty_row

from xinyong.domain.aggregation.rows import RowError, ValidRecord
from xinyong.domain.aggregation.validation import RowValidator
from xinyong.domain.catalog.items import PersonalData, check_item, field_from_dict, field_to_dict
from xinyong.domain.disclosure.policy import mask_payload, personal_fields
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import citizen_id_check_character
from xinyong.domain.subjects.personal_data import Found, find, holds, mask_text

PROBE = "法定代表人张明（公民身份号码500103198503121234）未按规定公示年度报告"
BODY = "11010519491231002"
CITIZEN = BODY + citizen_id_check_character(BODY)          # 11010519491231002X
WRONG_CHECK = BODY + ("0" if CITIZEN[-1] != "0" else "1")


def kinds(text: str) -> list[Found]:
    return [f.kind for f in find(text)]


# --- the detector ----------------------------------------------------------------------------------

def test_the_probes_penalty_names_a_person_and_the_persons_identity_number() -> None:
    found = find(PROBE)
    assert [(f.kind, f.value) for f in found] == [(Found.name, "张明"), (Found.citizen_id, "500103198503121234")]
    assert mask_text(PROBE) == "法定代表人张*（公民身份号码500103********1234）未按规定公示年度报告"


@pytest.mark.parametrize(("text", "expected"), [
    (f"当事人李华，身份证号{CITIZEN}。", [Found.name, Found.citizen_id]),
    (f"张三，身份证号 {CITIZEN}", [Found.name, Found.citizen_id]),
    ("经营者：王五，联系电话138-1234-5678", [Found.name, Found.phone]),
    ("联系电话+86 139 1234 5678", [Found.phone]),
    ("负责人为欧阳娜娜。", [Found.name]),
    ("护照号码E12345678，通行证H1234567890", [Found.passport, Found.passport]),
    # Full-width digits, as some office software writes them.
    ("法定代表人张明（公民身份号码５００１０３１９８５０３１２１２３４）", [Found.name, Found.citizen_id]),
])
def test_personal_data_as_departments_write_it_is_found(text: str, expected: list[Found]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize("text", [
    f"文书编号示市监罚〔2025〕1号，罚款10000元，统一社会信用代码{USCC}",
    f"号码{WRONG_CHECK}的校验码不对",           # 18 digits that are no identity number: not personal
    "申请人应当在三十日内提交材料",              # a role word followed by prose, not a name
    "当事人未按期履行生效法律文书确定的义务",
    "2025年3月15日至2026年3月14日",
    "",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert find(text) == [] and mask_text(text) == text and not holds(text)


def test_a_known_name_is_masked_wherever_it_occurs_and_kept_names_are_kept() -> None:
    text = f"John Smith 与张明共同实施，张明身份证号{CITIZEN}"
    assert mask_text(text, names=("John Smith",)) == "J*** S**** 与张明共同实施，张*身份证号110105********002X"
    # The viewer's own name and number stay as written.
    assert mask_text(text, keep=("张明", CITIZEN)) == text


def test_a_phone_number_keeps_its_first_three_and_last_four_digits() -> None:
    assert mask_text("电话13812345678") == "电话138****5678"
    assert mask_text("电话138-1234-5678") == "电话138-****-5678"


@given(st.text(alphabet="张明李华法定代表人，（）0123456789X 公民身份号码", max_size=60))
def test_masking_is_stable_and_never_longer(text: str) -> None:
    once = mask_text(text)
    assert len(once) == len(text)
    assert mask_text(once) == once


# --- the access policy -----------------------------------------------------------------------------

def test_an_organisations_record_carrying_a_person_in_its_facts_is_masked_for_its_viewers() -> None:
    payload = {"violation_facts": PROBE, "fine_amount": "10000", "legal_representative": "张明"}
    declared = {"legal_representative": "name"}
    fields = personal_fields(payload, "legal_person", declared)
    assert fields == ("legal_representative", "violation_facts")
    served = mask_payload(payload, fields, declared=declared)
    assert served == {"violation_facts": "法定代表人张*（公民身份号码500103********1234）未按规定公示年度报告",
                      "fine_amount": "10000", "legal_representative": "张*"}


def test_a_declared_name_is_masked_where_the_facts_repeat_it() -> None:
    payload = {"facts": "冯翀翙未按规定申报", "legal_representative": "冯翀翙"}
    declared = {"legal_representative": "name"}
    served = mask_payload(payload, personal_fields(payload, "legal_person", declared), declared=declared)
    assert "冯翀翙" not in str(served)


def test_the_subject_itself_sees_its_own_number_but_not_another_persons() -> None:
    other = "110101199003070" + "01"
    other += citizen_id_check_character(other)
    payload = {"summary": f"本人身份证号{CITIZEN}，与当事人李华（身份证号{other}）共同实施"}
    served = mask_payload(payload, (), keep=("张明", CITIZEN))
    assert CITIZEN in served["summary"] and other not in served["summary"] and "李华" not in served["summary"]


# --- the catalog ------------------------------------------------------------------------------------

def test_a_field_declares_how_personal_data_is_handled_and_the_default_is_left_out() -> None:
    spec = field_from_dict({"name": "facts", "type": "text", "label_zh": "事实", "label_en": "facts"})
    assert spec.personal_data is PersonalData.refuse
    assert "personal_data" not in field_to_dict(spec)       # older catalog versions keep their content
    masked = field_from_dict({"name": "facts", "type": "text", "label_zh": "事实", "label_en": "facts",
                              "personal_data": "mask"})
    assert field_to_dict(masked)["personal_data"] == "mask"
    with pytest.raises(Refusal):
        field_from_dict({"name": "facts", "type": "text", "label_zh": "事实", "label_en": "facts",
                         "personal_data": "publish"})


def test_only_text_fields_declare_personal_data_handling() -> None:
    item = _item("bad_item", fields=[{"name": "fine", "type": "decimal", "label_zh": "罚款", "label_en": "fine",
                                      "personal_data": "name"}], category="other",
                 legal_document_required=False, penalty_item=False)
    with pytest.raises(Refusal) as caught:
        check_item(item)
    assert caught.value.reason == "bad_personal_data"


# --- intake -------------------------------------------------------------------------------------------

def _validate(row: dict[str, object], item=None):  # type: ignore[no-untyped-def]
    lookups = Lookups()
    if item is not None:
        lookups.items[item.code] = item
        lookups.granted.add(item.code)
    return RowValidator(GANSU, lookups, received_on=TODAY).validate(2, row)


def test_an_identity_number_in_free_text_refuses_the_row_naming_the_field_and_never_the_number() -> None:
    result = _validate(penalty_row(violation_facts=PROBE))
    assert isinstance(result, list)
    error = next(e for e in result if e.field == "violation_facts")
    assert isinstance(error, RowError) and error.code == "personal_data_in_text"
    assert "公民身份号码" in error.message_zh and "citizen identity number" in error.message_en
    assert "500103198503121234" not in error.message_zh + error.message_en


@pytest.mark.parametrize("facts", ["当事人手机13812345678", "当事人护照号码E12345678"])
def test_phone_and_passport_numbers_refuse_the_row_too(facts: str) -> None:
    result = _validate(penalty_row(violation_facts=facts))
    assert isinstance(result, list) and [e.code for e in result] == ["personal_data_in_text"]


def test_a_field_the_catalog_marks_mask_stores_the_numbers_masked() -> None:
    base = _item("admin_penalty")
    fields = [field_to_dict(f) for f in base.fields]
    for f in fields:
        if f["name"] == "violation_facts":
            f["personal_data"] = "mask"
    item = _item("masked_penalty", fields=fields)
    result = _validate(penalty_row(item="masked_penalty", violation_facts=PROBE), item)
    assert isinstance(result, ValidRecord)
    assert result.payload["violation_facts"] == "法定代表人张明（公民身份号码500103********1234）未按规定公示年度报告"


def test_a_clean_row_is_accepted_unchanged() -> None:
    result = _validate(penalty_row())
    assert isinstance(result, ValidRecord) and result.payload["violation_facts"] == "未按规定公示年度报告。"


@given(st.text(alphabet="0123456789０１２３４５６７８９EGHX+-— 法定代表人当事人张明李华（）", max_size=40))
def test_the_cheap_first_look_never_skips_what_the_detector_would_find(text: str) -> None:
    from xinyong.domain.subjects.personal_data import _may_hold

    if find(text):
        assert _may_hold(text, ())
