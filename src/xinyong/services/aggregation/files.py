"""Bulk files in and error reports out: streaming readers that never hold a whole file, never crash on
hostile input, and writers whose cells cannot turn into spreadsheet formulas.

Reading (``open_rows``):

* CSV in UTF-8 (with or without a byte-order mark) or GB18030. The first chunk is decoded as UTF-8
  strictly; if that fails the file is read as GB18030. A file that decodes as neither, at any point,
  is one clear ``Refusal`` (``encoding``), never a traceback.
* XLSX: ``defusedxml.defuse_stdlib()`` runs before openpyxl is imported (no entity expansion, no DTD,
  no external entity), and *before* anything is parsed the archive's central directory is inspected:
  too many members, a total uncompressed size over ``MAX_XLSX_UNCOMPRESSED``, any member compressed
  more than ``MAX_COMPRESSION_RATIO`` : 1, or an archive inside the archive is refused (``archive``).
  Only then does openpyxl read the first worksheet in ``read_only`` (streaming) mode.
* JSONL: one JSON object per line, UTF-8.

Each reader yields ``(row_number, values)`` where ``values`` is a ``dict`` of column name to value,
or a ``ReadProblem`` when that one row cannot be read (a cell over ``MAX_CELL_CHARS``, a line over
``MAX_LINE_CHARS``, malformed JSON, too many columns): a row error, and reading goes on. Row numbers
are the ones a person sees: in CSV and XLSX the header is row 1 and the first data row is row 2; in
JSONL the row number is the line number. Blank rows are skipped. A file refused as a whole (nothing of
it is imported) is a ``Refusal`` of the field ``file`` with its reason code (422).

Writing: ``neutralise_cell`` prefixes ``'`` to any text starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return, so that a spreadsheet shows it as text instead of evaluating it (CWE-1236);
``write_errors_csv`` and ``write_errors_xlsx`` apply it to every cell.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, BinaryIO

from xinyong.domain.platform.refusal import Refusal

# Limits. A cell larger than MAX_CELL_CHARS is a row error; the archive limits refuse a whole file.
MAX_CELL_CHARS = 32 * 1024
MAX_LINE_CHARS = 1024 * 1024
MAX_COLUMNS = 512
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS = 64 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 10_000
RATIO_CHECK_FLOOR = 64 * 1024   # members smaller than this uncompressed cannot make a bomb
SNIFF_BYTES = 64 * 1024

FORMATS = ("csv", "xlsx", "jsonl")
_ZIP_MAGIC = b"PK\x03\x04"
_NESTED_ARCHIVE_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".docx", ".jar", ".gz", ".7z", ".rar")
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """One row that could not be read; reading continues with the next row."""

    field: str | None
    code: str
    message_zh: str
    message_en: str


Row = tuple[int, "dict[str, Any] | ReadProblem"]


def _cell_too_large(column: str | None, size: int) -> ReadProblem:
    return ReadProblem(column, "cell_too_large",
                       f"单元格内容过长（{size} 个字符，上限 {MAX_CELL_CHARS}）",
                       f"the cell is too large ({size} characters; the limit is {MAX_CELL_CHARS})")


def _row_too_long() -> ReadProblem:
    return ReadProblem(None, "row_too_long", f"本行过长（上限 {MAX_LINE_CHARS} 个字符）",
                       f"the row is too long (the limit is {MAX_LINE_CHARS} characters)")


def _too_many_columns(count: int) -> ReadProblem:
    return ReadProblem(None, "too_many_columns", f"本行列数过多（{count} 列，上限 {MAX_COLUMNS}）",
                       f"the row has too many columns ({count}; the limit is {MAX_COLUMNS})")


# ---------------------------------------------------------------------------------------------------
# Opening a file
# ---------------------------------------------------------------------------------------------------


class RowSource:
    """An open bulk file: ``rows()`` streams it once; ``fraction_read()`` feeds a progress bar."""

    format: str

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._raw: BinaryIO | None = None
        self.header: list[str] | None = None   # a CSV's or XLSX's column names, once the header is read

    def rows(self) -> Iterator[Row]:  # pragma: no cover - abstract
        raise NotImplementedError

    def bytes_read(self) -> int:
        raw = self._raw
        if raw is None or raw.closed:
            return self.size if raw is not None else 0
        try:
            return raw.tell()
        except (OSError, ValueError):
            return 0

    def fraction_read(self) -> float:
        return min(1.0, self.bytes_read() / self.size) if self.size else 1.0


def detect_format(path: Path, declared: str | None = None) -> str:
    """``csv``, ``xlsx`` or ``jsonl``: as declared, else by the name's suffix, else by the first bytes."""
    if declared:
        declared = declared.lower().lstrip(".")
        if declared in ("ndjson", "json"):
            declared = "jsonl"
        if declared not in FORMATS:
            raise Refusal("file", "format", f"不支持的文件格式：{declared}（支持 CSV、XLSX、JSONL）",
                          f"unsupported file format: {declared} (CSV, XLSX and JSONL are supported)")
        return declared
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == _ZIP_MAGIC:
        return "xlsx"
    if head[:1] in (b"{", b"["):
        return "jsonl"
    return "csv"


def open_rows(path: str | os.PathLike[str], declared: str | None = None) -> RowSource:
    """Open a bulk file for streaming. Archive checks run here, before any parsing."""
    path = Path(path)
    if not path.is_file():
        raise Refusal("file", "not_found", f"找不到文件：{path.name}", f"no such file: {path.name}")
    fmt = detect_format(path, declared)
    if fmt == "csv":
        return CsvSource(path)
    if fmt == "jsonl":
        return JsonlSource(path)
    return XlsxSource(path)


# ---------------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------------


def sniff_encoding(head: bytes) -> str:
    """``utf-8-sig`` when the first chunk is valid UTF-8 (a character cut at the chunk's end is
    allowed), else ``gb18030`` when it is valid GB18030; otherwise the file is refused."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise _undecodable() from None


def _undecodable() -> Refusal:
    return Refusal("file", "encoding", "文件编码无法识别：请使用 UTF-8 或 GB18030 编码",
                   "the file's encoding is not recognised: use UTF-8 or GB18030")


def _bounded_lines(text: IO[str], flags: dict[str, bool]) -> Iterator[str]:
    """Physical lines of at most MAX_LINE_CHARS; the rest of a longer line is dropped and flagged."""
    while True:
        try:
            line = text.readline(MAX_LINE_CHARS)
        except UnicodeDecodeError:
            raise _undecodable() from None
        if not line:
            return
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            flags["overlong"] = True
            while True:
                try:
                    rest = text.readline(MAX_LINE_CHARS)
                except UnicodeDecodeError:
                    raise _undecodable() from None
                if not rest or rest.endswith(("\n", "\r")):
                    break
            yield "\n"
            continue
        yield line


def _header(cells: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells, start=1):
        name = (cell or "").strip().lstrip("\ufeff").strip()
        if not name:
            name = f"_column_{index}"
        if len(name) > 200:
            raise Refusal("file", "header", f"第 {index} 列的列名过长", f"the name of column {index} is too long")
        if name in seen:
            raise Refusal("file", "duplicate_column", f"列名重复：{name}", f"the column {name!r} appears twice")
        seen.add(name)
        names.append(name)
    if len(names) > MAX_COLUMNS:
        raise Refusal("file", "header", f"列数过多（{len(names)} 列，上限 {MAX_COLUMNS}）",
                      f"too many columns ({len(names)}; the limit is {MAX_COLUMNS})")
    if not names:
        raise Refusal("file", "header", "文件第一行应为列名", "the first row must name the columns")
    return names


def _zip_row(header: list[str], cells: list[Any], to_text: bool,
             strings: bool = False) -> dict[str, Any] | ReadProblem | None:
    """Pair a row's cells with the header; None for a blank row; a problem for an oversized one.
    ``strings``: every cell is known to be text (a CSV row)."""
    if len(cells) == len(header) and (strings or (not to_text and all(type(c) is str for c in cells))):
        # The common case (a CSV row as wide as its header): checks in C, one dict.
        if max(map(len, cells), default=0) <= MAX_CELL_CHARS:
            return dict(zip(header, cells, strict=True)) if "".join(cells).strip() else None
    if len(cells) > MAX_COLUMNS:
        return _too_many_columns(len(cells))
    values: dict[str, Any] = {}
    blank = True
    for index, cell in enumerate(cells):
        name = header[index] if index < len(header) else f"_column_{index + 1}"
        if cell is None:
            continue
        if to_text:
            cell = _cell_text(cell)
        if isinstance(cell, str):
            if len(cell) > MAX_CELL_CHARS:
                return _cell_too_large(name, len(cell))
            if cell.strip():
                blank = False
        else:
            blank = False
        values[name] = cell
    return None if blank else values


def bounded_row(values: Mapping[str, Any]) -> dict[str, Any] | ReadProblem | None:
    """A row given as a mapping (JSONL, JSON submissions) under the same limits as a file's row."""
    return _zip_row([str(k) for k in values], list(values.values()), to_text=False)


# ---------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------


class CsvSource(RowSource):
    format = "csv"

    def rows(self) -> Iterator[Row]:
        with self.path.open("rb") as raw:
            self._raw = raw
            encoding = sniff_encoding(raw.read(SNIFF_BYTES))
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
            flags = {"overlong": False}
            reader = csv.reader(_bounded_lines(text, flags), strict=False)
            header: list[str] | None = None
            number = 0
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    number += 1
                    flags["overlong"] = False
                    if header is None:
                        raise Refusal("file", "header", "无法读取列名行",
                                      "the header row cannot be read") from exc
                    yield number, ReadProblem(None, "row_malformed", f"本行格式有误，无法读取（{exc}）",
                                              f"the row is malformed and cannot be read ({exc})")
                    continue
                number += 1
                if flags["overlong"]:
                    flags["overlong"] = False
                    if header is None:
                        raise Refusal("file", "header", "列名行过长", "the header row is too long")
                    yield number, _row_too_long()
                    continue
                if header is None:
                    if not any(c.strip() for c in cells):
                        continue
                    header = self.header = _header(cells)
                    continue
                values = _zip_row(header, cells, to_text=False, strings=True)
                if values is not None:
                    yield number, values
            if header is None:
                raise Refusal("file", "empty", "文件为空或没有列名行", "the file is empty or has no header row")


# ---------------------------------------------------------------------------------------------------
# JSONL
# ---------------------------------------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:50]!r}")
        out[key] = value
    return out


def _json_problem(detail: str) -> ReadProblem:
    return ReadProblem(None, "row_malformed", f"本行不是有效的 JSON 对象（{detail}）",
                       f"the line is not a valid JSON object ({detail})")


class JsonlSource(RowSource):
    format = "jsonl"

    def rows(self) -> Iterator[Row]:
        with self.path.open("rb") as raw:
            self._raw = raw
            head = raw.read(SNIFF_BYTES)
            try:
                codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
            except UnicodeDecodeError:
                raise Refusal("file", "encoding", "JSONL 文件必须使用 UTF-8 编码",
                              "a JSONL file must be encoded in UTF-8") from None
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline=None)
            flags = {"overlong": False}
            number = 0
            for line in _bounded_lines(text, flags):
                number += 1
                if flags["overlong"]:
                    flags["overlong"] = False
                    yield number, _row_too_long()
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line, object_pairs_hook=_no_duplicate_keys)
                except RecursionError:
                    yield number, _json_problem("nested too deeply")
                    continue
                except ValueError as exc:  # JSONDecodeError, duplicate keys, over-long integers
                    yield number, _json_problem(str(exc)[:200])
                    continue
                if not isinstance(obj, dict):
                    yield number, _json_problem("not an object")
                    continue
                values = bounded_row(obj)
                if values is not None:
                    yield number, values


# ---------------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------------


def _archive_refused(zh: str, en: str) -> Refusal:
    return Refusal("file", "archive", f"XLSX 文件被拒绝：{zh}", f"the XLSX file is refused: {en}")


def inspect_archive(path: Path) -> None:
    """Refuse an archive bomb before any member is decompressed for parsing.

    Reads only the central directory (bounded by the file's own size) and the first bytes of each
    member, so the check is quick and needs little memory whatever the archive claims to hold. The
    declared sizes are trustworthy for what follows: Python's zip reader stops at the declared size
    and fails the CRC check if a member tries to inflate beyond it.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _archive_refused("不是有效的 ZIP/XLSX 文件",
                               f"it is not a valid ZIP/XLSX file ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise _archive_refused(f"成员过多（{len(members)} 个）", f"too many members ({len(members)})")
        total = 0
        for info in members:
            total += info.file_size
            if total > MAX_XLSX_UNCOMPRESSED:
                raise _archive_refused(f"解压后超过 {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB",
                                       f"it expands beyond {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB")
            if info.file_size > RATIO_CHECK_FLOOR and \
                    info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise _archive_refused(f"成员 {info.filename[:80]} 压缩比异常",
                                       f"member {info.filename[:80]!r} has an abnormal compression ratio")
            name = info.filename.lower()
            if name.endswith("sharedstrings.xml") and info.file_size > MAX_XLSX_SHARED_STRINGS:
                raise _archive_refused("共享字符串表过大", "its shared-strings table is too large")
            if name.endswith(_NESTED_ARCHIVE_SUFFIXES):
                raise _archive_refused("内含压缩包", f"it contains an archive ({info.filename[:80]!r})")
            if info.file_size >= 4 and not info.is_dir():
                try:
                    with archive.open(info) as member:
                        magic = member.read(4)
                except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
                    raise _archive_refused("成员无法读取", f"a member cannot be read ({exc})") from None
                if magic == _ZIP_MAGIC:
                    raise _archive_refused("内含压缩包", f"it contains an archive ({info.filename[:80]!r})")


def _unsafe_xml(exc: BaseException) -> Refusal:
    return _archive_refused("含有不安全的 XML（实体或 DTD）", f"it holds unsafe XML ({type(exc).__name__})")


def _load_openpyxl() -> Any:
    import warnings

    import defusedxml

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # its cElementTree shim announces itself
        defusedxml.defuse_stdlib()
    import openpyxl

    return openpyxl


def _cell_text(value: Any) -> str | None:
    """A spreadsheet cell as text: integers without ``.0``, dates as ISO 8601."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


class XlsxSource(RowSource):
    format = "xlsx"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        inspect_archive(path)
        self._rows_done = 0
        self._rows_total = 0

    def fraction_read(self) -> float:
        if self._rows_total:
            return min(1.0, self._rows_done / self._rows_total)
        return 0.0

    def rows(self) -> Iterator[Row]:
        openpyxl = _load_openpyxl()
        from defusedxml import DefusedXmlException

        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a malformed file
            cause: BaseException | None = exc
            while cause is not None and not isinstance(cause, DefusedXmlException):
                cause = cause.__cause__ or cause.__context__
            if cause is not None:   # openpyxl wraps the refusal of a DTD or an entity in a ValueError
                raise _unsafe_xml(cause) from None
            raise _archive_refused("无法读取工作簿",
                                   f"the workbook cannot be read ({type(exc).__name__})") from None
        try:
            sheet = workbook.worksheets[0] if workbook.worksheets else None
            if sheet is None:
                raise Refusal("file", "empty", "工作簿中没有工作表", "the workbook has no worksheet")
            try:
                self._rows_total = int(sheet.max_row or 0)
            except Exception:  # noqa: BLE001 - a missing or absurd dimension only disables the estimate
                self._rows_total = 0
            header: list[str] | None = None
            iterator = sheet.iter_rows(values_only=True)
            number = 0
            while True:
                try:
                    cells = next(iterator)
                except StopIteration:
                    break
                except DefusedXmlException as exc:
                    raise _unsafe_xml(exc) from None
                except Exception as exc:  # noqa: BLE001 - malformed sheet XML
                    raise _archive_refused("工作表无法读取",
                                           f"the worksheet cannot be read ({type(exc).__name__})") from None
                number += 1
                self._rows_done = number
                if header is None:
                    texts = [_cell_text(c) or "" for c in cells]
                    if not any(t.strip() for t in texts):
                        continue
                    header = self.header = _header(_trim_trailing(texts))
                    continue
                values = _zip_row(header, list(cells), to_text=True)
                if values is not None:
                    yield number, values
            if header is None:
                raise Refusal("file", "empty", "工作表为空或没有列名行",
                              "the worksheet is empty or has no header row")
        finally:
            workbook.close()


def _trim_trailing(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


# ---------------------------------------------------------------------------------------------------
# Writing error reports
# ---------------------------------------------------------------------------------------------------

ERROR_COLUMNS = ("row", "field", "code", "message_zh", "message_en")


def neutralise_cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, prefixed with ``'`` so it stays text."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _error_cells(error: Any) -> list[Any]:
    if isinstance(error, Mapping):
        cells = [error.get(c) for c in ERROR_COLUMNS]
    else:
        cells = [getattr(error, c, None) for c in ERROR_COLUMNS]
    return [neutralise_cell("" if c is None else c) for c in cells]


def write_errors_csv(errors: Iterable[Any], out: IO[bytes]) -> int:
    """Write an error report as CSV (UTF-8 with a byte-order mark, so spreadsheets read the Chinese)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(ERROR_COLUMNS)
        count = 0
        for error in errors:
            writer.writerow(_error_cells(error))
            count += 1
        text.flush()
        return count
    finally:
        text.detach()


def write_errors_xlsx(errors: Iterable[Any], out: IO[bytes] | str | os.PathLike[str]) -> int:
    """Write an error report as XLSX (write-only, streaming); every cell is plain text or a number."""
    openpyxl = _load_openpyxl()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("errors")
    sheet.append(list(ERROR_COLUMNS))
    count = 0
    for error in errors:
        sheet.append(_error_cells(error))
        count += 1
    workbook.save(out)
    return count


# ---------------------------------------------------------------------------------------------
# An uploaded file, spooled to disk for the import (the API's and the portal's upload alike)
# ---------------------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json")


@contextmanager
def spooled_upload(stream: BinaryIO, filename: str | None, folder: Path) -> Iterator[Path]:
    """Copy an upload to a private temporary file in ``folder`` (at most ``MAX_UPLOAD_BYTES``: refused
    413 beyond), keeping a known suffix so the reader can tell the format; removed afterwards."""
    suffix = Path(filename or "").suffix.lower()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=suffix if suffix in UPLOAD_SUFFIXES else "",
                                     delete=False) as out:
        path = Path(out.name)
        try:
            copied = 0
            while block := stream.read(1 << 20):
                copied += len(block)
                if copied > MAX_UPLOAD_BYTES:
                    raise Refusal("file", "too_large", f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB",
                                  f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", status=413)
                out.write(block)
        except BaseException:
            out.close()
            path.unlink(missing_ok=True)
            raise
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
