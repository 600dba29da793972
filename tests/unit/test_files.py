"""Bulk files (``services.files``): encodings, limits, archive bombs, XML entities, hostile input, and
formula injection in the error reports."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.domain.platform.refusal import Refusal
from xinyong.services.aggregation import files
from xinyong.services.aggregation.files import ReadProblem, neutralise_cell, open_rows

HEADER = "item,record_key,identifier,subject_name,violation_facts\n"
ROW = "admin_penalty,CF-1,91620100MA0000000X,示范有限公司,未按规定公示年度报告\n"


def rows_of(path: Path, declared: str | None = None) -> list:
    return list(open_rows(path, declared).rows())


# --- encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes((HEADER + ROW).encode(encoding))
    [(number, values)] = rows_of(path)
    assert number == 2
    assert values["item"] == "admin_penalty"          # no byte-order mark left in the first column name
    assert values["subject_name"] == "示范有限公司"


def test_an_undecodable_file_is_one_clear_refusal(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x30" * 100)
    with pytest.raises(Refusal) as refused:
        rows_of(path)
    assert refused.value.reason == "encoding" and "GB18030" in refused.value.message_en


def test_bad_bytes_after_the_sniffed_chunk_refuse_the_file_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = (HEADER + ROW * 2000).encode("utf-8")      # > 64 KiB of clean UTF-8 first
    path.write_bytes(body + b"admin_penalty,\xff\xff\xff,x,y,z\n")
    with pytest.raises(Refusal) as refused:
        rows_of(path)
    assert refused.value.reason == "encoding"


def test_multiline_quoted_cells_and_blank_rows_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + 'admin_penalty,CF-1,X,"甲\n乙",facts\n,,,,\n' + ROW, encoding="utf-8")
    assert [n for n, _ in rows_of(path)] == [2, 4]


def test_duplicate_column_names_refuse_the_file(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("item,item\na,b\n", encoding="utf-8")
    with pytest.raises(Refusal) as refused:
        rows_of(path)
    assert refused.value.reason == "duplicate_column"


# --- limits ---------------------------------------------------------------------------------------

def test_a_huge_cell_is_a_row_error_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "admin_penalty,CF-1,X,Y," + "长" * (files.MAX_CELL_CHARS + 1) + "\n" + ROW,
                    encoding="utf-8")
    rows = rows_of(path)
    assert isinstance(rows[0][1], ReadProblem) and rows[0][1].code == "cell_too_large"
    assert rows[0][1].field == "violation_facts"
    assert isinstance(rows[1][1], dict)


def test_an_endless_line_is_a_row_error_within_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        fh.write("x," * (3 * files.MAX_LINE_CHARS // 2) + "\n")
        fh.write(ROW)
    tracemalloc.start()
    rows = rows_of(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(rows[0][1], ReadProblem) and rows[0][1].code == "row_too_long"
    assert isinstance(rows[-1][1], dict)
    assert peak < 40 * 1024 * 1024


def test_jsonl_rows_malformed_duplicate_keys_and_deep_nesting_are_row_errors(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([
        json.dumps({"item": "admin_penalty", "record_key": "CF-1"}, ensure_ascii=False),
        "[1, 2]", '{"a": 1, "a": 2}', "[" * 100_000, "{not json", "", '{"n": ' + "9" * 5000 + "}",
    ]) + "\n", encoding="utf-8")
    rows = rows_of(path)
    assert rows[0] == (1, {"item": "admin_penalty", "record_key": "CF-1"})
    assert [n for n, v in rows if isinstance(v, ReadProblem)] == [2, 3, 4, 5, 7]
    assert all(v.code == "row_malformed" for _, v in rows[1:])


# --- XLSX -----------------------------------------------------------------------------------------

def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_rows_are_read_as_text(tmp_path: Path) -> None:
    from datetime import datetime

    path = _xlsx(tmp_path / "rows.xlsx", [["item", "fine", "when", "code"],
                                           ["admin_penalty", 1000.0, datetime(2025, 4, 1), 916201001]])
    [(number, values)] = rows_of(path)
    assert number == 2
    assert values == {"item": "admin_penalty", "fine": "1000", "when": "2025-04-01", "code": "916201001"}


def _zip(path: Path, members: dict[str, bytes | int]) -> Path:
    """A zip whose int members are that many zero bytes, written in pieces (never all in memory)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as member:
                    block = b"\0" * (1 << 20)
                    for _ in range(content >> 20):
                        member.write(block)
            else:
                archive.writestr(name, content)
    return path


@pytest.mark.parametrize(("members", "why"), [
    pytest.param({"xl/worksheets/sheet1.xml": 300 << 20}, "expands beyond", id="300 MB of zeros"),
    pytest.param({"xl/worksheets/sheet1.xml": 8 << 20}, "compression ratio", id="ratio 1000:1"),
    pytest.param({"xl/embeddings/inner.zip": b"PK\x03\x04rest"}, "contains an archive",
                 id="nested zip by name"),
    pytest.param({"xl/media/image1.png": b"PK\x03\x04" + b"x" * 100}, "contains an archive",
                 id="nested zip by content"),
    pytest.param({f"m{i}.xml": b"x" for i in range(files.MAX_ZIP_MEMBERS + 1)}, "too many members",
                 id="too many members"),
    pytest.param({"[Content_Types].xml": b"not really"}, "cannot be read", id="not a workbook"),
])
def test_archive_bombs_are_refused_before_parsing_quickly_and_in_little_memory(
        tmp_path: Path, members: dict[str, bytes | int], why: str) -> None:
    path = _zip(tmp_path / "bomb.xlsx", members)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(Refusal) as refused:
        rows_of(path)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert refused.value.reason == "archive"
    assert why in refused.value.message_en
    assert elapsed < 5
    assert peak < 32 * 1024 * 1024


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(Refusal) as refused:
        rows_of(path)
    assert refused.value.reason == "archive"


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("sheet", [LAUGHS, EXTERNAL], ids=["billion laughs", "external entity"])
def test_xml_entities_in_a_worksheet_are_refused(tmp_path: Path, sheet: bytes) -> None:
    good = _xlsx(tmp_path / "good.xlsx", [["item"], ["admin_penalty"]])
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, data)
    with pytest.raises(Refusal) as refused:
        rows_of(hostile)
    assert refused.value.reason == "archive" and "unsafe XML" in refused.value.message_en
    assert "lol" not in refused.value.message_en and "root:" not in refused.value.message_en


# --- hostile input never crashes ------------------------------------------------------------------

def _read_all(path: Path, declared: str) -> None:
    try:
        for number, values in open_rows(path, declared).rows():
            assert isinstance(number, int) and number >= 1
            assert isinstance(values, dict | ReadProblem)
            if isinstance(values, dict):
                assert all(len(v) <= files.MAX_CELL_CHARS for v in values.values() if isinstance(v, str))
    except Refusal as refused:
        assert refused.field == "file" and refused.reason and refused.message_zh and refused.message_en


CELLS = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["=cmd|'/c calc'!A1", "+1", "-1", "@SUM(1)", "\t", "\r", '"', '""', "\x00", "\ufeff", "血型", ",", "\n"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2000))
def test_random_bytes_as_csv_jsonl_or_xlsx_never_crash(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "random"
    path.write_bytes(raw)
    for declared in ("csv", "jsonl", "xlsx"):
        _read_all(path, declared)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]))
def test_generated_csv_in_any_encoding_never_crashes(tmp_path: Path, table: list[list[str]],
                                                     encoding: str) -> None:
    import csv

    text = io.StringIO()
    csv.writer(text).writerows(table)
    path = tmp_path / "generated.csv"
    path.write_bytes(text.getvalue().encode(encoding, errors="replace"))
    _read_all(path, "csv")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(
    st.dictionaries(st.text(max_size=10), st.one_of(CELLS, st.integers(), st.floats(), st.none(),
                    st.booleans()),
                    max_size=5).map(lambda d: json.dumps(d, ensure_ascii=False)),
    st.text(max_size=30)), max_size=10))
def test_generated_jsonl_never_crashes(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "generated.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    _read_all(path, "jsonl")


# --- formula injection in exports -----------------------------------------------------------------

@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_that_would_start_a_formula_are_neutralised(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["fine", "罚款", "1+1", " =1", "", 5, None])
def test_other_cells_are_left_alone(value: object) -> None:
    assert neutralise_cell(value) == value


HOSTILE_ERROR = {"row": 2, "field": "=HYPERLINK(\"http://x\")", "code": "unknown_column",
                 "message_zh": "+cmd|' /C calc'!A0", "message_en": "@SUM(1+1)*cmd"}


def test_the_csv_error_report_is_neutralised_and_readable_by_spreadsheets() -> None:
    out = io.BytesIO()
    assert files.write_errors_csv([HOSTILE_ERROR], out) == 1
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufeffrow,field,code,message_zh,message_en")
    for cell in ("'=HYPERLINK", "'+cmd", "'@SUM"):
        assert cell in text


def test_the_xlsx_error_report_holds_text_not_formulas(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"
    files.write_errors_xlsx([HOSTILE_ERROR], path)
    sheet = openpyxl.load_workbook(path).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells][1:] == ["'=HYPERLINK(\"http://x\")", "unknown_column",
            "'+cmd|' /C calc'!A0",
                                            "'@SUM(1+1)*cmd"]
