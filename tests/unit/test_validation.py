"""Row validation (``domain.aggregation.validation``): one case per refusal reason, each named after its article.

The law is given as plain rule values (the shapes ``services.aggregation.law.law_in_force`` builds from the rule
files) so each case states exactly which rule decides it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from xinyong.domain.aggregation.categories import CategoryMatcher
from xinyong.domain.aggregation.law import AggregationLaw, Cited
from xinyong.domain.aggregation.rows import ItemRefusal, RowError, ValidRecord, content_digest
from xinyong.domain.aggregation.validation import RowValidator
from xinyong.domain.catalog.items import CatalogItemSpec, item_from_dict
from xinyong.domain.subjects.identifiers import citizen_id_check_character, uscc_check_character

TODAY = date(2026, 3, 18)
USCC = "91620100MA00000000"[:17]
USCC = USCC + uscc_check_character(USCC)
UNNOTIFIED = "91620100MA00000011"[:17]
UNNOTIFIED = UNNOTIFIED + uscc_check_character(UNNOTIFIED)   # a company no notice was recorded for
CITIZEN = "62010219800101001"
CITIZEN = CITIZEN + citizen_id_check_character(CITIZEN)

DOCUMENT = [
    {"name": "document_kind", "type": "enum", "required": True, "label_zh": "法律文书类型",
     "label_en": "kind of document",
     "choices": ["administrative_penalty_decision", "court_judgment"]},
    {"name": "document_number", "type": "string", "required": True, "label_zh": "文书编号",
     "label_en": "document number", "max_length": 100},
    {"name": "document_date", "type": "date", "required": True, "label_zh": "文书日期",
     "label_en": "document date"},
    {"name": "document_issuer", "type": "string", "required": True, "label_zh": "作出机关",
     "label_en": "issuing body", "max_length": 200},
]


def _item(code: str, **overrides: object) -> CatalogItemSpec:
    data: dict[str, object] = {
        "code": code, "name_zh": "行政处罚信息", "name_en": "Administrative penalties",
        "category": "untrustworthiness", "origin": "public",
        "subject_kinds": ["legal_person", "unincorporated_org", "natural_person"],
        "legal_document_required": True, "penalty_item": True, "disclosure_class": "public",
        "display_rule": None, "counts_from_field": None, "sharing_category": "unconditional",
        "usage_authorization": "public", "data_format": "CSV", "update_period": "7 working days",
        "allowed_by": "Art. 14(1)(2)",
        "fields": [*DOCUMENT,
                   {"name": "fine_amount", "type": "decimal", "required": False, "label_zh": "罚款金额（元）",
                    "label_en": "fine in yuan"},
                   {"name": "violation_facts", "type": "text", "required": True, "label_zh": "违法事实",
                    "label_en": "facts of the violation", "max_length": 200},
                   {"name": "simplified_procedure", "type": "boolean", "required": True,
                    "label_zh": "是否适用简易程序", "label_en": "simplified procedure"},
                   {"name": "slight_or_harm_eliminated", "type": "boolean", "required": True,
                    "label_zh": "是否轻微或已主动消除危害后果", "label_en": "slight or remedied"},
                   {"name": "conduct_ended", "type": "date", "required": False, "label_zh": "行为终止日期",
                    "label_en": "conduct ended on"}],
    }
    data.update(overrides)
    return item_from_dict(data)


PENALTY = _item("admin_penalty")
ORGANISATIONS_ONLY = _item("org_penalty", subject_kinds=["legal_person", "unincorporated_org"])
INCOME = _item("income_record", category="other", legal_document_required=False, penalty_item=False,
               consent_categories=["income"], subject_kinds=["natural_person"],
               fields=[{"name": "monthly_amount", "type": "integer", "required": True, "label_zh": "月度金额",
                        "label_en": "monthly amount"}])

VOCABULARY = {
    "religion": {"zh": ["宗教信仰", "宗教"], "en": ["religion", "religious belief"]},
    "blood_type": {"zh": ["血型"], "en": ["blood type", "blood group"]},
    "disease": {"zh": ["疾病", "病情"], "en": ["disease", "illness"]},
    "income": {"zh": ["收入", "工资"], "en": ["income", "salary"]},
    "real_estate": {"zh": ["不动产", "房产"], "en": ["real estate", "property"]},
}

GANSU = AggregationLaw(
    "gansu-2021",
    catalog_required=Cited(True, "GS Art. 10(1)"),
    legal_effect_document=Cited(True, "GS Art. 14(2)"),
    exclude_simplified_procedure=Cited(True, "GS Art. 14(1)(2)"),
    exclude_slight_or_remedied=Cited(True, "GS Art. 14(1)(2)"),
    forbidden=Cited(("religion", "blood_type", "disease"), "GS Art. 18(2)"),
    consent_only=Cited(("income", "real_estate"), "GS Art. 18(3)"),
)
SHANGHAI = replace(GANSU, jurisdiction="shanghai-2017", catalog_required=Cited(True, "SH Art. 11(1)"),
                   legal_effect_document=Cited(True, "SH Art. 11(1)"),
                   exclude_simplified_procedure=Cited(True, "SH Art. 9(2)(4)"),
                   exclude_slight_or_remedied=Cited(True, "SH Art. 9(2)(4)"),
                   forbidden=Cited(("religion", "blood_type", "disease"), "SH Art. 14(3)"))
HUBEI = AggregationLaw("hubei-2017-draft", catalog_required=Cited(True, "HB Art. 9(1)"),
                       prior_notice=Cited(True, "HB Art. 22(3)"),
                       forbidden=Cited(("religion", "blood_type", "disease"), "HB Art. 16(2)(1)"))
CHONGQING = AggregationLaw("chongqing-2021", catalog_required=Cited(True, "CQ Art. 16"),
                           legal_effect_document=Cited(True, "CQ Art. 21"))


class Lookups:
    """In-memory answers: the items in force, the unit's grants, recorded consents and notices."""

    def __init__(self) -> None:
        self.items = {spec.code: spec for spec in (PENALTY, ORGANISATIONS_ONLY, INCOME)}
        self.granted = {"admin_penalty", "org_penalty", "income_record"}
        self.consents = {("CONSENT-1", CITIZEN): frozenset({"income", "real_estate"})}
        self.notices = {("NOTICE-1", USCC, "admin_penalty")}

    def item(self, code: str) -> CatalogItemSpec | ItemRefusal:
        if code == "retired_item":
            return ItemRefusal("item_not_in_force", "不在现行目录中", "not in the catalog in force")
        if code not in self.items:
            return ItemRefusal("item_unknown", "未列入目录", "in no catalog")
        if code not in self.granted:
            return ItemRefusal("unit_not_granted", "未获准报送", "may not submit")
        return self.items[code]

    def consent_recorded(self, reference: str, identifier: str, categories: frozenset[str]) -> bool:
        return categories <= self.consents.get((reference, identifier), frozenset())

    def notice_recorded(self, reference: str, identifier: str, item_code: str) -> bool:
        return (reference, identifier, item_code) in self.notices

    def notice_for(self, identifier: str, item_code: str) -> str | None:
        return max((ref for ref, who, item in self.notices if (who, item) == (identifier, item_code)), default=None)


def penalty_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "item": "admin_penalty", "record_key": "CF-1", "identifier": USCC, "subject_name": "示范有限公司",
        "document_kind": "administrative_penalty_decision", "document_number": "市监罚〔2025〕1号",
        "document_date": "2025-04-01", "document_issuer": "市市场监督管理局", "fine_amount": "1,000.50",
        "violation_facts": "未按规定公示年度报告。", "simplified_procedure": "否",
        "slight_or_harm_eliminated": "否", "conduct_ended": "2025/3/15",
    }
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def income_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {"item": "income_record", "record_key": "SR-1", "identifier": CITIZEN,
                              "subject_name": "张三", "monthly_amount": "8000"}
    row.update(changes)
    return row


def validate(row: dict[str, object], law: AggregationLaw = GANSU,
             lookups: Lookups | None = None) -> ValidRecord | list[RowError]:
    validator = RowValidator(law, lookups or Lookups(), received_on=TODAY, vocabulary=VOCABULARY)
    return validator.validate(7, row)


def _revoke(lookups: Lookups) -> Lookups:
    lookups.granted.discard("admin_penalty")
    return lookups


# (row, law, lookups, expected code, expected field, text the message must cite)
CASES = [
    pytest.param(penalty_row(item="tax_secrets"), GANSU, None, "item_unknown", "item", "GS Art. 10(1)",
                 id="GS 10(1): an item in no catalog is not aggregated"),
    pytest.param(penalty_row(item="retired_item"), SHANGHAI, None, "item_not_in_force", "item",
                 "SH Art. 11(1)",
                 id="SH 11(1): an item not in the catalog in force is not aggregated"),
    pytest.param(penalty_row(), GANSU, _revoke(Lookups()), "unit_not_granted", "item", "GS Art. 10(1)",
                 id="BJ 11, HB 9: only the item's providing units submit it"),
    pytest.param(penalty_row(identifier=USCC[:-1] + ("0" if USCC[-1] != "0" else "1")), GANSU, None,
                 "identifier_invalid", "identifier", "checksum",
                 id="CQ 19, GS 19: the USCC is the key, and its check character must hold"),
    pytest.param(penalty_row(item="org_penalty", identifier=CITIZEN), GANSU, None, "subject_kind_not_allowed",
                 "identifier", "Art. 14(1)(2)", id="GS 13-15: the item names the kinds of subject it covers"),
    pytest.param(penalty_row(violation_facts=""), GANSU, None, "field_required", "violation_facts",
                 "违法事实",
                 id="BJ 11, HB 9: the catalog's data format - a required field"),
    pytest.param(penalty_row(conduct_ended="last spring"), GANSU, None, "field_type", "conduct_ended", "date",
                 id="BJ 11, HB 9: the catalog's data format - a date"),
    pytest.param(penalty_row(violation_facts="很长" * 101), GANSU, None, "field_too_long",
                 "violation_facts", "200",
                 id="BJ 11, HB 9: the catalog's data format - a length limit"),
    pytest.param(penalty_row(document_kind="memo"), GANSU, None, "field_choice", "document_kind",
                 "court_judgment",
                 id="BJ 11, HB 9: the catalog's data format - a choice"),
    pytest.param(penalty_row(document_number="", document_issuer=None), GANSU, None, "legal_document_missing",
                 "document_number", "GS Art. 14(2)",
                 id="GS 14(2): untrustworthiness rests on a document with legal effect"),
    pytest.param(penalty_row(document_date=None), CHONGQING, None, "legal_document_missing", "document_date",
                 "CQ Art. 21", id="CQ 21: the legal-effect document's date"),
    pytest.param(penalty_row(simplified_procedure="是"), SHANGHAI, None, "excluded_simplified_procedure",
                 "simplified_procedure", "SH Art. 9(2)(4)",
                 id="SH 9(4): penalties under the simplified procedure are not catalogued"),
    pytest.param(penalty_row(slight_or_harm_eliminated="true"), GANSU, None, "excluded_slight_or_remedied",
                 "slight_or_harm_eliminated", "GS Art. 14(1)(2)",
                 id="GS 14(2): slight conduct or harm proactively eliminated is excluded"),
    pytest.param(penalty_row(宗教信仰="佛教"), SHANGHAI, None, "forbidden_category", "宗教信仰",
                 "SH Art. 14(3)",
                 id="SH 14(3): religious faith named by a column"),
    pytest.param(penalty_row(BloodType="A"), GANSU, None, "forbidden_category", "BloodType", "GS Art. 18(2)",
                 id="GS 18(2): blood type named by an English column"),
    pytest.param(penalty_row(remarks="当事人有糖尿病病情"), GANSU, None, "forbidden_category", "remarks",
                 "GS Art. 18(2)", id="GS 18(2): illness in an extra column's text"),
    pytest.param(penalty_row(violation_facts="检查中登记了员工血型"), HUBEI, None, "forbidden_category",
                 "violation_facts", "HB Art. 16(2)(1)", id="HB 16: blood type in a free-text field"),
    pytest.param(income_row(), GANSU, None, "consent_required", "consent_reference", "GS Art. 18(3)",
                 id="GS 18(3): income only with the person's written consent"),
    pytest.param(income_row(consent_reference="CONSENT-9"), GANSU, None, "consent_required",
                 "consent_reference",
                 "GS Art. 18(3)", id="GS 18(3): the consent must be recorded on the platform"),
    pytest.param(penalty_row(identifier=CITIZEN, 房产="两套"), GANSU, None, "consent_required",
                 "consent_reference",
                 "GS Art. 18(3)", id="GS 18(3): real estate named by a column needs consent"),
    pytest.param(penalty_row(identifier=UNNOTIFIED), HUBEI, None, "prior_notice_missing", "prior_notice_reference",
                 "HB Art. 22(3)",
                 id="HB 22: the subject is told in writing before delivery"),
    pytest.param(penalty_row(prior_notice_reference="NOTICE-2"), HUBEI, None, "prior_notice_missing",
                 "prior_notice_reference", "HB Art. 22(3)", id="HB 22: the notice must be recorded first"),
    pytest.param(penalty_row(extra_note="n/a"), GANSU, None, "unknown_column", "extra_note", "extra_note",
                 id="SH 11, GS 10: nothing outside the catalog item's fields"),
]


@pytest.mark.parametrize(("row", "law", "lookups", "code", "field", "cited"), CASES)
def test_each_refusal_names_its_reason_field_and_article(row, law, lookups, code, field, cited) -> None:
    result = validate(row, law, lookups)
    assert isinstance(result, list), f"expected a refusal, got {result}"
    matching = [e for e in result if e.code == code]
    assert matching, [e.code for e in result]
    error = matching[0]
    assert error.row == 7
    assert error.field == field
    assert cited in error.message_en + error.message_zh
    if "Art." in cited:   # the article that decides it is cited in both languages
        assert cited in error.message_zh and cited in error.message_en


def test_a_good_row_is_normalised() -> None:
    record = validate(penalty_row())
    assert isinstance(record, ValidRecord), record
    assert record.identifier == USCC and record.subject_kind == "legal_person"
    assert record.payload["fine_amount"] == "1000.5"
    assert record.payload["simplified_procedure"] is False
    assert record.payload["conduct_ended"] == "2025-03-15"
    assert record.decision_date == date(2025, 4, 1)
    assert record.conduct_ended == date(2025, 3, 15)
    assert record.digest == content_digest("admin_penalty", USCC, record.payload)
    assert record.document == {"document_kind": "administrative_penalty_decision",
                               "document_number": "市监罚〔2025〕1号", "document_date": "2025-04-01",
                               "document_issuer": "市市场监督管理局"}


def test_chinese_labels_are_accepted_as_column_names_and_give_the_same_digest() -> None:
    english = validate(penalty_row())
    labelled = {"事项编码": "admin_penalty", "记录编号": "CF-1", "统一社会信用代码": USCC,
                "主体名称": "示范有限公司",
                "法律文书类型": "administrative_penalty_decision", "文书编号": "市监罚〔2025〕1号",
                "文书日期": "2025年4月1日", "作出机关": "市市场监督管理局", "罚款金额（元）": "1000.50",
                "违法事实": "未按规定公示年度报告。", "是否适用简易程序": "否",
                "是否轻微或已主动消除危害后果": "否", "行为终止日期": "20250315"}
    chinese = validate(labelled)
    assert isinstance(english, ValidRecord) and isinstance(chinese, ValidRecord), chinese
    assert chinese.digest == english.digest


def test_a_rule_the_regulation_does_not_provide_refuses_nothing() -> None:
    # Chongqing's regulation has no simplified-procedure exclusion: the row is accepted there.
    assert isinstance(validate(penalty_row(simplified_procedure="是"), CHONGQING), ValidRecord)


def test_recorded_consent_and_notice_let_the_row_in() -> None:
    income = validate(income_row(monthly_amount=8000, consent_reference="CONSENT-1"))
    assert isinstance(income, ValidRecord) and income.consent_categories == {"income"}
    notified = validate(penalty_row(prior_notice_reference="NOTICE-1"), HUBEI)
    assert isinstance(notified, ValidRecord)


def test_a_row_that_cites_no_notice_finds_the_one_the_unit_recorded() -> None:
    # The national double-publicity standard has no column for the notice: the unit's recorded notice to
    # this subject on this item stands for it, and the record keeps its reference.
    found = validate(penalty_row(), HUBEI)
    assert isinstance(found, ValidRecord) and found.prior_notice_reference == "NOTICE-1"
    unnotified = validate(penalty_row(identifier=UNNOTIFIED), HUBEI)
    assert isinstance(unnotified, list) and [e.code for e in unnotified] == ["prior_notice_missing"]


def test_an_organisation_needs_no_consent_for_a_column_named_like_consent_only_data() -> None:
    # Consent-only data is a natural person's (SH 14(2)); a company's real estate column is just unknown.
    result = validate(penalty_row(房产="厂房"))
    assert isinstance(result, list) and {e.code for e in result} == {"unknown_column"}


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    result = validate(penalty_row(conduct_ended="x", document_kind="memo", subject_name=""))
    assert isinstance(result, list)
    assert {e.code for e in result} == {"field_type", "field_choice", "field_required"}


def test_structured_fields_are_not_scanned_as_prose() -> None:
    # An issuing body named after disease control is not a diagnosis.
    record = validate(penalty_row(document_issuer="市疾病预防控制中心"))
    assert isinstance(record, ValidRecord)


@pytest.mark.parametrize(("text", "found"), [
    ("员工血型登记", {"blood_type"}), ("Blood_Type", {"blood_type"}), ("bloodGroup", {"blood_type"}),
    ("ｂｌｏｏｄ　ｔｙｐｅ", {"blood_type"}), ("RELIGION", {"religion"}), ("irreligionist", set()),
    ("宗教信仰自由", {"religion"}), ("工资收入证明", {"income"}), ("无", set()), ("", set()),
])
def test_category_matcher_finds_synonyms_in_both_languages(text: str, found: set[str]) -> None:
    assert CategoryMatcher.from_vocabulary(VOCABULARY).find(text) == found


def test_remembered_answers_are_the_answers_and_memory_stays_bounded():
    """The matcher remembers recent texts of a bulk file; a remembered answer must be the same answer,
    and a file of a million distinct values must not grow the memory without bound."""
    from xinyong.domain.aggregation import categories
    matcher = CategoryMatcher.from_vocabulary(VOCABULARY)
    texts = ["拖欠工资", "Religion", "2026-01-01", "12,000", "宗教信仰：无", "blood_type", "", "普通文本"]
    first = [matcher.find(t) for t in texts]
    assert [matcher.find(t) for t in texts] == first
    assert [CategoryMatcher.from_vocabulary(VOCABULARY).find(t) for t in texts] == first
    for n in range(categories._CACHE_ENTRIES + 10):
        matcher.find(f"值{n}")
    assert len(matcher._seen) <= categories._CACHE_ENTRIES


@pytest.mark.parametrize(("text", "found"), [
    ("拖欠工资金额", set()), ("拖欠农民工工资", set()), ("Wage arrears", set()), ("unpaid_wages", set()),
    ("工资收入", {"income"}), ("月工资", {"income"}), ("拖欠工资；另查明其工资收入", {"income"}),
    ("wage arrears and salary", {"income"}), ("monthly wages", {"income"}),
])
def test_a_synonym_inside_a_not_in_phrase_does_not_name_the_category(text: str, found: set[str]) -> None:
    """The shipped vocabulary: wages the subject owes (wage arrears) are not the subject's income."""
    from xinyong.rules.loader import load_vocabulary

    assert CategoryMatcher.from_vocabulary(load_vocabulary(), ["income"]).find(text) == found


def test_a_wage_arrears_column_on_a_persons_row_needs_no_consent_but_income_still_does() -> None:
    vocabulary = {**VOCABULARY, "income": {"zh": ["收入", "工资"], "en": ["income", "salary"],
                                           "not_in": ["拖欠工资"]}}
    arrears = _item("wage_arrears", category="other", legal_document_required=False, penalty_item=False,
                    subject_kinds=["natural_person"],
                    fields=[{"name": "amount", "type": "integer", "required": True, "label_zh": "拖欠工资金额",
                             "label_en": "amount owed"},
                            {"name": "earnings", "type": "integer", "required": False, "label_zh": "工资收入",
                             "label_en": "earnings"}])
    lookups = Lookups()
    lookups.items["wage_arrears"] = arrears
    lookups.granted.add("wage_arrears")
    validator = RowValidator(GANSU, lookups, received_on=TODAY, vocabulary=vocabulary)
    row = {"item": "wage_arrears", "record_key": "QX-1", "identifier": CITIZEN, "subject_name": "张三",
           "拖欠工资金额": "30000"}
    assert isinstance(validator.validate(7, row), ValidRecord)
    refused = validator.validate(8, {**row, "工资收入": "8000"})
    assert isinstance(refused, list)
    assert [(e.code, e.field) for e in refused] == [("consent_required", "consent_reference")]
    assert "income" in refused[0].message_en
