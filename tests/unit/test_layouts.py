"""The double-publicity layouts (``domain.aggregation.layouts``, ``standard_rows``): recognition by either
header spelling, bracket width or element code; every conversion; both directions (a good row written back
from what it stores is the row as sent); the checks the standard implies."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.aggregation.layouts import CellProblem, Layout, recognise, wan_to_yuan, yuan_to_wan
from xinyong.domain.aggregation.standard_rows import prepare
from xinyong.domain.subjects.identifiers import uscc_check_character
from xinyong.domain.subjects.registration_numbers import registration_number_check_digit
from xinyong.services.aggregation.layouts import standard_layouts, yuan_fields

LAYOUTS = standard_layouts()
PENALTY, PERMIT = LAYOUTS["penalty"], LAYOUTS["permit"]
TODAY = date(2026, 3, 18)
BODY = "115000000098765435"


def uscc(prefix: str, n: int) -> str:
    base = f"{prefix}500103MA6{n:07d}"[:17]
    return base + uscc_check_character(base)


def penalty_row(**cells: str) -> dict[str, str]:
    row = {"行政相对人名称": "示范建设工程有限公司", "行政相对人类别": "法人及非法人组织",
           "行政相对人代码_1(统一社会信用代码)": "91500000MA5U0AB10L", "法定代表人": "张明",
           "行政处罚决定书文号": "示市监罚〔2025〕1号", "违法行为类型": "虚假宣传", "违法事实": "经查属实。",
           "处罚依据": "《广告法》第五十五条", "处罚类别": "警告;罚款", "处罚内容": "警告并罚款",
           "罚款金额（万元）": "0.5", "处罚决定日期": "2025/06/10", "处罚有效期": "2099/12/31",
           "处罚机关": "示范区市场监督管理局", "处罚机关统一社会信用代码": BODY, "数据来源单位": "示范区市场监督管理局",
           "数据来源单位统一社会信用代码": BODY}
    row.update(cells)
    return row


def test_the_layouts_have_every_column_of_the_standard() -> None:
    assert len(PENALTY.columns) == 30 and len(PERMIT.columns) == 28
    assert PENALTY.headers()[2] == "行政相对人代码_1(统一社会信用代码)" and PENALTY.headers(codes=True)[13] == "CF_WSH"
    assert PERMIT.headers(codes=True)[:2] == ["XK_XDR_MC", "XK_XDR_LB"] and PERMIT.headers()[-1] == "备注"
    assert all(c.to for layout in LAYOUTS.values() for c in layout.columns)
    assert yuan_fields() == {"admin_penalty": frozenset({"fine_amount", "confiscated_amount"}),
                             "admin_permit": frozenset()}


@pytest.mark.parametrize("transform", [
    lambda h: h,                                                                   # the full headers
    lambda h: "统一社会信用代码" if h.startswith("行政相对人代码_1") else h,            # the short spelling
    lambda h: h.replace("(", "（").replace(")", "）"),                             # full-width brackets
    lambda h: h.replace("（", "(").replace("）", ")"),                             # ASCII brackets
    lambda h: " ".join(h),                                                        # spaces anywhere
])
def test_recognised_by_either_spelling_and_bracket(transform) -> None:  # type: ignore[no-untyped-def]
    assert recognise([transform(h) for h in PENALTY.headers()], LAYOUTS) is PENALTY
    assert recognise([transform(h) for h in PERMIT.headers()], LAYOUTS) is PERMIT


def test_recognised_by_element_codes_and_not_otherwise() -> None:
    assert recognise(PENALTY.headers(codes=True), LAYOUTS) is PENALTY
    assert recognise([c.lower() for c in PERMIT.headers(codes=True)], LAYOUTS) is PERMIT
    assert recognise(["事项编码", *PENALTY.headers()], LAYOUTS) is None       # an item column: the generic file
    assert recognise(["item", "record_key", "identifier", "subject_name", "document_number"], LAYOUTS) is None
    assert recognise(PENALTY.headers()[:5], LAYOUTS) is None                 # no decision number and date


def test_a_row_becomes_the_envelope_and_the_items_fields() -> None:
    row = PENALTY.to_row(penalty_row())
    assert row["item"] == "admin_penalty" and row["document_kind"] == "administrative_penalty_decision"
    assert row["record_key"] == "示市监罚〔2025〕1号#91500000MA5U0AB10L"
    assert (row["identifier"], row["identifier_kind"]) == ("91500000MA5U0AB10L", "uscc")
    assert "subject_kind" not in row                    # the USCC says legal person or unincorporated org
    assert row["fine_amount"] == "5000" and row["penalty_kinds"] == "warning;fine"
    assert row["document_date"] == "2025-06-10" and row["penalty_valid_until"] == "2099-12-31"


def test_a_natural_person_and_an_individual_business() -> None:
    person = PENALTY.to_row(penalty_row(行政相对人类别="自然人", 证件类型="身份证", 证件号码="500103198503121234",
                                        法定代表人="", **{"行政相对人代码_1(统一社会信用代码)": ""}))
    assert (person["identifier"], person["identifier_kind"], person["subject_kind"]) == (
        "500103198503121234", "citizen_id", "natural_person")
    assert "500103198503121234" not in person["record_key"]
    assert person["record_key"] == PENALTY.to_row(penalty_row(
        行政相对人类别="自然人", 证件类型="身份证", 证件号码="500103198503121234"))["record_key"]   # stable
    number = "50010360001234" + registration_number_check_digit("50010360001234")
    shop = PENALTY.to_row(penalty_row(行政相对人类别="个体工商户",
                                      **{"行政相对人代码_1(统一社会信用代码)": "00000000000000000X",
                                         "行政相对人代码_2(工商注册号)": number}))
    assert (shop["identifier"], shop["identifier_kind"], shop["subject_kind"]) == (
        number, "registration_no", "individual_business")
    business = PENALTY.to_row(penalty_row(行政相对人类别="个体工商户",
                                          **{"行政相对人代码_1(统一社会信用代码)": uscc("92", 1)}))
    assert business["subject_kind"] == "individual_business" and business["identifier_kind"] == "uscc"


@pytest.mark.parametrize(("cell", "stored"), [("2025/06/10", "2025-06-10"), ("20250610", "2025-06-10"),
                                              ("2025-06-10", "2025-06-10"), ("2025/6/1", "2025-06-01")])
def test_dates_in_every_spelling(cell: str, stored: str) -> None:
    assert PENALTY.to_row(penalty_row(处罚决定日期=cell))["document_date"] == stored


@pytest.mark.parametrize(("wan", "yuan"), [("0.5", "5000"), ("1", "10000"), ("0.000001", "0.01"),
                                           ("12345.678901", "123456789.01"), ("0", "0"), ("1,000", "10000000")])
def test_amounts_in_wan_are_exact_yuan(wan: str, yuan: str) -> None:
    assert wan_to_yuan(wan) == yuan
    assert yuan_to_wan(yuan) == wan.replace(",", "")


@pytest.mark.parametrize("bad", ["0.0000001", "-1", "五千", "1e400x", "nan"])
def test_amounts_refused(bad: str) -> None:
    with pytest.raises(CellProblem) as refused:
        wan_to_yuan(bad, "罚款金额（万元）")
    assert refused.value.header == "罚款金额（万元）" and refused.value.code == "field_type"


def test_code_tables() -> None:
    kinds = PENALTY.to_row(penalty_row(处罚类别="罚款；警告、没收违法所得,罚款"))["penalty_kinds"]
    assert kinds == "warning;fine;confiscation_of_illegal_gains"       # the standard's order, each once
    assert PERMIT.to_row({"许可类别": "其他-备案"})["permit_kind_other"] == "备案"
    assert PERMIT.to_row({"许可类别": "特许"})["permit_kind"] == "franchise"
    assert PERMIT.to_row({"当前状态": "2"})["permit_state"] == "invalid"
    with pytest.raises(CellProblem) as refused:
        PENALTY.to_row(penalty_row(处罚类别="罚金"))
    assert "罚款" in refused.value.zh and "警告" in refused.value.en and refused.value.header == "处罚类别"


def errors(layout: Layout, cells: dict[str, str]) -> list[tuple[str | None, str]]:
    return [(e.field, e.code) for e in prepare(layout, 2, cells, received_on=TODAY)[1]]


def test_a_good_row_has_no_errors() -> None:
    assert errors(PENALTY, penalty_row()) == []


@pytest.mark.parametrize(("cells", "expected"), [
    ({"处罚机关统一社会信用代码": "115000000098765430"}, ("处罚机关统一社会信用代码", "code_invalid")),
    ({"数据来源单位统一社会信用代码": ""}, ("数据来源单位统一社会信用代码", "field_required")),
    ({"法定代表人": ""}, ("法定代表人", "field_required")),
    ({"行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": "", "证件类型": "身份证"},
     ("证件号码", "field_required")),
    ({"行政相对人代码_1(统一社会信用代码)": "00000000000000000X"},
     ("行政相对人代码_1(统一社会信用代码)", "placeholder_not_allowed")),
    ({"行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": "00000000000000000X"},
     ("行政相对人代码_2(工商注册号)", "field_required")),
    ({"行政相对人类别": "个体户"}, ("行政相对人类别", "field_choice")),
    ({"处罚决定日期": "2026/03/19"}, ("处罚决定日期", "decision_date_in_future")),
    ({"处罚有效期": "2025/06/09"}, ("处罚有效期", "date_order")),
    ({"公示截止期": "2025/06/09"}, ("公示截止期", "publicity_until_inconsistent")),
    ({"法定代表人证件类型": "身份证", "法定代表人证件号码": "500103198503121235"},
     ("法定代表人证件号码", "identifier_invalid")),
    ({"处罚决定日期": "2025/02/30"}, ("处罚决定日期", "field_type")),
    ({"经办人": "某某"}, ("经办人", "unknown_column")),
])
def test_the_checks_the_standard_implies(cells: dict[str, str], expected: tuple[str, str]) -> None:
    assert errors(PENALTY, penalty_row(**cells)) == [expected]


def test_a_decision_before_the_subject_existed() -> None:
    person = {"行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": "", "证件类型": "身份证",
              "证件号码": "500103198503121234", "法定代表人": ""}
    assert errors(PENALTY, penalty_row(**person)) == []
    early = prepare(PENALTY, 2, penalty_row(**person, 处罚决定日期="1985/03/11", 处罚有效期="1985/09/11"),
                    received_on=TODAY)[1]
    assert [(e.field, e.code) for e in early] == [("处罚决定日期", "decision_before_subject")]
    assert "1985-03-12" not in early[0].message_zh + early[0].message_en    # the birth date is not echoed
    # An organisation: its establishment date where the platform holds its registration record.
    founded = {"91500000MA5U0AB10L": date(2025, 7, 1)}

    def checked(layout: Layout, cells: dict[str, str]) -> list[tuple[str | None, str]]:
        found = prepare(layout, 2, cells, received_on=TODAY, established=founded.get)[1]
        return [(e.field, e.code) for e in found]

    assert checked(PENALTY, penalty_row()) == [("处罚决定日期", "decision_before_subject")]   # 2025-06-10
    assert checked(PENALTY, penalty_row(处罚决定日期="2025/07/01")) == []
    other = "91500103MA60XY2K06"           # a subject the platform knows no establishment date of
    assert checked(PENALTY, penalty_row(**{"行政相对人代码_1(统一社会信用代码)": other})) == []


def test_permit_dates_in_order() -> None:
    permit = {"行政相对人名称": "示范食品贸易有限公司", "行政相对人类别": "法人及非法人组织",
              "统一社会信用代码": "91500103MA60XY2K06", "法定代表人": "王芳",
              "行政许可决定文书名称": "准予许可决定书", "行政许可决定文书号": "许〔2025〕1号", "许可类别": "普通",
              "许可内容": "食品销售", "许可决定日期": "2025/03/01", "有效期自": "2025/03/01", "有效期至": "2025/02/28",
              "许可机关": "局", "许可机关统一社会信用代码": BODY, "当前状态": "1", "数据来源单位": "局",
              "数据来源单位统一社会信用代码": BODY}
    assert errors(PERMIT, permit) == [("有效期至", "date_order")]
    assert errors(PERMIT, {**permit, "有效期至": "2099/12/31"}) == []
    # A permit may precede the company (a name reserved before registration): no establishment check.
    later = prepare(PERMIT, 2, {**permit, "有效期至": "2099/12/31"}, received_on=TODAY,
                    established=lambda _: date(2025, 12, 1))[1]
    assert later == []


# --- both directions --------------------------------------------------------------------------------

_text = st.text(alphabet="示范市场监督管理局处罚决定书号一二三〔〕ABC123", min_size=1, max_size=20)
_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 3, 18))
_wan = st.decimals(min_value=0, max_value=99999, places=6, allow_nan=False, allow_infinity=False)
_kinds = st.lists(st.sampled_from(list(PENALTY.tables["penalty_kind"])), min_size=1, max_size=4, unique=True)


@st.composite
def penalties(draw: st.DrawFn) -> dict[str, str]:
    decided = draw(_dates)
    category = draw(st.sampled_from(["法人及非法人组织", "自然人", "个体工商户"]))
    cells = {h: "" for h in PENALTY.headers()}
    order = list(PENALTY.tables["penalty_kind"])
    kinds = sorted(draw(_kinds), key=order.index)
    fine = draw(st.none() | _wan)
    cells.update({"行政相对人名称": draw(_text), "行政相对人类别": category, "行政处罚决定书文号": draw(_text),
                  "违法行为类型": draw(_text), "违法事实": draw(_text), "处罚依据": draw(_text),
                  "处罚类别": ";".join(kinds), "处罚内容": draw(_text),
                  "罚款金额（万元）": "" if fine is None else format(fine.normalize(), "f") if fine else "0",
                  "处罚决定日期": decided.strftime("%Y/%m/%d"),
                  "处罚有效期": draw(st.sampled_from(["2099/12/31", decided.strftime("%Y/%m/%d")])),
                  "处罚机关": draw(_text), "处罚机关统一社会信用代码": BODY, "数据来源单位": draw(_text),
                  "数据来源单位统一社会信用代码": BODY, "备注": draw(st.sampled_from(["", "无"]))})
    if category == "自然人":
        cells.update({"证件类型": draw(st.sampled_from(["身份证", "护照号", "其他-驾驶证"])),
                      "证件号码": "500103198503121234"})
    else:
        cells["法定代表人"] = draw(_text)
        n = draw(st.integers(min_value=1, max_value=9999))
        if category == "个体工商户" and draw(st.booleans()):
            base = f"50010360{n:06d}"
            cells["行政相对人代码_1(统一社会信用代码)"] = "00000000000000000X"
            cells["行政相对人代码_2(工商注册号)"] = base + registration_number_check_digit(base)
        else:
            cells["行政相对人代码_1(统一社会信用代码)"] = uscc("92" if category == "个体工商户" else "91", n)
            cells["法定代表人证件类型"] = draw(st.sampled_from(["", "身份证", "护照号"]))
    return cells


@settings(max_examples=150, deadline=None)
@given(penalties())
def test_from_record_of_to_row_is_the_row_as_sent(cells: dict[str, str]) -> None:
    row, found = prepare(PENALTY, 2, cells, received_on=TODAY)
    assert found == []
    envelope = {"item", "record_key", "identifier", "identifier_kind", "subject_kind", "subject_name"}
    payload = {k: v for k, v in row.items() if k not in envelope}
    kind = row.get("subject_kind") or "legal_person"
    back = PENALTY.from_record(payload, identifier=row["identifier"], subject_kind=kind,
                               subject_name=row["subject_name"], identifier_kind=row.get("identifier_kind"))
    assert back == cells
    assert list(PENALTY.from_record(payload, identifier=row["identifier"], subject_kind=kind,
                                    subject_name=row["subject_name"], codes=True)) == PENALTY.headers(codes=True)
