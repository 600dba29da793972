"""The national double-publicity layout imported as departments send it (issue 16 part 1 and 2), end to end
through ``services.aggregation.batches`` on SQLite and PostgreSQL: the three demo files (CSV with a BOM and
the full headers, XLSX with the short headers, JSONL with element codes) without renaming a column; good
rows stored with exact amounts, bad rows refused with the standard's header and a reason in both languages."""

from __future__ import annotations

import csv
import io
import shutil
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.aggregation import batches
from xinyong.services.aggregation.layouts import layout
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.records import Record, RecordVersion
from xinyong.store.models.subjects import Subject, SubjectIdentifier

UNIT = "market-regulation"
ACTOR = Actor(Role.providing_unit, "test", UNIT)


@pytest.fixture
def catalog(platform: Platform) -> Platform:
    load_catalog(platform)
    return platform


def demo_file(name: str, tmp_path: Path) -> Path:
    source = resources.files("xinyong.demo").joinpath("files").joinpath(name)
    target = tmp_path / name
    with resources.as_file(source) as path:
        shutil.copyfile(path, target)
    return target


def stored(platform: Platform, item: str) -> dict[str, tuple[dict, str, str, str]]:
    """record key -> (payload, subject identifier, identifier kind, subject kind)."""
    with platform.sessions() as session:
        rows = session.execute(
            select(Record.record_key, RecordVersion.payload, SubjectIdentifier.value.label("identifier"),
                   SubjectIdentifier.kind.label("identifier_kind"), Subject.kind)
            .join(RecordVersion, (RecordVersion.record_id == Record.id)
                  & (RecordVersion.version == Record.current_version))
            .join(Subject, Subject.id == Record.subject_id)
            .join(SubjectIdentifier, SubjectIdentifier.subject_id == Subject.id)
            .where(Record.item_code == item)).all()
    return {r.record_key: (r.payload, r.identifier, r.identifier_kind, r.kind) for r in rows}


def errors_by_row(summary: batches.BatchSummary) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for error in summary.errors:
        out.setdefault(error["row"], []).append(error)
    return out


def test_the_standard_penalty_csv_imports_as_sent(catalog: Platform, tmp_path: Path) -> None:
    summary = batches.import_file(catalog, ACTOR, UNIT, demo_file("standard-penalties.csv", tmp_path), key="std-1")
    bad = errors_by_row(summary)
    assert (summary.rows, summary.accepted, summary.rejected) == (30, 20, 10), bad
    expected = {22: ("行政相对人代码_1(统一社会信用代码)", "identifier_invalid"),
                23: ("处罚机关统一社会信用代码", "code_invalid"), 24: ("证件号码", "field_required"),
                25: ("行政相对人代码_1(统一社会信用代码)", "placeholder_not_allowed"),
                26: ("处罚类别", "field_choice"), 27: ("处罚决定日期", "decision_date_in_future"),
                28: ("处罚有效期", "date_order"), 29: ("罚款金额（万元）", "field_type"),
                30: ("法定代表人", "field_required"), 31: ("公示截止期", "publicity_until_inconsistent")}
    assert {row: (errors[0]["field"], errors[0]["code"]) for row, errors in bad.items()} == expected
    for errors in bad.values():
        assert len(errors) == 1 and errors[0]["message_zh"] and errors[0]["message_en"]
    assert "罚金" in bad[26][0]["message_zh"] and "罚款" in bad[26][0]["message_zh"]   # lists the allowed codes

    records = stored(catalog, "admin_penalty")
    payload, identifier, _, kind = records["示市监罚〔2025〕101号#91500103MA60XY2K06"]
    assert payload["fine_amount"] == "12000" and kind == "legal_person"            # 1.2 万元
    assert payload["document_kind"] == "administrative_penalty_decision"
    assert payload["penalty_valid_until"] == "2099-12-31"                            # long-term
    by_number = {p["document_number"]: p for p, *_ in records.values()}
    assert by_number["示市监罚〔2025〕106号"]["fine_amount"] == "500"                   # 0.05 万元
    with_kinds = next(p for p, *_ in records.values() if p["penalty_kinds"] == "warning;fine")
    assert with_kinds["fine_amount"] == "3000"                                       # 0.3 万元
    confiscated = next(p for p, *_ in records.values() if "confiscated_amount" in p)
    assert confiscated["confiscated_amount"] == "1234.56"                            # 0.123456 万元
    dates = {p["document_number"]: p["document_date"] for p, *_ in records.values()}
    assert dates["示市监罚〔2025〕103号"] == "2025-03-05" and dates["示市监罚〔2025〕104号"] == "2025-04-14"

    shops = [(p, i, ik) for p, i, ik, k in records.values() if k == "individual_business"]
    assert len(shops) == 3
    assert {ik for _, _, ik in shops} == {"uscc", "registration_no"}
    placeholder = next((p, i) for p, i, ik in shops if ik == "registration_no")
    assert placeholder[1] == "500103600012340" and placeholder[0]["registration_number"] == "500103600012340"
    person = [(key, p) for key, (p, i, ik, k) in records.items() if k == "natural_person"]
    assert len(person) == 1 and "500103198503121234" not in person[0][0]          # no identity number in a key


def test_the_standard_permit_xlsx_with_short_headers(catalog: Platform, tmp_path: Path) -> None:
    summary = batches.import_file(catalog, ACTOR, UNIT, demo_file("standard-permits.xlsx", tmp_path), key="std-2")
    bad = errors_by_row(summary)
    assert (summary.rows, summary.accepted, summary.rejected) == (30, 24, 6), bad
    assert {row: (e[0]["field"], e[0]["code"]) for row, e in bad.items()} == {
        26: ("有效期至", "date_order"), 27: ("许可类别", "field_choice"), 28: ("当前状态", "field_choice"),
        29: ("许可机关统一社会信用代码", "field_required"), 30: ("数据来源单位统一社会信用代码", "code_invalid"),
        31: ("有效期自", "field_type")}
    records = stored(catalog, "admin_permit")
    kinds = {(p["permit_kind"], p.get("permit_kind_other")) for p, *_ in records.values()}
    assert ("other", "备案") in kinds and ("franchise", None) in kinds
    assert {p["permit_state"] for p, *_ in records.values()} == {"valid", "invalid"}


def test_the_standard_jsonl_with_element_codes(catalog: Platform, tmp_path: Path) -> None:
    summary = batches.import_file(catalog, ACTOR, UNIT, demo_file("standard-penalties.jsonl", tmp_path), key="std-3")
    assert (summary.rows, summary.accepted, summary.rejected) == (4, 3, 1), summary.errors
    assert [(e["row"], e["field"], e["code"]) for e in summary.errors] == [
        (4, "处罚机关统一社会信用代码", "code_invalid")]
    records = stored(catalog, "admin_penalty")
    assert records["示市监罚〔2025〕140号#91500106MA61C4D70N"][0]["fine_amount"] == "5000"   # 0.5 万元


def test_gb18030_and_a_resent_file_are_the_same_records(catalog: Platform, tmp_path: Path) -> None:
    source = demo_file("standard-penalties.csv", tmp_path).read_text(encoding="utf-8-sig")
    gb = tmp_path / "gb.csv"
    gb.write_bytes(source.replace("(", "（").replace(")", "）").encode("gb18030"))   # full-width brackets
    first = batches.import_file(catalog, ACTOR, UNIT, gb, key="gb")
    assert (first.accepted, first.rejected) == (20, 10)
    again = batches.import_file(catalog, ACTOR, UNIT, demo_file("standard-penalties.csv", tmp_path), key="utf8")
    assert (again.accepted, again.unchanged, again.rejected) == (0, 20, 10)


def test_a_stored_record_written_back_in_the_standard(catalog: Platform, tmp_path: Path) -> None:
    path = demo_file("standard-penalties.csv", tmp_path)
    batches.import_file(catalog, ACTOR, UNIT, path, key="std-4")
    penalty = layout("penalty")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        sent = {r["行政处罚决定书文号"]: r for r in csv.DictReader(fh)}
    for payload, identifier, identifier_kind, kind in stored(catalog, "admin_penalty").values():
        back = penalty.from_record(payload, identifier=identifier, subject_kind=kind,
                                   subject_name=sent[payload["document_number"]]["行政相对人名称"],
                                   identifier_kind=identifier_kind)
        original = sent[payload["document_number"]]
        for header in ("行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)", "证件号码", "处罚类别",
                       "罚款金额（万元）", "处罚有效期", "处罚机关统一社会信用代码"):
            if header == "处罚类别":
                assert back[header].replace(";", "") == original[header].replace(";", "").replace("、", "").replace(
                    "；", ""), header
            else:
                assert back[header] == original[header], (header, back[header], original[header])
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=penalty.headers()).writeheader()
    assert out.getvalue().startswith("行政相对人名称,行政相对人类别,")


def test_the_double_publicity_page_shows_amounts_in_both_units(  # type: ignore[no-untyped-def]
        catalog: Platform, client, tmp_path: Path) -> None:
    batches.import_file(catalog, ACTOR, UNIT, demo_file("standard-penalties.jsonl", tmp_path), key="std-5")
    page = client.get("/public/double-publicity", params={"kind": "penalty"})
    assert page.status_code == 200
    assert "5000 元（0.5 万元）" in page.text and "长期" in page.text
    english = client.get("/public/double-publicity", params={"kind": "penalty", "lang": "en"})
    assert "5000 yuan (0.5 × 10,000 yuan)" in english.text


def test_a_penalty_decided_before_the_company_was_established(catalog: Platform) -> None:
    """The decision date against the subject's existence, where the platform knows it: the company's
    registration record (成立日期) here, read in the batch; a company with none is not held up."""
    founded = "91500000MA5U0AB10L"
    registration = {"item": "enterprise_registration", "record_key": "DJ-1", "identifier": founded,
                    "subject_name": "示范建设工程有限公司", "registered_name": "示范建设工程有限公司",
                    "organisation_form": "company", "legal_representative": "张明", "established_on": "2025-07-01",
                    "registration_authority": "示范区市场监督管理局"}
    assert batches.submit_rows(catalog, ACTOR, UNIT, [registration], key="reg").accepted == 1
    body = "115000000098765435"

    def penalty(uscc: str, number: str) -> dict[str, str]:
        return {"行政相对人名称": "示范企业", "行政相对人类别": "法人及非法人组织", "统一社会信用代码": uscc,
                "法定代表人": "张明", "行政处罚决定书文号": number, "违法行为类型": "虚假宣传",
                "违法事实": "经查属实。", "处罚依据": "《广告法》第五十五条", "处罚类别": "警告", "处罚内容": "警告",
                "处罚决定日期": "2025/06/10", "处罚有效期": "2099/12/31", "处罚机关": "示范区市场监督管理局",
                "处罚机关统一社会信用代码": body, "数据来源单位": "示范区市场监督管理局",
                "数据来源单位统一社会信用代码": body}

    summary = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(founded, "罚〔2025〕9号"),
                                                          penalty("91500103MA60XY2K06", "罚〔2025〕10号")], key="p")
    assert summary.accepted == 1
    assert [(e["row"], e["field"], e["code"]) for e in summary.errors] == [
        (1, "处罚决定日期", "decision_before_subject")]
    assert "2025-07-01" in summary.errors[0]["message_zh"]


def test_the_end_of_publicity_is_checked_against_the_tiers_in_force(catalog: Platform) -> None:
    """公示截止期 inside the window of the penalty's tier (Order 58 before 2026-04-01; the standard's rows state
    no tier: publicity.untiered_penalty), on intake: years past the longest window is refused."""
    body = "115000000098765435"
    row = {"行政相对人名称": "示范食品贸易有限公司", "行政相对人类别": "法人及非法人组织",
           "统一社会信用代码": "91500103MA60XY2K06", "法定代表人": "王芳", "行政处罚决定书文号": "罚〔2025〕11号",
           "违法行为类型": "虚假宣传", "违法事实": "经查属实。", "处罚依据": "《广告法》第五十五条", "处罚类别": "警告",
           "处罚内容": "警告", "处罚决定日期": "2025/06/10", "处罚有效期": "2099/12/31", "公示截止期": "2031/06/10",
           "处罚机关": "示范区市场监督管理局", "处罚机关统一社会信用代码": body, "数据来源单位": "示范区市场监督管理局",
           "数据来源单位统一社会信用代码": body}
    refused = batches.submit_rows(catalog, ACTOR, UNIT, [row], key="late-end")
    assert [(e["field"], e["code"]) for e in refused.errors] == [("公示截止期", "publicity_until_inconsistent")]
    accepted = batches.submit_rows(catalog, ACTOR, UNIT, [{**row, "公示截止期": "2025/12/10"}], key="fitting-end")
    assert accepted.accepted == 1, accepted.errors


def test_a_resent_row_that_changes_a_record_takes_its_remarks_as_the_reason(catalog: Platform) -> None:
    """The standard has no column for a correction's reason: a department writes it in 备注."""
    body = "115000000098765435"
    row = {"行政相对人名称": "示范食品贸易有限公司", "行政相对人类别": "法人及非法人组织",
           "统一社会信用代码": "91500103MA60XY2K06", "法定代表人": "王芳", "行政处罚决定书文号": "罚〔2025〕12号",
           "违法行为类型": "虚假宣传", "违法事实": "经查属实。", "处罚依据": "《广告法》第五十五条", "处罚类别": "罚款",
           "处罚内容": "罚款", "罚款金额（万元）": "1", "处罚决定日期": "2025/06/10", "处罚有效期": "2099/12/31",
           "处罚机关": "示范区市场监督管理局", "处罚机关统一社会信用代码": body, "数据来源单位": "示范区市场监督管理局",
           "数据来源单位统一社会信用代码": body}
    assert batches.submit_rows(catalog, ACTOR, UNIT, [row], key="first").accepted == 1
    changed = {**row, "罚款金额（万元）": "1.5"}
    refused = batches.submit_rows(catalog, ACTOR, UNIT, [changed], key="no-reason")
    assert [e["code"] for e in refused.errors] == ["correction_reason_required"]
    corrected = batches.submit_rows(catalog, ACTOR, UNIT, [{**changed, "备注": "更正：罚款金额录入有误"}], key="reason")
    assert (corrected.accepted, corrected.corrected) == (1, 1), corrected.errors
    key = "罚〔2025〕12号#91500103MA60XY2K06"
    with catalog.sessions() as session:
        reasons = session.execute(select(RecordVersion.version, RecordVersion.correction_reason)
                                  .join(Record, Record.id == RecordVersion.record_id)
                                  .where(Record.record_key == key).order_by(RecordVersion.version)).all()
    assert [tuple(r) for r in reasons] == [(1, None), (2, "更正：罚款金额录入有误")]
    assert stored(catalog, "admin_penalty")[key][0]["fine_amount"] == "15000"
