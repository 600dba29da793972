"""Exchange files: ``export`` writes a page range of the change feed in the standard, ``import_exchange``
applies such files on a receiving platform.

``FILE`` holds the upserts as the standard's rows: CSV (UTF-8 with a byte-order mark, the full Chinese
headers in the standard's order), XLSX (the same, every cell text, formula-looking text neutralised) or
JSONL (one object per row, the element codes as keys). A receiving Xinyong imports ``FILE`` as it is with
``xinyong import`` (the layout is recognised by its headers). Withdrawals cannot be written as a standard
row: they go to the companion ``FILE.withdrawals.jsonl``, always written (empty of withdrawals when there
are none), whose first line says what range the pair covers and whose other lines are withdrawals::

    {"exchange": "xinyong", "platform": "...", "layout": "penalty", "since": 0, "next": 812}
    {"seq": 790, "op": "withdraw", "layout": "penalty", "key": "示市监罚〔2025〕2号#9150…", "reason": "restored"}

``xinyong exchange import FILE --from PEER`` applies the pair as one exchange from that downstream peer
(``receive``): upserts under the keys the standard derives, withdrawals, the cursor.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from xinyong.domain.exchange.changes import Change
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.aggregation import files as readers
from xinyong.services.exchange.feed import Page, changes_since, layout_named
from xinyong.services.exchange.receive import Received, receive
from xinyong.services.platform.bootstrap import Platform

FORMATS = ("csv", "xlsx", "jsonl")
WITHDRAWALS_SUFFIX = ".withdrawals.jsonl"


def companion(path: Path) -> Path:
    return path.with_name(path.name + WITHDRAWALS_SUFFIX)


def export(platform: Platform, actor: Actor, layout_name: str, since: Any, path: str | os.PathLike[str], *,
           file_format: str = "csv") -> dict[str, Any]:
    """Write every change of ``layout_name`` after ``since`` (all pages up to the head) to ``path`` and its
    companion; returns the summary with ``next``, the cursor to export from next time."""
    if file_format not in FORMATS:
        raise Refusal("format", "format_unknown", "格式须为 csv、xlsx 或 jsonl", "the format is csv, xlsx or jsonl")
    layout = layout_named(layout_name)
    pages: list[Page] = []
    cursor = since
    while True:
        page = changes_since(platform, actor, layout.name, cursor)
        pages.append(page)
        cursor = page.next
        if not page.more:
            break
    latest: dict[str, Change] = {}
    for page in pages:
        for change in page.changes:
            latest.pop(change.key, None)
            latest[change.key] = change
    upserts = [c for c in latest.values() if c.op == "upsert"]
    withdrawals = [c for c in latest.values() if c.op == "withdraw"]
    out = Path(path)
    headers = layout.headers(codes=file_format == "jsonl")
    codes = layout.headers(codes=True)

    def cells(change: Change) -> list[str]:
        row = change.row or {}
        return [row.get(code, "") for code in codes]

    if file_format == "csv":
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            for change in upserts:
                writer.writerow([readers.neutralise_cell(c) for c in cells(change)])
    elif file_format == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(layout.title_zh)
        sheet.append(headers)
        for change in upserts:
            sheet.append([readers.neutralise_cell(c) for c in cells(change)])
        workbook.save(out)
    else:
        with out.open("w", encoding="utf-8") as fh:
            for change in upserts:
                fh.write(json.dumps(dict(zip(codes, cells(change), strict=True)), ensure_ascii=False) + "\n")
    first = pages[0].since
    with companion(out).open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"exchange": "xinyong", "platform": platform.jurisdiction, "layout": layout.name,
                             "since": first, "next": cursor}, ensure_ascii=False) + "\n")
        for change in withdrawals:
            fh.write(json.dumps(change.to_dict(), ensure_ascii=False) + "\n")
    return {"layout": layout.name, "since": first, "next": cursor, "file": str(out), "format": file_format,
            "withdrawals_file": str(companion(out)), "upserts": len(upserts), "withdrawals": len(withdrawals)}


def _companion_lines(path: Path) -> tuple[dict[str, Any], list[Any]]:
    if not path.exists():
        raise Refusal("file", "withdrawals_file_missing", f"缺少撤回清单 {path.name}（与导出文件一同提供）",
                      f"the withdrawals file {path.name} is missing (it comes with the exported file)")
    header: dict[str, Any] | None = None
    items: list[Any] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                raise Refusal(f"{path.name}:{number}", "line_invalid", f"{path.name} 第 {number} 行不是 JSON",
                              f"line {number} of {path.name} is not JSON") from None
            if header is None:
                if not isinstance(value, dict) or value.get("exchange") != "xinyong":
                    raise Refusal(f"{path.name}:1", "header_invalid", f"{path.name} 第 1 行须为交换范围说明",
                                  f"line 1 of {path.name} must describe the exchange's range")
                header = value
                continue
            items.append(value)
    if header is None:
        raise Refusal("file", "header_invalid", f"{path.name} 为空", f"{path.name} is empty")
    return header, items


def import_exchange(platform: Platform, peer: str, path: str | os.PathLike[str], *,
                    file_format: str | None = None) -> Received:
    """Apply an exported pair (``FILE`` and ``FILE.withdrawals.jsonl``) from downstream peer ``peer``."""
    out = Path(path)
    if out.name.endswith(WITHDRAWALS_SUFFIX):
        out = out.with_name(out.name[: -len(WITHDRAWALS_SUFFIX)])
    header, items = _companion_lines(companion(out))
    layout = layout_named(str(header.get("layout")))
    upto = header.get("next")
    changes: list[dict[str, Any]] = []
    if out.exists():
        source = readers.open_rows(out, file_format)
        for number, values in source.rows():
            if isinstance(values, readers.ReadProblem):
                raise Refusal(f"{out.name}:{number}", values.code, f"{out.name} 第 {number} 行：{values.message_zh}",
                              f"{out.name} row {number}: {values.message_en}")
            row = {str(k): ("" if v is None else str(v)) for k, v in values.items()}
            derived = layout.to_row(row).get("record_key")
            changes.append({"seq": upto, "op": "upsert", "layout": layout.name, "form": "standard",
                            "key": derived or f"{out.name}:{number}", "row": row})
    changes.extend(items)
    return receive(platform, peer, layout.name, header.get("since"), upto, changes)


__all__ = ["FORMATS", "WITHDRAWALS_SUFFIX", "companion", "export", "import_exchange"]
