"""File layouts of national data standards (the double-publicity 行政处罚 and 行政许可 layouts): a file laid
out as the standard is recognised by its headers and each row turned into the envelope and item fields
the row validator takes; a stored record is written back in the standard's own cells.

Plain Python, no I/O: the layout definition is data (``xinyong/standards/double-publicity.yaml``, read by
``xinyong.services.aggregation.layouts``) handed to ``load_layouts``.

* ``recognise(headers, layouts)``: a header row is a layout's when it carries the layout's key columns
  (subject name and category, decision number and date) in either spelling (the full
  ``行政相对人代码_1(统一社会信用代码)`` or the short ``统一社会信用代码``), with full-width or ASCII brackets and
  any spaces (NFKC), or as the element codes (``CF_WSH`` …) of JSON exchanges; and no ``item`` column.
* ``Layout.to_row(cells)``: the row the validator checks. The item comes from the layout; the record key
  is derived from the decision document number and the subject's identifier (``<文书号>#<USCC>``; for a
  natural person ``<文书号>#p<digest>``, so that no identity number sits in a key), stable, so a re-sent
  row is the same record; the identifier is the USCC, a natural person's 证件号码, or for an individual
  business with the placeholder ``00000000000000000X`` its 工商注册号; the subject kind follows
  行政相对人类别. Code tables become the stored codes, dates ISO, 万元 amounts exact yuan (``Decimal``).
  Long-term (``2099/12/31``) is kept as the date 2099-12-31 and shown as 长期 (``is_long_term``).
* ``Layout.from_record(payload, ...)``: the other direction, for export files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyong.domain.aggregation.convert import cell_text, is_blank, parse_date
from xinyong.domain.aggregation.rows import ENVELOPE_ALIASES

LONG_TERM = date(2099, 12, 31)
_SPACES = re.compile(r"\s+")
_KEY_TO = ("subject_name", "subject_category")   # besides key_from and decision_date: what makes a layout
_MAX_WAN_PLACES = 6
_TEN_THOUSAND = Decimal(10000)


def normalise_header(text: str) -> str:
    """A header as compared: NFKC (full-width brackets become ASCII), no spaces, case-folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()


def is_long_term(value: Any) -> bool:
    """A stored date that means no end (长期): 2099-12-31."""
    return value == LONG_TERM.isoformat() or value == LONG_TERM


class CellProblem(Exception):
    """A cell the layout cannot read: its header, a reason code of ``rows.REASONS``, both messages."""

    def __init__(self, header: str, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.header, self.code, self.zh, self.en = header, code, zh, en


@dataclass(frozen=True, slots=True, eq=False)    # compared and hashed by identity: a key per row
class Column:
    n: int
    header: str
    code: str
    to: str
    required: bool | frozenset[str] = False     # True, or the 行政相对人类别 codes for which it is
    convert: str | None = None
    other_to: str | None = None
    aliases: tuple[str, ...] = ()

    def required_for(self, category: str | None) -> bool:
        if isinstance(self.required, bool):
            return self.required
        return category in self.required


@dataclass(frozen=True)
class Layout:
    """One layout of a standard: its columns in order and what each fills. See the module docstring."""

    name: str
    item: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    tables: Mapping[str, Mapping[str, str]]
    fixed: Mapping[str, str]
    key_from: str
    decision_date: str
    placeholder_uscc: str
    separators: tuple[str, ...]
    subject_categories: Mapping[str, Mapping[str, str]]
    id_type_kinds: Mapping[str, str]
    date_format: str = "%Y/%m/%d"
    # The decision cannot predate an organisation's establishment (a penalty); a permit may (a name
    # reserved before the company is registered). A person's birth bounds every layout.
    after_establishment: bool = False
    # The field whose text, when a re-sent row changes a record already received, is the correction's
    # reason (the standard has no column for one; departments write it in 备注).
    correction_reason_from: str | None = None
    _index: dict[str, Column] = field(default_factory=dict, repr=False, compare=False)
    _plans: dict[tuple[str, ...], tuple[Column | None, ...]] = field(default_factory=dict, repr=False,
                                                                      compare=False)

    def __post_init__(self) -> None:
        for column in self.columns:
            for spelling in (column.header, column.code, *column.aliases):
                self._index.setdefault(normalise_header(spelling), column)

    # -- headers --------------------------------------------------------------------------------------

    def headers(self, codes: bool = False) -> list[str]:
        """The column order of the standard: the full Chinese headers, or the element codes."""
        return [c.code if codes else c.header for c in self.columns]

    def column_for(self, header: str) -> Column | None:
        return self._index.get(normalise_header(header))

    def column_to(self, name: str, category: str | None = None) -> Column | None:
        """The column that fills a field or envelope name (the identifier: 证件号码 for a natural person)."""
        found = [c for c in self.columns if c.to == name or c.other_to == name]
        if name == "identifier" and len(found) > 1:
            return found[-1] if category == "natural_person" else found[0]
        return found[0] if found else None

    def header_of(self, name: str | None, category: str | None = None) -> str | None:
        """The standard's header for a field or envelope name (what a row error names), else the name."""
        if name is None:
            return None
        name = {"record_key": self.key_from, "identifier_kind": "subject_id_type",
                "subject_kind": "subject_category"}.get(name, name)
        column = self.column_to(name, category)
        return column.header if column is not None else name

    def matches(self, headers: Iterable[str]) -> int:
        """How many of the layout's key columns the headers carry (0 unless all of them)."""
        found = {c.to for h in headers if (c := self.column_for(h)) is not None}
        key = {*_KEY_TO, self.key_from, self.decision_date}
        return len(found) if key <= found else 0

    # -- cells to a row -------------------------------------------------------------------------------

    def read_cells(self, cells: Mapping[str, Any]) -> tuple[dict[Column, Any], list[str]]:
        """The cells by column (any spelling of its header), and the headers the layout does not know."""
        headers = tuple(cells)
        plan = self._plans.get(headers)
        if plan is None:      # worked out once per header row
            plan = tuple(self.column_for(h) for h in headers)
            if len(self._plans) >= 256:
                self._plans.clear()
            self._plans[headers] = plan
        by_column: dict[Column, Any] = {}
        unknown: list[str] = []
        for column, (header, value) in zip(plan, cells.items(), strict=True):
            if column is None:
                if not is_blank(value):
                    unknown.append(header)
            elif column not in by_column or is_blank(by_column[column]):
                by_column[column] = value
        return by_column, unknown

    def to_row(self, cells: Mapping[str, Any], problems: list[CellProblem] | None = None,
               by_column: Mapping[Column, Any] | None = None) -> dict[str, Any]:
        """The envelope and item fields of one row laid out in the standard (see the module docstring).

        A cell that cannot be read is left out of the row and reported in ``problems``; without a list
        the first one is raised (``CellProblem``). ``by_column``: the cells as ``read_cells`` read them."""
        if by_column is None:
            by_column = self.read_cells(cells)[0]
        row: dict[str, Any] = {"item": self.item, **self.fixed}
        category = None
        for column in self.columns:
            raw = by_column.get(column)
            if is_blank(raw):
                continue
            try:
                value = self._convert(column, raw)
            except CellProblem as problem:
                if problems is None:
                    raise
                problems.append(problem)
                continue
            if column.to == "subject_category":
                category = value
            if column.other_to and isinstance(value, tuple):
                value, row[column.other_to] = value
            if column.to == "identifier" and column.convert == "uscc":
                row["_uscc"] = value
                continue
            if column.to == "identifier":
                row["_number"] = value
                continue
            row[column.to] = value
        self._subject(row, category)
        number = row.get(self.key_from)
        identifier = row.get("identifier")
        if isinstance(number, str) and isinstance(identifier, str):
            row["record_key"] = record_key(number, identifier, row.get("subject_kind"))
        reason = row.get(self.correction_reason_from) if self.correction_reason_from else None
        if isinstance(reason, str) and reason.strip():
            row["correction_reason"] = reason.strip()[:500]
        return row

    def _subject(self, row: dict[str, Any], category: str | None) -> None:
        uscc, number = row.pop("_uscc", None), row.pop("_number", None)
        spec = self.subject_categories.get(category or "", {})
        if spec.get("subject_kind"):
            row["subject_kind"] = spec["subject_kind"]
        if category == "natural_person":
            if number is not None:
                row["identifier"] = number
                id_type = row.get("subject_id_type")
                kind = self.id_type_kinds.get(id_type) if isinstance(id_type, str) else None
                if kind:
                    row["identifier_kind"] = kind
            return
        if uscc == self.placeholder_uscc:
            if isinstance(row.get("registration_number"), str):
                row["identifier"] = row["registration_number"]
                row["identifier_kind"] = "registration_no"
            return
        if uscc is not None:
            row["identifier"] = uscc
            row["identifier_kind"] = spec.get("identifier_kind", "uscc")

    def _convert(self, column: Column, raw: Any) -> Any:
        text = cell_text(raw)
        if text is None:
            raise CellProblem(column.header, "field_type", f"“{column.header}”应为文本",
                              f"{column.header!r} must be text")
        how = column.convert
        if how is None:
            return text if text.isascii() else unicodedata.normalize("NFC", text)
        if how in ("date", "long_term_date"):
            value = parse_date(raw)
            if value is None:
                raise CellProblem(column.header, "field_type",
                                  f"“{column.header}”应为日期（YYYY/MM/DD、YYYYMMDD 或 YYYY-MM-DD）",
                                  f"{column.header!r} must be a date (YYYY/MM/DD, YYYYMMDD or YYYY-MM-DD)")
            return value.isoformat()
        if how == "wan_to_yuan":
            return wan_to_yuan(text, column.header)
        if how == "uscc":
            return _SPACES.sub("", unicodedata.normalize("NFKC", text)).upper()
        if how.startswith("table:"):
            return self._code(column, how[6:], text)
        if how.startswith("tables:"):
            return self._codes(column, how[7:], text)
        raise ValueError(f"unknown conversion {how!r}")   # pragma: no cover - load_layouts refuses it

    def _code(self, column: Column, table_name: str, text: str) -> Any:
        table = self.tables[table_name]
        cleaned = unicodedata.normalize("NFKC", text).strip()
        found = table.get(cleaned)
        if found is not None and not (found == "other" and column.other_to):
            return found
        if column.other_to and "other" in table.values():
            head, sep, rest = cleaned.partition("-")
            if sep and head == "其他" and rest.strip():
                return ("other", rest.strip())
            if cleaned == "其他":
                return ("other", None)
        allowed = [k for k in table if not (column.other_to and table[k] == "other")]
        if column.other_to:
            allowed.append("其他-<名称>")
        raise CellProblem(column.header, "field_choice",
                          f"“{column.header}”的值“{cleaned[:40]}”不在代码表中，应为：{'、'.join(allowed)}",
                          f"{column.header!r}: {cleaned[:40]!r} is not in the code table; allowed: "
                          f"{', '.join(allowed)}")

    def _codes(self, column: Column, table_name: str, text: str) -> str:
        table = self.tables[table_name]
        cleaned = unicodedata.normalize("NFKC", text)
        for separator in self.separators:
            cleaned = cleaned.replace(unicodedata.normalize("NFKC", separator), ";")
        found: set[str] = set()
        for part in cleaned.split(";"):
            part = part.strip()
            if not part:
                continue
            code = table.get(part)
            if code is None:
                raise CellProblem(column.header, "field_choice",
                                  f"“{column.header}”中的“{part[:40]}”不在代码表中，应为：{'、'.join(table)}"
                                  "（多个以“;”分隔）",
                                  f"{column.header!r}: {part[:40]!r} is not in the code table; allowed: "
                                  f"{', '.join(table)} (several separated by ';')")
            found.add(code)
        return ";".join(code for code in table.values() if code in found)

    # -- a record back to the standard ----------------------------------------------------------------

    def from_record(self, payload: Mapping[str, Any], *, identifier: str, subject_kind: str,
                    subject_name: str, identifier_kind: str | None = None,
                    codes: bool = False) -> dict[str, str]:
        """A stored record written in the standard: ``{header: cell}`` in the standard's column order
        (``headers(codes)``: the element codes as keys when ``codes``), every cell a string ("" when
        empty).

        ``payload`` is the record's stored fields (``record_versions.payload``); ``identifier``,
        ``subject_kind``, ``subject_name`` and ``identifier_kind`` the subject's. Dates are written
        ``YYYY/MM/DD`` (long-term as 2099/12/31), yuan amounts back in 万元 exactly, codes as the
        standard's Chinese codes (``其他-<名称>`` where the record keeps a name). Personal data is written
        as stored: the caller decides what the receiving platform may see and blanks the rest."""
        reverse = {name: {code: text for text, code in table.items()} for name, table in self.tables.items()}
        category = payload.get("subject_category")
        if not isinstance(category, str):
            category = (subject_kind if subject_kind in ("natural_person", "individual_business")
                        else "organisation")
        out: dict[str, str] = {}
        for column in self.columns:
            key = column.code if codes else column.header
            value: Any
            if column.to == "subject_name":
                value = subject_name
            elif column.to == "subject_category":
                value = category
            elif column.to == "identifier" and column.convert == "uscc":
                value = None if category == "natural_person" else (
                    self.placeholder_uscc if identifier_kind == "registration_no" else identifier)
            elif column.to == "identifier":
                value = identifier if category == "natural_person" else None
            elif column.to == "registration_number" and identifier_kind == "registration_no":
                value = payload.get(column.to) or identifier
            elif column.to == "subject_id_type" and category == "natural_person" and not payload.get(column.to):
                value = _ID_TYPE_OF_KIND.get(identifier_kind or "")
            else:
                value = payload.get(column.to)
            out[key] = self._write(column, value, payload, reverse)
        return out

    def _write(self, column: Column, value: Any, payload: Mapping[str, Any],
               reverse: Mapping[str, Mapping[str, str]]) -> str:
        if value is None or value == "":
            return ""
        how = column.convert
        if how in ("date", "long_term_date"):
            parsed = parse_date(value)
            return parsed.strftime(self.date_format) if parsed else str(value)
        if how == "wan_to_yuan":
            return yuan_to_wan(value)
        if how and how.startswith("table:"):
            text = reverse[how[6:]].get(str(value), str(value))
            other = payload.get(column.other_to) if column.other_to else None
            if value == "other" and other:
                return f"{text}-{other}"
            return text
        if how and how.startswith("tables:"):
            table = reverse[how[7:]]
            return ";".join(table.get(code, code) for code in str(value).split(";") if code)
        return value if isinstance(value, str) else (cell_text(value) or "")


# 证件类型 of a natural person written for an identifier kind where the record keeps none.
_ID_TYPE_OF_KIND = {"citizen_id": "resident_id_card", "passport": "passport", "other_id": "other"}


def record_key(number: str, identifier: str, subject_kind: str | None) -> str:
    """The record key of a row in the standard: ``<文书号>#<identifier>``; a natural person's identity
    number never enters a key: ``<文书号>#p<first 16 hex of its SHA-256>``."""
    if subject_kind == "natural_person":
        digest = hashlib.sha256(identifier.strip().upper().encode("utf-8")).hexdigest()[:16]
        return f"{number}#p{digest}"
    return f"{number}#{identifier}"


def wan_to_yuan(text: str, header: str = "金额") -> str:
    """An amount in 万元 as exact yuan (``Decimal``, never float): ``"0.5"`` -> ``"5000"``. At most six
    decimals in 万元, not negative."""
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    try:
        amount = Decimal(cleaned) if len(cleaned) <= 40 else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise CellProblem(header, "field_type", f"“{header}”应为以万元计的数字",
                          f"{header!r} must be a number (in units of 10,000 yuan)")
    if amount < 0:
        raise CellProblem(header, "field_type", f"“{header}”不能为负数", f"{header!r} cannot be negative")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MAX_WAN_PLACES:
        raise CellProblem(header, "field_type", f"“{header}”最多保留 {_MAX_WAN_PLACES} 位小数（万元）",
                          f"{header!r} has more than {_MAX_WAN_PLACES} decimals (in 10,000 yuan)")
    return _plain(amount * _TEN_THOUSAND)


def yuan_to_wan(value: Any) -> str:
    """Stored yuan back in 万元, exactly: ``"5000"`` -> ``"0.5"``."""
    amount = Decimal(str(value))
    return _plain(amount / _TEN_THOUSAND)


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f") if amount != 0 else "0"


# ---------------------------------------------------------------------------------------------------
# Loading and recognising
# ---------------------------------------------------------------------------------------------------

_CONVERTS = ("date", "long_term_date", "wan_to_yuan", "uscc")


def _columns(raw: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for entry in raw:
        if isinstance(entry, list):      # a YAML alias of a shared block of columns
            yield from _columns(entry)
        else:
            yield entry


def load_layouts(data: Mapping[str, Any]) -> dict[str, Layout]:
    """The layouts of a standard's definition (the parsed YAML), checked: unknown conversions or tables,
    duplicate positions or headers are a ``ValueError`` naming the layout and column."""
    tables = {name: {str(k): str(v) for k, v in table.items()} for name, table in data["tables"].items()}
    out: dict[str, Layout] = {}
    for name, spec in data["layouts"].items():
        prefix = str(spec.get("code_prefix", ""))
        columns = []
        for raw in _columns(spec["columns"]):
            code = str(raw["code"])
            if prefix and not code.startswith(prefix) and code != "BZ":
                code = prefix + code
            required = raw.get("required", False)
            convert = raw.get("convert")
            if convert is not None and convert not in _CONVERTS:
                kind, _, table = str(convert).partition(":")
                if kind not in ("table", "tables") or table not in tables:
                    raise ValueError(f"layout {name}, column {raw['n']}: unknown conversion {convert!r}")
            columns.append(Column(
                n=int(raw["n"]), header=str(raw["header"]), code=code, to=str(raw["to"]),
                required=required if isinstance(required, bool) else frozenset(str(r) for r in required),
                convert=convert, other_to=raw.get("other_to"),
                aliases=tuple(str(a) for a in raw.get("aliases", ()) or ())))
        numbers = [c.n for c in columns]
        if numbers != sorted(set(numbers)):
            raise ValueError(f"layout {name}: column numbers repeat or are out of order")
        title = spec.get("title", {})
        layout = Layout(
            name=name, item=str(spec["item"]), title_zh=str(title.get("zh", name)),
            title_en=str(title.get("en", name)), columns=tuple(columns), tables=tables,
            fixed={str(k): str(v) for k, v in (spec.get("fixed") or {}).items()},
            key_from=str(spec["key_from"]), decision_date=str(spec["decision_date"]),
            after_establishment=bool(spec.get("after_establishment", False)),
            correction_reason_from=(str(data["correction_reason_from"]) if data.get("correction_reason_from")
                                    else None),
            placeholder_uscc=str(data["placeholder_uscc"]),
            separators=tuple(str(s) for s in data.get("multi_separators", (";",))),
            subject_categories={str(k): {str(a): str(b) for a, b in (v or {}).items()}
                                for k, v in data["subject_categories"].items()},
            id_type_kinds={str(k): str(v) for k, v in data["id_type_identifier_kinds"].items()},
            date_format=str(data.get("date_format", "%Y/%m/%d")))
        spelled = [s for c in columns for s in {normalise_header(x) for x in (c.header, c.code, *c.aliases)}]
        twice = sorted({s for s in spelled if spelled.count(s) > 1})
        if twice:
            raise ValueError(f"layout {name}: a header or code is used twice: {', '.join(twice)}")
        out[name] = layout
    return out


def recognise(headers: Iterable[str], layouts: Mapping[str, Layout]) -> Layout | None:
    """The layout a header row is laid out in, or None (a file with an ``item`` column is never one)."""
    names = [h for h in headers if isinstance(h, str)]
    if any(ENVELOPE_ALIASES.get(h.strip().casefold()) == "item" for h in names):
        return None
    best, score = None, 0
    for layout in layouts.values():
        found = layout.matches(names)
        if found > score:
            best, score = layout, found
    return best


__all__ = ["LONG_TERM", "CellProblem", "Column", "Layout", "is_long_term", "load_layouts", "normalise_header",
           "recognise", "record_key", "wan_to_yuan", "yuan_to_wan"]
