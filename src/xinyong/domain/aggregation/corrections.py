"""Corrected values (an objection's outcome ``corrected`` or ``supplemented``) as the record's catalog
fields store them: each value goes through the same converter as an imported cell (a date as ISO, an
amount as exact decimal text, a choice among the item's choices …), so a correction cannot store what an
import would have refused. A value the field refuses is a ``Refusal`` naming the field and its label in
both languages, raised before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xinyong.domain.aggregation.convert import Invalid, converter, is_blank
from xinyong.domain.catalog.items import field_from_dict
from xinyong.domain.platform.refusal import Refusal

__all__ = ["corrected_values"]


def corrected_values(fields: list[Mapping[str, Any]], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` converted field by field (``fields`` as the catalog item stores them, every changed
    name among them). An empty value clears an optional field (``None``: the writer drops it, as an
    import leaves a blank optional cell out) and is refused for a required one."""
    specs = {f["name"]: field_from_dict(f) for f in fields}
    out: dict[str, Any] = {}
    for name, raw in changes.items():
        spec = specs[name]
        if is_blank(raw):
            if spec.required:
                raise Refusal(f"corrections.{name}", "field_required", f"{spec.label_zh}为必填项，不能更正为空",
                              f"{spec.label_en} is required and cannot be corrected to empty")
            out[name] = None
            continue
        try:
            out[name] = converter(spec)(raw)
        except Invalid as wrong:
            raise Refusal(f"corrections.{name}", wrong.code, f"{spec.label_zh}{wrong.zh}",
                          f"{spec.label_en} {wrong.en}") from None
    return out
