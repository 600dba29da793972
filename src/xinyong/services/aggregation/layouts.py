"""The layouts of the national data standards a file may arrive in (``xinyong/standards/*.yaml``, read once
and cached) and, per batch, the recognition of a file's layout and the preparation of its rows for the
row validator (``domain.aggregation.layouts``, ``domain.aggregation.standard_rows``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

from xinyong.domain.aggregation.layouts import Layout, is_long_term, load_layouts, recognise, yuan_to_wan
from xinyong.domain.aggregation.rows import RowError, ValidRecord
from xinyong.domain.aggregation.standard_rows import Established, PublicityCheck, prepare, verdict

STANDARDS = ("double-publicity.yaml",)
_CACHE_LIMIT = 64


@cache
def standard_layouts() -> dict[str, Layout]:
    """Every layout of the packaged standards, by name (``penalty``, ``permit``)."""
    out: dict[str, Layout] = {}
    for name in STANDARDS:
        text = resources.files("xinyong.standards").joinpath(name).read_text(encoding="utf-8")
        out.update(load_layouts(yaml.safe_load(text)))
    return out


def layout(name: str) -> Layout:
    """One layout by name; a ``KeyError`` names the layouts there are."""
    found = standard_layouts().get(name)
    if found is None:
        raise KeyError(f"no layout {name!r}; there are: {', '.join(sorted(standard_layouts()))}")
    return found


def yuan_fields() -> dict[str, frozenset[str]]:
    """Per catalog item, the fields the standards fill from 万元 (stored in yuan): shown in both."""
    out: dict[str, set[str]] = {}
    for found in standard_layouts().values():
        out.setdefault(found.item, set()).update(c.to for c in found.columns if c.convert == "wan_to_yuan")
    return {item: frozenset(names) for item, names in out.items()}


@cache
def _display_kinds() -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """(item, field) -> how the standard's conversion shows it: ``yuan``, ``long_term``, or a code table."""
    out: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for found in standard_layouts().values():
        for column in found.columns:
            how = column.convert or ""
            if how == "wan_to_yuan":
                out[(found.item, column.to)] = ("yuan", {})
            elif how == "long_term_date":
                out[(found.item, column.to)] = ("long_term", {})
            elif how.startswith(("table:", "tables:")):
                table = found.tables[how.partition(":")[2]]
                out[(found.item, column.to)] = ("codes", {code: text for text, code in table.items()})
    return out


def field_display(item_code: str, name: str, value: Any, lang: str) -> str | None:
    """How a stored field of a record in a standard's item is shown, or None for the plain value: a yuan
    amount in 元 and in 万元 (``5000 元（0.5 万元）``), a long-term date as 长期, codes by the standard's names."""
    found = _display_kinds().get((item_code, name))
    if found is None or value is None or value == "":
        return None
    how, names = found
    text = str(value)
    if how == "yuan":
        try:
            wan = yuan_to_wan(text)
        except (ArithmeticError, ValueError):
            return None
        return f"{text} 元（{wan} 万元）" if lang == "zh" else f"{text} yuan ({wan} × 10,000 yuan)"
    if how == "long_term":
        return ("长期" if lang == "zh" else "long-term") if is_long_term(text) else None
    codes = [c for c in text.split(";") if c]
    if lang == "zh":
        return "、".join(names.get(c, c) for c in codes)
    return ", ".join(c.replace("_", " ") for c in codes)


class StandardRows:
    """One batch's rows in a standard's layout: recognised from the file's header (or, for JSON rows, each
    row's keys; a batch keeps the first layout it recognised for later rows whose blank cells were left
    out), each row prepared for the validator and its verdict told in the standard's headers."""

    def __init__(self, received_on: date, header: Callable[[], Sequence[str] | None] | None = None,
                 publicity: PublicityCheck | None = None, established: Established | None = None) -> None:
        self.received_on = received_on
        self.publicity = publicity
        self.established = established
        self.layouts = standard_layouts()
        self._header = header
        self._fixed: Layout | None = None
        self._decided = False
        self._seen: dict[tuple[str, ...], Layout | None] = {}
        self._sticky: Layout | None = None

    def layout_for(self, values: Mapping[str, Any]) -> Layout | None:
        """The layout of this row, or None: a row for the generic validator."""
        if not self._decided and self._header is not None:
            header = self._header()
            if header:     # a file's header row decides for every row of the file
                self._fixed, self._decided = recognise(header, self.layouts), True
        if self._decided:
            return self._fixed
        columns = tuple(values)
        if columns in self._seen:
            found = self._seen[columns]
        else:
            found = recognise(columns, self.layouts)
            if len(self._seen) >= _CACHE_LIMIT:
                self._seen.clear()
            self._seen[columns] = found
        if found is not None:
            self._sticky = found
        elif self._sticky is not None and all(self._sticky.column_for(c) is not None for c in columns):
            found = self._sticky
        return found

    def validate(self, validator: Any, number: int, values: Mapping[str, Any],
                 found: Layout) -> ValidRecord | list[RowError]:
        row, errors = prepare(found, number, values, received_on=self.received_on, publicity=self.publicity,
                              established=self.established)
        return verdict(found, row, errors, validator.validate(number, row))


__all__ = ["STANDARDS", "StandardRows", "field_display", "layout", "standard_layouts", "yuan_fields"]
